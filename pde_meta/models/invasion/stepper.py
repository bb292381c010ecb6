"""Time integration: the :class:`Stepper` drives the compiled loop and reports what happened.

One step (first order in time, Lie splitting; see ``docs/numerics.md``):

1. explicit Euler for tumour transport (finite-volume fluxes, Koren-limited upwind
   haptotaxis) and MMP diffusion; Patankar form for growth and death;
2. exact exponentials for ECM and membrane degradation;
3. oxygen: supply explicit, consumption and decay implicit, diffusion by locally
   one-dimensional implicit Euler (x then y, Thomas algorithm): unconditionally stable
   and positive, so the fast oxygen diffusion never limits the step.

The step size is chosen automatically from the positivity bound of the tumour transport,
the MMP diffusion bound and a reaction-rate accuracy limit (:func:`stable_dt`),
or given by the user, in which case it is checked against the bound.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from ...core.grid import Grid, check_memory
from ...core.options import Option, check_option
from ...errors import ConfigError, SimulationError
from . import kernels, reference
from .fields import FIELDS, PHENOTYPE_FIELDS, VESSEL_FIELDS
from .kernels import layout
from .parameters import OxygenWalls, Parameters
from .state import State

__all__ = ["Stepper", "solve", "iterate", "StepStats", "DtBound", "stable_dt", "rhs",
           "active_groups", "groups_on", "stored_fields", "GROUPS",
           "STEP_OPTIONS", "dt_limit", "MAX_STEPS_AHEAD", "check_time"]

log = logging.getLogger(__name__)

#: grids with fewer cells than this run on one thread by default
SERIAL_BELOW = 96 * 96
#: a call that would need more steps than this (at its current step) is refused
MAX_STEPS_AHEAD = 1e12

#: status code -> (what happened, remedy)
STATUS_MESSAGES = {
    kernels.DT_TOO_LARGE: (
        "the fixed time step dt = {dt:.4g} broke the positivity bound dt <= {bound:.4g} of "
        "the state at t = {t:.6g} (step {step})",
        "use a smaller dt, or leave dt unset to let the solver choose it",
    ),
    kernels.NOT_FINITE: (
        "a non-finite value appeared at t = {t:.6g} (step {step})",
        "check the parameters and initial fields for extreme values",
    ),
}


class DtBound(NamedTuple):
    """The largest admissible time step and which term sets it."""

    dt: float
    limiting: str
    limits: dict


#: the groups of fields a run may leave out, each with the parameter that feeds it from
#: nothing (MET makes epithelial cells, TAF secretion starts the vessel fields)
GROUPS = {"phenotypes": (PHENOTYPE_FIELDS, "met_rate"),
          "vessels": (VESSEL_FIELDS, "taf_secretion")}


def groups_on(present, parameters: Parameters) -> dict[str, bool]:
    """Which groups of fields a run steps: a group is on when one of its fields is among
    ``present`` (the fields with values: nonzero planes of a state, or the fields a config
    initialises) or its source parameter is positive. A group that is off stays constant,
    so a step skips its planes; with its planes zero and its source off, stepping it would
    change no bit of the other fields (tested)."""
    present = set(present)
    return {name: bool(present & set(fields)) or getattr(parameters, source) > 0.0
            for name, (fields, source) in GROUPS.items()}


def active_groups(data: np.ndarray, parameters: Parameters) -> np.ndarray:
    """:func:`groups_on` of a state, as the kernels' ``active`` array."""
    present = [n for n in PHENOTYPE_FIELDS + VESSEL_FIELDS if np.any(data[FIELDS.index(n)])]
    on = groups_on(present, parameters)
    out = np.zeros(2)
    out[layout.PHENOTYPES_ON] = float(on["phenotypes"])
    out[layout.VESSELS_ON] = float(on["vessels"])
    return out


def stored_fields(groups: dict[str, bool]) -> tuple[str, ...]:
    """The fields a run with these groups on uses, in table order (the five invasion
    fields and those of each group that is on): the default of the stored fields."""
    left_out = {n for name, (fields, _) in GROUPS.items() if not groups[name] for n in fields}
    return tuple(n for n in FIELDS.names if n not in left_out)


