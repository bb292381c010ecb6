"""Growth, death and switching of the two phenotypes, one row at a time.

After transport, for each cell (``n`` mesenchymal, ``e`` epithelial, sharing the space
``1 - n - e - f - b``):

* growth and hypoxic death of each, Patankar form ``x (1 + dt P) / (1 + dt Q)``;
* EMT (``e -> n`` at ``k_EM = k_emt + k_hyp s(c) + k_sig m / (K_sig + m)``) and MET
  (``n -> e`` at ``k_ME = k_met``) exactly: with ``S = n + e`` and ``k = k_EM + k_ME``,
  ``n' = S k_EM / k + (n - S k_EM / k) e^{-k dt}`` and the same for ``e``. The pair keeps
  ``n + e`` to round-off and both stay non-negative for any ``dt``.

With no epithelial cells and no switching this is exactly the one-phenotype kinetics of
:func:`.step._kinetics_row` (every extra term adds an exact zero).
"""

import math

from ....numerics.jit import jit_internal
from . import layout as P


@jit_internal
def phenotype_row(n_out, e_out, f, b, c, m, i, dt, p, kinetics):
    """Kinetics of row ``i`` of both phenotypes, in place in ``n_out`` and ``e_out``."""
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
    switching = k_emt > 0.0 or k_hyp > 0.0 or k_sig > 0.0 or k_met > 0.0
    for j in range(nx):
        cij = c[i, j]
        n1 = n_out[j]
        e1 = e_out[j]
        if kinetics:
            base = 1.0 - f[i, j] - b[i, j]
            h = 1.0
            if k_c > 0.0:
                h = cij / (k_c + cij)
            q = base - e1
            gain = growth * h * max(q, 0.0)
            loss = growth * h * (n1 + max(-q, 0.0))
            q_e = base - n1
            gain_e = growth_e * h * max(q_e, 0.0)
            loss_e = growth_e * h * (e1 + max(-q_e, 0.0))
            if death > 0.0:
                dying = death * 0.5 * (1.0 - math.tanh((cij - c_h) * inv_w))
                loss += dying
                loss_e += dying
            n1 = n1 * (1.0 + dt * gain) / (1.0 + dt * loss)
            e1 = e1 * (1.0 + dt * gain_e) / (1.0 + dt * loss_e)
        if switching:
            k_em = k_emt
            if k_hyp > 0.0:
                k_em += k_hyp * 0.5 * (1.0 - math.tanh((cij - c_h) * inv_w))
            if k_sig > 0.0:
                mij = m[i, j]
                k_em += k_sig * mij / (k_sig_sat + mij)
            k = k_em + k_met
            if k > 0.0:
                x = math.exp(-k * dt)
                total = n1 + e1
                n_inf = total * (k_em / k)
                e_inf = total * (k_met / k)
                n1 = n_inf + (n1 - n_inf) * x
                e1 = e_inf + (e1 - e_inf) * x
        n_out[j] = n1
        e_out[j] = e1
