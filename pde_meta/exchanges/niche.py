"""The pre-metastatic niche: a primary (a tissue grid, or any compartment with a
``niche_measure``) primes the niches of an organs compartment with its signals.

At each coupling time ``t`` the primary's measure ``M`` (``measure``: its mass or hypoxic
mass for a tissue, its cells for a growth-law primary; the source's first kind by default)
gives the signal rate ``secretion * M`` per day, held over the interval that ends at
``t``; each organ's level follows :mod:`pde_meta.models.organs.niche`. No cell moves.
"""

from __future__ import annotations

from ..core.options import Option
from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.organs.compartment import Organs

__all__ = ["NicheSignals"]


@register_exchange("niche")
class NicheSignals(Exchange):
    """From a primary (with ``niche_measure``) to organs (model ``organs``)."""

    #: the models it connects (checked in the config)
    ENDS = (("invasion", "primary"), ("organs",))
    OPTIONS = (
        Option("secretion", "number", 1.0, "signal secreted per unit of the measure per "
               "day (illustrative: the organs' niche_uptake sets the scale)", low=0,
               units="1/day"),
        Option("measure", "string", None, "what the signal is proportional to: 'mass' or "
               "'hypoxic_mass' for a tissue, 'cells' for a growth-law primary (default: "
               "the first of these the source has)"),
    )

    def __init__(self, name: str, source: str, target: str, secretion: float = 1.0,
                 measure: str | None = None) -> None:
        super().__init__(name, source, target)
        self.secretion, self.measure = float(secretion), measure

    def check(self, source, target) -> None:
        """Refuse a source without niche signals, an unknown measure, or a target that is
        not organs."""
        kinds = getattr(source, "NICHE_MEASURES", None)
        if kinds is None or not isinstance(target, Organs):
            raise ConfigError(f"exchange {self.name!r} (niche): from = {self.source!r} is a "
                              f"{source.model!r} and to = {self.target!r} a "
                              f"{target.model!r}; allowed: from a primary (a tissue or a "
                              f"growth-law primary) to organs (model 'organs'); fix: change "
                              f"from or to")
        if self.measure is not None and self.measure not in kinds:
            raise ConfigError(f"exchange {self.name!r}: measure = {self.measure!r} is not "
                              f"one of {self.source!r}'s; allowed: {', '.join(kinds)}; "
                              f"fix: use one of them")

    def apply(self, source, target: Organs, t: float, interval: float) -> int:
        signal = self.secretion * source.niche_measure(self.measure)
        target.prime(signal, interval * target.hours / 24.0)
        return 0