def stable_dt(state: State, parameters: Parameters, safety: float = 0.9,
              reaction_limit: float = 1.0, sprout_substeps: int = 1) -> DtBound:
    """The automatic time step for ``state`` and which term limits it.

    * ``tumour transport``: positivity of the explicit diffusion + limited-upwind taxis
      update, ``dt * R <= 1`` with ``R`` the largest outflow rate of any tumour cell (of
      both phenotypes);
    * ``sprout tips``: the same for the sprout tips, whose transport may take up to
      ``sprout_substeps`` substeps of a step: ``dt * R_p <= sprout_substeps``;
    * ``MMP diffusion``: ``dt * 2 D_m (1/dx^2 + 1/dy^2) <= 1``, and ``lymph diffusion``
      the same with ``D_l`` when vessels are on;
    * ``reactions``: ``dt * (fastest reaction rate) <= reaction_limit`` (accuracy).

    Oxygen is implicit and never limits the step. ``safety`` scales the stability limits.
    """
    p = parameters
    g = state.grid
    active = active_groups(state.data, p)
    pt = p.as_tuple()
    rate = reference.transport_rate(state.data, g.dx, g.dy, pt,
                                    (active[layout.PHENOTYPES_ON], 0.0))
    reaction = reference.reaction_rate(state.data, pt, active)
    limits = {
        "tumour transport": safety / rate if rate > 0 else math.inf,
        "MMP diffusion": dt_limit(g, p, safety).dt,
        "reactions": reaction_limit / reaction if reaction > 0 else math.inf,
    }
    if active[layout.VESSELS_ON]:
        tips = float(reference.transport(state.data, g.dx, g.dy, pt, layout.SPROUTS)[1].max())
        limits["sprout tips"] = sprout_substeps * safety / tips if tips > 0 else math.inf
    lymph = 2 * p.lymph_diffusivity * (1 / g.dx**2 + 1 / g.dy**2)
    if active[layout.VESSELS_ON] and lymph > 0:
        limits["lymph diffusion"] = safety / lymph
    name = min(limits, key=limits.get)
    return DtBound(limits[name], name, limits)


def dt_limit(grid: Grid, parameters: Parameters, safety: float = 0.9) -> DtBound:
    """The part of :func:`stable_dt` that does not depend on the state: the MMP diffusion
    bound ``safety / (2 D_m (1/dx^2 + 1/dy^2))`` (``inf`` without MMP diffusion). Every
    step of a run is at most this long, so ``t / dt_limit`` is a lower bound on the steps
    to time ``t``; it needs no fields (``pde-meta check`` of large grids)."""
    mmp_rate = 2 * parameters.mmp_diffusivity * (1 / grid.dx**2 + 1 / grid.dy**2)
    dt = safety / mmp_rate if mmp_rate > 0 else math.inf
    return DtBound(dt, "MMP diffusion", {"MMP diffusion": dt})


def check_time(t, name: str = "t_end", low: float | None = None, infinite: bool = False
               ) -> float:
    """``t`` as a float if it is a finite number (``>= low`` when given; ``+inf`` too with
    ``infinite``), else a :class:`ConfigError` naming ``name``."""
    ok = isinstance(t, numbers.Real) and not isinstance(t, bool | np.bool_)
    value = float(t) if ok else math.nan
    if (math.isfinite(value) or (infinite and value == math.inf)) and (
            low is None or value >= low):
        return value
    rng = "a finite number" + (f" >= {low:.6g} (the current time)" if low is not None else "")
    raise ConfigError(f"{name} = {t!r} is not allowed; allowed: {rng}; fix: give a finite "
                      f"time" + (f" >= {low:.6g}" if low is not None else ""))


def rhs(state: State, parameters: Parameters,
        oxygen_walls: OxygenWalls | None = None) -> dict[str, np.ndarray]:
    """The semi-discrete right-hand side of every field, in plain numpy.

    This is the readable reference of the spatial discretisation the solver uses
    (finite-volume fluxes, Koren-limited upwind haptotaxis); tests compare the compiled
    stepper against it.
    """
    g = state.grid
    fixed, value = (oxygen_walls or OxygenWalls()).as_arrays()
    rates = reference.rhs(state.data, g.dx, g.dy, parameters.as_tuple(), fixed, value)
    return dict(zip(FIELDS.names, rates, strict=True))


