"""The fused explicit part of one time step: every field, one pass over memory.

For each cell, from the state ``src`` at time t into ``dst`` at t + dt:

* tumour: ``n1 = n - dt div F`` (face fluxes of :mod:`.fluxes`), then growth and hypoxic
  death in Patankar form ``n' = n1 (1 + dt P) / (1 + dt Q)`` (production explicit,
  destruction implicit: positive for any dt);
* ECM and membrane: exact exponentials ``f e^{-delta m dt}``, ``b e^{-delta_b m dt}``,
  then ECM remodelling (exact for "relaxation", Patankar for "logistic");
* MMP: explicit diffusion and production, implicit decay;
* oxygen: supply explicit, consumption and decay implicit (pointwise), then the x half of
  the locally one-dimensional implicit diffusion solve, a block of rows at a time while
  they are in cache. The y half is :func:`.tridiag.solve_columns`.

Alongside, per row: the largest transport outflow rate of a tumour cell (the positivity
bound of the step just taken is ``dt * rate <= 1``) and the largest MMP value.
"""

import math

import numpy as np
from numba import carray, types

from ....numerics.fastexp import SERIES_LIMIT, decay_row, exp_neg_series
from ....numerics.jit import (
    bits_float,
    float_bits,
    jit_internal,
    jit_parallel,
    native,
    native_call,
    prange,
)
from ....numerics.tridiag import solve_rows
from . import layout as P
from .fluxes import diffusion_face_flux, face_flux, free_face_flux, wall_faces
from .phenotypes import grow_row, phenotype_row
from .vessels import fields_row_ext, tip_x_faces, tip_y_faces, vessel_row


@jit_internal
def _x_faces(n, f, b, i, diffusivity, chi, inv_eps1, inv_dx, flux, rate_l, rate_r, free):
    """Fluxes through the faces of row ``i``; entry ``k`` is the face left of cell ``k``.

    Entries 0 and nx are the walls (zero flux). The faces next to the walls need clamped
    neighbours and are done apart, so the interior loop vectorises. ``free``: the row has
    no membrane, so the mobility (exactly 1) is skipped.
    """
    nx = n.shape[1]
    wall_faces(flux, rate_l, rate_r)
    # offsets from a zero-based index let the compiler drop negative-index checks
    if free and chi == 0.0:
        for k in range(nx - 3):
            fl, rl, rr = diffusion_face_flux(n[i, k + 1], n[i, k + 2], diffusivity, inv_dx)
            flux[k + 2] = fl
            rate_l[k + 2] = rl
            rate_r[k + 2] = rr
    elif free:
        for k in range(nx - 3):
            fl, rl, rr = free_face_flux(n[i, k], n[i, k + 1], n[i, k + 2], n[i, k + 3],
                                        f[i, k + 1], f[i, k + 2], diffusivity, chi, inv_dx)
            flux[k + 2] = fl
            rate_l[k + 2] = rl
            rate_r[k + 2] = rr
    else:
        for k in range(nx - 3):
            fl, rl, rr = face_flux(n[i, k], n[i, k + 1], n[i, k + 2], n[i, k + 3], f[i, k + 1],
                                   f[i, k + 2], b[i, k + 1], b[i, k + 2], diffusivity, chi,
                                   inv_eps1, inv_dx)
            flux[k + 2] = fl
            rate_l[k + 2] = rl
            rate_r[k + 2] = rr
    for k in (1, nx - 1):
        fl, rl, rr = face_flux(n[i, max(k - 2, 0)], n[i, k - 1], n[i, k],
                               n[i, min(k + 1, nx - 1)], f[i, k - 1], f[i, k], b[i, k - 1],
                               b[i, k], diffusivity, chi, inv_eps1, inv_dx)
        flux[k] = fl
        rate_l[k] = rl
        rate_r[k] = rr


