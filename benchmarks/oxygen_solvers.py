"""Implicit oxygen diffusion: DCT-based full 2D solve against the LOD tridiagonal sweeps.

Both solve one implicit Euler step of ``c_t = D_c lap c`` with zero-flux walls at
``dt = 1000 x`` the explicit bound, on the same field, in one run. Prints milliseconds per
solve, the ratio, and the difference between the two answers (the LOD splitting error).

    python -m benchmarks.oxygen_solvers [N]
"""

from __future__ import annotations

import sys
import time

import numba
import numpy as np
from scipy import fft

from pde_meta.numerics import tridiag

N_DEFAULT = 1024
D_C = 0.5
REPEATS = 5


def dct_solve(c, r_x, r_y):
    """Exact solve of (I - dt D_c L) u = c for the 5-point Neumann Laplacian via DCT-II."""
    ny, nx = c.shape
    lam_x = 2.0 * (1.0 - np.cos(np.pi * np.arange(nx) / nx))
    lam_y = 2.0 * (1.0 - np.cos(np.pi * np.arange(ny) / ny))
    denom = 1.0 + r_x * lam_x[None, :] + r_y * lam_y[:, None]
    return fft.idctn(fft.dctn(c, type=2, norm="ortho") / denom, type=2, norm="ortho")


@numba.njit(parallel=True, cache=True)
def _x_sweeps(u, r_x, cpx, idx, row_block):
    ny, nx = u.shape
    for kb in numba.prange((ny + row_block - 1) // row_block):
        i0 = kb * row_block
        i1 = min(ny, i0 + row_block)
        tridiag.solve_rows(u[i0:i1], r_x, cpx, idx, 0.0, 0.0)


def lod_solve(c, r_x, r_y, row_block=8):
    """x then y implicit sweeps, as the stepper does them (x in row blocks, y in columns).

    Solves in place on ``c`` and returns it.
    """
    ny, nx = c.shape
    cpx, idx = np.empty(nx), np.empty(nx)
    cpy, idy = np.empty(ny), np.empty(ny)
    tridiag.factorise(r_x, 0.0, 0.0, cpx, idx)
    tridiag.factorise(r_y, 0.0, 0.0, cpy, idy)
    _x_sweeps(c, r_x, cpx, idx, row_block)
    tridiag.solve_columns(c, r_y, cpy, idy, 0.0, 0.0, max(16, -(-nx // 8)))
    return c


def best_time(function, *args):
    function(*args)  # compile / warm up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int = N_DEFAULT) -> dict:
    h = 1.0 / n
    dt = 1000 * h * h / (4 * D_C)
    r = dt * D_C / h**2
    rng = np.random.default_rng(0)
    c = 1.0 + 0.1 * rng.standard_normal((n, n))
    t_dct = best_time(dct_solve, c, r, r)
    t_lod = best_time(lod_solve, c.copy(), r, r)
    diff = np.abs(dct_solve(c, r, r) - lod_solve(c.copy(), r, r)).max()
    print(f"N = {n}: DCT {t_dct * 1e3:.2f} ms, LOD {t_lod * 1e3:.2f} ms, "
          f"DCT/LOD = {t_dct / t_lod:.1f}, max |DCT - LOD| = {diff:.2e}")
    return {"n": n, "dct_ms": t_dct * 1e3, "lod_ms": t_lod * 1e3, "difference": diff}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else N_DEFAULT)
