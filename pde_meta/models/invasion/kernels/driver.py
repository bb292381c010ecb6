"""The compiled time loop: many steps per call, adaptive or fixed dt, a status code out.

Each step runs :func:`.step.explicit_step` (which also measures the positivity bound of the
state it starts from), checks ``dt * rate <= 1``, and finishes the oxygen solve with
:func:`.tridiag.solve_columns`. With an adaptive step a step that breaks the bound is
redone with ``dt = safety / rate`` (the bound is exact for that state, so the redo always
passes); with a fixed step the loop stops with :data:`DT_TOO_LARGE`.
"""

import math

import numpy as np

from ....numerics.jit import jit, jit_parallel, prange
from ....numerics.tridiag import factorise, solve_columns
from . import layout as P
from .layout import DT_TOO_LARGE, MAX_STEPS, NOT_FINITE, REACHED_END
from .step import explicit_step, row_max, tip_transport


@jit
def reaction_rate(p, mmp_max, active):
    """The fastest reaction rate (1/T) for the accuracy limit of the time step."""
    rate = max(p[P.DELTA] * mmp_max, p[P.DELTA_B] * mmp_max, p[P.LAMBDA], p[P.GROWTH],
               p[P.DEATH], p[P.PSI])
    if active[P.PHENOTYPES_ON] != 0.0:
        rate = max(rate, p[P.GROWTH_E], p[P.K_EMT] + p[P.K_HYP] + p[P.K_SIG] + p[P.K_MET])
    if active[P.VESSELS_ON] != 0.0:
        rate = max(rate, p[P.DELTA_W] * mmp_max, p[P.K_MAT], p[P.RHO_L] + p[P.NU_L],
                   p[P.GROWTH_L])
    return rate


@jit
def diffusion_rate(p, dx, dy, active):
    """The explicit-diffusion bound (1/T) of MMP and, with vessels, of lymph vessels."""
    d = p[P.D_M]
    if active[P.VESSELS_ON] != 0.0:
        d = max(d, p[P.D_L])
    return 2.0 * d * (1.0 / (dx * dx) + 1.0 / (dy * dy))


@jit
def advance(a, b, t, t_end, dt, adaptive, max_steps, dx, dy, p, fixed, value, safety,
            reaction_cfl, row_block, col_block, active, max_substeps, substeps):
    """Advance the state in ``a`` towards ``t_end``, using ``b`` as the second buffer.

    Parameters
    ----------
    a, b : (13, ny, nx) arrays; ``a`` holds the state at ``t``. With a static membrane
        (``delta_b = 0``) both must hold the same membrane plane, and the same planes of
        a group that ``active`` leaves off.
    dt : float
        The fixed step, or the first trial step when ``adaptive``.
    adaptive : bool
    max_steps : int
        Stop after this many accepted steps (status :data:`MAX_STEPS`).
    fixed, value : (4,) arrays, oxygen walls (left, right, bottom, top)
    safety : float in (0, 1], fraction of the positivity bound used by adaptive steps
    reaction_cfl : float, largest ``dt * reaction_rate`` for adaptive steps
    active : (2,) array, which groups are stepped (:func:`.step.explicit_step`)
    max_substeps : int >= 1
        The most substeps the sprout tips' transport may take in one step
        (:func:`tip_substeps`); 1: the tips take the step of every other field. (No
        argument has a default: each would compile a variant of its own, and processes
        that compile variants of one function at once can overwrite each other's cache
        entries.)
    substeps : int >= 1
        The tips' substeps of the first step (the ``substeps_next`` of the call before):
        a step whose tips break their bound at this count is redone with the count their
        rate asks for, so the count carried from step to step is a guess that is checked.

    Returns
    -------
    t, steps, status, dt_next, rate, in_b, substeps_next, most
        ``in_b`` is True when the final state is in ``b`` (the caller swaps);
        ``rate`` is the stability rate (1/T) of the last state stepped from;
        ``substeps_next`` the tips' substeps for the next step (with ``dt_next``, what a
        restart needs to continue with the same bits); ``most`` the most substeps of
        the tips in one step.
    """
    ny = a.shape[1]
    nx = a.shape[2]
    wx = np.empty((4, nx))
    wy = np.empty((7, ny))
    multirate, spare, k = _tip_start(active, max_substeps, substeps, ny, nx)
    mmp_rate = diffusion_rate(p, dx, dy, active)
    src = a
    dst = b
    in_b = False
    steps = 0
    status = MAX_STEPS
    rate = 0.0
    most = 1
    while steps < max_steps:
        remaining = t_end - t
        if remaining <= 0.0:
            status = REACHED_END
            break
        last = dt >= remaining
        step_dt = remaining if last else dt
        n_rate, mmp_max, tip0, sub0 = _euler_step(src, dst, step_dt, dx, dy, p, fixed, value,
                                                  row_block, col_block, active, wx, wy, k,
                                                  spare)
        redo, k, dt = _more_substeps(multirate, step_dt, tip0, k, safety, max_substeps,
                                     adaptive, dt)
        if redo:
            continue
        rate = _top(_top(n_rate, mmp_rate), _top(tip0, sub0) / k)
        if not (rate < np.inf) or mmp_max != mmp_max:
            status = NOT_FINITE
            break
        if step_dt * rate > 1.0:
            if not adaptive:
                status = DT_TOO_LARGE
                break
            dt = safety / rate
            continue
        t = t_end if last else t + step_dt
        steps += 1
        most = max(most, k)
        src, dst = dst, src
        in_b = not in_b
        if adaptive:
            dt = _next_dt(_top(_top(n_rate, mmp_rate), tip0 / max_substeps), mmp_max, p,
                          active, safety, reaction_cfl, t_end - t)
        if multirate:  # the rates of the tips' last substeps stand in for the new state's
            k = min(tip_substeps(dt, _top(sub0, tip0), safety), max_substeps)
    if steps >= max_steps and t >= t_end:
        status = REACHED_END
    return t, steps, status, dt, rate, in_b, k, most


