"""The compiled step of a drug's level on the tissue grid (:mod:`..drug`).

One step of ``d_t = D lap d + S - R d``, with the supply ``S = P s g`` and the loss rate
``R = P s + lambda + u (n + e)``, split by direction with the reaction inside each
direction's implicit solve (half of it in each):

    (1 + dt R / 2 - dt D d_xx) d*  = d  + dt S / 2     (each row)
    (1 + dt R / 2 - dt D d_yy) d'  = d* + dt S / 2     (each column)

and the mean of that and of the same with the columns first (the symmetrically
weighted splitting of Csomós and Faragó: positive, and it favours neither direction; a
point vessel's level streaks along the direction solved last in either order alone).
Each is a tridiagonal M-matrix solve with zero-flux walls, so the step is positive and
stable for any ``dt``; and because a vessel's strong supply is in the same solve as the
diffusion that carries the drug away from it, the step does not starve the tissue when
``dt`` is far above the explicit limit ``h^2 / D`` (splitting the supply off the
diffusion does: each step would then move only what one vessel cell holds).
"""

import numpy as np

from ....numerics.jit import jit, jit_parallel, prange
from . import layout as P


@jit
def _rates(data, supply_plane, i, j, permeability, decay, uptake, level):
    """Half the loss rate and half the supply of cell (i, j)."""
    s = permeability
    if supply_plane >= 0:
        s = permeability * data[supply_plane, i, j]
    loss = s + decay + uptake * (data[P.TUMOR, i, j] + data[P.EPITHELIAL, i, j])
    return 0.5 * loss, 0.5 * s * level


@jit
def _solve_line(u, a, b, r, cp):
    """Solve ``-r u_{k-1} + (1 + 2 r + a_k) u_k - r u_{k+1} = u_k + b_k`` in place (zero
    flux at both ends: diagonal ``1 + r + a``), by the Thomas algorithm; ``cp`` scratch."""
    n = u.shape[0]
    if n == 1:
        u[0] = (u[0] + b[0]) / (1.0 + a[0])
        return
    den = 1.0 + r + a[0]
    cp[0] = -r / den
    u[0] = (u[0] + b[0]) / den
    for k in range(1, n):
        diag = 1.0 + (r if k == n - 1 else 2.0 * r) + a[k]
        den = diag + r * cp[k - 1]
        cp[k] = -r / den
        u[k] = (u[k] + b[k] + r * u[k - 1]) / den
    for k in range(n - 2, -1, -1):
        u[k] = u[k] - cp[k] * u[k + 1]


@jit
def _solve_columns(u, a, b, r, cp, j0, j1):
    """:func:`_solve_line` down the columns ``j0 .. j1 - 1`` of ``u`` together, sweeping
    along rows of memory (the same arithmetic per element); ``cp`` scratch (ny, nx)."""
    n = u.shape[0]
    if n == 1:
        for j in range(j0, j1):
            u[0, j] = (u[0, j] + b[0, j]) / (1.0 + a[0, j])
        return
    for j in range(j0, j1):
        den = 1.0 + r + a[0, j]
        cp[0, j] = -r / den
        u[0, j] = (u[0, j] + b[0, j]) / den
    for k in range(1, n):
        edge = r if k == n - 1 else 2.0 * r
        for j in range(j0, j1):
            den = 1.0 + edge + a[k, j] + r * cp[k - 1, j]
            cp[k, j] = -r / den
            u[k, j] = (u[k, j] + b[k, j] + r * u[k - 1, j]) / den
    for k in range(n - 2, -1, -1):
        for j in range(j0, j1):
            u[k, j] = u[k, j] - cp[k, j] * u[k + 1, j]


@jit_parallel
def _sweeps(d, a, b, r_x, r_y, columns_first):
    """The two directions' solves on ``d`` in place, rows first or columns first."""
    ny = d.shape[0]
    nx = d.shape[1]
    cp2 = np.empty((ny, nx))
    block = 32
    n_blocks = (nx + block - 1) // block
    for half in range(2):
        if (half == 0) != columns_first:
            for i in prange(ny):
                cp = np.empty(nx)
                _solve_line(d[i], a[i], b[i], r_x, cp)
        else:
            for kb in prange(n_blocks):
                j0 = kb * block
                _solve_columns(d, a, b, r_y, cp2, j0, min(nx, j0 + block))


@jit_parallel
def drug_step(d, data, supply_plane, dt, dx, dy, diffusion, decay, uptake, permeability,
              level):
    """Advance the drug level ``d`` (ny, nx) by ``dt`` in place: the mean of the rows
    solved first and of the columns solved first.

    ``data`` is the tissue's state array (its tumour and epithelial planes take the drug
    up); ``supply_plane`` is the plane whose density lets the drug in (the perfused blood
    vessels or the ECM), or -1 for a uniform supply; ``level`` is the plasma level at the
    end of the step. Rows and blocks of columns are independent and solved in parallel;
    the result does not depend on the blocks.
    """
    ny = d.shape[0]
    nx = d.shape[1]
    a = np.empty((ny, nx))
    b = np.empty((ny, nx))
    for i in prange(ny):
        for j in range(nx):
            half_loss, half_supply = _rates(data, supply_plane, i, j, permeability, decay,
                                            uptake, level)
            a[i, j] = dt * half_loss
            b[i, j] = dt * half_supply
    r_x = dt * diffusion / (dx * dx)
    r_y = dt * diffusion / (dy * dy)
    other = d.copy()
    _sweeps(d, a, b, r_x, r_y, False)
    _sweeps(other, a, b, r_x, r_y, True)
    for i in prange(ny):
        for j in range(nx):
            d[i, j] = 0.5 * (d[i, j] + other[i, j])
