"""Colonisation: the colonies that start in one organ of an organs compartment grow on a
tissue grid of their own (a tissue compartment with the organ's soil as its parameters).

From the start of the run the organ hands its new colonies to the grid instead of its
size density; at each coupling time they are placed at the grid's perfused blood vessels
(:mod:`pde_meta.models.invasion.colonisation`): the cells the grid gains are the cells
of the colonies handed over, exactly. The placement draws from the stream
``(seed, "<organs>-><tissue>", "colonisation")`` at the coupling number. With
``niche_matrix`` > 0, the organ's primed niche lays down matrix around the grid's vessels
before the colonies come: each interval adds ``niche_matrix * h * days`` to the ECM at and
next to every perfused vessel point (``h`` the niche's effect, up to 1).
"""

from __future__ import annotations

import numpy as np

from ..core.options import REQUIRED, Option
from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.invasion.colonisation import PHENOTYPES
from ..models.invasion.compartment import Tissue
from ..models.organs.compartment import Organs
from ..numerics.streams import stream, stream_key

__all__ = ["Colonisation"]


@register_exchange("colonisation")
class Colonisation(Exchange):
    """From organs (model ``organs``) to a tissue (model ``invasion``)."""

    #: the models it connects (checked in the config)
    ENDS = (("organs",), ("invasion",))
    OPTIONS = (
        Option("organ", "string", REQUIRED, "the organ whose colonies grow on the tissue"),
        Option("cell_size", "number", REQUIRED, "diameter of a tumour cell in the tissue's "
               "length unit (a grid cell at density 1 holds dx dy / cell_size^2 cells)",
               low=0, low_open=True, units="L"),
        Option("phenotype", "choice", "tumor", "the field the cells join: 'tumor' "
               "(mesenchymal, the one population of the one-phenotype model) or "
               "'epithelial' (after a MET)", choices=PHENOTYPES),
        Option("niche_matrix", "number", 0.0, "ECM laid around the vessels per day by a "
               "full niche (the pre-metastatic niche's matrix; illustrative; 0: off)",
               low=0, units="f/day"),
    )
    SEEDED = True

    def __init__(self, name: str, source: str, target: str, seed: int = 0,
                 organ: str = "", cell_size: float = 0.0, phenotype: str = "tumor",
                 niche_matrix: float = 0.0) -> None:
        super().__init__(name, source, target)
        self.organ, self.cell_size, self.phenotype = organ, float(cell_size), phenotype
        self.niche_matrix = float(niche_matrix)
        self.key = stream_key(seed, f"{source}->{target}", "colonisation")

    def check(self, source, target) -> None:
        """Refuse the wrong kinds and an unknown organ; send the organ's colonies here."""
        if not isinstance(source, Organs) or not isinstance(target, Tissue):
            raise ConfigError(f"exchange {self.name!r} (colonisation): from = "
                              f"{self.source!r} is a {source.model!r} and to = "
                              f"{self.target!r} a {target.model!r}; allowed: from organs "
                              f"(model 'organs') to a tissue (model 'invasion'); fix: swap "
                              f"or rename them")
        source.give_colonies_to_grid(self.organ)

    def apply(self, source: Organs, target: Tissue, t: float, interval: float) -> int:
        if self.niche_matrix > 0.0:
            h = source.niche_effect(self.organ)
            target.deposit_matrix(self.niche_matrix * h * interval * source.hours / 24.0)
        units = source.take_colonies(self.organ)
        if not units.any():
            return 0
        k = int(round(t / interval)) if interval > 0 else 0
        target.colonise(units, self.cell_size, stream(self.key, k), self.phenotype)
        return int(units @ np.arange(1, units.size + 1))