@jit_internal
def _y_faces(n, f, b, i, diffusivity, chi, inv_eps1, inv_dy, flux, rate_lo, rate_hi, free):
    """Fluxes through the faces between rows ``i`` and ``i + 1`` (all columns).

    ``free``: neither row has membrane, so the mobility (exactly 1) is skipped.
    """
    ny, nx = n.shape
    im = max(i - 1, 0)
    ip2 = min(i + 2, ny - 1)
    if free and chi == 0.0:
        for j in range(nx):
            fl, rl, rh = diffusion_face_flux(n[i, j], n[i + 1, j], diffusivity, inv_dy)
            flux[j] = fl
            rate_lo[j] = rl
            rate_hi[j] = rh
    elif free:
        for j in range(nx):
            fl, rl, rh = free_face_flux(n[im, j], n[i, j], n[i + 1, j], n[ip2, j], f[i, j],
                                        f[i + 1, j], diffusivity, chi, inv_dy)
            flux[j] = fl
            rate_lo[j] = rl
            rate_hi[j] = rh
    else:
        for j in range(nx):
            fl, rl, rh = face_flux(n[im, j], n[i, j], n[i + 1, j], n[ip2, j], f[i, j],
                                   f[i + 1, j], b[i, j], b[i + 1, j], diffusivity, chi,
                                   inv_eps1, inv_dy)
            flux[j] = fl
            rate_lo[j] = rl
            rate_hi[j] = rh


@jit_internal
def _face_buffers(nx):
    """The scratch rows of one population's face fluxes along a row of ``nx`` cells: the
    x faces' fluxes and outflow rates (nx + 1), the y faces' below and above (zeroed, so
    that a wall row reads no flux) and each cell's outflow rate."""
    return (np.empty(nx + 1), np.empty(nx + 1), np.empty(nx + 1), np.zeros(nx), np.zeros(nx),
            np.zeros(nx), np.zeros(nx), np.zeros(nx), np.empty(nx))


@jit_internal
def _no_membrane(bits, i):
    """True when every value in row ``i`` of the membrane is +0.0.

    ``bits`` is the membrane plane read as int64 bit patterns: their OR vectorises fully
    (a float comparison does not); -0.0 and NaN count as membrane.
    """
    found = 0
    for j in range(bits.shape[1]):
        found |= bits[i, j]
    return found == 0


@jit_internal
def _tumor_row(n, n_out, i, dt, inv_dx, inv_dy, fx, rxl, rxr, fy_lo, fy_hi, ry_lo, ry_hi,
               rate):
    """Transport update of row ``i`` and each cell's outflow rate."""
    nx = n.shape[1]
    ax = dt * inv_dx
    ay = dt * inv_dy
    for j in range(nx):
        nij = n[i, j]
        n_out[j] = nij - ((fx[j + 1] - fx[j]) * ax + (fy_hi[j] - fy_lo[j]) * ay)
        outflow = rxl[j + 1] + rxr[j] + ry_lo[j] + ry_hi[j]
        # a cell without tumour cannot go negative: it only receives. 0 * n is 0 for a
        # finite n and NaN for a NaN, which the row maximum then reports in this step.
        rate[j] = outflow if nij > 0.0 else 0.0 * nij


@jit_internal
def _tip_row(tips, a, f, out_row, i, dt, p, inv_dx, inv_dy, fx, rxl, rxr, fy_lo, fy_hi, ry_lo,
             ry_hi_lo, ry_hi_hi, rate):
    """The transport of row ``i`` of the sprout tips over ``dt`` into ``out_row``, and each
    cell's outflow rate into ``rate``: the faces above the row are computed here (zero
    at the top wall), those below it are given (``fy_lo``, ``ry_lo``)."""
    if i < tips.shape[0] - 1:
        tip_y_faces(tips, a, f, i, p, inv_dy, fy_hi, ry_hi_lo, ry_hi_hi)
    else:
        fy_hi[:] = 0.0
        ry_hi_lo[:] = 0.0
    tip_x_faces(tips, a, f, i, p, inv_dx, fx, rxl, rxr)
    _tumor_row(tips, out_row, i, dt, inv_dx, inv_dy, fx, rxl, rxr, fy_lo, fy_hi, ry_lo,
               ry_hi_lo, rate)


