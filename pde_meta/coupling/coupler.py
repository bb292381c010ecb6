"""The coupler: every compartment advances with its own steps to the next coupling time,
then the exchanges act, and the compartments that watch the others (a treatment that
waits for a detection) look.

Coupling times are ``k * interval`` (multiplied, never summed, so a longer run has the
same coupling times as a shorter one). Between two of them each compartment takes as
many steps of its own as it needs (multi-rate): a numba grid with an adaptive step next
to an ODE with a fixed one. With no exchanges there are no coupling times and each
compartment runs straight to the requested time: a one-compartment run is exactly the
compartment's own time loop.

The splitting error of the coupling is first order in ``interval`` (Lie splitting of the
exchange from the compartments' own dynamics; ``tests/test_coupling.py`` measures it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..core.compartment import Compartment
from ..errors import ConfigError
from .exchange import Exchange
from .ledger import Ledger, Transfer

__all__ = ["Coupler", "coupling_times"]

#: relative tolerance of time comparisons
TOLERANCE = 1e-9


def coupling_times(t0: float, t1: float, interval: float) -> list[float]:
    """The coupling times in ``(t0, t1]`` (multiples of ``interval``)."""
    tol = TOLERANCE * max(1.0, abs(t1))
    first = math.floor(t0 / interval * (1 + TOLERANCE)) + 1
    out = []
    k = first
    while k * interval <= t1 + tol:
        t = k * interval
        if t > t0 + tol:
            out.append(min(t, t1) if abs(t - t1) <= tol else t)
        k += 1
    return out


class Coupler:
    """Advance a set of compartments together.

    Parameters
    ----------
    compartments : sequence of Compartment
        Distinct names; the order is the order they advance in and are written.
    exchanges : sequence of Exchange
        Applied in order at every coupling time.
    interval : float, optional
        Time between coupling times; required when there are exchanges.
    """

    def __init__(self, compartments: Sequence[Compartment], exchanges: Sequence[Exchange] = (),
                 interval: float | None = None, ledger: Ledger | None = None) -> None:
        self.compartments: dict[str, Compartment] = {}
        for c in compartments:
            if c.name in self.compartments:
                raise ConfigError(f"compartments: the name {c.name!r} is used twice; fix: "
                                  f"give each compartment its own name")
            self.compartments[c.name] = c
        self.exchanges = tuple(exchanges)
        for e in self.exchanges:
            for end in (e.source, e.target):
                if end not in self.compartments:
                    raise ConfigError(f"exchange {e.name!r}: no compartment {end!r}; the "
                                      f"compartments are {list(self.compartments)}")
        #: compartments that look at the others at every coupling time (``watches``)
        self.watchers = [c for c in compartments if getattr(c, "watches", False)]
        coupled = bool(self.exchanges or self.watchers)
        if coupled and not (interval and math.isfinite(interval) and interval > 0):
            raise ConfigError(f"coupling interval = {interval!r} is not allowed; allowed: a "
                              f"positive time when there are exchanges, or a treatment that "
                              f"waits for a detection; fix: set coupling.interval")
        self.interval = float(interval) if coupled else math.inf
        self.ledger = ledger if ledger is not None else Ledger()
        t = self._coupled_until()
        #: the last coupling time at or before the start (a restart continues the grid)
        self._last_coupling = (math.floor(t / self.interval * (1 + TOLERANCE)) * self.interval
                               if self.exchanges else t)

    def __getitem__(self, name: str) -> Compartment:
        return self.compartments[name]

    def __iter__(self):
        return iter(self.compartments.values())

    def _coupled_until(self) -> float:
        return min((c.t for c in self.compartments.values()), default=0.0)

    @property
    def t(self) -> float:
        """The time every compartment has reached."""
        return self._coupled_until()

    def _next_stop(self, t_out: float) -> tuple[float, bool]:
        """The next time to advance to and whether exchanges act there."""
        if not math.isfinite(self.interval):
            return t_out, False
        times = coupling_times(self.t, t_out, self.interval)
        if times and times[0] < t_out - TOLERANCE * max(1.0, abs(t_out)):
            return times[0], True
        return t_out, bool(times)

    def advance(self, t_out: float, max_steps: int | None = None) -> int:
        """Advance towards ``t_out``: stop there, or once some compartment has taken
        ``max_steps`` steps in this call. Returns the steps taken, summed over
        compartments."""
        taken = 0
        budget = max_steps
        while self.t < t_out:
            stop, couple = self._next_stop(t_out)
            for c in self.compartments.values():
                if c.t < stop:
                    taken += c.advance(stop, budget)
            if self.t < stop:
                return taken  # a compartment used its step budget
            if couple:
                self._exchange(stop)
            if max_steps is not None:
                return taken
        return taken

    def _exchange(self, t: float) -> None:
        interval = t - self._last_coupling
        for e in self.exchanges:
            amount = e.apply(self.compartments[e.source], self.compartments[e.target], t,
                             interval)
            self.ledger.record(Transfer(t, e.name, e.source, e.target, float(amount)))
        for c in self.watchers:
            c.at_coupling(t)
        self._last_coupling = t
