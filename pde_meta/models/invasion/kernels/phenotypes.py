"""Growth, death and switching of the two phenotypes, one row at a time.

After transport, for each cell (``n`` mesenchymal, ``e`` epithelial, sharing the space
``1 - n - e - f - b``):

* growth and hypoxic death of each, Patankar form ``x (1 + dt P) / (1 + dt Q)``
  (:func:`grow_row`, which the one-phenotype step also uses, beside a row of zeros);
* EMT (``e -> n`` at ``k_EM = k_emt + k_hyp s(c) + k_sig m / (K_sig + m)``) and MET
  (``n -> e`` at ``k_ME = k_met``) exactly: with ``S = n + e`` and ``k = k_EM + k_ME``,
  ``n' = S k_EM / k + (n - S k_EM / k) e^{-k dt}`` and ``e' = S - n'``. The pair keeps
  ``n + e`` to round-off and both stay non-negative for any ``dt``.

With no epithelial cells and no switching this is exactly the one-phenotype kinetics
(every extra term adds an exact zero).
"""

import math

from ....numerics.fastexp import SERIES_LIMIT, exp_neg, exp_neg_series, smooth_step_down
from ....numerics.jit import jit_internal
from . import layout as P

#: a rate below which the exchange is "none" (keeps the branch-free division finite)
_TINY = 1e-300


@jit_internal
def phenotype_row(n_out, e_out, f, b, c, m, i, dt, p, kinetics, old):
    """Kinetics of row ``i`` of both phenotypes, in place in ``n_out`` and ``e_out``
    (``old``: a scratch row). Each loop writes one row, so that it vectorises."""
    nx = n_out.shape[0]
    growth = p[P.GROWTH]
    growth_e = p[P.GROWTH_E]
    k_c = p[P.K_C]
    death = p[P.DEATH]
    c_h = p[P.C_H]
    inv_w = 1.0 / p[P.W_H]
    k_emt = p[P.K_EMT]
    k_hyp = p[P.K_HYP]
    k_sig = p[P.K_SIG]
    k_sig_sat = p[P.K_SIG_SAT]
    k_met = p[P.K_MET]
    if kinetics:
        old[:] = n_out
        grow_row(n_out, e_out, f[i], b[i], c[i], dt, growth, k_c, death, c_h, inv_w)
        grow_row(e_out, old, f[i], b[i], c[i], dt, growth_e, k_c, death, c_h, inv_w)
    if k_emt > 0.0 or k_hyp > 0.0 or k_sig > 0.0 or k_met > 0.0:
        for j in range(nx):
            old[j] = n_out[j] + e_out[j]
        rate = e_out  # k_EM of each cell, in the row it replaces last
        for j in range(nx):
            rate[j] = k_emt
        if k_hyp > 0.0:
            for j in range(nx):
                rate[j] += k_hyp * smooth_step_down(c[i, j], c_h, inv_w)
        if k_sig > 0.0:
            for j in range(nx):
                mij = m[i, j]
                rate[j] += k_sig * mij / (k_sig_sat + mij)
        large = 0
        for j in range(nx):
            k_em = rate[j]
            k = max(k_em + k_met, _TINY)
            n_inf = old[j] * (k_em / k)
            x = k * dt
            fast = x > SERIES_LIMIT
            large += fast
            n1 = n_out[j]
            series = n_inf + (n1 - n_inf) * exp_neg_series(min(x, SERIES_LIMIT))
            n_out[j] = n1 if fast else series  # a fast cell keeps n for the loop below
        if large:  # exchanges too fast for the series: the full exponential there
            for j in range(nx):
                k_em = rate[j]
                k = k_em + k_met
                if k * dt > SERIES_LIMIT:
                    n_inf = old[j] * (k_em / k)
                    n_out[j] = n_inf + (n_out[j] - n_inf) * exp_neg(-k * dt)
        for j in range(nx):
            e_out[j] = max(old[j] - n_out[j], 0.0)


@jit_internal
def grow_row(x, other, f, b, c, dt, growth, k_c, death, c_h, inv_w):
    """Growth and hypoxic death of the population ``x`` beside ``other`` (one row), in
    Patankar form ``x (1 + dt P) / (1 + dt Q)``: ``P = r h(c) (1 - f - b - other)^+``,
    ``Q = r h(c) (x + (f + b + other - 1)^+) + d_h s(c)``. With ``other`` zero it is the
    one-phenotype kinetics (subtracting 0.0 changes no bit)."""
    nx = x.shape[0]
    for j in range(nx):
        cij = c[j]
        q = 1.0 - f[j] - b[j] - other[j]
        h = 1.0
        if k_c > 0.0:
            h = cij / (k_c + cij)
        gain = growth * h * max(q, 0.0)
        loss = growth * h * (x[j] + max(-q, 0.0))
        if death > 0.0:
            loss += death * 0.5 * (1.0 - math.tanh((cij - c_h) * inv_w))
        x[j] = x[j] * (1.0 + dt * gain) / (1.0 + dt * loss)
