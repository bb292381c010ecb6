"""Plain-numpy twins of the compiled kernels: slow, vectorised, written for reading.

Each function here computes what a kernel computes, by a different route (whole-array
operations, ``scipy.linalg.solve_banded`` for the implicit solves), so that the tests can
compare the two on random fields.
"""

import numpy as np

from ...numerics.reference import solve_reference
from .kernels import layout as P

__all__ = ["koren_slope", "face_fluxes", "transport", "transport_rate", "reaction_rate",
           "laplacian", "rhs", "explicit_step", "take_step", "drug_step", "kinetic_rates",
           "richardson_step", "tip_substeps"]


def koren_slope(d_up, d_down):
    """Vectorised :func:`.fluxes.koren_slope`."""
    d_up = np.asarray(d_up, dtype=float)
    d_down = np.asarray(d_down, dtype=float)
    a, b_, c = 2.0 * d_down, (d_up + 2.0 * d_down) * (1.0 / 3.0), 2.0 * d_up
    pos = np.maximum(0.0, np.minimum(np.minimum(a, b_), c))
    neg = np.minimum(0.0, np.maximum(np.maximum(a, b_), c))
    return np.where(d_up > 0, pos, np.where(d_up < 0, neg, 0.0))


def face_fluxes(n, f, b, p, h, axis, diffusivity=None, chi=None):
    """Fluxes and outflow rates through the interior faces along ``axis``.

    Returns ``(flux, rate_l, rate_r)``, each with one entry fewer than ``n`` along
    ``axis``: face ``k`` lies between cells ``k`` and ``k + 1``. ``diffusivity`` and
    ``chi`` default to the (mesenchymal) tumour cells'.
    """
    diffusivity = p[P.D_N] if diffusivity is None else diffusivity
    chi = p[P.CHI] if chi is None else chi
    n, f, b = (np.moveaxis(a, axis, -1) for a in (n, f, b))
    inv_eps1 = 1.0 / (1.0 + p[P.EPS])
    mob = 1.0 - 0.5 * (b[..., :-1] + b[..., 1:]) * inv_eps1
    v = chi * (f[..., 1:] - f[..., :-1]) / h
    flux, rate_l, rate_r = _upwind(n, v, diffusivity, h)
    return tuple(np.moveaxis(mob * a, -1, axis) for a in (flux, rate_l, rate_r))


def _upwind(n, v, diffusivity, h):
    """Diffusion plus Koren-limited upwind drift ``v`` through the faces of the last axis."""
    n_l, n_r = n[..., :-1], n[..., 1:]
    n_ll = np.concatenate([n[..., :1], n[..., :-2]], axis=-1)
    n_rr = np.concatenate([n[..., 2:], n[..., -1:]], axis=-1)
    n_face = np.where(v >= 0, n_l + 0.5 * koren_slope(n_l - n_ll, n_r - n_l),
                      n_r + 0.5 * koren_slope(n_r - n_rr, n_l - n_r))
    flux = diffusivity * (n_l - n_r) / h + v * n_face
    diff_rate = diffusivity / h**2
    return (flux, diff_rate + 2.0 * np.maximum(v, 0.0) / h,
            diff_rate + 2.0 * np.maximum(-v, 0.0) / h)


def tip_face_fluxes(tips, a, f, p, h, axis):
    """Sprout-tip fluxes through the interior faces along ``axis``: diffusion plus the
    limited upwind drift ``chi(a) da/dx + rho df/dx``, ``chi(a) = chi_0 / (1 + alpha_a a)``
    at the face mean (:func:`.fluxes.tip_velocity`)."""
    tips, a, f = (np.moveaxis(x, axis, -1) for x in (tips, a, f))
    a_face = 0.5 * (a[..., :-1] + a[..., 1:])
    chi = p[P.CHI_P] / (1.0 + p[P.ALPHA_P] * a_face)
    v = (chi * (a[..., 1:] - a[..., :-1]) + p[P.RHO_P] * (f[..., 1:] - f[..., :-1])) / h
    return tuple(np.moveaxis(x, -1, axis) for x in _upwind(tips, v, p[P.D_P], h))


def _pad_faces(a, axis):
    """Add zero wall faces at both ends of ``axis``."""
    width = [(0, 0)] * a.ndim
    width[axis] = (1, 1)
    return np.pad(a, width)


