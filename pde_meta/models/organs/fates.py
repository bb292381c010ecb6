r"""The fates of the cells that reach an organ: death, dormancy, or a colony.

Every unit that extravasates into an organ (a single cell or a cluster of ``s`` cells)
meets its fate at once: it dies with probability ``die``, goes dormant with probability
``dormant``, or starts to divide (a colony of ``s`` cells, :mod:`.colonies`). Dormant
units leave dormancy at the hazard ``reactivation + dormant_death`` per day: a fraction
``reactivation / (reactivation + dormant_death)`` of them start a colony, the others die.
Over a step ``dt`` a dormant unit leaves with probability ``q = 1 - exp(-(r + d) dt)``
and the split is binomial, so the time a unit spends dormant is geometric in steps (mean
about ``1 / (r + d)``).

Dormant units are counted by their age in steps (the last age holds all the older), so
that the duration of each dormancy that ends is recorded: ``durations[k]`` counts the
cells that reactivated after ``k + 1`` steps. Counts are integers and exact: the cells
that arrived equal those that died on arrival, are dormant, died dormant, reactivated
and started colonies at once.

The first colonies are discrete records (:mod:`.records`) when ``records`` is given.
With ``seeding = (m, alpha)`` colonies seed new colonies of one cell at the rate
:math:`\int m x^\alpha \rho\, dx` per day (Iwata's secondary seeding): the density's
from the counts of each sub-step, the records' from their sizes at the start of the step.

Sources: the fates and their rates are organ-specific and poorly known; Luzzi et al.
1998 (melanoma cells in the liver: 2.5 % formed micrometastases, most solitary cells
stayed dormant) is the usual anchor. Every default here is illustrative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .colonies import Colonies
from .records import Records

__all__ = ["Soil", "Fates"]


@dataclass(frozen=True)
class Soil:
    """An organ's soil for arriving cells (probabilities, rates per day)."""

    die: float = 0.5                 # illustrative
    dormant: float = 0.475           # so that 1 in 40 divide (Luzzi et al. 1998)
    reactivation: float = 0.001
    dormant_death: float = 0.001

    def __post_init__(self) -> None:
        for name in ("die", "dormant"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 <= v <= 1.0):
                raise ValueError(f"{name} = {v!r}; allowed: a probability in [0, 1]")
        if self.die + self.dormant > 1.0 + 1e-12:
            raise ValueError(f"die + dormant = {self.die + self.dormant:g}; allowed: at most "
                             f"1 (the rest start to divide); fix: lower one of them")
        for name in ("reactivation", "dormant_death"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0.0):
                raise ValueError(f"{name} = {v!r}; allowed: a rate >= 0 per day")