@jit_internal
def _fields_row(n, f, m, c, f_out, m_out, c_out, i, dt, delta, idx2, idy2, d_m, mu, mmp_den,
                beta, gamma, alpha, m_max):
    """ECM degradation, MMP and oxygen (pointwise part) of row ``i``, in one loop.

    * ECM: ``f e^{-delta m dt}`` exactly (:func:`decay_row`; ``m_max`` is the row's
      largest MMP, which tells whether any cell needs ``exp`` rather than the series);
    * MMP: explicit diffusion and production, implicit decay;
    * oxygen: supply explicit, consumption and decay implicit.

    Constant factors are combined once, outside the loop.
    """
    ny, nx = m.shape
    im = max(i - 1, 0)
    ip = min(i + 1, ny - 1)
    delta_dt = delta * dt
    cx = dt * d_m * idx2
    cy = dt * d_m * idy2
    cn = dt * mu
    supply = dt * beta
    uptake = dt * gamma
    keep = 1.0 + dt * alpha
    for j0 in range(nx - 2):
        j = j0 + 1
        mij = m[i, j]
        nij = n[i, j]
        fij = f[i, j]
        f_out[j] = fij * exp_neg_series(min(mij * delta_dt, SERIES_LIMIT))
        m_out[j] = (mij + (m[i, j0] - 2.0 * mij + m[i, j0 + 2]) * cx
                    + (m[im, j] - 2.0 * mij + m[ip, j]) * cy + nij * cn) * mmp_den
        c_out[j] = (c[i, j] + fij * supply) / (keep + nij * uptake)
    for j in (0, nx - 1):
        mij = m[i, j]
        nij = n[i, j]
        fij = f[i, j]
        f_out[j] = fij * exp_neg_series(min(mij * delta_dt, SERIES_LIMIT))
        m_out[j] = (mij + (m[i, max(j - 1, 0)] - 2.0 * mij + m[i, min(j + 1, nx - 1)]) * cx
                    + (m[im, j] - 2.0 * mij + m[ip, j]) * cy + nij * cn) * mmp_den
        c_out[j] = (c[i, j] + fij * supply) / (keep + nij * uptake)
    if not m_max * delta_dt <= SERIES_LIMIT:  # x grows with m; NaN takes this branch
        for j in range(nx):
            x = m[i, j] * delta_dt
            if x > SERIES_LIMIT:
                f_out[j] = f[i, j] * math.exp(-x)


@jit_internal
def _ecm_row(f, m, f_out, i, delta_dt, m_max):
    """ECM degradation ``f e^{-delta m dt}`` of row ``i`` alone, as :func:`_fields_row`
    computes it (the same bits), for the step with two phenotypes or vessels."""
    nx = f.shape[1]
    for j in range(nx):
        f_out[j] = f[i, j] * exp_neg_series(min(m[i, j] * delta_dt, SERIES_LIMIT))
    if not m_max * delta_dt <= SERIES_LIMIT:
        for j in range(nx):
            x = m[i, j] * delta_dt
            if x > SERIES_LIMIT:
                f_out[j] = f[i, j] * math.exp(-x)


@jit_internal
def _matrix_row(n, e, b, m, f_out, b_out, i, dt, delta_b, psi, psi_form, psi_decay, phen):
    """ECM remodelling (after degradation, in ``f_out``) and membrane degradation; with
    two phenotypes (``phen``) both take up space."""
    nx = n.shape[1]
    if psi > 0.0:
        for j in range(nx):
            f1 = f_out[j]
            if psi_form == 0.0:
                free = 1.0 - n[i, j]
                if phen:
                    free -= e[i, j]
                f_out[j] = (f1 + dt * psi * f1 * max(free, 0.0)) / (
                    1.0 + dt * psi * (f1 + max(-free, 0.0)))
            else:
                f_out[j] = 1.0 + (f1 - 1.0) * psi_decay
    if delta_b != 0.0:
        decay_row(b[i], m[i], delta_b, b_out, dt)
    # else: the membrane is static and the caller keeps it in both buffers (no write)