def transport(data, dx, dy, p, plane=P.TUMOR):
    """``(-div F, rate)``: the transport tendency of the cells of ``plane`` (tumour,
    epithelial or sprout tips) and each cell's outflow rate."""
    n, f, b = data[plane], data[P.ECM], data[P.MEMBRANE]
    rate = np.zeros_like(n)
    tendency = np.zeros_like(n)
    for axis, h in ((1, dx), (0, dy)):
        if plane == P.SPROUTS:
            faces = tip_face_fluxes(n, data[P.TAF], f, p, h, axis)
        elif plane == P.EPITHELIAL:
            faces = face_fluxes(n, f, b, p, h, axis, p[P.D_E], p[P.CHI_E])
        else:
            faces = face_fluxes(n, f, b, p, h, axis)
        flux, rate_l, rate_r = (_pad_faces(a, axis) for a in faces)
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        lo, hi = tuple(lo), tuple(hi)
        tendency -= (flux[hi] - flux[lo]) / h
        rate += rate_l[hi] + rate_r[lo]
    return tendency, np.where(n > 0, rate, 0.0)


def _planes(active):
    """The transported planes of the groups that ``active`` turns on."""
    return ((P.TUMOR,) + ((P.EPITHELIAL,) if active[P.PHENOTYPES_ON] else ())
            + ((P.SPROUTS,) if active[P.VESSELS_ON] else ()))


def transport_rate(data, dx, dy, p, active=(0.0, 0.0)):
    """The largest outflow rate of any transported population: the explicit step is
    positive if ``dt * rate <= 1``."""
    return max(float(transport(data, dx, dy, p, k)[1].max()) for k in _planes(active))


def reaction_rate(data, p, active=(0.0, 0.0)):
    """Twin of :func:`.driver.reaction_rate` evaluated on a state."""
    m_max = float(data[P.MMP].max())
    rate = max(p[P.DELTA] * m_max, p[P.DELTA_B] * m_max, p[P.LAMBDA], p[P.GROWTH],
               p[P.DEATH], p[P.PSI])
    if active[P.PHENOTYPES_ON]:
        rate = max(rate, p[P.GROWTH_E], p[P.K_EMT] + p[P.K_HYP] + p[P.K_SIG] + p[P.K_MET])
    if active[P.VESSELS_ON]:
        rate = max(rate, p[P.DELTA_W] * m_max, p[P.K_MAT], p[P.RHO_L] + p[P.NU_L],
                   p[P.GROWTH_L])
    return rate


def laplacian(u, dx, dy, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0)):
    """Five-point Laplacian with zero-flux walls, or fixed values on the wall faces."""
    g = np.pad(u, 1, mode="edge")
    for flag, v, index, edge in ((fixed[0], value[0], (slice(None), 0), (slice(None), 1)),
                                 (fixed[1], value[1], (slice(None), -1), (slice(None), -2)),
                                 (fixed[2], value[2], (0, slice(None)), (1, slice(None))),
                                 (fixed[3], value[3], (-1, slice(None)), (-2, slice(None)))):
        if flag:
            g[index] = 2.0 * v - g[edge]
    c = g[1:-1, 1:-1]
    return ((g[1:-1, 2:] - 2 * c + g[1:-1, :-2]) / dx**2
            + (g[2:, 1:-1] - 2 * c + g[:-2, 1:-1]) / dy**2)


def _hypoxic(c, p):
    """The smooth hypoxic switch ``s(c) = (1 - tanh((c - c_h) / w)) / 2``."""
    return 0.5 * (1.0 - np.tanh((c - p[P.C_H]) / p[P.W_H]))


def kinetic_rates(n, f, b, c, p, other=0.0, growth=None):
    """Per-capita gain and loss of tumour cells (growth and hypoxic death); ``other``:
    the density of the other phenotype, which shares the space."""
    growth = p[P.GROWTH] if growth is None else growth
    q = 1.0 - f - b - other
    h = c / (p[P.K_C] + c) if p[P.K_C] > 0 else np.ones_like(c)
    gain = growth * h * np.maximum(q, 0.0)
    loss = growth * h * (n + np.maximum(-q, 0.0))
    loss = loss + p[P.DEATH] * _hypoxic(c, p)
    return gain, loss


def emt_rate(c, m, p):
    """``k_EM = k_emt + k_hyp s(c) + k_sig m / (K_sig + m)`` (epithelial -> mesenchymal)."""
    return p[P.K_EMT] + p[P.K_HYP] * _hypoxic(c, p) + p[P.K_SIG] * m / (p[P.K_SIG_SAT] + m)


def _phi(a, p):
    return a / (p[P.K_A] + a)


