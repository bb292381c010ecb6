"""py-pde peer: the model as a :class:`pde.PDEBase` subclass solved with explicit Euler.

The rates are built only from py-pde's own operators on a
``pde.CartesianGrid([[0, 1], [0, 1]], [N, N])``:

* ``laplace`` of every diffusing field with the Neumann condition ``{"derivative": 0}``;
* ``gradient`` of ``f`` with ``{"derivative": 0}`` (central difference over two cells);
* ``divergence`` of the taxis flux ``n grad f`` (central difference) with
  ``{"normal_value": 0}``: the normal flux component vanishes on every wall, which is
  what "zero taxis flux through the walls" means for a vector field. Imposing
  ``{"derivative": 0}`` on the flux instead copies the edge flux into the ghost cells,
  gives a non-zero wall flux and makes the total tumour mass drift.

Two evaluation routes are provided, as py-pde documents them:

* :meth:`AndersonPDE.evolution_rate` works on fields (numpy backend);
* :meth:`AndersonPDE.make_evolution_rate` returns a function of the raw state array that
  the numba backend compiles. Since py-pde 0.59 this is the hook the solvers call for
  compiled backends; the older ``_make_pde_rhs_numba`` hook is deprecated there and no
  solver calls it, so a class defining only that hook is silently run with the numpy
  backend. ``_make_pde_rhs_numba`` is kept here as a thin alias for completeness.

py-pde stores 2-d Cartesian data indexed ``(x, y)``; :func:`run` transposes to and from
the ``(y, x)`` convention of the other peers.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping

import numpy as np

from .common import FIELD_NAMES, PARAMS, initial_fields, stable_dt

try:
    import pde
except ImportError:  # pragma: no cover - optional benchmark dependency
    pde = None

BC_FIELDS = {"derivative": 0}
"""Homogeneous Neumann condition used for every field."""

BC_FLUX = {"normal_value": 0}
"""Zero normal component of the taxis flux ``n grad f`` on every wall."""


def _require_pde():
    if pde is None:
        raise ImportError("py-pde is required for this peer: pip install py-pde")
    return pde


@functools.lru_cache(maxsize=8)
def make_grid(N: int):
    """Unit-square Cartesian grid with ``N x N`` cells (non-periodic).

    Cached per ``N``: py-pde caches the operators it compiles on the grid instance, so
    reusing the grid avoids recompiling them for every new state.
    """
    return _require_pde().CartesianGrid([[0, 1], [0, 1]], [N, N])


def make_state(N: int, fields: Mapping[str, np.ndarray] | None = None):
    """FieldCollection (n, f, m, c) from (y, x)-indexed arrays (default: the benchmark IC)."""
    lib = _require_pde()
    grid = make_grid(N)
    src = initial_fields(N) if fields is None else fields
    return lib.FieldCollection(
        [lib.ScalarField(grid, np.array(src[k], dtype=np.float64).T, label=k) for k in FIELD_NAMES]
    )


def state_to_arrays(state) -> dict[str, np.ndarray]:
    """(y, x)-indexed copies of the four fields of a FieldCollection."""
    return {k: np.ascontiguousarray(state[i].data.T) for i, k in enumerate(FIELD_NAMES)}


_Base = pde.PDEBase if pde is not None else object


class AndersonPDE(_Base):
    """Haptotaxis / MMP / oxygen model on fields ``(n, f, m, c)``."""

    explicit_time_dependence = False

    def __init__(self, params: Mapping[str, float] | None = None) -> None:
        _require_pde()
        super().__init__()
        self.params = dict(PARAMS if params is None else params)
        self.bc = BC_FIELDS
        self.bc_flux = BC_FLUX

    def evolution_rate(self, state, t: float = 0):
        """Numpy-backend right-hand side on fields."""
        p = self.params
        n, f, m, c = state
        flux = n * f.gradient(bc=self.bc)
        rate_n = p["D_n"] * n.laplace(bc=self.bc) - p["chi"] * flux.divergence(bc=self.bc_flux)
        rate_f = -p["delta"] * m * f
        rate_m = p["D_m"] * m.laplace(bc=self.bc) + p["mu"] * n - p["lambda"] * m
        rate_c = (
            p["D_c"] * c.laplace(bc=self.bc) + p["beta"] * f - p["gamma"] * n * c - p["alpha"] * c
        )
        return pde.FieldCollection([rate_n, rate_f, rate_m, rate_c])

    def make_evolution_rate(self, state, backend):
        """Right-hand side on the raw ``(4, Nx, Ny)`` state array, for the given backend.

        The returned plain-Python function uses only array expressions and the operators
        made by ``grid.make_operator``; the numba backend compiles it.
        """
        grid = state.grid
        kw = {"backend": backend, "dtype": state.dtype}
        laplace = grid.make_operator("laplace", bc=self.bc, **kw)
        gradient = grid.make_operator("gradient", bc=self.bc, **kw)
        divergence = grid.make_operator("divergence", bc=self.bc_flux, **kw)

        p = self.params
        D_n, chi, delta = p["D_n"], p["chi"], p["delta"]
        D_m, mu, lam = p["D_m"], p["mu"], p["lambda"]
        D_c, beta, gamma, alpha = p["D_c"], p["beta"], p["gamma"], p["alpha"]

        def pde_rhs(state_data, t=0.0):
            n = state_data[0]
            f = state_data[1]
            m = state_data[2]
            c = state_data[3]
            rate = np.empty_like(state_data)
            rate[0] = D_n * laplace(n) - chi * divergence(n * gradient(f))
            rate[1] = -delta * m * f
            rate[2] = D_m * laplace(m) + mu * n - lam * m
            rate[3] = D_c * laplace(c) + beta * f - gamma * n * c - alpha * c
            return rate

        return pde_rhs

    def _make_pde_rhs_numba(self, state, **kwargs):
        """Compiled right-hand side through the numba backend (legacy hook name)."""
        backend = pde.backends.get_backend("numba")
        return backend.compile_function(self.make_evolution_rate(state, backend))


def solve(
    N: int,
    t_end: float,
    dt: float | None = None,
    backend: str = "numba",
    fields: Mapping[str, np.ndarray] | None = None,
    eq: AndersonPDE | None = None,
) -> dict:
    """One call of ``PDEBase.solve`` with fixed-step explicit Euler, no trackers.

    py-pde advances by ``max(1, round(t_end / dt))`` steps. The compile time reported is
    the ``compilation`` entry of py-pde's own profiler (building and JIT-compiling the
    stepper, which py-pde redoes on every ``solve``); ``solver_time`` is the time spent
    inside the compiled stepping loop.
    """
    lib = _require_pde()
    eq = AndersonPDE() if eq is None else eq
    dt = stable_dt(N, params=eq.params) if dt is None else float(dt)
    state = make_state(N, fields)
    start = time.perf_counter()
    final, info = eq.solve(
        state,
        t_range=t_end,
        dt=dt,
        solver="euler",
        adaptive=False,
        backend=backend,
        tracker=None,
        ret_info=True,
    )
    wall = time.perf_counter() - start
    solver_info = info["solver"]
    profiler = info["controller"]["profiler"]
    used = solver_info.get("backend", backend)
    if isinstance(used, Mapping):
        used = used.get("name", used)
    if str(used) != backend:
        raise RuntimeError(f"py-pde used the {used!r} backend instead of {backend!r}")
    steps = int(solver_info["steps"])
    solver_time = float(profiler["solver"])
    return {
        "fields": state_to_arrays(final),
        "t": float(info["controller"]["t_final"]),
        "steps": steps,
        "dt": dt,
        "wall_time": wall,
        "compile_time": float(profiler["compilation"]),
        "solver_time": solver_time,
        "seconds_per_step": solver_time / steps,
        "backend": str(used),
        "pde_version": lib.__version__,
    }


def run(N: int, t_end: float, dt: float | None = None, backend: str = "numba") -> dict:
    """Solve from the benchmark initial condition with py-pde's explicit Euler solver.

    A tiny solve (two steps on the same grid) runs first so that numba's one-off start-up
    cost is paid before the measured solve; its wall time is returned as
    ``first_call_time``. The measured solve still reports its own ``compile_time``
    because py-pde builds and compiles a fresh stepper on every ``solve``.
    """
    eq = AndersonPDE()
    dt_run = stable_dt(N, params=eq.params) if dt is None else float(dt)
    start = time.perf_counter()
    solve(N, 2 * dt_run, dt=dt_run, backend=backend, eq=eq)
    first_call = time.perf_counter() - start
    result = solve(N, t_end, dt=dt_run, backend=backend, eq=eq)
    result["first_call_time"] = first_call
    return result


def time_stepper(
    N: int,
    steps: int = 100,
    batches: int = 5,
    dt: float | None = None,
    n_threads: int | None = None,
) -> dict:
    """Per-step cost of py-pde's compiled Euler stepper, best and median of ``batches``.

    Builds the stepper once through the public solver API
    (``EulerSolver(eq, backend="numba", adaptive=False).make_stepper(state, dt)``, the
    same stepper ``PDEBase.solve`` builds), so the compile cost is paid once and the
    timed batches are not disturbed by it. ``n_threads`` sets numba's thread count for
    the timed batches (restored afterwards).
    """
    import numba as nb
    from pde.solvers import EulerSolver

    eq = AndersonPDE()
    dt = stable_dt(N, params=eq.params) if dt is None else float(dt)
    state = make_state(N)
    solver = EulerSolver(eq, backend="numba", adaptive=False)
    start = time.perf_counter()
    stepper = solver.make_stepper(state, dt)
    t = stepper(state, 0.0, dt)  # first call: dispatch of the compiled loop
    compile_time = time.perf_counter() - start
    previous = nb.get_num_threads()
    if n_threads is not None:
        nb.set_num_threads(int(n_threads))
    try:
        per_step = []
        for _ in range(batches):
            start = time.perf_counter()
            t = stepper(state, t, t + steps * dt)
            per_step.append((time.perf_counter() - start) / steps)
    finally:
        nb.set_num_threads(previous)
    if not np.all(np.isfinite(state.data)):
        raise RuntimeError("py-pde state became non-finite")
    return {
        "dt": dt,
        "steps": 1 + steps * batches,
        "t": t,
        "compile_time": compile_time,
        "seconds_per_step": min(per_step),
        "median_seconds_per_step": float(np.median(per_step)),
        "n_threads": nb.get_num_threads() if n_threads is None else int(n_threads),
        "pde_version": _require_pde().__version__,
    }


ADAPTIVE_SCHEMES = {"euler": "EulerSolver", "runge-kutta": "RungeKuttaSolver"}
"""py-pde's explicit adaptive solvers: Euler with a step-doubling error estimate and
Runge-Kutta-Fehlberg 4(5) with an embedded one."""


def adaptive_run(
    N: int,
    t_end: float,
    scheme: str = "euler",
    tolerance: float = 1e-4,
    n_threads: int | None = 1,
    fields: Mapping[str, np.ndarray] | None = None,
) -> dict:
    """Solve to ``t_end`` with one of py-pde's adaptive explicit solvers, numba backend.

    The stepper is built once through the public solver API
    (``EulerSolver`` / ``RungeKuttaSolver(eq, backend="numba", adaptive=True,
    tolerance=...)``, ``.make_stepper(state, dt0)``, the stepper ``PDEBase.solve`` builds);
    numba compiles it eagerly there, so ``compile_time`` is that call and ``seconds`` is
    the one stepping call from 0 to ``t_end`` alone. py-pde bakes the tolerance into the
    compiled loop, so each (N, scheme, tolerance) compiles anew. ``dt0`` is the
    forward-Euler stable step; the solver adapts it from there. ``n_threads`` sets numba's
    thread count for the stepping (restored afterwards; below py-pde's multithreading
    threshold, 256 x 256 cells, its operators are serial anyway).
    """
    import numba as nb
    from pde import solvers

    if scheme not in ADAPTIVE_SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(ADAPTIVE_SCHEMES)}, got {scheme!r}")
    eq = AndersonPDE()
    state = make_state(N, fields)
    solver = getattr(solvers, ADAPTIVE_SCHEMES[scheme])(
        eq, backend="numba", adaptive=True, tolerance=float(tolerance))
    start = time.perf_counter()
    stepper = solver.make_stepper(state, stable_dt(N, params=eq.params))
    compile_time = time.perf_counter() - start
    previous = nb.get_num_threads()
    if n_threads is not None:
        nb.set_num_threads(int(n_threads))
    try:
        start = time.perf_counter()
        t = stepper(state, 0.0, float(t_end))
        seconds = time.perf_counter() - start
    finally:
        nb.set_num_threads(previous)
    if not np.all(np.isfinite(state.data)):
        raise RuntimeError("py-pde state became non-finite")
    stats = solver.info.get("dt_statistics")
    return {
        "fields": state_to_arrays(state),
        "t": float(t),
        "steps": int(solver.info["steps"]),
        "dt_mean": float(stats.mean) if stats is not None and stats.count else float("nan"),
        "scheme": scheme,
        "tolerance": float(tolerance),
        "seconds": seconds,
        "compile_time": compile_time,
        "n_threads": int(n_threads) if n_threads is not None else previous,
        "pde_version": _require_pde().__version__,
    }
