"""The vessel fields, one row at a time: sprout-tip transport, TAF, new and perfused
vessels, lymph vessels, vessel walls and leakiness.

For each cell of row ``i``, from the state ``src`` at t into ``dst`` at t + dt (sprout
tips already transported into ``dst``; ``phi = a / (K_a + a)``):

* TAF, pointwise part: secretion explicit, decay, uptake by tips and lymph drainage
  implicit, ``a' = (a + dt sigma_a (n + e) s(c)) / (1 + dt (lambda_a + eta p + kappa_l l))``;
  the implicit diffusion follows (locally one-dimensional, like oxygen);
* sprout tips: ``p' = (p1 + dt sigma_p (v + u) phi) / (1 + dt (kappa_p (p1 + v + u) + d_p))``
  (sprouting explicit; anastomosis with tips and vessels, and death, implicit);
* new vessels behind the tips, then maturation into perfused vessels, exactly:
  ``u1 = (u + X (V - v)^+) / (1 + X)`` with ``X = dt lambda_t p``, then
  ``u' = u1 e^{-k_mat dt}``, ``v' = v + u1 (1 - e^{-k_mat dt})``; so ``v + u`` changes only
  by the trail and stays below ``max(V, v + u)``;
* lymph vessels: explicit diffusion, then growth ``r_l phi l (1 - l - v - u)`` in Patankar
  form;
* vessel wall ``w' = w e^{-delta_w m dt}``; leakiness relaxes exactly towards
  ``L_inf = rho_L phi / (rho_L phi + nu_L)`` at the rate ``rho_L phi + nu_L`` in cells with
  vessels (``v + u + l > 0``; elsewhere only the normalisation ``nu_L`` acts).
"""

import math

from ....numerics.fastexp import SERIES_LIMIT, decay_row, exp_neg, exp_neg_series, smooth_step_down
from ....numerics.jit import jit_internal
from . import layout as P
from .fluxes import drift_face_flux, tip_velocity, wall_faces


@jit_internal
def tip_x_faces(tips, a, f, i, p, inv_dx, flux, rate_l, rate_r):
    """Fluxes of sprout tips through the faces of row ``i`` (entry ``k``: left of cell k).

    The faces next to the walls need clamped neighbours and are done apart, so that the
    interior loop vectorises (as in :func:`.step._x_faces`)."""
    nx = tips.shape[1]
    d_p = p[P.D_P]
    chi0 = p[P.CHI_P]
    alpha = p[P.ALPHA_P]
    rho = p[P.RHO_P]
    wall_faces(flux, rate_l, rate_r)
    for k0 in range(nx - 3):
        v = tip_velocity(a[i, k0 + 1], a[i, k0 + 2], f[i, k0 + 1], f[i, k0 + 2], chi0, alpha,
                         rho, inv_dx)
        fl, rl, rr = drift_face_flux(tips[i, k0], tips[i, k0 + 1], tips[i, k0 + 2],
                                     tips[i, k0 + 3], v, d_p, inv_dx)
        flux[k0 + 2] = fl
        rate_l[k0 + 2] = rl
        rate_r[k0 + 2] = rr
    for k in (1, nx - 1):
        v = tip_velocity(a[i, k - 1], a[i, k], f[i, k - 1], f[i, k], chi0, alpha, rho, inv_dx)
        fl, rl, rr = drift_face_flux(tips[i, max(k - 2, 0)], tips[i, k - 1], tips[i, k],
                                     tips[i, min(k + 1, nx - 1)], v, d_p, inv_dx)
        flux[k] = fl
        rate_l[k] = rl
        rate_r[k] = rr


@jit_internal
def tip_y_faces(tips, a, f, i, p, inv_dy, flux, rate_lo, rate_hi):
    """Fluxes of sprout tips through the faces between rows ``i`` and ``i + 1``."""
    ny, nx = tips.shape
    im = max(i - 1, 0)
    ip2 = min(i + 2, ny - 1)
    d_p = p[P.D_P]
    chi0 = p[P.CHI_P]
    alpha = p[P.ALPHA_P]
    rho = p[P.RHO_P]
    for j in range(nx):
        v = tip_velocity(a[i, j], a[i + 1, j], f[i, j], f[i + 1, j], chi0, alpha, rho, inv_dy)
        fl, rl, rh = drift_face_flux(tips[im, j], tips[i, j], tips[i + 1, j], tips[ip2, j], v,
                                     d_p, inv_dy)
        flux[j] = fl
        rate_lo[j] = rl
        rate_hi[j] = rh


#: a rate below which a relaxation is "none" (keeps the branch-free divisions finite)
_TINY = 1e-300


