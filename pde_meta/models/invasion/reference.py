"""Plain-numpy twins of the compiled kernels: slow, vectorised, written for reading.

Each function here computes what a kernel computes, by a different route (whole-array
operations, ``scipy.linalg.solve_banded`` for the implicit solves), so that the tests can
compare the two on random fields.
"""

import numpy as np

from ...numerics.reference import solve_reference
from .kernels import layout as P

__all__ = ["koren_slope", "face_fluxes", "transport", "transport_rate", "reaction_rate",
           "laplacian", "rhs", "explicit_step", "take_step"]


def koren_slope(d_up, d_down):
    """Vectorised :func:`.fluxes.koren_slope`."""
    d_up = np.asarray(d_up, dtype=float)
    d_down = np.asarray(d_down, dtype=float)
    a, b_, c = 2.0 * d_down, (d_up + 2.0 * d_down) * (1.0 / 3.0), 2.0 * d_up
    pos = np.maximum(0.0, np.minimum(np.minimum(a, b_), c))
    neg = np.minimum(0.0, np.maximum(np.maximum(a, b_), c))
    return np.where(d_up > 0, pos, np.where(d_up < 0, neg, 0.0))


def face_fluxes(n, f, b, p, h, axis):
    """Fluxes and outflow rates through the interior faces along ``axis``.

    Returns ``(flux, rate_l, rate_r)``, each with one entry fewer than ``n`` along
    ``axis``: face ``k`` lies between cells ``k`` and ``k + 1``.
    """
    n, f, b = (np.moveaxis(a, axis, -1) for a in (n, f, b))
    inv_eps1 = 1.0 / (1.0 + p[P.EPS])
    n_l, n_r = n[..., :-1], n[..., 1:]
    n_ll = np.concatenate([n[..., :1], n[..., :-2]], axis=-1)
    n_rr = np.concatenate([n[..., 2:], n[..., -1:]], axis=-1)
    mob = 1.0 - 0.5 * (b[..., :-1] + b[..., 1:]) * inv_eps1
    v = p[P.CHI] * (f[..., 1:] - f[..., :-1]) / h
    n_face = np.where(v >= 0, n_l + 0.5 * koren_slope(n_l - n_ll, n_r - n_l),
                      n_r + 0.5 * koren_slope(n_r - n_rr, n_l - n_r))
    flux = mob * (p[P.D_N] * (n_l - n_r) / h + v * n_face)
    diff_rate = p[P.D_N] / h**2
    rate_l = mob * (diff_rate + 2.0 * np.maximum(v, 0.0) / h)
    rate_r = mob * (diff_rate + 2.0 * np.maximum(-v, 0.0) / h)
    return tuple(np.moveaxis(a, -1, axis) for a in (flux, rate_l, rate_r))


def _pad_faces(a, axis):
    """Add zero wall faces at both ends of ``axis``."""
    width = [(0, 0)] * a.ndim
    width[axis] = (1, 1)
    return np.pad(a, width)


def transport(data, dx, dy, p):
    """``(-div F, rate)``: the tumour transport tendency and each cell's outflow rate."""
    n, f, b = data[P.TUMOR], data[P.ECM], data[P.MEMBRANE]
    rate = np.zeros_like(n)
    tendency = np.zeros_like(n)
    for axis, h in ((1, dx), (0, dy)):
        flux, rate_l, rate_r = (_pad_faces(a, axis) for a in face_fluxes(n, f, b, p, h, axis))
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        lo, hi = tuple(lo), tuple(hi)
        tendency -= (flux[hi] - flux[lo]) / h
        rate += rate_l[hi] + rate_r[lo]
    return tendency, np.where(n > 0, rate, 0.0)


def transport_rate(data, dx, dy, p):
    """The largest tumour outflow rate: the explicit step is positive if ``dt * rate <= 1``."""
    return float(transport(data, dx, dy, p)[1].max())


def reaction_rate(data, p):
    """Twin of :func:`.driver.reaction_rate` evaluated on a state."""
    m_max = float(data[P.MMP].max())
    return max(p[P.DELTA] * m_max, p[P.DELTA_B] * m_max, p[P.LAMBDA], p[P.GROWTH],
               p[P.DEATH], p[P.PSI])


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