@dataclass
class Fates:
    """The arrived cells of one organ: fates, a dormant pool by age, and the colonies.

    ``dt`` is the step in days; dormant units are kept by age up to ``ages`` steps.
    ``dormant[s, (a + offset) % ages]`` counts dormant units of ``s + 1`` cells of age
    ``a`` steps: a ring, so that a step ages every unit by moving ``offset``, not the
    array (:meth:`by_age` gives them in age order).
    """

    soil: Soil
    colonies: Colonies
    dt: float = 1.0
    max_size: int = 20
    ages: int = 3650
    dormant: np.ndarray = field(default=None)  # type: ignore[assignment]
    durations: np.ndarray = field(default=None)  # type: ignore[assignment]
    arrived: int = 0
    died: int = 0
    dormant_died: int = 0
    reactivated: int = 0
    started: int = 0
    records: Records | None = None
    offset: int = 0
    #: ``(m, alpha)``: colonies seed new colonies of one cell at ``m x^alpha`` per day
    #: (Iwata's secondary seeding; the records seed too); None: off
    seeding: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dt) and self.dt > 0):
            raise ValueError(f"dt = {self.dt!r}; allowed: a step > 0 days")
        if not (isinstance(self.ages, int) and self.ages >= 2):
            raise ValueError(f"ages = {self.ages!r}; allowed: an integer >= 2 steps")
        if self.dormant is None:
            self.dormant = np.zeros((self.max_size, self.ages), dtype=np.int64)
        if self.durations is None:
            self.durations = np.zeros(self.ages, dtype=np.int64)
        self.sizes = np.arange(1, self.max_size + 1)
        self.factor, self.extra_death = math.nan, 0.0
        self.set_reactivation_factor(1.0)
        self.set_soil_factors(1.0, 1.0)
        #: with a tissue grid of its own (``spatial``), the units that start colonies
        #: wait here for it (:meth:`take_colonies`) instead of growing in the size density
        self.spatial = False
        self.queued = np.zeros(self.max_size, dtype=np.int64)

    def take_colonies(self) -> np.ndarray:
        """The units that started colonies since the last call (for the organ's grid)."""
        out, self.queued = self.queued, np.zeros(self.max_size, dtype=np.int64)
        return out

    def set_soil_factors(self, die: float, dormant: float) -> None:
        """From the next arrival on, multiply the soil's probability that an arriving unit
        dies, and the share of the survivors that go dormant (the niche: both factors at
        most 1): the survivors split between dormancy and division as the soil's do,
        times ``dormant``."""
        s = self.soil
        self.p_die = s.die * die
        share = s.dormant / (1.0 - s.die) if s.die < 1.0 else 0.0
        self.p_dormant = min(share * dormant, 1.0)

    def set_reactivation_factor(self, factor: float, extra_death: float = 0.0) -> None:
        """Multiply the soil's reactivation rate by ``factor`` and add ``extra_death`` per
        day to the death rate of dormant cells from the next step on (an event: the
        inflammation after surgery, an immune change; a treatment)."""
        if (factor, extra_death) == (self.factor, self.extra_death):
            return
        self.factor, self.extra_death = float(factor), float(extra_death)
        r = self.soil.reactivation * self.factor
        rate = r + self.soil.dormant_death + self.extra_death
        self._leave = -math.expm1(-rate * self.dt)
        self._wake = r / rate if rate > 0 else 0.0

    # ------------------------------------------------------------------ ledger
    def by_age(self) -> np.ndarray:
        """``[s, a]``: the dormant units of ``s + 1`` cells of age ``a`` steps."""
        return np.roll(self.dormant, -self.offset, axis=1)

    def dormant_cells(self) -> int:
        return int(self.dormant.sum(axis=1) @ self.sizes)

    def balance(self) -> int:
        """Cells arrived minus cells accounted for: 0."""
        return (self.arrived - self.died - self.dormant_cells() - self.dormant_died
                - self.reactivated - self.started)

    # ------------------------------------------------------------------ steps
    def _start(self, units: np.ndarray) -> None:
        """Colonies of ``s + 1`` cells from ``units[s]`` units that start to divide: the
        first ones as records while there is room (:mod:`.records`), the rest into the
        density; for an organ with a grid of its own, to the queue for it."""
        if self.spatial:
            self.queued += np.asarray(units, dtype=np.int64)
            return
        for s in np.flatnonzero(units):
            count = int(units[s])
            if self.records is not None:
                count -= self.records.add(float(s + 1), count)
            if count:
                self.colonies.add(float(s + 1), count)

    def receive(self, units: np.ndarray, rng: np.random.Generator) -> None:
        """Units that arrived: ``units[s]`` of ``s + 1`` cells (an integer array)."""
        units = np.asarray(units, dtype=np.int64)
        die = rng.binomial(units, self.p_die)
        rest = units - die
        dormant = rng.binomial(rest, self.p_dormant)
        divide = rest - dormant
        self.arrived += int(units @ self.sizes)
        self.died += int(die @ self.sizes)
        self.started += int(divide @ self.sizes)
        self.dormant[:, self.offset] += dormant
        self._start(divide)

    def advance(self, rng: np.random.Generator, inflow: float = 0.0,
                macro: float = math.inf) -> float:
        """One step of ``dt`` days: dormant units age, leave (reactivate or die), the
        reactivated start colonies, and the colonies grow (with ``inflow`` more colonies
        of one cell per day, from elsewhere). Returns the time within the step at which
        a record first reached ``macro`` cells (inf: none)."""
        d = self.dormant
        if d.any():
            idx = np.flatnonzero(d)
            leave = rng.binomial(d.reshape(-1)[idx], self._leave)
            wake = rng.binomial(leave, self._wake)
            d.reshape(-1)[idx] -= leave
            size, column = np.divmod(idx, self.ages)
            age = (column - self.offset) % self.ages
            cells = self.sizes[size]
            self.reactivated += int(wake @ cells)
            self.dormant_died += int((leave - wake) @ cells)
            np.add.at(self.durations, age, wake * cells)
            woke = np.bincount(size, weights=wake, minlength=self.max_size).astype(np.int64)
            self._start(woke)
            # age every unit: the oldest age joins the one before it, and its column,
            # emptied, becomes age 0
            oldest = (self.offset - 1) % self.ages
            d[:, (self.offset - 2) % self.ages] += d[:, oldest]
            d[:, oldest] = 0
            self.offset = oldest
        first = math.inf
        if self.seeding is not None and self.records is not None:
            m, alpha = self.seeding
            inflow += m * float(np.sum(self.records.alive ** alpha))
        if self.records is not None:
            first = self.records.advance(self.dt, rng, macro)
        self.colonies.advance(self.dt, inflow=inflow, seeding=self.seeding)
        return first

    def at_least(self, x: float) -> float:
        """Colonies of at least ``x`` cells: the records and the density."""
        return self.colonies.at_least(x) + (self.records.at_least(x) if self.records
                                            is not None else 0)

    def total_colonies(self) -> float:
        """Colonies of any size: the records and the density."""
        return self.at_least(1.0)

    def colony_counts(self) -> np.ndarray:
        """Colonies in each cell of the size grid, the records among them."""
        out = self.colonies.all
        if self.records is not None:
            g = self.colonies.grid
            for x in self.records.alive:
                out[min(g.index(float(x)), g.bins - 1)] += 1.0
        return out
