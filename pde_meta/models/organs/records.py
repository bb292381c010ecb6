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

With a ``plateau`` (:mod:`.colonies`), a record starts avascular: it grows by the law with
the plateau as its capacity (logistic for the exponential law), dies at the extra rate
``avascular_death``, and at the end of each step switches to vascular growth with
probability :math:`1 - e^{-s\, dt}`.
"""

from __future__ import annotations

import math

import numpy as np

from ...numerics.growth import grow, time_to

__all__ = ["grow", "time_to", "Records"]


class Records:
    """Up to ``capacity`` colonies, each with its size (NaN: a free slot)."""

    def __init__(self, capacity: int, law: str, rate: float, growth_capacity: float,
                 death: float, plateau: float | None = None, switch: float = 0.0,
                 avascular_death: float = 0.0) -> None:
        self.sizes = np.full(int(capacity), np.nan)
        #: whether each record has made the angiogenic switch (all do without a plateau)
        self.vascular = np.full(int(capacity), plateau is None)
        self.law, self.rate, self.K, self.death = law, rate, growth_capacity, death
        self.plateau, self.switch, self.avascular_death = plateau, switch, avascular_death
        self.law_a = "logistic" if law == "exponential" else law
        self.started = 0     # colonies that became records
        self.died = 0        # records that died

    @property
    def alive(self) -> np.ndarray:
        return self.sizes[~np.isnan(self.sizes)]

    def add(self, size: float, count: int) -> int:
        """Start up to ``count`` records of ``size`` cells; returns how many fit."""
        free = np.flatnonzero(np.isnan(self.sizes))[:max(int(count), 0)]
        self.sizes[free] = float(size)
        self.vascular[free] = self.plateau is None
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
        rates = self.death + np.where(self.vascular[live], 0.0, self.avascular_death)
        if np.any(rates > 0.0):
            dead = live[rng.random(live.size) < -np.expm1(-rates * dt)]
            self.sizes[dead] = np.nan
            self.died += dead.size
            live = np.flatnonzero(~np.isnan(self.sizes))
        first = math.inf
        vascular = live[self.vascular[live]]
        if math.isfinite(macro):
            # the largest record below macro reaches it first (the laws keep the order)
            below = self.sizes[vascular][self.sizes[vascular] < macro]
            if below.size:
                first = time_to(self.law, float(below.max()), macro, self.rate, self.K)
        self.sizes[vascular] = grow(self.law, self.sizes[vascular], self.rate, self.K, dt)
        young = live[~self.vascular[live]]
        if young.size:
            self.sizes[young] = grow(self.law_a, self.sizes[young], self.rate,
                                     self.plateau, dt)
            if self.switch > 0.0:
                self.vascular[young[rng.random(young.size)
                                    < -math.expm1(-self.switch * dt)]] = True
        return first if first <= dt else math.inf
