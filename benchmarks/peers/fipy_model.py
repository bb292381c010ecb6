"""FiPy peer: the model with implicit finite volumes, as a FiPy user would write it.

Each field is a ``CellVariable`` on a ``Grid2D(nx=N, ny=N, dx=1/N, dy=1/N)`` (FiPy's cell
order is x fastest, so ``value.reshape(N, N)`` is indexed ``(y, x)`` like the other
peers). Every time step solves, in this order, one linear system per field::

    f:  TransientTerm + ImplicitSourceTerm(delta m)              == 0
    n:  TransientTerm + <Convection>(chi grad_face f)            == DiffusionTerm(D_n)
    m:  TransientTerm + ImplicitSourceTerm(lambda)               == DiffusionTerm(D_m) + mu n
    c:  TransientTerm + ImplicitSourceTerm(gamma n + alpha)      == DiffusionTerm(D_c) + beta f

i.e. backward Euler for diffusion and for the linear reaction terms (implicit source
terms), the haptotactic flux ``chi n grad f`` as a convection term of ``n`` with the
face velocity ``chi grad f`` (``VanLeerConvectionTerm`` by default, a TVD scheme like
pde-meta's Koren limiter; ``PowerLawConvectionTerm`` on request), explicit sources from
the fields just solved. ``sweeps`` > 1 re-solves the four equations within the step with
the updated coefficients (Picard iteration of the coupling). FiPy's default boundary
condition, zero flux through every exterior face, is the model's.

Linear solvers: FiPy's scipy suite (``FIPY_SOLVERS=scipy``, set here unless the caller
chose one; PySparse is not available on Python 3 and PETSc / Trilinos are not
installed). Iterative solvers, as the issue asks: preconditioned conjugate gradients for
the symmetric systems (f, m, c), GMRES for the non-symmetric tumour system, at FiPy's
default tolerance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import numpy as np

from .common import FIELD_NAMES, PARAMS, initial_fields

os.environ.setdefault("FIPY_SOLVERS", "scipy")

try:
    import fipy
except ImportError:  # pragma: no cover - optional benchmark dependency
    fipy = None

CONVECTION = ("vanleer", "powerlaw")
"""Convection schemes offered for the haptotaxis term."""


def _require_fipy():
    if fipy is None:
        raise ImportError("FiPy is required for this peer: pip install fipy")
    return fipy


class FipyModel:
    """The four equations on one FiPy grid, advanced with a fixed step.

    Parameters
    ----------
    N : int
        Cells per side.
    convection : {"vanleer", "powerlaw"}
        FiPy convection term used for the haptotaxis.
    sweeps : int
        Solves of the four equations per time step (>= 1).
    fields : mapping, optional
        ``(y, x)``-indexed initial fields (default: the benchmark initial condition).
    """

    def __init__(self, N: int, convection: str = "vanleer", sweeps: int = 1,
                 fields: Mapping[str, np.ndarray] | None = None,
                 params: Mapping[str, float] | None = None) -> None:
        lib = _require_fipy()
        if convection not in CONVECTION:
            raise ValueError(f"convection must be one of {CONVECTION}, got {convection!r}")
        if sweeps < 1:
            raise ValueError(f"sweeps must be >= 1, got {sweeps}")
        from fipy.solvers.scipy import LinearGMRESSolver, LinearPCGSolver

        self.N, self.convection, self.sweeps = int(N), convection, int(sweeps)
        p = dict(PARAMS if params is None else params)
        self.params = p
        h = 1.0 / N
        self.mesh = lib.Grid2D(nx=N, ny=N, dx=h, dy=h)
        src = initial_fields(N) if fields is None else fields
        self.vars = {
            k: lib.CellVariable(mesh=self.mesh, name=k, hasOld=True,
                                value=np.asarray(src[k], dtype=np.float64).ravel())
            for k in FIELD_NAMES
        }
        n, f, m, c = (self.vars[k] for k in FIELD_NAMES)
        Conv = (lib.VanLeerConvectionTerm if convection == "vanleer"
                else lib.PowerLawConvectionTerm)
        T, D, S = lib.TransientTerm, lib.DiffusionTerm, lib.ImplicitSourceTerm
        self.equations = [  # solved in this order
            (f, T(var=f) + S(coeff=p["delta"] * m, var=f) == 0, LinearPCGSolver),
            (n, T(var=n) + Conv(coeff=p["chi"] * f.faceGrad, var=n)
             == D(coeff=p["D_n"], var=n), LinearGMRESSolver),
            (m, T(var=m) + S(coeff=p["lambda"], var=m)
             == D(coeff=p["D_m"], var=m) + p["mu"] * n, LinearPCGSolver),
            (c, T(var=c) + S(coeff=p["gamma"] * n + p["alpha"], var=c)
             == D(coeff=p["D_c"], var=c) + p["beta"] * f, LinearPCGSolver),
        ]
        self.solvers = [solver() for _, _, solver in self.equations]
        self.t = 0.0
        self.steps = 0

    def step(self, dt: float) -> None:
        """One time step of length ``dt`` (``sweeps`` solves of each equation)."""
        for v in self.vars.values():
            v.updateOld()
        for _ in range(self.sweeps):
            for (var, eq, _), solver in zip(self.equations, self.solvers, strict=True):
                eq.solve(var=var, dt=dt, solver=solver)
        self.t += dt
        self.steps += 1

    def advance(self, t_end: float, dt: float) -> None:
        """``round((t_end - t) / dt)`` steps of equal length ending exactly at ``t_end``."""
        k = max(1, round((t_end - self.t) / dt))
        step = (t_end - self.t) / k
        for _ in range(k):
            self.step(step)
        self.t = float(t_end)

    def fields(self) -> dict[str, np.ndarray]:
        """``(y, x)``-indexed copies of the four fields."""
        return {k: np.array(v.value, dtype=np.float64).reshape(self.N, self.N)
                for k, v in self.vars.items()}


def run(N: int, t_end: float, dt: float, convection: str = "vanleer", sweeps: int = 1,
        fields: Mapping[str, np.ndarray] | None = None) -> dict:
    """Solve from the benchmark initial condition to ``t_end`` with steps of about ``dt``.

    ``setup_time`` is building the mesh, variables and equations; ``seconds`` is the
    stepping alone (FiPy compiles nothing; its first step is timed with the rest).
    """
    start = time.perf_counter()
    model = FipyModel(N, convection=convection, sweeps=sweeps, fields=fields)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    model.advance(t_end, dt)
    seconds = time.perf_counter() - start
    out = model.fields()
    if not all(np.all(np.isfinite(a)) for a in out.values()):
        raise RuntimeError("FiPy state became non-finite")
    return {"fields": out, "t": model.t, "steps": model.steps, "dt": t_end / model.steps,
            "sweeps": sweeps, "convection": convection, "seconds": seconds,
            "setup_time": setup, "fipy_version": _require_fipy().__version__}
