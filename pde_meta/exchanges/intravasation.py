"""Intravasation: tumour cells leave a tissue grid through its vessels and enter a
circulation as whole cells, singles or clusters, by an active route (mesenchymal cells
through vessel walls that MMP opened) and a passive one (any cell through leaky
vessels); the tissue loses exactly the cells the circulation receives.

The random numbers of the exchange at coupling time ``t = k * interval`` come from the
stream ``(seed, "<tissue>-><circulation>", "intravasation")`` at counter ``k``, so a
restart draws what the uninterrupted run drew.
"""

from __future__ import annotations

from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.circulation import Circulation
from ..models.invasion.compartment import Tissue
from ..models.invasion.intravasation import INTRAVASATION_OPTIONS, IntravasationRule
from ..numerics.streams import stream, stream_key

__all__ = ["Intravasation"]


@register_exchange("intravasation")
class Intravasation(Exchange):
    """From a tissue (model ``invasion``) to a circulation (model ``circulation``); the
    rules, rates and cluster sizes are those of
    ``pde_meta.models.invasion.intravasation``."""

    #: the models it connects (checked in the config)
    ENDS = (("invasion",), ("circulation",))
    OPTIONS = INTRAVASATION_OPTIONS
    #: the run's seed is passed to the constructor
    SEEDED = True

    def __init__(self, name: str, source: str, target: str, seed: int = 0, **options
                 ) -> None:
        super().__init__(name, source, target)
        if options.get("cell_size") is None:
            raise ConfigError(f"exchange {name!r}: cell_size is missing; allowed: a "
                              f"diameter > 0 in the model's length unit; fix: add "
                              f"cell_size = ... (e.g. 0.0025 for 5 um cells with L = 2 mm)")
        self.rule = IntravasationRule(**options)
        self.key = stream_key(seed, f"{source}->{target}", "intravasation")

    def check(self, source, target) -> None:
        """Refuse compartments of the wrong kinds."""
        if not isinstance(source, Tissue) or not isinstance(target, Circulation):
            raise ConfigError(f"exchange {self.name!r} (intravasation): from = "
                              f"{self.source!r} is a {source.model!r} and to = "
                              f"{self.target!r} a {target.model!r}; allowed: from a tissue "
                              f"(model 'invasion') to a circulation (model 'circulation'); "
                              f"fix: swap or rename them")

    def apply(self, source: Tissue, target: Circulation, t: float, interval: float) -> int:
        k = int(round(t / interval)) if interval > 0 else 0
        events = source.intravasate(self.rule, interval, target.max_size,
                                    stream(self.key, k))
        return target.receive(t, events)
