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

Damage (pharmacodynamics with repair, PhysiPKPD's accumulated damage): a target
accumulates the level and repairs at ``repair`` :math:`k_r` per day,
:math:`D' = g(t) - k_r D`, :math:`D(0) = 0`, so :math:`D(t) = \int_0^t g(u) e^{-k_r (t -
u)} du` (:meth:`PK.damage_at`). The level of each dose is a sum of exponentials
:math:`w_j e^{-\lambda_j s}`, so the damage is exact too: a bolus gives
:math:`\sum_j w_j \varphi(\lambda_j, k_r, s)` with :math:`\varphi(a, r, s) = \int_0^s
e^{-a u} e^{-r (s - u)} du = (e^{-r s} - e^{-a s}) / (a - r)`, written as :math:`s\,
e^{-\min(a, r) s} (1 - e^{-|a - r| s}) / (|a - r| s)`, which is exact also at
:math:`a = r` (:math:`s e^{-a s}`) and at :math:`k_r = 0` (the area under the curve); an
infusion that has run ``inside`` days and stopped ``after`` days ago gives
:math:`\sum_j w_j [\Phi(\lambda_j, k_r, \text{inside}) e^{-k_r \text{after}} +
\psi(\lambda_j, \text{inside}) \varphi(\lambda_j, k_r, \text{after})]` per unit rate,
with :math:`\psi(a, x) = (1 - e^{-a x}) / a` and :math:`\Phi(a, r, x) = \int_0^x
\varphi(a, r, y) dy = (\psi(r, x) - \psi(a, x)) / (a - r)`; where :math:`|a - r| x <
10^{-5}` the difference cancels, and :math:`\Phi` is taken at the midpoint rate,
:math:`\Phi(m, m, x) = x^2 (1 - e^{-m x}(1 + m x)) / (m x)^2`, whose error is of the order
:math:`((a - r) x)^2 / 12 < 10^{-10}` (:math:`\Phi` is symmetric in ``a`` and ``r``).
A constant level ``c`` from ``start`` gives :math:`c\, \psi(k_r, t - \text{start})`.

Stopping rules (:func:`limited`): no bolus at or after ``stop``, an infusion ends there; a
cumulative cap ``max_total`` on the amount given, in the order of time: an infusion is cut
when the cap is reached, the bolus that would cross it is given in part (the rest up to
the cap, so that exactly ``max_total`` is given), and every later dose is dropped.

Times are in days, amounts in the units of the doses (e.g. mg/kg), levels in amount per
volume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["PK_MODELS", "Dose", "PK", "Delayed", "shifted", "limited"]

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
    stop: float = math.inf        # ... until this time (the constant model)

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
            return self.level if self.start <= t < self.stop else 0.0
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
            return np.where((t >= self.start) & (t < self.stop), self.level, 0.0)
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

    def _components(self) -> tuple[tuple[float, float], ...]:
        """``(rate, weight)`` of the exponentials of a unit bolus's central amount."""
        if self.model == "one":
            return ((self.elimination, 1.0),)
        a, b = self._rates()
        return ((b, (self.k21 - b) / (a - b)), (a, (a - self.k21) / (a - b)))

    def damage_at(self, t: float, repair: float) -> float:
        """The damage :math:`D(t) = \\int_0^t g(u) e^{-k_r (t - u)} du` at one time ``t``
        (days), ``repair`` :math:`k_r` per day (see the module docstring)."""
        r = float(repair)
        if self.model == "constant":
            on = min(t, self.stop) - self.start
            if on <= 0:
                return 0.0
            return self.level * _psi(r, on) * math.exp(-r * max(t - self.stop, 0.0))
        parts = self._components()
        total = 0.0
        for d in self.doses:
            s = t - d.time
            if s <= 0:
                continue
            if d.duration == 0.0:
                total += d.amount * sum(w * _phi(a, r, s) for a, w in parts)
            else:
                inside, after = min(s, d.duration), max(s - d.duration, 0.0)
                total += d.amount * sum(
                    w * (_big_phi(a, r, inside) * math.exp(-r * after)
                         + _psi(a, inside) * _phi(a, r, after)) for a, w in parts)
        return total / self.volume


def _g1(z: float) -> float:
    """``(1 - e^-z) / z``, 1 at 0."""
    return -math.expm1(-z) / z if z != 0.0 else 1.0


def _psi(a: float, x: float) -> float:
    """``(1 - e^(-a x)) / a``: the integral of ``e^(-a u)`` over ``[0, x]``."""
    return x * _g1(a * x)


def _phi(a: float, r: float, s: float) -> float:
    """``int_0^s e^(-a u) e^(-r (s - u)) du``, exact at ``a = r``."""
    return s * math.exp(-min(a, r) * s) * _g1(abs(a - r) * s)


def _g2(z: float) -> float:
    """``(1 - e^-z (1 + z)) / z^2`` (``int_0^1 u e^(-z u) du``), by its series near 0."""
    if abs(z) < 0.5:
        term, total = 1.0, 0.5
        for n in range(1, 30):
            term *= -z / n
            total += term / (n + 2)
        return total
    return (-math.expm1(-z) - z * math.exp(-z)) / (z * z)


def _big_phi(a: float, r: float, x: float) -> float:
    """``int_0^x phi(a, r, y) dy``: at the midpoint rate where ``|a - r| x < 1e-5``."""
    if abs(a - r) * x < 1e-5:
        m = 0.5 * (a + r)
        return x * x * _g2(m * x)
    return (_psi(r, x) - _psi(a, x)) / (a - r)


def limited(doses: tuple[Dose, ...], stop: float = math.inf,
            max_total: float = math.inf) -> tuple[Dose, ...]:
    """``doses`` (in time order) under the stopping rules of the module docstring: none
    at or after ``stop`` (an infusion ends there), and at most ``max_total`` in all."""
    kept = []
    for d in doses:
        if d.time >= stop:
            continue
        if d.duration > 0.0:
            d = Dose(d.time, d.amount, min(d.duration, stop - d.time))
        kept.append(d)
    if not math.isfinite(max_total):
        return tuple(kept)
    # the time the cap is reached: walk the breakpoints, infusing between them
    times = sorted({d.time for d in kept} | {d.time + d.duration for d in kept
                                             if d.duration > 0.0})
    given, before, cap_at, part = 0.0, -math.inf, math.inf, None
    for tau in times:
        rate = sum(d.amount for d in kept if d.duration > 0.0
                   and d.time <= before and d.time + d.duration >= tau)
        if rate > 0.0 and given + rate * (tau - before) >= max_total:
            cap_at = before + (max_total - given) / rate
            break
        given += rate * (tau - before) if rate > 0.0 else 0.0
        for j, d in enumerate(kept):
            if d.duration == 0.0 and d.time == tau:
                if given + d.amount >= max_total:
                    cap_at, part = tau, (j, max_total - given)
                    break
                given += d.amount
        if part is not None:
            break
        before = tau
    out = []
    for j, d in enumerate(kept):
        if d.duration == 0.0:
            if part is not None and j == part[0]:
                if part[1] > 0.0:
                    out.append(Dose(d.time, part[1]))
            elif d.time < cap_at or (d.time == cap_at and part is not None
                                     and j < part[0]):
                out.append(d)
        elif d.time < cap_at:
            out.append(Dose(d.time, d.amount, min(d.duration, cap_at - d.time)))
    return tuple(out)


def shifted(pk: PK, day: float) -> PK:
    """``pk`` with every dose, its start and its stop moved ``day`` days later."""
    doses = tuple(replace(d, time=d.time + day) for d in pk.doses)
    return replace(pk, doses=doses, start=pk.start + day, stop=pk.stop + day)


class Delayed:
    """A schedule that starts when something is detected, on a day not known in advance:
    ``base`` is the schedule with its days counted from the detection. Until
    :meth:`fire` the level is 0 (and :attr:`first_dose` is inf); then it is ``base``
    moved to the day it fired. It answers what a :class:`PK` answers."""

    def __init__(self, base: PK) -> None:
        self.base = base
        self.day: float | None = None
        self._pk: PK | None = None

    def fire(self, day: float) -> None:
        self.day = float(day)
        self._pk = shifted(self.base, self.day)

    @property
    def doses(self) -> tuple[Dose, ...]:
        return () if self._pk is None else self._pk.doses

    @property
    def first_dose(self) -> float:
        return math.inf if self._pk is None else self._pk.first_dose

    def at(self, t: float) -> float:
        return 0.0 if self._pk is None else self._pk.at(t)

    def level_at(self, t) -> np.ndarray:
        if self._pk is None:
            return np.zeros_like(np.asarray(t, dtype=float))
        return self._pk.level_at(t)

    def damage_at(self, t: float, repair: float) -> float:
        return 0.0 if self._pk is None else self._pk.damage_at(t, repair)