@jit
def _tip_start(active, max_substeps, substeps, ny, nx):
    """For a time loop: whether the sprout tips take substeps (vessels on and
    ``max_substeps > 1``), the spare plane of their substeps ((0, 0) when not), and the
    substeps of its first step (``substeps``, within [1, ``max_substeps``])."""
    multirate = active[P.VESSELS_ON] != 0.0 and max_substeps > 1
    spare = np.empty((ny, nx) if multirate else (0, 0))
    return multirate, spare, max(1, min(substeps, max_substeps)) if multirate else 1


@jit
def _top(x, y):
    """The larger of ``x`` and ``y``, NaN if either is (so that a NaN rate is seen)."""
    return x if x > y or x != x else y


@jit
def tip_substeps(step_dt, tips_rate, safety):
    """How many substeps the sprout tips' transport takes in a step of ``step_dt``: the
    fewest that keep each within ``safety`` of the tips' positivity bound ``1 /
    tips_rate`` (at least 1; 1 for a NaN rate, which the step then reports)."""
    x = step_dt * tips_rate / safety
    if not x > 1.0:
        return 1
    # a step set to exactly k substeps' length must give k, not k + 1 from rounding
    return int(math.ceil(x * (1.0 - 1e-12)))


@jit
def _more_substeps(multirate, step_dt, tips_rate, k, safety, max_substeps, adaptive, dt):
    """Whether a step whose sprout tips had the outflow rate ``tips_rate`` at ``k``
    substeps is redone, and with which substeps and step: where its first substep broke
    the tips' bound, with the substeps their rate asks for; beyond ``max_substeps``, that
    many and (adaptive) the step that fits them. A count or step that would not change
    is no redo (the step's own check then refuses or shortens it). Returns ``(redo, k,
    dt)``."""
    if not (multirate and step_dt * tips_rate > k and tips_rate < np.inf):
        return False, k, dt
    need = tip_substeps(step_dt, tips_rate, safety)
    new_dt = dt
    if need > max_substeps:
        need = max_substeps
        if adaptive:
            new_dt = max_substeps * safety / tips_rate
    return need != k or new_dt != dt, need, new_dt


@jit
def _next_dt(rate, mmp_max, p, active, safety, reaction_cfl, remaining):
    """The automatic step after a step whose positivity rate was ``rate`` and largest MMP
    ``mmp_max``: ``safety / rate``, at most ``reaction_cfl`` over the fastest reaction
    rate; ``remaining`` (the rest of the way) when neither bounds it."""
    dt = np.inf
    if rate > 0.0:
        dt = safety / rate
    react = reaction_rate(p, mmp_max, active)
    if react > 0.0:
        dt = min(dt, reaction_cfl / react)
    return dt if dt < np.inf else remaining