def rhs(data, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0)):
    """The semi-discrete right-hand side of every field (the method of lines form)."""
    n, f, b, m, c, e, a, tips, v, u, lym, w, leak = data
    tendency, _ = transport(data, dx, dy, p)
    gain, loss = kinetic_rates(n, f, b, c, p, other=e)
    k_em = emt_rate(c, m, p)
    switch = k_em * e - p[P.K_MET] * n
    dn = tendency + n * (gain - loss) + switch
    gain_e, loss_e = kinetic_rates(e, f, b, c, p, other=n, growth=p[P.GROWTH_E])
    de = transport(data, dx, dy, p, P.EPITHELIAL)[0] + e * (gain_e - loss_e) - switch
    cells = n + e
    df = -p[P.DELTA] * m * f
    if p[P.PSI] > 0:
        df = df + (p[P.PSI] * f * (1 - cells - f) if p[P.PSI_FORM] == 0
                   else p[P.PSI] * (1 - f))
    db = -p[P.DELTA_B] * m * b
    dm = (p[P.D_M] * laplacian(m, dx, dy) + p[P.MU] * n + p[P.MU_E] * e
          - (p[P.LAMBDA] + p[P.KAPPA_L] * lym) * m)
    dc = (p[P.D_C] * laplacian(c, dx, dy, fixed, value) + p[P.BETA] * f
          + p[P.BETA_V] * v * (p[P.C_B] - c) - p[P.GAMMA] * cells * c - p[P.ALPHA] * c)
    phi = _phi(a, p)
    da = (p[P.D_A] * laplacian(a, dx, dy) + p[P.SIGMA_A] * cells * _hypoxic(c, p)
          - (p[P.LAMBDA_A] + p[P.ETA] * tips + p[P.KAPPA_L] * lym) * a)
    dp = (transport(data, dx, dy, p, P.SPROUTS)[0] + p[P.SIGMA_P] * (v + u) * phi
          - (p[P.KAPPA_P] * (tips + v + u) + p[P.DEATH_P]) * tips)
    trail = p[P.TRAIL] * tips * (np.maximum(p[P.V_CAP] - v, 0) - u)
    du = trail - p[P.K_MAT] * u
    dv = p[P.K_MAT] * u
    dl = (p[P.D_L] * laplacian(lym, dx, dy)
          + p[P.GROWTH_L] * phi * lym * (1 - lym - v - u))
    dw = -p[P.DELTA_W] * m * w
    dleak = np.where(v + u + lym > 0, p[P.RHO_L] * phi, 0.0) * (1 - leak) - p[P.NU_L] * leak
    return dn, df, db, dm, dc, de, da, dp, dv, du, dl, dw, dleak


def _two_phenotypes(n1, e1, src, dt, p):
    """Twin of :func:`.phenotypes.phenotype_row`: growth and death, then the exact
    exchange between the phenotypes."""
    f, b, m, c = src[P.ECM], src[P.MEMBRANE], src[P.MMP], src[P.OXYGEN]
    if p[P.GROWTH] > 0 or p[P.DEATH] > 0 or p[P.GROWTH_E] > 0:
        gain, loss = kinetic_rates(n1, f, b, c, p, other=e1)
        gain_e, loss_e = kinetic_rates(e1, f, b, c, p, other=n1, growth=p[P.GROWTH_E])
        n1, e1 = (n1 * (1 + dt * gain) / (1 + dt * loss),
                  e1 * (1 + dt * gain_e) / (1 + dt * loss_e))
    k_em = emt_rate(c, m, p) * np.ones_like(n1)
    k = k_em + p[P.K_MET]
    x = np.exp(-k * dt)
    total = n1 + e1
    safe = np.where(k > 0, k, 1.0)
    n_inf, e_inf = total * k_em / safe, total * p[P.K_MET] / safe
    return (np.where(k > 0, n_inf + (n1 - n_inf) * x, n1),
            np.where(k > 0, e_inf + (e1 - e_inf) * x, e1))