@jit_internal
def vessel_row(src, dst, i, dt, idx2, idy2, p):
    """Every vessel field of row ``i`` but the tip transport (done) and the TAF diffusion.

    Branch-free and without calls to the C library (:func:`.fastexp.exp_neg`), so that
    the loops vectorise."""
    ny = src.shape[1]
    nx = src.shape[2]
    im = max(i - 1, 0)
    ip = min(i + 1, ny - 1)
    n = src[P.TUMOR, i]
    e = src[P.EPITHELIAL, i]
    c = src[P.OXYGEN, i]
    m = src[P.MMP, i]
    a = src[P.TAF, i]
    tips = src[P.SPROUTS, i]
    v = src[P.BLOOD, i]
    u = src[P.NEW_VESSELS, i]
    lym = src[P.LYMPH]
    w = src[P.VESSEL_WALL, i]
    leak = src[P.LEAKINESS, i]
    taf_out = dst[P.TAF, i]
    tips_out = dst[P.SPROUTS, i]
    u_out = dst[P.NEW_VESSELS, i]
    v_out = dst[P.BLOOD, i]
    l_out = dst[P.LYMPH, i]
    w_out = dst[P.VESSEL_WALL, i]
    leak_out = dst[P.LEAKINESS, i]
    inv_w = 1.0 / p[P.W_H]
    c_h = p[P.C_H]
    k_a = p[P.K_A]
    secretion = dt * p[P.SIGMA_A]
    taf_keep = 1.0 + dt * p[P.LAMBDA_A]
    uptake = dt * p[P.ETA]
    drain = dt * p[P.KAPPA_L]
    sprouting = dt * p[P.SIGMA_P]
    fusion = dt * p[P.KAPPA_P]
    tip_keep = 1.0 + dt * p[P.DEATH_P]
    trail = dt * p[P.TRAIL]
    capacity = p[P.V_CAP]
    mature = math.exp(-p[P.K_MAT] * dt)
    rho_l = p[P.RHO_L]
    nu_l = p[P.NU_L]
    lx = dt * p[P.D_L] * idx2
    ly = dt * p[P.D_L] * idy2
    growth_l = dt * p[P.GROWTH_L]
    if secretion > 0.0:
        for j in range(nx):
            hypoxic = smooth_step_down(c[j], c_h, inv_w)
            taf_out[j] = (a[j] + secretion * (n[j] + e[j]) * hypoxic) / (
                taf_keep + uptake * tips[j] + drain * lym[i, j])
    else:
        for j in range(nx):
            taf_out[j] = a[j] / (taf_keep + uptake * tips[j] + drain * lym[i, j])
    # one written row per loop: few run-time overlap checks, so every loop vectorises
    for j in range(nx):
        aij = a[j]
        vu = v[j] + u[j]
        p1 = tips_out[j]
        tips_out[j] = (p1 + sprouting * vu * (aij / (k_a + aij))) / (
            tip_keep + fusion * (p1 + vu))
    for j in range(nx):
        x = trail * tips[j]
        u_out[j] = (u[j] + x * max(capacity - v[j], 0.0)) / (1.0 + x)  # u1, before maturing
    for j in range(nx):
        v_out[j] = v[j] + u_out[j] * (1.0 - mature)
    for j in range(nx):
        u_out[j] = u_out[j] * mature
    decay_row(w, m, p[P.DELTA_W], w_out, dt)
    large = 0
    for j in range(nx):
        aij = a[j]
        # only the vessels in a cell are leaky: no induction where there are none
        k_on = rho_l * (aij / (k_a + aij)) if v[j] + u[j] + lym[i, j] > 0.0 else 0.0
        k = k_on + nu_l
        l_inf = k_on / max(k, _TINY)
        x = k * dt
        large += x > SERIES_LIMIT
        leak_out[j] = l_inf + (leak[j] - l_inf) * exp_neg_series(min(x, SERIES_LIMIT))
    if large:  # relaxations too fast for the series (rare at the steps taken)
        for j in range(nx):
            aij = a[j]
            k_on = rho_l * (aij / (k_a + aij)) if v[j] + u[j] + lym[i, j] > 0.0 else 0.0
            k = k_on + nu_l
            if k * dt > SERIES_LIMIT:
                l_inf = k_on / k
                leak_out[j] = l_inf + (leak[j] - l_inf) * exp_neg(-k * dt)
    # lymph vessels: explicit diffusion (interior cells apart from the two clamped ones),
    # then growth with TAF in Patankar form
    if lx == 0.0 and ly == 0.0:  # lymph vessels that do not spread
        for j in range(nx):
            l_out[j] = lym[i, j]
    else:
        _lymph_diffusion(lym, l_out, i, im, ip, lx, ly)
    if growth_l > 0.0:
        for j in range(nx):
            aij = a[j]
            phi = growth_l * aij / (k_a + aij)
            room = 1.0 - v[j] - u[j]
            l1 = l_out[j]
            l_out[j] = l1 * (1.0 + phi * max(room, 0.0)) / (1.0 + phi * (l1 + max(-room, 0.0)))


