r"""One step of a primary's growth: its size after ``h`` days and the cells it is
expected to shed meanwhile, :math:`\Lambda = \int m\, x_p(s)^\alpha\, ds`.

The scalar laws (exponential, logistic, Gompertz) advance by their exact solutions and
:math:`\Lambda` is the exact integral along them (:mod:`pde_meta.numerics.growth`:
closed form for exponential growth, converged Gauss-Legendre quadrature for the others).

Hahnfeldt et al. (1999): the volume :math:`V` and the vascular capacity :math:`K` (mm^3)

.. math::

    V' = -\lambda_1 V \ln(V/K), \qquad
    K' = -\lambda_2 K + b V - d K V^{2/3} - u(t) K,

with :math:`x_p = c V` cells (``cells_per_mm3``). :math:`u(t)` is the hook of a
treatment (an anti-angiogenic drug: :math:`u = e\, g(t)` with its level :math:`g`,
Hahnfeldt's :math:`-e K g`): :attr:`Hahnfeldt.treatment`, a function of the time in days,
None (no treatment) by default. The step is the classical fourth-order Runge-Kutta method
on :math:`(V, K, \Lambda)` with sub-steps of at most :data:`RK_COURANT` over the fastest
rate of the state at the start of the step,

.. math::

    r = \lambda_1 (1 + |\ln(V/K)|) + \lambda_2 + b V/K + d V^{2/3} + u,

so a step of one day near the plateau :math:`V = K = (b/d)^{3/2}` (:math:`r \approx 12`
/day) takes about 250 sub-steps, and its error is about 1e-11 relative
(``tests/test_primary.py`` checks the order and a reference solution). A state of 0
cells stays 0 under every law.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ...errors import SimulationError
from ...numerics.growth import grow, power_integral
from .parameters import PrimaryParameters

__all__ = ["ScalarLaw", "Hahnfeldt", "make_law", "RK_COURANT"]

#: the largest sub-step of the Hahnfeldt law times the fastest rate of its state
RK_COURANT = 0.05


class ScalarLaw:
    r"""Exponential, logistic or Gompertz growth of ``x`` cells (``K`` is unused: NaN).

    With a treatment that kills (:attr:`killing`, ``t`` in days -> a death rate per day,
    the cytotoxic term :math:`-k(t) x`) or slows the growth (:attr:`slowing`, ``t`` ->
    a fraction :math:`s(t)` of the growth rate taken away: cytostatic), the step
    integrates :math:`y = \ln x`, :math:`y' = (1 - s(t))\, g(x)/x - k(t)`, and
    :math:`\Lambda` by the same fourth-order Runge-Kutta sub-steps as Hahnfeldt's law (at
    most :data:`RK_COURANT` over the fastest rate); without one, the exact solutions."""

    def __init__(self, p: PrimaryParameters) -> None:
        self.p = p
        self.killing: Callable[[float], float] | None = None
        self.slowing: Callable[[float], float] | None = None

    def _rhs(self, t: float, y: float) -> tuple[float, float]:
        p = self.p
        x = math.exp(y)
        if p.law == "exponential":
            v = p.growth_rate
        elif p.law == "logistic":
            v = p.growth_rate * (1.0 - x / p.capacity)
        else:
            v = p.growth_rate * (math.log(p.capacity) - y)
        if self.slowing is not None:
            v *= 1.0 - self.slowing(t)
        if self.killing is not None:
            v -= self.killing(t)
        return v, p.shedding_rate * x**p.shedding_exponent

    def _killed(self, x: float, t: float, h: float) -> tuple[float, float]:
        p = self.p
        fastest = (abs(self._rhs(t, math.log(x))[0]) + p.growth_rate
                   * (1.0 + abs(math.log(max(x, 1.0)))))
        n = max(1, math.ceil(h * fastest / RK_COURANT))
        dt, y, lam = h / n, math.log(x), 0.0
        for j in range(n):
            s = t + j * dt
            a1, c1 = self._rhs(s, y)
            a2, c2 = self._rhs(s + 0.5 * dt, y + 0.5 * dt * a1)
            a3, c3 = self._rhs(s + 0.5 * dt, y + 0.5 * dt * a2)
            a4, c4 = self._rhs(s + dt, y + dt * a3)
            y += dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
            lam += dt / 6.0 * (c1 + 2.0 * c2 + 2.0 * c3 + c4)
        return math.exp(y), lam

    def advance(self, x: float, k: float, t: float, h: float) -> tuple[float, float, float]:
        """From ``x`` cells at day ``t``, over ``h`` days: ``(x, K, expected shed)``."""
        p = self.p
        if x == 0.0 or h <= 0.0:
            return x, k, 0.0
        if self.killing is not None or self.slowing is not None:
            new, expected = self._killed(x, t, h)
            return new, k, expected
        new = float(grow(p.law, x, p.growth_rate, p.capacity, h))
        expected = p.shedding_rate * power_integral(p.law, x, p.growth_rate, p.capacity, h,
                                                    p.shedding_exponent)
        return new, k, expected


class Hahnfeldt:
    """Hahnfeldt's tumour of ``x = c V`` cells and its vascular capacity ``K`` (mm^3)."""

    def __init__(self, p: PrimaryParameters,
                 treatment: Callable[[float], float] | None = None) -> None:
        self.p = p
        #: ``u(t)`` per day (``e g(t)`` of a drug at level ``g``), the time in days; None:
        #: untreated
        self.treatment = treatment
        self._lnc = math.log(p.cells_per_mm3)

    def rhs(self, t: float, v: float, k: float) -> tuple[float, float, float]:
        """``(V', K', m x^alpha)`` at day ``t``."""
        p = self.p
        lnv = math.log(v)
        dv = -p.lambda1 * v * (lnv - math.log(k))
        dk = p.stimulation * v - (p.lambda2 + p.inhibition * math.exp(2.0 / 3.0 * lnv)) * k
        if self.treatment is not None:
            dk -= self.treatment(t) * k
        return dv, dk, p.shedding_rate * math.exp(p.shedding_exponent * (self._lnc + lnv))

    def rate(self, t: float, v: float, k: float) -> float:
        """The fastest relative rate of the state, per day (it sets the sub-steps)."""
        p = self.p
        u = self.treatment(t) if self.treatment is not None else 0.0
        return (p.lambda1 * (1.0 + abs(math.log(v / k))) + p.lambda2 + p.stimulation * v / k
                + p.inhibition * v ** (2.0 / 3.0) + abs(u))

    def advance(self, x: float, k: float, t: float, h: float,
                courant: float = RK_COURANT) -> tuple[float, float, float]:
        """From ``x`` cells and ``K`` mm^3 at day ``t``, over ``h`` days:
        ``(x, K, expected shed)``."""
        if x == 0.0 or h <= 0.0:
            return x, k, 0.0
        c = self.p.cells_per_mm3
        v, lam = x / c, 0.0
        n = max(1, math.ceil(h * self.rate(t, v, k) / courant))
        dt = h / n
        f = self.rhs
        for j in range(n):
            s = t + j * dt
            a1, b1, c1 = f(s, v, k)
            a2, b2, c2 = f(s + 0.5 * dt, v + 0.5 * dt * a1, k + 0.5 * dt * b1)
            a3, b3, c3 = f(s + 0.5 * dt, v + 0.5 * dt * a2, k + 0.5 * dt * b2)
            a4, b4, c4 = f(s + dt, v + dt * a3, k + dt * b3)
            v += dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
            k += dt / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
            lam += dt / 6.0 * (c1 + 2.0 * c2 + 2.0 * c3 + c4)
            if not (v > 0.0 and k > 0.0 and math.isfinite(v) and math.isfinite(k)):
                raise SimulationError(f"the hahnfeldt primary reached V = {v:.6g}, K = "
                                      f"{k:.6g} mm^3 at day {s + dt:.6g}; fix: check its "
                                      f"parameters (a rate too large for its dt?)")
        return v * c, k, lam


def make_law(p: PrimaryParameters, treatment: Callable[[float], float] | None = None):
    """The law of ``p``: a :class:`ScalarLaw` or a :class:`Hahnfeldt`."""
    if p.scalar:
        if treatment is not None:
            raise ValueError("a treatment acts on the hahnfeldt law only")
        return ScalarLaw(p)
    return Hahnfeldt(p, treatment)