#: int64 masks: all bits but the sign, and the bits of +inf
_ABS_BITS = 0x7FFFFFFFFFFFFFFF
_INF_BITS = 0x7FF0000000000000


@jit_internal
def row_max(a):
    """Largest entry of ``a`` (whose entries are >= 0), or NaN if any entry is NaN.

    For non-negative floats the order of their bit patterns read as integers is the order
    of the values, and an integer maximum vectorises where a float one does not (it must
    respect NaN). A NaN of either sign is found by its bits; negative entries count as 0.
    """
    top = 0
    bad = False
    for j in range(a.shape[0]):
        bits = float_bits(a[j])
        top = max(top, bits)
        bad |= (bits & _ABS_BITS) > _INF_BITS
    return np.nan if bad else bits_float(top)


_F3 = types.float64[:, :, ::1]
_F1 = types.float64[::1]
_STEP_ROWS_TYPES = (_F3, _F3, types.intp, types.intp, types.float64, types.float64,
                    types.float64, _F1, _F1, _F1, types.float64, types.float64, _F1, _F1,
                    _F1, _F1, _F1, _F1, types.float64)


@native("pde_meta_step_rows", *_STEP_ROWS_TYPES)
def _step_rows(src_data, s0, s1, s2, dst_data, d0, d1, d2, i0, i1, dt, dx, dy, p_data, n_p,
               cpx_data, n_cpx, inv_den_x_data, n_inv, add_left, add_right, rate_data, n_rate,
               mmp_data, n_mmp, active_data, n_active, cpa_data, n_cpa, inv_den_a_data,
               n_inv_a, tip_data, n_tip, tip_substeps):
    """The explicit step on rows ``i0 .. i1 - 1`` (one parallel task), a C function.

    Arguments as in :func:`explicit_step`, each array given as data pointer and shape.
    """
    src = carray(src_data, (s0, s1, s2), np.float64)
    dst = carray(dst_data, (d0, d1, d2), np.float64)
    p = carray(p_data, (n_p,), np.float64)
    cpx = carray(cpx_data, (n_cpx,), np.float64)
    inv_den_x = carray(inv_den_x_data, (n_inv,), np.float64)
    rate_rows = carray(rate_data, (n_rate,), np.float64)
    mmp_rows = carray(mmp_data, (n_mmp,), np.float64)
    active = carray(active_data, (n_active,), np.float64)
    cpa = carray(cpa_data, (n_cpa,), np.float64)
    inv_den_a = carray(inv_den_a_data, (n_inv_a,), np.float64)
    tip_rows = carray(tip_data, (n_tip,), np.float64)
    # the same memory as bit patterns, for the membrane-free test of a row
    b_bits = carray(src_data, (s0, s1, s2), np.int64)[P.MEMBRANE]
    ny = src.shape[1]
    nx = src.shape[2]
    n = src[P.TUMOR]
    f = src[P.ECM]
    b = src[P.MEMBRANE]
    m = src[P.MMP]
    c = src[P.OXYGEN]
    e = src[P.EPITHELIAL]
    a = src[P.TAF]
    tips = src[P.SPROUTS]
    phen = active[P.PHENOTYPES_ON] != 0.0
    vess = active[P.VESSELS_ON] != 0.0
    d_n = p[P.D_N]
    chi = p[P.CHI]
    d_e = p[P.D_E]
    chi_e = p[P.CHI_E]
    inv_eps1 = 1.0 / (1.0 + p[P.EPS])
    inv_dx = 1.0 / dx
    inv_dy = 1.0 / dy
    mmp_den = 1.0 / (1.0 + dt * p[P.LAMBDA])
    psi_decay = math.exp(-p[P.PSI] * dt)
    r_x = dt * p[P.D_C] * inv_dx * inv_dx
    tip_dt = dt / tip_substeps  # the first of the tips' transport substeps
    kinetics = p[P.GROWTH] > 0.0 or p[P.DEATH] > 0.0
    kinetics_e = kinetics or p[P.GROWTH_E] > 0.0
    fx, rxl, rxr, fy_lo, ry_lo, fy_hi, ry_hi_lo, ry_hi_hi, rate = _face_buffers(nx)
    scratch = np.empty(nx)
    no_cells = np.zeros(nx)  # the epithelial row of the one-phenotype kinetics
    # the same faces for the epithelial cells and for the sprout tips
    ne = nx if phen else 0  # (groups that are off need no buffers)
    e_fy_lo = np.zeros(ne)
    e_ry_lo = np.zeros(ne)
    e_fy_hi = np.zeros(ne)
    e_ry_hi_lo = np.zeros(ne)
    e_ry_hi_hi = np.zeros(ne)
    nt = nx if vess else 0
    t_fy_lo = np.zeros(nt)
    t_ry_lo = np.zeros(nt)
    t_fy_hi = np.zeros(nt)
    t_ry_hi_lo = np.zeros(nt)
    t_ry_hi_hi = np.zeros(nt)
    free_lo = i0 > 0 and _no_membrane(b_bits, i0 - 1)
    free = _no_membrane(b_bits, i0)
    if i0 > 0:
        _y_faces(n, f, b, i0 - 1, d_n, chi, inv_eps1, inv_dy, fy_lo, ry_hi_lo, ry_lo,
                 free_lo and free)
        if phen:
            _y_faces(e, f, b, i0 - 1, d_e, chi_e, inv_eps1, inv_dy, e_fy_lo, e_ry_hi_lo,
                     e_ry_lo, free_lo and free)
        if vess:
            tip_y_faces(tips, a, f, i0 - 1, p, inv_dy, t_fy_lo, t_ry_hi_lo, t_ry_lo)
    for i in range(i0, i1):
        free_hi = i < ny - 1 and _no_membrane(b_bits, i + 1)
        if i < ny - 1:
            _y_faces(n, f, b, i, d_n, chi, inv_eps1, inv_dy, fy_hi, ry_hi_lo, ry_hi_hi,
                     free and free_hi)
        else:
            fy_hi[:] = 0.0
            ry_hi_lo[:] = 0.0
        _x_faces(n, f, b, i, d_n, chi, inv_eps1, inv_dx, fx, rxl, rxr, free)
        n_out = dst[P.TUMOR, i]
        _tumor_row(n, n_out, i, dt, inv_dx, inv_dy, fx, rxl, rxr, fy_lo, fy_hi, ry_lo,
                   ry_hi_lo, rate)
        row_rate = row_max(rate)
        if phen:
            e_out = dst[P.EPITHELIAL, i]
            if i < ny - 1:
                _y_faces(e, f, b, i, d_e, chi_e, inv_eps1, inv_dy, e_fy_hi, e_ry_hi_lo,
                         e_ry_hi_hi, free and free_hi)
            else:
                e_fy_hi[:] = 0.0
                e_ry_hi_lo[:] = 0.0
            _x_faces(e, f, b, i, d_e, chi_e, inv_eps1, inv_dx, fx, rxl, rxr, free)
            _tumor_row(e, e_out, i, dt, inv_dx, inv_dy, fx, rxl, rxr, e_fy_lo, e_fy_hi,
                       e_ry_lo, e_ry_hi_lo, rate)
            row_rate = max(row_rate, row_max(rate))
            phenotype_row(n_out, e_out, f, b, c, m, i, dt, p, kinetics_e, scratch)
            e_fy_lo, e_fy_hi = e_fy_hi, e_fy_lo
            e_ry_lo, e_ry_hi_hi = e_ry_hi_hi, e_ry_lo
        elif kinetics:  # one phenotype: the same kinetics beside no epithelial cells
            grow_row(n_out, no_cells, f[i], b[i], c[i], dt, p[P.GROWTH], p[P.K_C], p[P.DEATH],
                     p[P.C_H], 1.0 / p[P.W_H])
        if vess:
            _tip_row(tips, a, f, dst[P.SPROUTS, i], i, tip_dt, p, inv_dx, inv_dy, fx, rxl, rxr,
                     t_fy_lo, t_fy_hi, t_ry_lo, t_ry_hi_lo, t_ry_hi_hi, rate)
            tip_rows[i] = row_max(rate)
            t_fy_lo, t_fy_hi = t_fy_hi, t_fy_lo
            t_ry_lo, t_ry_hi_hi = t_ry_hi_hi, t_ry_lo
        m_max = row_max(m[i])
        mmp_rows[i] = m_max
        if phen or vess:
            _ecm_row(f, m, dst[P.ECM, i], i, p[P.DELTA] * dt, m_max)
            fields_row_ext(src, dst, i, dt, inv_dx * inv_dx, inv_dy * inv_dy, p)
        else:
            _fields_row(n, f, m, c, dst[P.ECM, i], dst[P.MMP, i], dst[P.OXYGEN, i], i, dt,
                        p[P.DELTA], inv_dx * inv_dx, inv_dy * inv_dy, p[P.D_M], p[P.MU],
                        mmp_den, p[P.BETA], p[P.GAMMA], p[P.ALPHA], m_max)
        _matrix_row(n, e, b, m, dst[P.ECM, i], dst[P.MEMBRANE, i], i, dt, p[P.DELTA_B],
                    p[P.PSI], p[P.PSI_FORM], psi_decay, phen)
        if vess:
            vessel_row(src, dst, i, dt, inv_dx * inv_dx, inv_dy * inv_dy, p)
        rate_rows[i] = row_rate
        fy_lo, fy_hi = fy_hi, fy_lo
        ry_lo, ry_hi_hi = ry_hi_hi, ry_lo
        free = free_hi
    solve_rows(dst[P.OXYGEN, i0:i1], r_x, cpx, inv_den_x, add_left, add_right)
    if vess:
        solve_rows(dst[P.TAF, i0:i1], dt * p[P.D_A] * inv_dx * inv_dx, cpa, inv_den_a, 0.0,
                   0.0)


