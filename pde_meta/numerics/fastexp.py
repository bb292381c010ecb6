"""``exp`` of a non-positive argument and the hypoxic switch, in arithmetic that vectorises.

Without Intel's SVML, numba compiles ``math.exp`` and ``math.tanh`` to one call of the C
library per element: a loop that needs one per cell runs several times slower than the
same loop without. :func:`exp_neg` computes ``exp(x)`` for ``x <= 0`` by range reduction
``x = k ln 2 + r`` (``|r| <= ln 2 / 2``, ``ln 2`` split in two parts as Cody & Waite do),
a degree-13 Taylor polynomial of ``e^r`` (truncation below ``1e-17``), and ``2^k`` built
from its bits: a few units in the last place from ``exp``, and a loop the compiler turns
into vector instructions. Arguments below ``-708`` (where ``exp`` leaves the normal
numbers) give 0.

Most decay factors of a step are close to 1: :func:`exp_neg_series` is ``exp(-x)`` for
``0 <= x <= 0.01`` by a degree-6 series (exact to round-off, a third of the work), and
:func:`decay_row` uses it for a row and ``exp`` only for the cells beyond.
"""

import math

from .jit import bits_float, jit

__all__ = ["exp_neg", "smooth_step_down", "EXP_NEG_FLOOR", "SERIES_LIMIT", "exp_neg_series",
           "decay_row"]

_LN2_HI = 0.693147180369123816490  # ln 2 with its last 32 bits cleared (exact k * hi)
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.0 / math.log(2.0)
#: below this argument :func:`exp_neg` returns 0
EXP_NEG_FLOOR = -708.0


@jit
def exp_neg(x):
    """``exp(x)`` for ``x <= 0`` (positive ``x`` is treated as 0), vectorisable."""
    x = min(max(x, EXP_NEG_FLOOR), 0.0)
    k = math.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    # e^r, |r| <= 0.35, Taylor to degree 13 by Estrin's scheme
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    p01 = 1.0 + r
    p23 = 0.5 + r * (1.0 / 6.0)
    p45 = 1.0 / 24.0 + r * (1.0 / 120.0)
    p67 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    p1213 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    low = (p01 + r2 * p23) + r4 * (p45 + r2 * p67)
    high = (p89 + r2 * p1011) + r4 * p1213
    e = low + r8 * high
    scale = bits_float((int(k) + 1023) << 52)
    out = e * scale
    return out if x > EXP_NEG_FLOOR else 0.0


@jit
def smooth_step_down(c, c_h, inv_w):
    """The hypoxic switch ``(1 - tanh((c - c_h) / w)) / 2 = 1 / (1 + e^{2 (c - c_h) / w})``,
    written with :func:`exp_neg` of ``-2 |c - c_h| / w`` so that it vectorises."""
    z = 2.0 * (c - c_h) * inv_w
    e = exp_neg(-abs(z))
    return 1.0 / (1.0 + e) if z < 0.0 else e / (1.0 + e)


#: below this argument :func:`exp_neg_series` is exact to round-off
SERIES_LIMIT = 0.01


@jit
def exp_neg_series(x):
    """``exp(-x)`` for ``0 <= x <= SERIES_LIMIT`` by its Taylor series to degree 6.

    The truncation error is below ``x^7 / 7! < 2e-18``, under round-off, and unlike a call
    to ``exp`` the polynomial vectorises. Evaluated by Estrin's scheme (pairs of terms
    combined with ``x^2`` and ``x^4``): half the dependent latency of Horner's rule for
    the same number of operations.
    """
    x2 = x * x
    low = (1.0 - x) + x2 * (0.5 - x * (1.0 / 6.0))
    high = (1.0 / 24.0 - x * (1.0 / 120.0)) + x2 * (1.0 / 720.0)
    return low + (x2 * x2) * high


@jit
def decay_row(u, m, coefficient, out, dt):
    """``out[j] = u[j] exp(-coefficient m[j] dt)`` exactly: series where small, else ``exp``."""
    nx = u.shape[0]
    large = 0
    for j in range(nx):
        x = coefficient * m[j] * dt
        large += x > SERIES_LIMIT
        out[j] = u[j] * exp_neg_series(min(x, SERIES_LIMIT))
    if large:
        for j in range(nx):
            x = coefficient * m[j] * dt
            if x > SERIES_LIMIT:
                out[j] = u[j] * math.exp(-x)