def _vessels(src, dst, dt, dx, dy, p):
    """Twin of :func:`.vessels.vessel_row` (all rows): TAF pointwise, tips' reactions,
    trail and maturation, lymph, wall and leakiness, into ``dst``."""
    n, m, c, e = src[P.TUMOR], src[P.MMP], src[P.OXYGEN], src[P.EPITHELIAL]
    a, tips, v, u = src[P.TAF], src[P.SPROUTS], src[P.BLOOD], src[P.NEW_VESSELS]
    lym, w, leak = src[P.LYMPH], src[P.VESSEL_WALL], src[P.LEAKINESS]
    phi = _phi(a, p)
    dst[P.TAF] = (a + dt * p[P.SIGMA_A] * (n + e) * _hypoxic(c, p)) / (
        1 + dt * p[P.LAMBDA_A] + dt * p[P.ETA] * tips + dt * p[P.KAPPA_L] * lym)
    p1 = dst[P.SPROUTS]
    dst[P.SPROUTS] = (p1 + dt * p[P.SIGMA_P] * (v + u) * phi) / (
        1 + dt * p[P.KAPPA_P] * (p1 + v + u) + dt * p[P.DEATH_P])
    x = dt * p[P.TRAIL] * tips
    u1 = (u + x * np.maximum(p[P.V_CAP] - v, 0)) / (1 + x)
    mature = np.exp(-p[P.K_MAT] * dt)
    dst[P.NEW_VESSELS] = u1 * mature
    dst[P.BLOOD] = v + u1 * (1 - mature)
    l1 = lym + dt * p[P.D_L] * laplacian(lym, dx, dy)
    room = 1 - v - u
    gain = dt * p[P.GROWTH_L] * phi * np.maximum(room, 0)
    loss = dt * p[P.GROWTH_L] * phi * (l1 + np.maximum(-room, 0))
    dst[P.LYMPH] = l1 * (1 + gain) / (1 + loss)
    dst[P.VESSEL_WALL] = w * np.exp(-p[P.DELTA_W] * dt * m)
    k_on = np.where(v + u + lym > 0, p[P.RHO_L] * phi, 0.0)
    k = k_on + p[P.NU_L]
    l_inf = np.where(k > 0, k_on / np.where(k > 0, k, 1.0), 0.0)
    dst[P.LEAKINESS] = np.where(k > 0, l_inf + (leak - l_inf) * np.exp(-k * dt), leak)


def explicit_step(src, dt, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0),
                  active=(0.0, 0.0), substeps=1):
    """Twin of :func:`.step.explicit_step`: returns ``(dst, rate_rows, mmp_rows,
    tip_rows)``, the rates of the tumour cells and of the sprout tips apart (the tips'
    zero without vessels). The tips are transported over ``dt / substeps``.

    The planes of a group that ``active`` leaves off are copied from ``src``."""
    phen, vess = bool(active[P.PHENOTYPES_ON]), bool(active[P.VESSELS_ON])
    n, f, b, m, c, e = src[:P.EPITHELIAL + 1]
    lym, v = src[P.LYMPH], src[P.BLOOD]
    dst = src.copy()
    tendency, rate = transport(src, dx, dy, p)
    n1 = n + dt * tendency
    if phen:
        tendency_e, rate_e = transport(src, dx, dy, p, P.EPITHELIAL)
        rate = np.maximum(rate, rate_e)
        n1, dst[P.EPITHELIAL] = _two_phenotypes(n1, e + dt * tendency_e, src, dt, p)
    elif p[P.GROWTH] > 0 or p[P.DEATH] > 0:
        gain, loss = kinetic_rates(n1, f, b, c, p)
        n1 = n1 * (1 + dt * gain) / (1 + dt * loss)
    dst[P.TUMOR] = n1
    f1 = f * np.exp(-p[P.DELTA] * m * dt)
    if p[P.PSI] > 0:
        if p[P.PSI_FORM] == 0:
            free = 1.0 - n - (e if phen else 0.0)
            f1 = (f1 + dt * p[P.PSI] * f1 * np.maximum(free, 0)) / (
                1 + dt * p[P.PSI] * (f1 + np.maximum(-free, 0)))
        else:
            f1 = 1.0 + (f1 - 1.0) * np.exp(-p[P.PSI] * dt)
    dst[P.ECM] = f1
    dst[P.MEMBRANE] = b * np.exp(-p[P.DELTA_B] * m * dt)
    dst[P.MMP] = (m + dt * (p[P.D_M] * laplacian(m, dx, dy) + p[P.MU] * n + p[P.MU_E] * e)
                  ) / (1 + dt * (p[P.LAMBDA] + p[P.KAPPA_L] * lym))
    c1 = (c + dt * p[P.BETA] * f + dt * p[P.BETA_V] * p[P.C_B] * v) / (
        1 + dt * (p[P.GAMMA] * (n + e) + p[P.ALPHA]) + dt * p[P.BETA_V] * v)
    r_x = dt * p[P.D_C] / dx**2
    dst[P.OXYGEN] = solve_reference(c1.T, r_x, fixed[0], fixed[1], value[0], value[1]).T
    rate_p = np.zeros_like(n)
    if vess:
        tendency_p, rate_p = transport(src, dx, dy, p, P.SPROUTS)
        dst[P.SPROUTS] = src[P.SPROUTS] + dt / substeps * tendency_p
        _vessels(src, dst, dt, dx, dy, p)
        dst[P.TAF] = solve_reference(dst[P.TAF].T, dt * p[P.D_A] / dx**2, 0, 0, 0, 0).T
    return dst, rate.max(axis=1), m.max(axis=1), rate_p.max(axis=1)


