r"""Pharmacokinetics: the plasma level of a drug over time, exact between and across doses.

Doses are boluses (an amount at a time) and infusions (a rate over a window); the body is
linear, so the level is the superposition of each dose's response (PhysiPKPD's
conventions, exact rather than stepped):

* ``constant``: the level is ``level`` from ``start`` on (an idealised steady state);
* ``one``-compartment, elimination ``k`` per day, volume ``V``: a bolus ``D`` at
  :math:`t_i` gives :math:`D/V\, e^{-k (t - t_i)}`; an infusion at rate ``R`` from
  :math:`t_s` to :math:`t_e` gives :math:`R/(kV) (1 - e^{-k (t - t_s)})` while it runs and
  decays from its end value after;
* ``two``-compartment (central, peripheral; ``k10``, ``k12``, ``k21`` per day): the amounts
  follow :math:`A' = M A` with :math:`M = [[-(k_{10} + k_{12}), k_{21}], [k_{12}, -k_{21}]]`;
  a bolus into the central compartment gives the central amount
  :math:`D [(k_{21} - \beta) e^{-\beta s} - (k_{21} - \alpha) e^{-\alpha s}] / (\alpha -
  \beta)`, :math:`s = t - t_i`, with :math:`\alpha > \beta` the eigenvalues of
  :math:`-M` (the matrix exponential of ``M``, tested against ``scipy.linalg.expm``); an
  infusion is the integral of that response.

Times are in days, amounts in the units of the doses (e.g. mg/kg), levels in amount per
volume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PK_MODELS", "Dose", "PK"]

PK_MODELS = ("constant", "one", "two")


@dataclass(frozen=True)
class Dose:
    """A bolus (``duration`` 0: ``amount`` at ``time``) or an infusion (``amount`` per day
    from ``time`` for ``duration`` days)."""

    time: float
    amount: float
    duration: float = 0.0


@dataclass(frozen=True)
class PK:
    """A drug's pharmacokinetics and its doses (see the module docstring)."""

    model: str = "one"
    doses: tuple[Dose, ...] = ()
    elimination: float = 1.0      # k or k10, 1/day
    volume: float = 1.0
    k12: float = 0.0              # 1/day
    k21: float = 0.0              # 1/day
    level: float = 0.0            # the constant model's level
    start: float = 0.0            # ... from this time on

    def __post_init__(self) -> None:
        if self.model not in PK_MODELS:
            raise ValueError(f"pk = {self.model!r}; allowed: one of {', '.join(PK_MODELS)}")
        for name in ("elimination", "volume"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} = {v!r}; allowed: a number > 0")
        for name in ("k12", "k21", "level"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} = {v!r}; allowed: a number >= 0")
        if self.model == "two" and not (self.k12 > 0 and self.k21 > 0):
            raise ValueError("the two-compartment model needs k12 > 0 and k21 > 0")

    @property
    def first_dose(self) -> float:
        """The day of the first dose (of the constant level: its start)."""
        return min((d.time for d in self.doses), default=self.start)

    def _rates(self) -> tuple[float, float]:
        """``alpha > beta``: the eigenvalues of ``-M``."""
        s = self.elimination + self.k12 + self.k21
        root = math.sqrt(s * s - 4.0 * self.elimination * self.k21)
        return 0.5 * (s + root), 0.5 * (s - root)

    def at(self, t: float) -> float:
        """The plasma level at one time ``t`` (days): :meth:`level_at` without arrays,
        for the many calls of a growth law's sub-steps."""
        if self.model == "constant":
            return self.level if t >= self.start else 0.0
        if self.model == "two":
            return float(self.level_at(t))
        k, total = self.elimination, 0.0
        for d in self.doses:
            s = t - d.time
            if s < 0 or (d.duration > 0 and s == 0):
                continue
            if d.duration == 0.0:
                total += d.amount * math.exp(-k * s)
            else:
                inside, after = min(s, d.duration), max(s - d.duration, 0.0)
                total += d.amount * -math.expm1(-k * inside) / k * math.exp(-k * after)
        return total / self.volume

    def level_at(self, t) -> np.ndarray:
        """The plasma level at the times ``t`` (days; an array or a number)."""
        t = np.asarray(t, dtype=float)
        if self.model == "constant":
            return np.where(t >= self.start, self.level, 0.0)
        out = np.zeros_like(t)
        for d in self.doses:
            s = t - d.time
            on = s > 0 if d.duration > 0 else s >= 0
            if not np.any(on):
                continue
            if d.duration == 0.0:
                out += np.where(on, d.amount * self._bolus(np.maximum(s, 0.0)), 0.0)
            else:
                inside = np.minimum(np.maximum(s, 0.0), d.duration)
                after = np.maximum(s - d.duration, 0.0)
                out += np.where(on, d.amount * self._infused(inside, after), 0.0)
        return out / self.volume

    def _bolus(self, s: np.ndarray) -> np.ndarray:
        """The central amount ``s`` days after a unit bolus."""
        if self.model == "one":
            return np.exp(-self.elimination * s)
        a, b = self._rates()
        return ((self.k21 - b) * np.exp(-b * s) - (self.k21 - a) * np.exp(-a * s)) / (a - b)

    def _infused(self, inside: np.ndarray, after: np.ndarray) -> np.ndarray:
        """The central amount of a unit-rate infusion that has run ``inside`` days and
        stopped ``after`` days ago (the integral of :meth:`_bolus`)."""
        if self.model == "one":
            k = self.elimination
            return -np.expm1(-k * inside) / k * np.exp(-k * after)
        a, b = self._rates()
        # int_0^T bolus(after + T - u) du, T = inside: each exponential integrates exactly
        def part(rate, weight):
            return weight * np.exp(-rate * after) * -np.expm1(-rate * inside) / rate
        return (part(b, self.k21 - b) - part(a, self.k21 - a)) / (a - b)