_call_step_rows = native_call("pde_meta_step_rows", *_STEP_ROWS_TYPES)


@jit_parallel
def explicit_step(src, dst, dt, dx, dy, p, cpx, inv_den_x, add_left, add_right,
                  rate_rows, mmp_rows, block, active, cpa, inv_den_a, tip_rows, tip_substeps):
    """Advance ``src`` by ``dt`` into ``dst`` (all but the y half of oxygen diffusion).

    Parameters
    ----------
    src, dst : (13, ny, nx) C-contiguous float64 arrays (distinct). When the membrane is
        static (``delta_b = 0``) its plane is not written: ``dst`` must already hold it;
        the same for the planes of a group that is off.
    dt, dx, dy : float
    p : tuple of float, see :mod:`.params`
    cpx, inv_den_x : (nx,) Thomas factors of the x oxygen solve (:func:`.tridiag.factorise`)
    add_left, add_right : float, fixed-wall terms of the x oxygen solve
    rate_rows, mmp_rows : (ny,) outputs, per-row max transport rate (of the tumour cells of
        both phenotypes) and max MMP of ``src``
    block : int, rows per parallel task
    active : (2,) array, nonzero where a group is stepped (:data:`.layout.PHENOTYPES_ON`,
        :data:`.layout.VESSELS_ON`); the planes of a group that is off are not written
    cpa, inv_den_a : (nx,) Thomas factors of the x TAF solve (used with vessels on)
    tip_rows : (ny,) output, per-row max outflow rate of the sprout tips of ``src`` (with
        vessels on; not written otherwise)
    tip_substeps : float, the tips are transported over ``dt / tip_substeps`` (the first of
        their substeps, :func:`tip_transport` takes the others); their reactions,
        and every other field, over ``dt``

    The parallel loop only hands out blocks of rows; the work is in :func:`_step_rows`,
    compiled once as a C function (:func:`._jit.native`).
    """
    ny = src.shape[1]
    values = np.empty(len(p))
    for k in range(len(p)):
        values[k] = p[k]
    n_blocks = (ny + block - 1) // block
    for kb in prange(n_blocks):
        i0 = kb * block
        _call_step_rows(src, dst, i0, min(ny, i0 + block), dt, dx, dy, values, cpx,
                        inv_den_x, add_left, add_right, rate_rows, mmp_rows, active, cpa,
                        inv_den_a, tip_rows, tip_substeps)