def take_step(src, dt, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0),
              active=(0.0, 0.0), substeps=1):
    """Twin of one step of :func:`.driver.advance` (``_euler_step``), the sprout tips
    transported in ``substeps`` substeps: returns ``(dst, rate, mmp_max)``, ``rate`` the
    step's positivity rate (the tips' rates over ``substeps``)."""
    dst, rate_rows, mmp_rows, tip_rows = explicit_step(src, dt, dx, dy, p, fixed, value,
                                                       active, substeps)
    r_y = dt * p[P.D_C] / dy**2
    dst[P.OXYGEN] = solve_reference(dst[P.OXYGEN], r_y, fixed[2], fixed[3], value[2], value[3])
    tips_rate = tip_rows.max()
    if active[P.VESSELS_ON]:
        dst[P.TAF] = solve_reference(dst[P.TAF], dt * p[P.D_A] / dy**2, 0, 0, 0, 0)
        # the later substeps: the tips alone, on the TAF and ECM of the step's start
        frozen = src.copy()
        for _ in range(substeps - 1):
            frozen[P.SPROUTS] = dst[P.SPROUTS]
            tendency, rate_p = transport(frozen, dx, dy, p, P.SPROUTS)
            dst[P.SPROUTS] = dst[P.SPROUTS] + dt / substeps * tendency
            tips_rate = max(tips_rate, float(rate_p.max()))
    return dst, max(rate_rows.max(), tips_rate / substeps), mmp_rows.max()


def tip_substeps(src, dt, dx, dy, p, safety):
    """Twin of :func:`.driver.tip_substeps` for the state ``src``: the substeps of the
    sprout tips' transport in a step of ``dt``."""
    x = dt * float(transport(src, dx, dy, p, P.SPROUTS)[1].max()) / safety
    return 1 if not x > 1 else int(np.ceil(x * (1 - 1e-12)))


def _line_solve(u, a, b, r):
    """Twin of the drug kernel's line solve, along axis 0 of ``u`` (columns independent):
    ``-r u_{k-1} + (1 + 2 r + a_k) u_k - r u_{k+1} = u_k + b_k``, zero-flux ends."""
    from scipy.linalg import solve_banded

    out = np.empty_like(u)
    n = u.shape[0]
    for c in range(u.shape[1]):
        ab = np.zeros((3, n))
        ab[0, 1:] = -r
        ab[2, :-1] = -r
        ab[1, :] = 1.0 + 2.0 * r + a[:, c]
        ab[1, 0] -= r
        ab[1, -1] -= r
        out[:, c] = solve_banded((1, 1), ab, u[:, c] + b[:, c])
    return out


def drug_step(d, data, supply_plane, dt, dx, dy, diffusion, decay, uptake, permeability,
              level):
    """Twin of :func:`.kernels.drug.drug_step`: the mean of rows-then-columns and
    columns-then-rows, each a banded solve by ``scipy.linalg`` with half the loss and
    half the supply; returns the new level."""
    s = permeability * (np.ones_like(d) if supply_plane < 0 else data[supply_plane])
    half_loss = 0.5 * dt * (s + decay + uptake * (data[P.TUMOR] + data[P.EPITHELIAL]))
    half_supply = 0.5 * dt * s * level
    def rows(u):
        return _line_solve(u.T, half_loss.T, half_supply.T, dt * diffusion / dx**2).T

    def columns(u):
        return _line_solve(u, half_loss, half_supply, dt * diffusion / dy**2)

    return 0.5 * (columns(rows(d)) + rows(columns(d)))


def richardson_step(src, dt, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0),
                    active=(0.0, 0.0), substeps=1):
    """Twin of one step of :func:`.driver.advance_richardson`: ``2 E(dt/2)^2 - E(dt)``
    of :func:`take_step` (each with the same ``substeps`` of the tips), limited by the
    one ``theta`` in [0, 1] that keeps every value >= 0; returns ``(dst, theta)``."""
    full = take_step(src, dt, dx, dy, p, fixed, value, active, substeps)[0]
    half = take_step(src, 0.5 * dt, dx, dy, p, fixed, value, active, substeps)[0]
    half = take_step(half, 0.5 * dt, dx, dy, p, fixed, value, active, substeps)[0]
    r = 2.0 * half - full
    neg = r < 0.0
    theta = min(1.0, float(np.min(half[neg] / (half[neg] - r[neg])))) if neg.any() else 1.0
    return (r if theta == 1.0 else half + theta * (r - half)), theta
