"""Plain vectorised NumPy peer: forward Euler, central differences, array slicing.

This is the model written the way a typical research script is: every operator is a
handful of NumPy slicing expressions on ghost-padded copies of the fields, and time is
advanced with forward Euler at a fixed step.

Discretisation (``h = 1 / N``, arrays indexed (y, x)):

* diffusion: 5-point Laplacian; the ghost cells are copies of the edge cells
  (``np.pad(mode="edge")``), i.e. homogeneous Neumann walls;
* taxis ``div(n grad f)``, two stencils selectable with ``taxis=``:

  - ``"central"`` (default): the stencil py-pde builds from its own operators. The
    gradient of ``f`` is a central difference over two cells (edge-padded ``f``), the
    flux ``F = n grad f`` is formed at cell centres and its divergence is again a
    central difference; the ghost value of the normal flux component is the negated
    edge value, so the flux interpolated to every wall face is exactly zero;
  - ``"face"``: compact flux form. Face fluxes ``F_{j+1/2} = 0.5 (n_j + n_{j+1})
    (f_{j+1} - f_j) / h`` with edge padding of both fields, so the wall-face
    differences of ``f`` (and hence the wall fluxes) vanish.

  Both conserve the total tumour mass to round-off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np

from .common import FIELD_NAMES, PARAMS, initial_fields, stable_dt

TAXIS_SCHEMES = ("central", "face")


def laplacian(u: np.ndarray, h: float) -> np.ndarray:
    """5-point Laplacian with zero-flux (edge-copy) ghost cells."""
    up = np.pad(u, 1, mode="edge")
    return (up[:-2, 1:-1] + up[2:, 1:-1] + up[1:-1, :-2] + up[1:-1, 2:] - 4.0 * u) / (h * h)


def taxis_divergence_central(n: np.ndarray, f: np.ndarray, h: float) -> np.ndarray:
    """``div(n grad f)`` from central gradient and central divergence (py-pde's stencil)."""
    fp = np.pad(f, 1, mode="edge")
    scale = 0.5 / h
    grad_x = (fp[1:-1, 2:] - fp[1:-1, :-2]) * scale
    grad_y = (fp[2:, 1:-1] - fp[:-2, 1:-1]) * scale
    flux_x = n * grad_x
    flux_y = n * grad_y
    # ghost value of the normal component = -edge value: zero flux on the wall faces
    fxp = np.pad(flux_x, ((0, 0), (1, 1)))
    fxp[:, 0] = -flux_x[:, 0]
    fxp[:, -1] = -flux_x[:, -1]
    fyp = np.pad(flux_y, ((1, 1), (0, 0)))
    fyp[0, :] = -flux_y[0, :]
    fyp[-1, :] = -flux_y[-1, :]
    return (fxp[:, 2:] - fxp[:, :-2]) * scale + (fyp[2:, :] - fyp[:-2, :]) * scale


def taxis_divergence_face(n: np.ndarray, f: np.ndarray, h: float) -> np.ndarray:
    """``div(n grad f)`` in compact flux form with face-averaged ``n``."""
    npad = np.pad(n, 1, mode="edge")
    fpad = np.pad(f, 1, mode="edge")
    # x faces j - 1/2 for j = 0 .. N (walls included): shape (N, N + 1)
    n_xf = 0.5 * (npad[1:-1, 1:] + npad[1:-1, :-1])
    flux_x = n_xf * (fpad[1:-1, 1:] - fpad[1:-1, :-1]) / h
    # y faces i - 1/2 for i = 0 .. N: shape (N + 1, N)
    n_yf = 0.5 * (npad[1:, 1:-1] + npad[:-1, 1:-1])
    flux_y = n_yf * (fpad[1:, 1:-1] - fpad[:-1, 1:-1]) / h
    return (flux_x[:, 1:] - flux_x[:, :-1]) / h + (flux_y[1:, :] - flux_y[:-1, :]) / h


class NumpyExplicit:
    """Forward-Euler NumPy solver of the four-field model on an ``N x N`` grid."""

    def __init__(
        self, N: int, params: Mapping[str, float] | None = None, taxis: str = "central"
    ) -> None:
        if taxis not in TAXIS_SCHEMES:
            raise ValueError(f"taxis must be one of {TAXIS_SCHEMES}, got {taxis!r}")
        self.N = int(N)
        self.h = 1.0 / self.N
        self.params = dict(PARAMS if params is None else params)
        self.taxis = taxis
        self._taxis = taxis_divergence_central if taxis == "central" else taxis_divergence_face

    def initial_fields(self) -> dict[str, np.ndarray]:
        return initial_fields(self.N)

    def stable_dt(self) -> float:
        return stable_dt(self.N, params=self.params)

    def rates(self, fields: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Right-hand sides of the four equations."""
        p, h = self.params, self.h
        n, f, m, c = (fields[k] for k in FIELD_NAMES)
        return {
            "n": p["D_n"] * laplacian(n, h) - p["chi"] * self._taxis(n, f, h),
            "f": -p["delta"] * m * f,
            "m": p["D_m"] * laplacian(m, h) + p["mu"] * n - p["lambda"] * m,
            "c": p["D_c"] * laplacian(c, h) + p["beta"] * f - p["gamma"] * n * c - p["alpha"] * c,
        }

    def step(self, fields: Mapping[str, np.ndarray], dt: float) -> dict[str, np.ndarray]:
        """One forward-Euler step; returns new arrays, ``fields`` is left unchanged."""
        r = self.rates(fields)
        return {k: fields[k] + dt * r[k] for k in FIELD_NAMES}

    def run(
        self,
        t_end: float,
        dt: float | None = None,
        max_steps: int | None = None,
        fields: Mapping[str, np.ndarray] | None = None,
    ) -> dict:
        """Advance from ``t = 0`` by ``max(1, round(t_end / dt))`` steps (capped by
        ``max_steps``) and return the final fields, time reached, steps and wall time."""
        dt = self.stable_dt() if dt is None else float(dt)
        steps = max(1, round(t_end / dt))
        if max_steps is not None:
            steps = min(steps, int(max_steps))
        state = {
            k: np.array(v, dtype=np.float64) for k, v in ((fields or self.initial_fields()).items())
        }
        start = time.perf_counter()
        for _ in range(steps):
            state = self.step(state, dt)
        wall = time.perf_counter() - start
        return {
            "fields": state,
            "t": steps * dt,
            "steps": steps,
            "dt": dt,
            "wall_time": wall,
            "seconds_per_step": wall / steps if steps else math.nan,
        }


def step(fields: Mapping[str, np.ndarray], dt: float, taxis: str = "central") -> dict:
    """One forward-Euler step of the model (grid size taken from the arrays)."""
    N = next(iter(fields.values())).shape[-1]
    return NumpyExplicit(N, taxis=taxis).step(fields, dt)


def run(
    N: int,
    t_end: float,
    dt: float | None = None,
    max_steps: int | None = None,
    taxis: str = "central",
) -> dict:
    """Solve from the benchmark initial condition; see :meth:`NumpyExplicit.run`."""
    return NumpyExplicit(N, taxis=taxis).run(t_end, dt=dt, max_steps=max_steps)