@jit_internal
def _tip_rows(tips, out, a, f, i0, i1, dt, inv_dx, inv_dy, p, rate_rows):
    """The transport of the sprout tips alone, rows ``i0 .. i1 - 1`` of ``tips`` into
    ``out``, with the drift of :func:`.vessels.tip_x_faces` on the fields ``a`` (TAF) and
    ``f`` (ECM); each row's largest outflow rate of ``tips`` into ``rate_rows``."""
    ny, nx = tips.shape
    fx, rxl, rxr, fy_lo, ry_lo, fy_hi, ry_hi_lo, ry_hi_hi, rate = _face_buffers(nx)
    if i0 > 0:
        tip_y_faces(tips, a, f, i0 - 1, p, inv_dy, fy_lo, ry_hi_lo, ry_lo)
    for i in range(i0, i1):
        _tip_row(tips, a, f, out[i], i, dt, p, inv_dx, inv_dy, fx, rxl, rxr, fy_lo, fy_hi,
                 ry_lo, ry_hi_lo, ry_hi_hi, rate)
        rate_rows[i] = row_max(rate)
        fy_lo, fy_hi = fy_hi, fy_lo
        ry_lo, ry_hi_hi = ry_hi_hi, ry_lo


_F2 = types.float64[:, ::1]
_TIP_ROWS_TYPES = (_F2, _F2, _F2, _F2, types.intp, types.intp, types.float64, types.float64,
                   types.float64, _F1, _F1)


