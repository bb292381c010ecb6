r"""The scalar growth laws, by their exact solutions: the size after a time, the time to a
size, and the integral of a power of the size along the way.

A size :math:`x` (cells) grows by :math:`x' = g(x)` with rate :math:`a` and capacity
:math:`K`. From :math:`x_0` over a time :math:`t`:

* ``exponential``, :math:`g = a x`: :math:`x(t) = x_0 e^{a t}`;
* ``logistic``, :math:`g = a x (1 - x/K)`:
  :math:`x(t) = K x_0 / (x_0 + (K - x_0) e^{-a t})`;
* ``gompertz``, :math:`g = a x \ln(K/x)` (Iwata et al. 2000, with :math:`b = K`):
  :math:`\ln x(t) = \ln K + (\ln x_0 - \ln K) e^{-a t}`.

The time from :math:`x` to a target :math:`M` inverts them: :math:`\ln(M/x)/a`,
:math:`-\ln\bigl(x (K - M) / (M (K - x))\bigr)/a` and
:math:`-\ln\bigl((\ln M - \ln K)/(\ln x - \ln K)\bigr)/a` (``inf`` when :math:`M` is
never reached: at or beyond :math:`K`, or with :math:`a = 0`).

:func:`power_integral` is :math:`\int_0^t x(s)^\alpha\, ds` (the cells a tumour of size
:math:`x` sheds at the rate :math:`m x^\alpha`, Iwata et al. 2000): exactly
:math:`x_0^\alpha (e^{\alpha a t} - 1)/(\alpha a)` for exponential growth; for the other
laws Gauss-Legendre quadrature of the exact solution (16 nodes, halved until two levels
agree to 1e-14), accurate to about 1e-13 relative for any smooth growth. (Gompertz has
the closed form :math:`K^\alpha (\mathrm{Ei}(\alpha c) - \mathrm{Ei}(\alpha c e^{-a t}))/a`
with :math:`c = \ln(x_0/K)`, which the tests use to check the quadrature.)

A size of 0 stays 0 under every law.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GROWTH_LAWS", "grow", "time_to", "trajectory", "power_integral"]

GROWTH_LAWS = ("exponential", "logistic", "gompertz")

#: Gauss-Legendre nodes and weights on [-1, 1]
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
#: the relative agreement of two levels of the quadrature, and the deepest halving
_QUADRATURE_TOLERANCE, _MAX_DEPTH = 1e-14, 40


def grow(law: str, x: np.ndarray, rate: float, capacity: float, t: float) -> np.ndarray:
    """Sizes ``x`` after ``t`` of growth (the exact solution of the law)."""
    if law == "exponential":
        return x * math.exp(rate * t)
    decay = math.exp(-rate * t)
    if law == "logistic":
        return capacity * x / (x + (capacity - x) * decay)
    lnk = math.log(capacity)
    return np.exp(lnk + (np.log(x) - lnk) * decay)


def time_to(law: str, x: float, target: float, rate: float, capacity: float) -> float:
    """The time a colony of ``x`` cells takes to reach ``target`` (inf: never)."""
    if x >= target:
        return 0.0
    if rate <= 0.0:
        return math.inf
    if law == "exponential":
        return math.log(target / x) / rate
    if target >= capacity:
        return math.inf
    if law == "logistic":
        return -math.log(x * (capacity - target) / (target * (capacity - x))) / rate
    lnk = math.log(capacity)
    return -math.log((math.log(target) - lnk) / (math.log(x) - lnk)) / rate


def trajectory(law: str, x0: float, rate: float, capacity: float, t) -> np.ndarray:
    """The size at each of the times ``t`` (an array) from ``x0`` at time 0."""
    t = np.asarray(t, dtype=float)
    if x0 == 0.0:
        return np.zeros_like(t)
    if law == "exponential":
        return x0 * np.exp(rate * t)
    decay = np.exp(-rate * t)
    if law == "logistic":
        return capacity * x0 / (x0 + (capacity - x0) * decay)
    lnk = math.log(capacity)
    return np.exp(lnk + (math.log(x0) - lnk) * decay)


def _gauss(f, a: float, b: float) -> float:
    half = 0.5 * (b - a)
    return half * float(_WEIGHTS @ f(a + half + half * _NODES))


def _adaptive(f, a: float, b: float, whole: float, depth: int) -> float:
    mid = 0.5 * (a + b)
    left, right = _gauss(f, a, mid), _gauss(f, mid, b)
    both = left + right
    if abs(both - whole) <= _QUADRATURE_TOLERANCE * abs(both) or depth >= _MAX_DEPTH:
        return both
    return (_adaptive(f, a, mid, left, depth + 1)
            + _adaptive(f, mid, b, right, depth + 1))


def power_integral(law: str, x0: float, rate: float, capacity: float, t: float,
                   alpha: float) -> float:
    """:math:`\\int_0^t x(s)^\\alpha ds` along the law's solution from ``x0``."""
    if x0 == 0.0 or t <= 0.0:
        return 0.0
    if law == "exponential":
        k = alpha * rate * t
        return x0**alpha * t * (math.expm1(k) / k if k != 0.0 else 1.0)
    if law == "gompertz":  # in log space: x^alpha = exp(alpha ln x)
        lnk = math.log(capacity)
        c = math.log(x0) - lnk

        def f(s):
            return np.exp(alpha * (lnk + c * np.exp(-rate * s)))
    else:
        def f(s):
            return trajectory(law, x0, rate, capacity, s) ** alpha
    return _adaptive(f, 0.0, float(t), _gauss(f, 0.0, float(t)), 0)
