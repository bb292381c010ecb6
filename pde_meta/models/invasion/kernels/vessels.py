"""The vessel fields, one row at a time: sprout-tip transport, TAF, new and perfused
vessels, lymph vessels, vessel walls and leakiness.

For each cell of row ``i``, from the state ``src`` at t into ``dst`` at t + dt (sprout
tips already transported into ``dst``; ``phi = a / (K_a + a)``):

* TAF, pointwise part: secretion explicit, decay, uptake by tips and lymph drainage
  implicit, ``a' = (a + dt sigma_a (n + e) s(c)) / (1 + dt (lambda_a + eta p + kappa_l l))``;
  the implicit diffusion follows (locally one-dimensional, like oxygen);
* sprout tips: ``p' = (p1 + dt sigma_p (v + u) phi) / (1 + dt (kappa_p p1 + d_p))``
  (sprouting explicit, anastomosis and death implicit);
* new vessels behind the tips, then maturation into perfused vessels, exactly:
  ``u1 = (u + X (1 - v)^+) / (1 + X)`` with ``X = dt lambda_t p``, then
  ``u' = u1 e^{-k_mat dt}``, ``v' = v + u1 (1 - e^{-k_mat dt})``; so ``v + u <= 1`` and
  ``v + u`` changes only by the trail;
* lymph vessels: explicit diffusion, then growth ``r_l phi l (1 - l - v - u)`` in Patankar
  form;
* vessel wall ``w' = w e^{-delta_w m dt}``; leakiness relaxes exactly towards
  ``L_inf = rho_L phi / (rho_L phi + nu_L)`` at the rate ``rho_L phi + nu_L``.
"""

import math

from ....numerics.jit import jit_internal
from . import layout as P
from .fluxes import drift_face_flux, tip_velocity


@jit_internal
def tip_x_faces(tips, a, f, i, p, inv_dx, flux, rate_l, rate_r):
    """Fluxes of sprout tips through the faces of row ``i`` (entry ``k``: left of cell k)."""
    nx = tips.shape[1]
    d_p = p[P.D_P]
    chi0 = p[P.CHI_P]
    alpha = p[P.ALPHA_P]
    rho = p[P.RHO_P]
    flux[0] = 0.0
    rate_l[0] = 0.0
    rate_r[0] = 0.0
    flux[nx] = 0.0
    rate_l[nx] = 0.0
    rate_r[nx] = 0.0
    for k in range(1, nx):
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


@jit_internal
def vessel_row(src, dst, i, dt, idx2, idy2, p):
    """Every vessel field of row ``i`` but the tip transport (done) and the TAF diffusion."""
    ny = src.shape[1]
    nx = src.shape[2]
    im = max(i - 1, 0)
    ip = min(i + 1, ny - 1)
    n = src[P.TUMOR]
    e = src[P.EPITHELIAL]
    c = src[P.OXYGEN]
    m = src[P.MMP]
    a = src[P.TAF]
    tips = src[P.SPROUTS]
    v = src[P.BLOOD]
    u = src[P.NEW_VESSELS]
    lym = src[P.LYMPH]
    w = src[P.VESSEL_WALL]
    leak = src[P.LEAKINESS]
    inv_w = 1.0 / p[P.W_H]
    c_h = p[P.C_H]
    k_a = p[P.K_A]
    secretion = dt * p[P.SIGMA_A]
    taf_loss = dt * p[P.LAMBDA_A]
    uptake = dt * p[P.ETA]
    drain = dt * p[P.KAPPA_L]
    sprouting = dt * p[P.SIGMA_P]
    fusion = dt * p[P.KAPPA_P]
    tip_death = dt * p[P.DEATH_P]
    trail = dt * p[P.TRAIL]
    mature = math.exp(-p[P.K_MAT] * dt)
    wall_rate = p[P.DELTA_W] * dt
    rho_l = p[P.RHO_L]
    nu_l = p[P.NU_L]
    lx = dt * p[P.D_L] * idx2
    ly = dt * p[P.D_L] * idy2
    growth_l = dt * p[P.GROWTH_L]
    for j in range(nx):
        jm = max(j - 1, 0)
        jp = min(j + 1, nx - 1)
        aij = a[i, j]
        phi = aij / (k_a + aij)
        cells = n[i, j] + e[i, j]
        hypoxic = 0.5 * (1.0 - math.tanh((c[i, j] - c_h) * inv_w))
        lij = lym[i, j]
        vij = v[i, j]
        uij = u[i, j]
        dst[P.TAF, i, j] = (aij + secretion * cells * hypoxic) / (
            1.0 + taf_loss + uptake * tips[i, j] + drain * lij)
        p1 = dst[P.SPROUTS, i, j]
        dst[P.SPROUTS, i, j] = (p1 + sprouting * (vij + uij) * phi) / (
            1.0 + fusion * p1 + tip_death)
        x = trail * tips[i, j]
        u1 = (uij + x * max(1.0 - vij, 0.0)) / (1.0 + x)
        dst[P.NEW_VESSELS, i, j] = u1 * mature
        dst[P.BLOOD, i, j] = vij + u1 * (1.0 - mature)
        l1 = lij + (lym[i, jm] - 2.0 * lij + lym[i, jp]) * lx + (
            lym[im, j] - 2.0 * lij + lym[ip, j]) * ly
        room = 1.0 - vij - uij
        gain = growth_l * phi * max(room, 0.0)
        loss = growth_l * phi * (l1 + max(-room, 0.0))
        dst[P.LYMPH, i, j] = l1 * (1.0 + gain) / (1.0 + loss)
        dst[P.VESSEL_WALL, i, j] = w[i, j] * math.exp(-wall_rate * m[i, j])
        k_on = rho_l * phi
        k = k_on + nu_l
        if k > 0.0:
            l_inf = k_on / k
            dst[P.LEAKINESS, i, j] = l_inf + (leak[i, j] - l_inf) * math.exp(-k * dt)
        else:
            dst[P.LEAKINESS, i, j] = leak[i, j]


@jit_internal
def fields_row_ext(src, dst, i, dt, idx2, idy2, p):
    """MMP and oxygen (pointwise part) of row ``i`` with both phenotypes and vessels:
    MMP from both phenotypes, drained by lymph vessels; oxygen consumed by both, supplied by
    perfused vessels ``beta_v v (c_b - c)`` (implicit in ``c``). With no epithelial cells
    and no vessels every extra term is an exact zero and the values equal
    :func:`.step._fields_row`'s to the bit."""
    ny = src.shape[1]
    nx = src.shape[2]
    im = max(i - 1, 0)
    ip = min(i + 1, ny - 1)
    n = src[P.TUMOR]
    e = src[P.EPITHELIAL]
    f = src[P.ECM]
    m = src[P.MMP]
    c = src[P.OXYGEN]
    v = src[P.BLOOD]
    lym = src[P.LYMPH]
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
    for j in range(nx):
        jm = max(j - 1, 0)
        jp = min(j + 1, nx - 1)
        mij = m[i, j]
        nij = n[i, j]
        fij = f[i, j]
        vij = v[i, j]
        dst[P.MMP, i, j] = (mij + (m[i, jm] - 2.0 * mij + m[i, jp]) * cx
                            + (m[im, j] - 2.0 * mij + m[ip, j]) * cy + nij * cn
                            + e[i, j] * cn_e) * (1.0 / (1.0 + dt * (lam + kappa * lym[i, j])))
        dst[P.OXYGEN, i, j] = (c[i, j] + fij * supply + vij * vessel_supply) / (
            keep + (nij + e[i, j]) * uptake + vij * vessel_rate)
