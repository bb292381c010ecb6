"""Shared model definition for the peer implementations.

The model (unit square, N x N cell-centred grid, zero-flux walls for every field)::

    n_t = D_n lap n - chi div(n grad f)
    f_t = -delta m f
    m_t = D_m lap m + mu n - lambda m
    c_t = D_c lap c + beta f - gamma n c - alpha c

Arrays are indexed ``(y, x)``: row ``i`` is the y index, column ``j`` the x index, and
cell ``(i, j)`` has its centre at ``((j + 0.5) h, (i + 0.5) h)`` with ``h = 1 / N``.
"""

from __future__ import annotations

import math

import numpy as np

PARAMS: dict[str, float] = {
    "D_n": 5e-4,
    "chi": 0.01,
    "delta": 10.0,
    "D_m": 5e-4,
    "mu": 1.0,
    "lambda": 0.0,
    "D_c": 0.5,
    "beta": 0.5,
    "gamma": 0.57,
    "alpha": 0.5,
}
"""Model parameters shared by every peer."""

FIELD_NAMES: tuple[str, ...] = ("n", "f", "m", "c")
"""Field order used when the four fields are stacked into one array."""

IC_WIDTH2: float = 0.0025
"""Squared width ``eps`` of the initial tumour bump ``n0 = exp(-r^2 / eps)``."""

DT_SAFETY: float = 0.9
"""Safety factor applied to the forward-Euler stability bound."""


def cell_centres(N: int) -> np.ndarray:
    """Cell-centre coordinates ``(j + 0.5) / N`` for ``j = 0 .. N-1``."""
    if N < 2:
        raise ValueError(f"N must be at least 2, got {N}")
    return (np.arange(N, dtype=np.float64) + 0.5) / N


def initial_fields(N: int) -> dict[str, np.ndarray]:
    """Anderson (2005) benchmark initial condition on an ``N x N`` grid, indexed (y, x).

    ``n0 = exp(-r^2 / 0.0025)`` with ``r`` the distance of the cell centre from
    ``(0.5, 0.5)``; ``f0 = 1 - 0.5 n0``; ``m0 = 0.5 n0``; ``c0 = 1``.
    """
    x = cell_centres(N)
    y = cell_centres(N)
    r2 = (y[:, None] - 0.5) ** 2 + (x[None, :] - 0.5) ** 2
    n0 = np.exp(-r2 / IC_WIDTH2)
    return {
        "n": n0,
        "f": 1.0 - 0.5 * n0,
        "m": 0.5 * n0,
        "c": np.ones((N, N), dtype=np.float64),
    }


def stable_dt(N: int, safety: float = DT_SAFETY, params: dict[str, float] | None = None) -> float:
    """Fixed forward-Euler time step used by every peer on an ``N x N`` grid.

    Bounds (``h = 1 / N``), each multiplied by ``safety``:

    * diffusion of each field with the 5-point Laplacian: ``h^2 / (4 D)``; the oxygen
      diffusivity ``D_c`` is by far the largest, so this is the binding bound;
    * cell equation with diffusion and central-difference taxis:
      ``h^2 / (4 D_n + 2 h chi G)`` with ``G = sqrt(2) / (2 h)`` the largest possible
      central-difference gradient magnitude of a field bounded in ``[0, 1]`` (``f`` starts
      in ``[0.5, 1]`` and only decays), so the bound holds for the whole run.

    Reaction terms (``delta m``, ``gamma n + alpha``) are many orders of magnitude below
    ``1 / dt`` for the time spans benchmarked here and are not part of the bound.
    """
    p = PARAMS if params is None else params
    h = 1.0 / N
    d_max = max(p["D_n"], p["D_m"], p["D_c"])
    dt_diffusion = h * h / (4.0 * d_max)
    grad_f_max = math.sqrt(2.0) / (2.0 * h)
    dt_taxis = h * h / (4.0 * p["D_n"] + 2.0 * h * p["chi"] * grad_f_max)
    return safety * min(dt_diffusion, dt_taxis)


def total_mass(u: np.ndarray) -> float:
    """Integral of a cell-centred field over the unit square (sum times cell area)."""
    N = u.shape[-1]
    return float(u.sum()) / (N * N)
