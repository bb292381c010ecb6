"""Surgery: the primary (a tissue grid, or any compartment with ``resect``) is resected
at a time, and the inflammation that follows wakes the dormant cells of an organs
compartment faster for a while.

At the first coupling time at or after ``time`` the primary keeps the fraction
``residual`` of its tumour cells (0: all removed); its shedding and its niche signals
then fall with it. From ``time`` to ``time + inflammation_days`` every organ's
reactivation rate is multiplied by ``reactivation_factor`` (an event of the organs
compartment, as ``[[compartments.<organs>.events]]``). No cell moves between the two:
the cells removed leave the run.
"""

from __future__ import annotations

from ..core.options import REQUIRED, Option
from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.organs.compartment import Organs

__all__ = ["Surgery"]


@register_exchange("surgery")
class Surgery(Exchange):
    """From a primary (with ``resect``) to organs (model ``organs``)."""

    #: the models it connects (checked in the config)
    ENDS = (("invasion", "primary"), ("organs",))
    OPTIONS = (
        Option("time", "number", REQUIRED, "when the primary is resected (the run's time; "
               "done at the first coupling time at or after it)", low=0, units="T"),
        Option("residual", "number", 0.0, "fraction of the tumour cells left behind", low=0,
               high=1),
        Option("reactivation_factor", "number", 1.0, "the organs' reactivation rate is "
               "multiplied by this after the surgery (the inflammation of the wound; "
               "illustrative)", low=0),
        Option("inflammation_days", "number", 0.0, "how long the inflammation lasts",
               low=0, units="days"),
    )

    def __init__(self, name: str, source: str, target: str, time: float = 0.0,
                 residual: float = 0.0, reactivation_factor: float = 1.0,
                 inflammation_days: float = 0.0) -> None:
        super().__init__(name, source, target)
        self.time, self.residual = float(time), float(residual)
        self.factor, self.days = float(reactivation_factor), float(inflammation_days)

    def check(self, source, target) -> None:
        """Refuse a source that cannot be resected or a target that is not organs; add
        the inflammation to the organs' events."""
        if not hasattr(source, "resect") or not isinstance(target, Organs):
            raise ConfigError(f"exchange {self.name!r} (surgery): from = {self.source!r} is "
                              f"a {source.model!r} and to = {self.target!r} a "
                              f"{target.model!r}; allowed: from a primary (a tissue or a "
                              f"growth-law primary) to organs (model 'organs'); fix: change "
                              f"from or to")
        if self.days > 0 and self.factor != 1.0:
            target.add_event(self.time, self.time + self.days * 24.0 / target.hours,
                             self.factor)

    def apply(self, source, target: Organs, t: float, interval: float) -> int:
        last = t - interval  # the coupling time before this one
        if last < self.time <= t or self.time == last == 0.0:
            source.resect(self.residual)
        return 0
