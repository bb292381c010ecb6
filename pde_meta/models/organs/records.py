r"""The first colonies of an organ as discrete records.

While few colonies exist, each one's fate matters (one colony dies or it does not), so
the first ``capacity`` colonies of an organ are records: a size each, grown by the exact
solution of its growth law over a step, and killed as a whole with probability
``1 - exp(-d dt)``. Colonies that start once the records are full go to the density of
:mod:`.colonies` (the hand-over: a record stays a record for its whole life, and the
density takes every later colony). The exact solutions and the time a colony of ``x``
cells takes to reach ``M`` are those of :mod:`pde_meta.numerics.growth` (``grow``,
``time_to``), so the time an organ's first macrometastasis appears is exact for a
record.
"""

from __future__ import annotations

import math

import numpy as np

from ...numerics.growth import grow, time_to

__all__ = ["grow", "time_to", "Records"]


class Records:
    """Up to ``capacity`` colonies, each with its size (NaN: a free slot)."""

    def __init__(self, capacity: int, law: str, rate: float, growth_capacity: float,
                 death: float) -> None:
        self.sizes = np.full(int(capacity), np.nan)
        self.law, self.rate, self.K, self.death = law, rate, growth_capacity, death
        self.started = 0     # colonies that became records
        self.died = 0        # records that died

    @property
    def alive(self) -> np.ndarray:
        return self.sizes[~np.isnan(self.sizes)]

    def add(self, size: float, count: int) -> int:
        """Start up to ``count`` records of ``size`` cells; returns how many fit."""
        free = np.flatnonzero(np.isnan(self.sizes))[:max(int(count), 0)]
        self.sizes[free] = float(size)
        self.started += free.size
        return int(free.size)

    def at_least(self, x: float) -> int:
        return int(np.count_nonzero(self.alive >= x))

    def advance(self, dt: float, rng: np.random.Generator, macro: float = math.inf
                ) -> float:
        """One step: deaths, then growth. Returns the earliest time within the step at
        which a surviving record reached ``macro`` cells (inf: none)."""
        live = np.flatnonzero(~np.isnan(self.sizes))
        if not live.size:
            return math.inf
        if self.death > 0.0:
            dead = live[rng.random(live.size) < -math.expm1(-self.death * dt)]
            self.sizes[dead] = np.nan
            self.died += dead.size
            live = np.flatnonzero(~np.isnan(self.sizes))
        first = math.inf
        for k in live:
            x = float(self.sizes[k])
            if x < macro:
                first = min(first, time_to(self.law, x, macro, self.rate, self.K))
        self.sizes[live] = grow(self.law, self.sizes[live], self.rate, self.K, dt)
        return first if first <= dt else math.inf