def _kinetic_rates(n, f, b, c, p):
    """Per-capita gain and loss of tumour cells (growth and hypoxic death)."""
    q = 1.0 - f - b
    h = c / (p[P.K_C] + c) if p[P.K_C] > 0 else np.ones_like(c)
    gain = p[P.GROWTH] * h * np.maximum(q, 0.0)
    loss = p[P.GROWTH] * h * (n + np.maximum(-q, 0.0))
    loss = loss + p[P.DEATH] * 0.5 * (1.0 - np.tanh((c - p[P.C_H]) / p[P.W_H]))
    return gain, loss


def rhs(data, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0)):
    """The semi-discrete right-hand side of every field (the method of lines form)."""
    n, f, b, m, c = data
    tendency, _ = transport(data, dx, dy, p)
    gain, loss = _kinetic_rates(n, f, b, c, p)
    dn = tendency + n * (gain - loss)
    df = -p[P.DELTA] * m * f
    if p[P.PSI] > 0:
        df = df + (p[P.PSI] * f * (1 - n - f) if p[P.PSI_FORM] == 0 else p[P.PSI] * (1 - f))
    db = -p[P.DELTA_B] * m * b
    dm = p[P.D_M] * laplacian(m, dx, dy) + p[P.MU] * n - p[P.LAMBDA] * m
    dc = (p[P.D_C] * laplacian(c, dx, dy, fixed, value) + p[P.BETA] * f
          - p[P.GAMMA] * n * c - p[P.ALPHA] * c)
    return dn, df, db, dm, dc


def explicit_step(src, dt, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0)):
    """Twin of :func:`.step.explicit_step`: returns ``(dst, rate_rows, mmp_rows)``."""
    n, f, b, m, c = src
    dst = np.empty_like(src)
    tendency, rate = transport(src, dx, dy, p)
    n1 = n + dt * tendency
    if p[P.GROWTH] > 0 or p[P.DEATH] > 0:
        gain, loss = _kinetic_rates(n1, f, b, c, p)
        n1 = n1 * (1 + dt * gain) / (1 + dt * loss)
    dst[P.TUMOR] = n1
    f1 = f * np.exp(-p[P.DELTA] * m * dt)
    if p[P.PSI] > 0:
        if p[P.PSI_FORM] == 0:
            free = 1.0 - n
            f1 = (f1 + dt * p[P.PSI] * f1 * np.maximum(free, 0)) / (
                1 + dt * p[P.PSI] * (f1 + np.maximum(-free, 0)))
        else:
            f1 = 1.0 + (f1 - 1.0) * np.exp(-p[P.PSI] * dt)
    dst[P.ECM] = f1
    dst[P.MEMBRANE] = b * np.exp(-p[P.DELTA_B] * m * dt)
    dst[P.MMP] = (m + dt * (p[P.D_M] * laplacian(m, dx, dy) + p[P.MU] * n)) / (
        1 + dt * p[P.LAMBDA])
    c1 = (c + dt * p[P.BETA] * f) / (1 + dt * (p[P.GAMMA] * n + p[P.ALPHA]))
    r_x = dt * p[P.D_C] / dx**2
    dst[P.OXYGEN] = solve_reference(c1.T, r_x, fixed[0], fixed[1], value[0], value[1]).T
    return dst, rate.max(axis=1), m.max(axis=1)


def take_step(src, dt, dx, dy, p, fixed=(0, 0, 0, 0), value=(0, 0, 0, 0)):
    """Twin of one step of :func:`.driver.advance`: returns ``(dst, rate, mmp_max)``."""
    dst, rate_rows, mmp_rows = explicit_step(src, dt, dx, dy, p, fixed, value)
    r_y = dt * p[P.D_C] / dy**2
    dst[P.OXYGEN] = solve_reference(dst[P.OXYGEN], r_y, fixed[2], fixed[3], value[2], value[3])
    return dst, rate_rows.max(), mmp_rows.max()
