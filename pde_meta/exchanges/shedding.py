"""Shedding: the cells a growth-law primary shed (its ``Poisson`` draws of ``m x^alpha``)
leave it at each coupling time, as single cells, for a circulation (model
``circulation``: they enter the blood by the route ``shed``, one event row per coupling
time, without a place, x = y = NaN, and without a phenotype: each counts as epithelial)
or straight for one organ of an organs compartment (``organ = "<name>"``: every shed cell
reaches it as a unit of one cell, whose fate its soil decides, as in Iwata et al. 2000).
The cells the primary hands over are the cells the target receives, exactly.
"""

from __future__ import annotations

import numpy as np

from ..core.options import Option
from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.circulation import ROUTES_IN, Circulation
from ..models.organs.compartment import Organs
from ..models.primary import Primary

__all__ = ["Shedding"]


@register_exchange("shedding")
class Shedding(Exchange):
    """From a primary (model ``primary``) to a circulation or to organs (model
    ``organs``, with ``organ``)."""

    OPTIONS = (
        Option("organ", "string", None, "the organ of an organs compartment that receives "
               "every shed cell (required when to is organs; not allowed to a circulation)"),
    )
    #: the models it connects: from, to
    ENDS = (("primary",), ("circulation", "organs"))

    def __init__(self, name: str, source: str, target: str, organ: str | None = None
                 ) -> None:
        super().__init__(name, source, target)
        self.organ = organ

    def check(self, source, target) -> None:
        """Refuse compartments of the wrong kinds, and a missing or unknown organ."""
        if not isinstance(source, Primary) or not isinstance(target, Circulation | Organs):
            raise ConfigError(f"exchange {self.name!r} (shedding): from = {self.source!r} "
                              f"is a {source.model!r} and to = {self.target!r} a "
                              f"{target.model!r}; allowed: from a primary (model "
                              f"'primary') to a circulation or organs; fix: name such "
                              f"compartments")
        if isinstance(target, Circulation) and self.organ is not None:
            raise ConfigError(f"exchange {self.name!r}: organ = {self.organ!r} is not "
                              f"allowed to a circulation (its organs are reached through "
                              f"the blood); fix: remove organ, or send the cells to an "
                              f"organs compartment")
        if isinstance(target, Organs) and self.organ not in target.names:
            what = "is missing" if self.organ is None else f"= {self.organ!r} is unknown"
            raise ConfigError(f"exchange {self.name!r}: organ {what}; allowed: one of the "
                              f"organs of {self.target!r}, {list(target.names)}; fix: add "
                              f"organ = \"{target.names[0]}\"")

    def apply(self, source: Primary, target, t: float, interval: float) -> int:
        cells = source.take_shed()
        if cells == 0:
            return 0
        if isinstance(target, Organs):
            return target.receive({self.organ: np.array([cells], dtype=np.int64)})
        one = lambda v: np.array([v])  # noqa: E731
        return target.receive(t, {"x": one(np.nan), "y": one(np.nan), "size": one(1),
                                  "mesenchymal": one(0), "epithelial": one(1),
                                  "route": one(ROUTES_IN.index("shed")), "vessel": one(0),
                                  "count": one(cells)})
