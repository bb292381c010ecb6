"""Tridiagonal (Thomas) solves for implicit diffusion, one direction at a time.

The implicit Euler step of ``u_t = D u_xx`` on a row of cells with spacing ``h`` solves
``-r u_{j-1} + (1 + 2 r) u_j - r u_{j+1} = d_j`` with ``r = dt D / h^2``. At a zero-flux
wall the ghost value equals the edge value (diagonal ``1 + r``); at a fixed-value wall
``u_w`` the ghost is ``2 u_w - u_edge`` (diagonal ``1 + 3 r``, right-hand side
``+ 2 r u_w``). The matrix is a diagonally dominant M-matrix, so the solve is stable and
positivity-preserving for any ``dt``. The matrix is the same for every row, so it is
factorised once (:func:`factorise`) and each row costs two passes of multiply-adds.
"""

import numpy as np
from numba import carray, types

from .jit import jit, jit_parallel, native, native_call, prange


@jit
def factorise(r, fixed_lo, fixed_hi, cp, inv_den):
    """Thomas factors of the constant tridiagonal matrix, in place.

    ``cp[j]`` is the modified super-diagonal and ``inv_den[j]`` the inverse pivot.
    """
    n = cp.shape[0]
    den = 1.0 + r + 2.0 * r * fixed_lo
    inv_den[0] = 1.0 / den
    cp[0] = -r / den
    for j in range(1, n):
        diag = 1.0 + 2.0 * r
        if j == n - 1:
            diag = 1.0 + r + 2.0 * r * fixed_hi
        den = diag + r * cp[j - 1]
        inv_den[j] = 1.0 / den
        cp[j] = -r / den
    cp[n - 1] = 0.0


@jit
def solve_row(u, r, cp, inv_den, add_lo, add_hi):
    """Solve one row in place; ``add_lo/add_hi`` are the fixed-wall right-hand-side terms."""
    n = u.shape[0]
    u[0] = (u[0] + add_lo) * inv_den[0]
    for j in range(1, n - 1):
        u[j] = inv_den[j] * u[j] - cp[j] * u[j - 1]  # = (u[j] + r u[j-1]) / den[j]
    u[n - 1] = (u[n - 1] + add_hi + r * u[n - 2]) * inv_den[n - 1]
    for j in range(n - 2, -1, -1):
        u[j] = u[j] - cp[j] * u[j + 1]


@jit
def solve_rows(u, r, cp, inv_den, add_lo, add_hi):
    """:func:`solve_row` on every row of ``u`` (a block of rows), in place.

    Each row's solve is a chain of dependent multiply-adds; four rows advance together so
    that four independent chains keep the arithmetic units busy, and the forward sweep is
    written ``u_j = d_j / den_j + (r / den_j) u_{j-1}`` (``r / den_j = -cp_j``) so that only
    one multiply and one subtraction lie on the chain. The arithmetic per element is that
    of :func:`solve_row`, so the result is the same to the bit.
    """
    rows, n = u.shape
    k = 0
    while k + 4 <= rows:
        w = inv_den[0]
        u0 = (u[k, 0] + add_lo) * w
        u1 = (u[k + 1, 0] + add_lo) * w
        u2 = (u[k + 2, 0] + add_lo) * w
        u3 = (u[k + 3, 0] + add_lo) * w
        u[k, 0] = u0
        u[k + 1, 0] = u1
        u[k + 2, 0] = u2
        u[k + 3, 0] = u3
        for j in range(1, n - 1):
            w = inv_den[j]
            c = cp[j]
            u0 = w * u[k, j] - c * u0
            u1 = w * u[k + 1, j] - c * u1
            u2 = w * u[k + 2, j] - c * u2
            u3 = w * u[k + 3, j] - c * u3
            u[k, j] = u0
            u[k + 1, j] = u1
            u[k + 2, j] = u2
            u[k + 3, j] = u3
        w = inv_den[n - 1]
        u0 = (u[k, n - 1] + add_hi + r * u0) * w
        u1 = (u[k + 1, n - 1] + add_hi + r * u1) * w
        u2 = (u[k + 2, n - 1] + add_hi + r * u2) * w
        u3 = (u[k + 3, n - 1] + add_hi + r * u3) * w
        u[k, n - 1] = u0
        u[k + 1, n - 1] = u1
        u[k + 2, n - 1] = u2
        u[k + 3, n - 1] = u3
        for jj in range(n - 1):
            j = n - 2 - jj
            c = cp[j]
            u0 = u[k, j] - c * u0
            u1 = u[k + 1, j] - c * u1
            u2 = u[k + 2, j] - c * u2
            u3 = u[k + 3, j] - c * u3
            u[k, j] = u0
            u[k + 1, j] = u1
            u[k + 2, j] = u2
            u[k + 3, j] = u3
        k += 4
    for kk in range(k, rows):
        solve_row(u[kk], r, cp, inv_den, add_lo, add_hi)


_COLUMN_BLOCK_TYPES = (types.float64[:, ::1], types.intp, types.intp, types.float64,
                       types.float64[::1], types.float64[::1], types.float64, types.float64)


@native("pde_meta_solve_column_block", *_COLUMN_BLOCK_TYPES)
def _solve_column_block(u_data, ny, nx, j0, j1, r, cp_data, n_cp, inv_den_data, n_inv, add_lo,
                        add_hi):
    """Solve columns ``j0 .. j1 - 1`` of ``u`` in place (one parallel task), a C function."""
    u = carray(u_data, (ny, nx), np.float64)
    cp = carray(cp_data, (n_cp,), np.float64)
    inv_den = carray(inv_den_data, (n_inv,), np.float64)
    for j in range(j0, j1):
        u[0, j] = (u[0, j] + add_lo) * inv_den[0]
    for i0 in range(ny - 2):
        r_inv = inv_den[i0 + 1]
        for j in range(j0, j1):
            u[i0 + 1, j] = (u[i0 + 1, j] + r * u[i0, j]) * r_inv
    for j in range(j0, j1):
        u[ny - 1, j] = (u[ny - 1, j] + add_hi + r * u[ny - 2, j]) * inv_den[ny - 1]
    for ii in range(ny - 1):
        i = ny - 2 - ii
        c = cp[i]
        for j in range(j0, j1):
            u[i, j] = u[i, j] - c * u[i + 1, j]


_call_column_block = native_call("pde_meta_solve_column_block", *_COLUMN_BLOCK_TYPES)


@jit_parallel
def solve_columns(u, r, cp, inv_den, add_lo, add_hi, block):
    """Solve every column of ``u`` (shape ``(ny, nx)``) in place.

    The sweeps run along rows of memory, ``block`` columns at a time, so the inner loop
    is contiguous; blocks are independent and run in parallel.
    """
    nx = u.shape[1]
    n_blocks = (nx + block - 1) // block
    for kb in prange(n_blocks):
        j0 = kb * block
        _call_column_block(u, j0, min(nx, j0 + block), r, cp, inv_den, add_lo, add_hi)