@jit
def _euler_step(src, dst, step_dt, dx, dy, p, fixed, value, row_block, col_block, active,
                wx, wy, k, spare):
    """One first-order step ``src -> dst`` (as :func:`advance` takes it), the sprout tips
    transported in ``k`` substeps of ``step_dt / k``: the first in the fused step, the
    others after it (:func:`.step.tip_transport`, on the TAF and ECM of ``src``, with
    ``spare`` (ny, nx) as their second buffer).

    Returns the positivity rate of the tumour cells of ``src``, its largest MMP, the
    tips' outflow rate of ``src`` and the largest of the tips' states of the later
    substeps (0 without them). Scratch: ``wx`` (4, nx), the Thomas factors of the x
    solves (oxygen, TAF); ``wy`` (7, ny), those of the y solves and the per-row rates,
    MMP maxima and tip rates."""
    cpx, idx, cpa, ida = wx[0], wx[1], wx[2], wx[3]
    cpy, idy, cpya, idya, rate_rows, mmp_rows = wy[0], wy[1], wy[2], wy[3], wy[4], wy[5]
    tip_rows = wy[6]
    r_x = step_dt * p[P.D_C] / (dx * dx)
    r_y = step_dt * p[P.D_C] / (dy * dy)
    factorise(r_x, fixed[0], fixed[1], cpx, idx)
    factorise(r_y, fixed[2], fixed[3], cpy, idy)
    vess = active[P.VESSELS_ON] != 0.0
    a_y = 0.0
    if vess:
        a_y = step_dt * p[P.D_A] / (dy * dy)
        factorise(step_dt * p[P.D_A] / (dx * dx), 0.0, 0.0, cpa, ida)
        factorise(a_y, 0.0, 0.0, cpya, idya)
    explicit_step(src, dst, step_dt, dx, dy, p, cpx, idx, 2.0 * r_x * fixed[0] * value[0],
                  2.0 * r_x * fixed[1] * value[1], rate_rows, mmp_rows, row_block, active,
                  cpa, ida, tip_rows, float(k))
    solve_columns(dst[P.OXYGEN], r_y, cpy, idy, 2.0 * r_y * fixed[2] * value[2],
                  2.0 * r_y * fixed[3] * value[3], col_block)
    if not vess:
        return row_max(rate_rows), row_max(mmp_rows), 0.0, 0.0
    solve_columns(dst[P.TAF], a_y, cpya, idya, 0.0, 0.0, col_block)
    tips0 = row_max(tip_rows)
    later = 0.0
    if k > 1:
        h = step_dt / k
        tips = dst[P.SPROUTS]
        for s in range(k - 1):  # between the tips' plane of dst and spare, in turn
            if s % 2 == 0:
                tip_transport(tips, spare, src[P.TAF], src[P.ECM], h, dx, dy, p, row_block,
                              tip_rows)
            else:
                tip_transport(spare, tips, src[P.TAF], src[P.ECM], h, dx, dy, p, row_block,
                              tip_rows)
            later = _top(row_max(tip_rows), later)
        if k % 2 == 0:  # an odd number of substeps after the first: the tips are in spare
            # (element by element: an array assignment here costs seconds of compilation)
            for i in range(spare.shape[0]):
                for j in range(spare.shape[1]):
                    tips[i, j] = spare[i, j]
    return row_max(rate_rows), row_max(mmp_rows), tips0, later


@jit_parallel
def combine(a, half, full, planes, theta_rows):
    """The Richardson state ``r = 2 half - full`` into ``a`` on ``planes``, limited to
    ``half + theta (r - half)`` with the largest ``theta`` in [0, 1] that keeps every
    value >= 0 (one ``theta`` for the whole state, so the mass is conserved); returns
    ``theta``. ``theta_rows`` (ny,) is scratch.

    One pass writes ``r`` and finds each row's bound; only a limited step (``theta <
    1``) takes a second pass."""
    ny = a.shape[1]
    nx = a.shape[2]
    for i in prange(ny):
        low = 1.0
        for k in planes:
            for j in range(nx):
                h = half[k, i, j]
                r = 2.0 * h - full[k, i, j]
                a[k, i, j] = r
                # h / (h - r) where r < 0 (then h - r > 0); the select vectorises
                low = min(low, h / (h - r) if r < 0.0 else 1.0)
        theta_rows[i] = low
    theta = 1.0
    for i in range(ny):
        theta = min(theta, theta_rows[i])
    if theta < 1.0:
        for i in prange(ny):
            for k in planes:
                for j in range(nx):
                    h = half[k, i, j]
                    a[k, i, j] = h + theta * (a[k, i, j] - h)
    return theta