@native("pde_meta_tip_rows", *_TIP_ROWS_TYPES)
def _tip_block(tips_data, t0, t1, out_data, o0, o1, a_data, a0, a1, f_data, f0, f1, i0, i1,
               dt, inv_dx, inv_dy, p_data, n_p, rate_data, n_rate):
    """:func:`_tip_rows` as a C function (one parallel task of :func:`tip_transport`):
    compiled once, so that the parallel loop that calls it stays small to compile."""
    _tip_rows(carray(tips_data, (t0, t1), np.float64), carray(out_data, (o0, o1), np.float64),
              carray(a_data, (a0, a1), np.float64), carray(f_data, (f0, f1), np.float64),
              i0, i1, dt, inv_dx, inv_dy, carray(p_data, (n_p,), np.float64),
              carray(rate_data, (n_rate,), np.float64))


_call_tip_rows = native_call("pde_meta_tip_rows", *_TIP_ROWS_TYPES)


@jit_parallel
def tip_transport(tips, out, a, f, dt, dx, dy, p, block, rate_rows):
    """One substep of the sprout tips' transport alone: ``tips`` (ny, nx) into ``out``
    over ``dt``, the drift from the TAF ``a`` and the ECM ``f``, exactly as the fused step
    transports them (the same faces, the same update); ``rate_rows`` (ny,) gets each row's
    largest outflow rate of ``tips``. Row blocks of ``block`` rows run in parallel, each a
    call of :func:`_tip_block`. Every array C-contiguous."""
    ny = tips.shape[0]
    values = np.empty(len(p))
    for k in range(len(p)):
        values[k] = p[k]
    for kb in prange((ny + block - 1) // block):
        i0 = kb * block
        _call_tip_rows(tips, out, a, f, i0, min(ny, i0 + block), dt, 1.0 / dx, 1.0 / dy,
                       values, rate_rows)