def _blocks(shape: tuple[int, int], threads: int) -> tuple[int, int]:
    """Rows per parallel task of the explicit kernel, columns per task of the y solve.

    The row blocks are fixed by the grid. The columns are split into one contiguous run per
    thread (whole cache lines): the longer the runs along each row, the better the memory
    streams. Columns are solved independently, so the results do not depend on it
    (``test_row_blocking_does_not_change_a_bit``).
    """
    ny, nx = shape
    per_thread = -(-nx // threads)
    return 32, max(16, -(-per_thread // 8) * 8)


@dataclass
class StepStats:
    """Counters of a :class:`Stepper`."""

    steps: int = 0
    calls: int = 0
    #: the most substeps the sprout tips' transport took in one step
    most_substeps: int = 1


#: the time schemes: ``euler``, the first-order split step; ``richardson``, its
#: Richardson extrapolation (second order, positivity-limited)
SCHEMES = ("euler", "richardson")

#: the default scheme; files written before it became the default store no scheme and
#: are continued with ``euler`` (:func:`pde_meta.config.stored_scheme`)
DEFAULT_SCHEME = "richardson"

#: the default of ``sprout_substeps``; files written before the option store none and are
#: continued with 1 (:func:`pde_meta.config.stored_config_defaults`)
DEFAULT_SPROUT_SUBSTEPS = 8
#: the largest ``sprout_substeps`` allowed
MAX_SPROUT_SUBSTEPS = 1024

#: the rules of the automatic step: keys of a config's ``[time]``, and :class:`Stepper`'s
STEP_OPTIONS = (
    Option("safety", "number", 0.9, "fraction of the positivity bound used by the automatic "
           "step", low=0, high=1, low_open=True),
    Option("reaction_cfl", "number", 0.5, "largest dt x (fastest reaction rate) of the "
           "automatic step", low=0, high=10, low_open=True),
    Option("scheme", "choice", DEFAULT_SCHEME, "the time scheme: 'richardson' (2 "
           "E(dt/2)^2 - E(dt), second order, limited to stay positive) or 'euler' (the "
           "first-order step of earlier results, bit for bit; a quarter to a third of the cost "
           "per step)",
           choices=SCHEMES),
    Option("sprout_substeps", "integer", DEFAULT_SPROUT_SUBSTEPS, "the most substeps the "
           "sprout tips' transport may take in one step, where their positivity bound is "
           "tighter than every other field's (multirate stepping: the other fields keep the "
           "longer step); 1: every field takes the same step, as in results made before "
           "this option", low=1, high=MAX_SPROUT_SUBSTEPS),
)


class Stepper:
    """Advance a :class:`~pde_meta.state.State` in time.

    Parameters
    ----------
    state : State
        The initial state; it is copied, never modified.
    parameters : Parameters
    oxygen_walls : OxygenWalls, optional
        Oxygen boundary conditions (zero flux on every wall by default).
    dt : float, optional
        A fixed time step. It must not exceed the positivity bound of the initial state
        (a :class:`ConfigError` quotes the bound otherwise). Default: automatic.
    safety : float
        Fraction of the positivity bound used by the automatic step, in (0, 1].
    reaction_cfl : float
        Largest ``dt * (fastest reaction rate)`` of the automatic step, > 0.
    scheme : {"richardson", "euler"}
        ``richardson`` (default): each step ``2 E(dt/2)^2 - E(dt)`` of the first-order step
        ``E``, second order in time, limited to stay >= 0; ``euler``: ``E`` itself, the
        scheme of results made before ``richardson`` became the default, bit for bit.
    threads : int, optional
        numba threads for the kernels. Default: all of them, or one on grids below
        ``SERIAL_BELOW`` cells where starting threads costs more than it saves. Results
        are bitwise identical for any value.
    """

    def __init__(self, state: State, parameters: Parameters,
                 oxygen_walls: OxygenWalls | None = None, *, dt: float | None = None,
                 safety: float = 0.9, reaction_cfl: float = 0.5,
                 threads: int | None = None, scheme: str = DEFAULT_SCHEME,
                 sprout_substeps: int = DEFAULT_SPROUT_SUBSTEPS) -> None:
        if not isinstance(parameters, Parameters):
            raise ConfigError(f"parameters must be a Parameters object, got {parameters!r}")
        for opt, value in zip(STEP_OPTIONS, (safety, reaction_cfl, scheme, sprout_substeps),
                              strict=True):
            problem = check_option(f"time.{opt.key}", value, opt)[1]
            if problem:
                raise ConfigError(problem)
        self.scheme = scheme
        self.sprout_substeps = int(sprout_substeps)
        #: the sprout tips' substeps the next step tries first (checked by the step, and
        #: carried like :attr:`dt`: a restart that sets both continues with the same bits)
        self.substeps = 1
        g = state.grid
        buffers = 4 if scheme == "richardson" else 2
        check_memory(buffers * state.data.nbytes, f"a Stepper of a {g.ny} x {g.nx} grid",
                     "use a smaller grid")
        self.state = state.copy()
        self.parameters = parameters
        self.oxygen_walls = oxygen_walls or OxygenWalls()
        self.safety = float(safety)
        self.reaction_cfl = float(reaction_cfl)
        self._p = parameters.as_tuple()
        self._fixed, self._value = self.oxygen_walls.as_arrays()
        # both buffers hold the membrane: the kernel does not rewrite a static one
        self._work = self.state.data.copy()
        #: the two more buffers of the Richardson scheme
        self._more = ([self.state.data.copy(), self.state.data.copy()]
                      if scheme == "richardson" else [])
        self._static_membrane = parameters.membrane_degradation == 0.0
        #: the smallest limiter theta of the Richardson steps so far (1: never limited)
        self.theta_min = 1.0
        self.stats = StepStats()
        available = numba.config.NUMBA_NUM_THREADS
        if threads is None:
            threads = 1 if state.grid.size < SERIAL_BELOW else available
        if not (isinstance(threads, int) and threads >= 1):
            raise ConfigError(f"threads = {threads!r} is not allowed; allowed: an integer "
                              f">= 1; fix: e.g. threads = 2")
        self.threads = min(threads, available)
        self._blocks = _blocks(state.grid.shape, self.threads)
        bad = self.state.check_finite()
        if bad:
            raise ConfigError(f"initial field {bad[0]!r} is not finite at (i, j) = {bad[1:]}; "
                              f"fix: give finite values")
        self.refresh()
        bound = self.dt_bound()
        self.adaptive = dt is None
        if dt is None:
            self._dt = bound.dt
        else:
            stability = min(v for k, v in bound.limits.items() if k != "reactions") / self.safety
            if not (isinstance(dt, int | float) and math.isfinite(dt) and dt > 0):
                raise ConfigError(f"time.dt = {dt!r} is not allowed; allowed: a positive "
                                  f"number <= {stability:.6g}; fix: set it so, or omit dt")
            if dt > stability:
                raise ConfigError(
                    f"time.dt = {dt:g} exceeds the stable bound {stability:.6g} (set by "
                    f"{bound.limiting}); allowed: dt <= {stability:.6g}; fix: lower dt or "
                    f"omit it for an automatic step")
            self._dt = float(dt)

    def refresh(self) -> None:
        """Decide again which groups of fields are stepped (:func:`active_groups`), from
        the current state; call it after putting epithelial cells, vessels or TAF into
        the state in place. The planes of a group that is off are constant, and the work
        buffer gets them once here rather than at every call."""
        s = self.state
        self._active = active_groups(s.data, self.parameters)
        for work in (self._work, *self._more):
            if not self._active[layout.PHENOTYPES_ON]:
                work[layout.EPITHELIAL] = s.data[layout.EPITHELIAL]
            if not self._active[layout.VESSELS_ON]:
                work[layout.FIRST_VESSEL_PLANE:] = s.data[layout.FIRST_VESSEL_PLANE:]
        on = self.active
        self._planes = np.array([k for k, name in enumerate(FIELDS.names)
                                 if name in stored_fields(on)
                                 and not (k == layout.MEMBRANE and self._static_membrane)],
                                dtype=np.int64)

    @property
    def kernel_parameters(self) -> tuple:
        """The parameters as the kernels take them (:meth:`.Parameters.as_tuple`)."""
        return self._p

    def scale_rates(self, factors: dict[int, float]) -> None:
        """The steps from now on take the kernel parameter at position ``k`` (of
        :mod:`.kernels.layout`) times ``factors[k]``, each a factor in [0, 1] of the
        value in :attr:`parameters` (a treatment's effect on a rate); ``{}`` restores
        them. A smaller rate never breaks the stability bound of a fixed step."""
        base = self.parameters.as_tuple()
        for k, x in factors.items():
            if not 0.0 <= x <= 1.0:
                raise ConfigError(f"a rate's factor {x!r} (parameter {k}); allowed: [0, 1]")
        self._p = tuple(v * factors.get(k, 1.0) for k, v in enumerate(base))

    @property
    def active(self) -> dict[str, bool]:
        """Which groups of fields the steps update: ``{"phenotypes": ..., "vessels": ...}``."""
        return {"phenotypes": bool(self._active[layout.PHENOTYPES_ON]),
                "vessels": bool(self._active[layout.VESSELS_ON])}

    def dt_bound(self):
        """The automatic step for the current state and its limiting term (a ``DtBound``)."""
        return stable_dt(self.state, self.parameters, self.safety, self.reaction_cfl,
                         self.sprout_substeps)

    @property
    def dt(self) -> float:
        """The step the next call will try first (settable, e.g. to restart a run exactly)."""
        return self._dt

    @dt.setter
    def dt(self, value: float) -> None:
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ConfigError(f"dt = {value!r} is not allowed; allowed: a positive number")
        self._dt = float(value)

    def advance(self, t_end: float, max_steps: int | None = None) -> State:
        """Advance to ``t_end`` (or until ``max_steps`` steps); returns the live state.

        Raises
        ------
        SimulationError
            With the time, step and a remedy, if the step became unstable or a value
            non-finite; the state is left at the last good step.
        """
        s = self.state
        t_end = check_time(t_end, "t_end", low=s.t, infinite=max_steps is not None)
        if max_steps is None and t_end - s.t > MAX_STEPS_AHEAD * self._dt:
            raise ConfigError(
                f"t_end = {t_end:g} lies {t_end - s.t:.3g} ahead of t = {s.t:.6g}: about "
                f"{(t_end - s.t) / self._dt:.2g} steps of dt = {self._dt:.3g}; allowed: at "
                f"most {MAX_STEPS_AHEAD:.0e} steps in one call; fix: a nearer t_end, "
                f"coarser cells, or max_steps to advance in chunks")
        limit = np.iinfo(np.int64).max if max_steps is None else int(max_steps)
        if self._static_membrane:  # the caller may have edited the state between calls
            for work in (self._work, *self._more):
                work[layout.MEMBRANE] = s.data[layout.MEMBRANE]
        active = self._active
        g = s.grid
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        try:
            if self._more:
                t, steps, status, dt_next, rate, theta, k, most = kernels.advance_richardson(
                    s.data, self._work, *self._more, s.t, float(t_end), self._dt,
                    self.adaptive, limit, g.dx, g.dy, self._p, self._fixed, self._value,
                    self.safety, self.reaction_cfl, *self._blocks, active, self._planes,
                    self.sprout_substeps, self.substeps)
                self.theta_min = min(self.theta_min, theta)
                in_b = False
            else:
                t, steps, status, dt_next, rate, in_b, k, most = kernels.advance(
                    s.data, self._work, s.t, float(t_end), self._dt, self.adaptive, limit,
                    g.dx, g.dy, self._p, self._fixed, self._value, self.safety,
                    self.reaction_cfl, *self._blocks, active, self.sprout_substeps,
                    self.substeps)
        finally:
            numba.set_num_threads(previous)
        if in_b:
            s.data, self._work = self._work, s.data
        s.t = t
        s.step += steps
        self.stats.steps += steps
        self.stats.calls += 1
        self.stats.most_substeps = max(self.stats.most_substeps, most)
        self.substeps = int(k)
        if self.adaptive:
            self._dt = dt_next
        if status in STATUS_MESSAGES:
            what, fix = STATUS_MESSAGES[status]
            bound = 1.0 / rate if rate > 0 else math.inf
            raise SimulationError(
                what.format(dt=self._dt, bound=bound, t=s.t, step=s.step) + "; fix: " + fix)
        bad = s.check_finite()
        if bad:
            raise SimulationError(
                f"field {bad[0]!r} became non-finite at (i, j) = {bad[1:]} between t = "
                f"{s.t:.6g} and the previous output (step {s.step}); fix: check the "
                f"parameters and initial fields for extreme values")
        return s

    def iterate(self, times: Iterable[float]) -> Iterator[State]:
        """Yield a copy of the state at each of ``times`` (ascending, >= current time)."""
        times = [check_time(x, f"times[{k}]", low=self.state.t)
                 for k, x in enumerate(times)]
        if any(b < a for a, b in zip(times, times[1:], strict=False)):
            raise ConfigError(f"times = {times} is not allowed; allowed: ascending times; "
                              f"fix: sort them")
        for t_out in times:
            yield self.advance(t_out).copy()


def iterate(state: State, parameters: Parameters, times: Iterable[float], **kwargs
            ) -> Iterator[State]:
    """Yield the state at each of ``times``; keyword arguments go to :class:`Stepper`."""
    yield from Stepper(state, parameters, **kwargs).iterate(times)


def solve(state: State, parameters: Parameters, t_end: float, *,
          times: Iterable[float] | None = None, callback: Callable[[State], None] | None = None,
          **kwargs) -> list[State]:
    """Solve from ``state`` to ``t_end``; return the states at ``times`` (default: t_end).

    ``callback(state)`` is called with each output state as it is produced. Keyword
    arguments (``oxygen_walls``, ``dt``, ``safety``, ``reaction_cfl``, ``scheme``) go to
    :class:`Stepper`.
    """
    t_end = check_time(t_end, "t_end", low=state.t)
    times = [t_end] if times is None else sorted(
        {*(check_time(x, f"times[{k}]", low=state.t) for k, x in enumerate(times)), t_end})
    out = []
    for s in iterate(state, parameters, [x for x in times if x <= t_end], **kwargs):
        if callback is not None:
            callback(s)
        out.append(s)
    return out