@jit_internal
def fields_row_ext(src, dst, i, dt, idx2, idy2, p):
    """MMP and oxygen (pointwise part) of row ``i`` with both phenotypes and vessels:
    MMP from both phenotypes, drained by lymph vessels; oxygen consumed by both, supplied by
    perfused vessels ``beta_v v (c_b - c)`` (implicit in ``c``). With no epithelial cells
    and no vessels every extra term is an exact zero and the values equal
    :func:`.step._fields_row`'s to the bit. One written row per loop, on row views, so
    that the loops vectorise."""
    ny = src.shape[1]
    nx = src.shape[2]
    im = max(i - 1, 0)
    ip = min(i + 1, ny - 1)
    cx = dt * p[P.D_M] * idx2
    cy = dt * p[P.D_M] * idy2
    cn = dt * p[P.MU]
    cn_e = dt * p[P.MU_E]
    lam = p[P.LAMBDA]
    kappa = p[P.KAPPA_L]
    supply = dt * p[P.BETA]
    uptake = dt * p[P.GAMMA]
    keep = 1.0 + dt * p[P.ALPHA]
    vessel_rate = dt * p[P.BETA_V]
    vessel_supply = vessel_rate * p[P.C_B]
    m = src[P.MMP, i]
    m_lo = src[P.MMP, im]
    m_hi = src[P.MMP, ip]
    n = src[P.TUMOR, i]
    e = src[P.EPITHELIAL, i]
    v = src[P.BLOOD, i]
    lym = src[P.LYMPH, i]
    c = src[P.OXYGEN, i]
    f = src[P.ECM, i]
    m_out = dst[P.MMP, i]
    c_out = dst[P.OXYGEN, i]
    # without lymph in the row, 1 / (1 + dt (lambda + kappa_l l)) is the same number in
    # every cell: that of the one-phenotype step
    drained = False
    if kappa > 0.0:
        for j in range(nx):
            drained |= lym[j] != 0.0
    den = 1.0 / (1.0 + dt * lam)
    if drained:
        for j0 in range(nx - 2):
            j = j0 + 1
            mij = m[j]
            m_out[j] = (mij + (m[j0] - 2.0 * mij + m[j0 + 2]) * cx
                        + (m_lo[j] - 2.0 * mij + m_hi[j]) * cy + n[j] * cn
                        + e[j] * cn_e) * (1.0 / (1.0 + dt * (lam + kappa * lym[j])))
    else:
        for j0 in range(nx - 2):
            j = j0 + 1
            mij = m[j]
            m_out[j] = (mij + (m[j0] - 2.0 * mij + m[j0 + 2]) * cx
                        + (m_lo[j] - 2.0 * mij + m_hi[j]) * cy + n[j] * cn
                        + e[j] * cn_e) * den
    for j in (0, nx - 1):
        jm = max(j - 1, 0)
        jp = min(j + 1, nx - 1)
        mij = m[j]
        den_j = 1.0 / (1.0 + dt * (lam + kappa * lym[j])) if drained else den
        m_out[j] = (mij + (m[jm] - 2.0 * mij + m[jp]) * cx
                    + (m_lo[j] - 2.0 * mij + m_hi[j]) * cy + n[j] * cn
                    + e[j] * cn_e) * den_j
    for j in range(nx):
        vij = v[j]
        c_out[j] = (c[j] + f[j] * supply + vij * vessel_supply) / (
            keep + (n[j] + e[j]) * uptake + vij * vessel_rate)


@jit_internal
def _lymph_diffusion(lym, l_out, i, im, ip, lx, ly):
    """Explicit diffusion of row ``i`` of the lymph vessels (the two wall cells apart, so
    that the interior loop vectorises)."""
    nx = lym.shape[1]
    for j0 in range(nx - 2):
        j = j0 + 1
        lij = lym[i, j]
        l_out[j] = lij + (lym[i, j0] - 2.0 * lij + lym[i, j0 + 2]) * lx + (
            lym[im, j] - 2.0 * lij + lym[ip, j]) * ly
    for j in (0, nx - 1):
        lij = lym[i, j]
        l_out[j] = lij + (lym[i, max(j - 1, 0)] - 2.0 * lij + lym[i, min(j + 1, nx - 1)]) * lx + (
            lym[im, j] - 2.0 * lij + lym[ip, j]) * ly