@jit
def advance_richardson(a, b, c, d, t, t_end, dt, adaptive, max_steps, dx, dy, p, fixed,
                       value, safety, reaction_cfl, row_block, col_block, active, planes,
                       max_substeps, substeps):
    """As :func:`advance`, each step the Richardson extrapolation ``2 E(dt/2)^2 - E(dt)``
    of the first-order step ``E`` (second order in time), limited so that every
    value stays >= 0 (:func:`combine`). ``b``, ``c``, ``d`` are work buffers that hold
    the planes the steps do not write; the state stays in ``a``. ``planes``: the planes
    the steps write. The three steps ``E`` transport the sprout tips in the same number
    of substeps, chosen for ``E(dt)`` (so that the extrapolation cancels the first-order
    error of the substeps too). Returns ``t, steps, status, dt_next, rate, theta_min,
    substeps_next, most`` (as :func:`advance`)."""
    ny = a.shape[1]
    nx = a.shape[2]
    wx = np.empty((4, nx))
    wy = np.empty((7, ny))
    multirate, spare, k = _tip_start(active, max_substeps, substeps, ny, nx)
    theta_rows = np.empty(ny)
    mmp_rate = diffusion_rate(p, dx, dy, active)
    steps = 0
    status = MAX_STEPS
    rate = 0.0
    theta_min = 1.0
    retries = 0
    most = 1
    while steps < max_steps:
        remaining = t_end - t
        if remaining <= 0.0:
            status = REACHED_END
            break
        last = dt >= remaining
        step_dt = remaining if last else dt
        rate0, mmp0, tip0, sub0 = _euler_step(a, d, step_dt, dx, dy, p, fixed, value,
                                              row_block, col_block, active, wx, wy, k, spare)
        redo, k, dt = _more_substeps(multirate, step_dt, tip0, k, safety, max_substeps,
                                     adaptive, dt)
        if redo:
            continue
        rate = _top(_top(rate0, mmp_rate), _top(tip0, sub0) / k)
        if not (rate < np.inf) or mmp0 != mmp0:
            status = NOT_FINITE
            break
        if step_dt * rate > 1.0:
            if not adaptive:
                status = DT_TOO_LARGE
                break
            dt = safety / rate
            continue
        half = 0.5 * step_dt
        sub_b = _euler_step(a, b, half, dx, dy, p, fixed, value, row_block, col_block,
                            active, wx, wy, k, spare)[3]
        rate1, mmp1, tip1, sub1 = _euler_step(b, c, half, dx, dy, p, fixed, value, row_block,
                                              col_block, active, wx, wy, k, spare)
        rate1_cells = _top(rate1, mmp_rate)
        rate1 = _top(rate1_cells, _top(_top(tip1, sub1), sub_b) / k)
        if not (rate1 < np.inf) or mmp1 != mmp1:
            status = NOT_FINITE
            break
        if half * rate1 > 1.0:
            if not adaptive:
                rate = rate1
                status = DT_TOO_LARGE
                break
            retries += 1
            if retries > 60:
                status = NOT_FINITE
                break
            dt = min(0.5 * step_dt, 2.0 * safety / rate1)
            continue
        retries = 0
        theta = combine(a, c, d, planes, theta_rows)
        theta_min = min(theta_min, theta)
        t = t_end if last else t + step_dt
        steps += 1
        most = max(most, k)
        if adaptive:
            rate_a = _top(_top(rate0, mmp_rate), tip0 / max_substeps)
            rate_b = _top(rate1_cells, tip1 / max_substeps)
            dt = _next_dt(_top(rate_a, 0.5 * rate_b), max(mmp0, mmp1), p, active, safety,
                          reaction_cfl, t_end - t)
        if multirate:  # the rates of the last half step's tips stand in for the new state's
            k = min(tip_substeps(dt, _top(sub1, tip1), safety), max_substeps)
    if steps >= max_steps and t >= t_end:
        status = REACHED_END
    return t, steps, status, dt, rate, theta_min, k, most
