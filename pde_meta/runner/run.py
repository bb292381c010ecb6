"""Running a config: the compartments it declares, one HDF5 run file out; and continuing
a stopped run.

:func:`simulate` validates everything that can be validated before it writes anything
(config, initial fields, output path, time step), then builds the run file under a hidden
name, writes the initial snapshot and a checkpoint, gives the file its real name, and
hands the compartments (:func:`compartments`), coupled by a ``Coupler``, to the
:class:`~.controller.Controller`, whose
observers write the snapshots, checkpoints and progress.

:func:`resume` continues a run from its checkpoint: the checkpoint holds every
compartment's state, time, step count and next trial step, so the continuation takes
exactly the steps the uninterrupted run would have taken (bit for bit, when the old end
time is one of the output times of the longer run). A file left by a killed writer is
first recovered (:func:`pde_meta.storage.recover`).

Library code logs (logger ``pde_meta.runner``) and never prints; the progress bar (tqdm,
only on a terminal) goes to stderr.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import storage as io
from ..config import (
    PLAN_MAX_CELLS,
    TIME_TOLERANCE,
    RunConfig,
    check_limits,
    check_steps,
    load_config,
    loads_stored_config,
    output_estimate,
)
from ..core.grid import available_memory
from ..coupling import EXCHANGES, Coupler, Ledger, Transfer
from ..errors import ConfigError, SimulationError
from ..models.circulation import Circulation
from ..models.invasion import initial as builders
from ..models.invasion.compartment import Tissue
from ..models.invasion.diagnostics import metric_options as _metric_options
from ..models.invasion.fields import FIELDS as FIELD_TABLE
from ..models.invasion.parameters import Parameters
from ..models.invasion.state import State
from ..models.invasion.stepper import DtBound, Stepper
from ..models.organs.compartment import Organs
from ..models.primary import Primary
from ..models.treatment.effects import apply_treatments
from .controller import Controller, Counters
from .observers import FileObserver, ProgressObserver
from .output import check_output, clean_temporaries
from .progress import Progress

FIELDS = FIELD_TABLE.names

__all__ = ["RunResult", "Plan", "simulate", "resume", "initial_state", "plan",
           "check_output", "clean_temporaries", "warm_up", "compartments",
           "coupler_of", "PLAN_MAX_CELLS"]

log = logging.getLogger("pde_meta.runner")



@dataclass(frozen=True)
class RunResult:
    """What a run did: where it wrote, how far it got, how fast."""

    name: str
    path: Path
    status: str
    t: float
    t_end: float
    step: int
    snapshots: int
    steps: int = 0
    wall_seconds: float = 0.0
    cells: int = 0
    message: str = ""
    updates: int = 0  #: cell-updates of this session (each compartment's steps x cells)

    @property
    def cell_updates_per_second(self) -> float:
        return self.updates / self.wall_seconds if self.wall_seconds > 0 else 0.0


# --------------------------------------------------------------------------- set-up
def initial_state(config: RunConfig, tissue: int = 0) -> State:
    """The initial state of tissue compartment ``tissue`` of ``config`` (fields without a
    source are 0).

    Reads ``.npy``/``.npz`` files and snapshots of earlier runs; every field is checked for
    shape, finiteness and range. Raises :class:`ConfigError` naming the field on failure.
    """
    c = config.tissues()[tissue]
    return builders.initial_state(c.grid, c.initial_sources(), config.seed,
                                  io.read_snapshot_field, (tissue,) if tissue else ())


def metric_options(tissue) -> dict:
    """Arguments of the invasion diagnostics for a tissue's geometry."""
    return _metric_options({name: [(p.type, p.options) for p in parts]
                            for name, parts in tissue.initial_sources().items()})


def warm_up(threads: int = 1) -> float:
    """Load (or compile) the solver's kernels and start its threads on a tiny problem;
    returns the seconds taken, so that a run's throughput measures stepping only."""
    start = time.perf_counter()
    tiny = builders.anderson2005(8)
    Stepper(tiny, Parameters(), threads=threads).advance(1.0, max_steps=2)
    return time.perf_counter() - start


def compartments(config: RunConfig, threads: int | None = None, states=None,
                 initial=None) -> list:
    """The compartments of ``config``: its tissues from ``states`` (name -> state; default:
    the initial ones; ``initial``: the run's, for a restart), its primaries, circulations
    and organs (a restart restores them), with the effects of its treatments."""
    t, o = config.time, config.output
    out = []
    for k, c in enumerate(config.tissues()):
        start = initial_state(config, k) if states is None else states[c.name]
        out.append(Tissue(c.name, start, c.parameters, c.oxygen_walls, dt=t.dt,
                          safety=t.safety, reaction_cfl=t.reaction_cfl, threads=threads,
                          fields=o.fields, float32=o.float32, metric_options=metric_options(c),
                          initial=None if initial is None else initial[c.name],
                          scheme=t.scheme, sprout_substeps=t.sprout_substeps))
    for c in config.primaries:
        out.append(Primary(c.name, c.parameters, config.seed, c.hours))
    for c in config.circulations:
        out.append(Circulation(c.name, c.parameters, c.organs, c.route, config.seed,
                               c.hours, c.max_cluster_size, c.injections))
    for c in config.organ_sets:
        o = dict(c.options)
        out.append(Organs(c.name, c.organs, config.seed, c.hours, o["dt"], o["bins"],
                          o["x_max"], o["micro"], o["macro"], o["max_cluster_size"],
                          o["ages"], o["records"], c.events, c.injections))
    apply_treatments(config, out)
    return out


def coupler_of(config: RunConfig, parts, ledger: Ledger | None = None) -> Coupler:
    """The compartments coupled by the config's exchanges (``ledger``: the transfers
    so far, when a run continues)."""
    exchanges = []
    for k, e in enumerate(config.exchanges):
        cls = EXCHANGES[e.kind]
        seeded = {"seed": config.seed} if getattr(cls, "SEEDED", False) else {}
        exchanges.append(cls(f"{e.kind}[{k}]", e.source, e.target, **seeded,
                             **dict(e.options)))
    coupler = Coupler(parts, exchanges, config.coupling_interval, ledger)
    for e in exchanges:
        if hasattr(e, "check"):
            e.check(coupler[e.source], coupler[e.target])
    return coupler


@dataclass(frozen=True)
class Plan:
    """What a run will do, for ``pde-meta check``.

    ``state`` is the first compartment's initial state, ``bound`` its step bound, ``dt``
    its first step and ``steps`` about how many it takes. When :func:`plan` did not build
    the fields (a large run), ``state``, ``bound`` and ``dt`` are None, ``dt_note`` says
    why and ``steps`` is the lower bound ``t_end / dt_max``. ``dt_max``: the longest step
    the run can take, from its grids alone (the fixed dt, else the MMP diffusion bound).
    ``available_bytes``: the memory available now (None: unknown). ``steps_basis``:
    how ``steps`` was found (a pilot run of the first compartment).
    """

    config: RunConfig
    state: State | None
    bound: DtBound | None
    dt: float | None
    steps: int
    snapshots: int
    output_bytes: int
    memory_bytes: int
    dt_max: float = math.inf
    dt_note: str = ""
    available_bytes: int | None = None
    steps_basis: str = ""


def _steps(t_end: float, dt: float | None) -> int:
    if not dt or not math.isfinite(t_end / dt):
        return 0
    return math.ceil(t_end / dt)


def plan(config: RunConfig, build: bool | None = None, estimate: bool = True) -> Plan:
    """Estimate the run of ``config``: the step and its bound of the first compartment;
    output and memory of them all. Refuses (:class:`ConfigError`) a run over the limits
    (:func:`pde_meta.config.check_limits`: snapshots, memory, steps) before allocating.

    ``build``: build the initial states and steppers, for the step of the state (and to
    validate the initial fields); default: only for runs of at most
    :data:`PLAN_MAX_CELLS` cells, so that checking a large config allocates no fields.
    ``estimate``: count the steps by a short pilot run (else from the initial step).
    """
    snapshots = len(config.output_times())
    memory, limits = check_limits(config)
    if not config.has_tissue:
        return _lattice_plan(config, snapshots)
    output = output_estimate(config, snapshots)
    first = config.tissues()[0].name
    dt_max = limits[first]
    cells = sum(c.grid.size for c in config.tissues())
    available = available_memory()
    if build is None:
        build = cells <= PLAN_MAX_CELLS
    if not build:
        t = config.time
        note = (f"the initial fields are built only for runs up to {PLAN_MAX_CELLS} cells "
                f"(this one has {cells})")
        if t.dt is not None:
            note += (f"; the fixed dt = {t.dt:g} is checked against their positivity bound "
                     f"when the run starts")
        elif math.isfinite(dt_max):
            note += (f"; the step is at most {dt_max:.4g} (MMP diffusion), so the run takes "
                     f"at least {_steps(t.t_end, dt_max)} steps")
        return Plan(config, None, None, None, _steps(t.t_end, dt_max), snapshots, output,
                    memory, dt_max, note, available)
    parts = compartments(config, threads=1)
    check_steps(config, {c.name: c.dt for c in parts})
    coupler_of(config, parts)  # the exchanges' checks of the compartments they connect
    tissue = parts[0]
    bound = tissue.stepper.dt_bound()
    dt = tissue.stepper.dt
    state = tissue.state.copy()
    steps, basis = _steps(config.time.t_end, dt), "from the initial step"
    if estimate:
        steps, basis = tissue.estimate_steps(config.output_times())
    return Plan(config, state, bound, dt, steps, snapshots, output, memory, dt_max, "",
                available, basis)


def _lattice_plan(config: RunConfig, snapshots: int) -> Plan:
    """The plan of a run without a tissue: at most ``t_end / dt`` steps of each
    compartment's lattice (empty ones are skipped); ``dt`` is the first compartment's."""
    parts = compartments(config, threads=1)
    check_steps(config, {c.name: c.dt for c in parts})
    coupler_of(config, parts)
    output, state = (sum(x) for x in zip(*(c.layout().nbytes(snapshots) for c in parts),
                                         strict=True))
    steps = sum(_steps(config.time.t_end, c.dt) for c in parts)
    return Plan(config, None, None, parts[0].dt, steps, snapshots, output, state, math.inf,
                "no tissue: each compartment steps on its own lattice",
                available_memory(), "at most: each compartment's lattice steps to t_end")


def _drive(config: RunConfig, coupler: Coupler, writer: io.RunWriter, rng_state: str,
           counters: Counters, progress_mode: str) -> RunResult:
    schedule = config.output_times()
    lead = next(iter(coupler))
    progress = Progress(progress_mode, config.name, coupler.t, config.time.t_end,
                        writer.count, len(schedule))
    files = FileObserver(writer, rng_state, config.output.checkpoint_seconds)
    controller = Controller(coupler, schedule,
                            [files, ProgressObserver(progress, writer, lead)],
                            counters=counters, done=writer.last_time)
    status, what = controller.run()
    message = ""
    if status == "failed":
        message = (f"{config.name}: {what}; the last good state (t = {lead.t:.6g}, step "
                   f"{lead.step_count}) is kept in {writer.path} as its last snapshot and "
                   f"checkpoint; fix: check the parameters and initial fields for extreme "
                   f"values, or set a smaller time.dt / time.safety")
        writer.set_status(status, message)
    result = RunResult(config.name, writer.path, status, lead.t, config.time.t_end,
                       lead.step_count, writer.count, counters.session_steps,
                       counters.session_wall, controller.cells, message,
                       counters.session_updates)
    if status == "failed":
        error = SimulationError(message)
        error.result = result
        raise error
    log.info("%s: done: t = %g, %d steps in %.3g s (%.3g cell-updates/s), %d snapshots in %s",
             config.name, lead.t, result.steps, result.wall_seconds,
             result.cell_updates_per_second, writer.count, writer.path)
    return result


def _layouts(coupler: Coupler) -> dict:
    return {c.name: c.layout() for c in coupler}


def simulate(config, output=None, overwrite: bool = False, progress: str = "auto",
             threads: int | None = None) -> RunResult:
    """Run ``config`` (a :class:`RunConfig` or a path to a TOML file) to its ``t_end``.

    Parameters
    ----------
    config : RunConfig or path
    output : path, optional
        The HDF5 file; default ``config.output.path``.
    overwrite : bool
        Replace an existing output. Even then the old file stays until the new run has
        written its first snapshot and checkpoint.
    progress : {"auto", "bar", "log", "none"}
        ``auto``: a tqdm bar when stderr is a terminal, else log lines.
    threads : int, optional
        numba threads (default: the stepper's choice).

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        Bad input (config, initial fields, output path, time step); nothing was written.
    SimulationError
        The run failed (e.g. a non-finite value); the message names time, step, field and
        location, the file holds the last good state and ``status = "failed"``. The
        exception's ``result`` attribute is the :class:`RunResult`.
    """
    if not isinstance(config, RunConfig):
        config = load_config(config)
    if output is not None:
        config = config.with_output(output)
    path = check_output(config.output.path, overwrite, config)
    check_limits(config)
    parts = compartments(config, threads=threads)
    check_steps(config, {c.name: c.dt for c in parts})
    coupler = coupler_of(config, parts)
    log.debug("kernels ready in %.3g s", warm_up(next(iter(coupler)).threads)
              if config.has_tissue else 0.0)
    rng_state = json.dumps(np.random.default_rng(config.seed).bit_generator.state)
    o = config.output
    writer = io.RunWriter.create(path, _layouts(coupler), attrs=config.run_attrs(),
                                 t_end=config.time.t_end, ledger=bool(coupler.exchanges),
                                 compression=o.compression,
                                 compression_level=o.compression_level)
    try:
        observer = FileObserver(writer, rng_state, o.checkpoint_seconds)
        start = Controller(coupler, [0.0])
        observer.write_snapshot(start)
        observer.write_checkpoint(start)
        writer.publish(overwrite)
        what = (f"{config.grid.ny} x {config.grid.nx} cells" if config.has_tissue else
                ", ".join(f"{c.name} ({c.model})" for c in coupler))
        log.info("%s: %s, t_end = %g, %d snapshots -> %s", config.name, what,
                 config.time.t_end, len(config.output_times()), path)
        return _drive(config, coupler, writer, rng_state, Counters(), progress)
    finally:
        writer.close()


def resume(path, t_end: float | None = None, progress: str = "auto",
           threads: int | None = None) -> RunResult:
    """Continue the run in ``path`` from its checkpoint to ``t_end`` (default: its own).

    A stopped or killed run continues where its last checkpoint left it; a finished run
    is extended to a later ``t_end`` with the same snapshot schedule. Snapshots written
    after the checkpoint (if the writer was killed between the two) are dropped and
    written again, identically.

    Raises
    ------
    ConfigError
        ``path`` is not a pde-meta run, is truncated, holds no checkpoint, is still being
        written by a live process, was written with another layout, or ``t_end`` lies
        before the checkpoint; the file is left untouched.
    SimulationError
        As for :func:`simulate`.
    """
    path = Path(path)
    info = io.read_info(path, with_checkpoint=False)
    if info.writer_alive():
        raise ConfigError(f"{path} is being written by process {info.writer[1]}; fix: wait "
                          f"for it to finish, or stop it first")
    if info.layout != io.FORMAT_VERSION:
        raise ConfigError(f"{path} was written with layout {info.layout} of the run file; "
                          f"this version continues layout {io.FORMAT_VERSION} only (it "
                          f"still reads it: info, plot, open_run); fix: run the config "
                          f"again to extend it")
    try:
        config = loads_stored_config(info.config_toml,
                                     name=str(info.attrs.get("name", path.stem)))
    except ConfigError as exc:
        raise ConfigError(f"{path}: the stored config is invalid ({exc})") from None
    target = info.t_end if t_end is None else t_end
    if not (isinstance(target, int | float) and not isinstance(target, bool)
            and math.isfinite(target) and target > 0):
        raise ConfigError(f"--t-end = {target!r} is not allowed; allowed: a finite time > 0; "
                          f"fix: e.g. --t-end {2 * info.t_end:g}")
    stored_t_end = config.time.t_end
    config = config.with_t_end(float(target), "--t-end").with_output(path)
    check_limits(config, key="--t-end")  # snapshots, memory: before anything is read
    ck = io.read_info(path).checkpoint
    if ck is None:
        raise ConfigError(f"{path} holds no checkpoint; fix: run the config again")
    tol = TIME_TOLERANCE * max(1.0, abs(target))
    t_ck = ck.state.t if ck.state is not None else ck.t  # without a tissue: the run's
    if target < t_ck - tol:
        raise ConfigError(f"--t-end = {target:g} lies before the checkpoint of {path} "
                          f"(t = {t_ck:g}); allowed: t_end >= {t_ck:g}; fix: give "
                          f"a later time")
    check_steps(config, {name: float(a["scalars"][2]) for name, a in ck.arrays.items()},
                t_ck, key="--t-end")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{path} or its directory is not writable; fix: check the "
                          f"permissions")
    clean_temporaries(path)
    states, initial = {}, {}
    for c in config.tissues():
        states[c.name] = State(c.grid, ck.arrays[c.name]["data"])
        initial[c.name] = State(c.grid, io.read_initial(path, c.name))
    parts = compartments(config, threads, states, initial)
    for c in parts:
        c.restore(ck.arrays[c.name])
    ledger = Ledger([Transfer(*row) for row in io.read_ledger(path, ck.ledger_rows)])
    coupler = coupler_of(config, parts, ledger)
    log.debug("kernels ready in %.3g s", warm_up(parts[0].threads) if config.has_tissue
              else 0.0)
    if not info.clean:
        log.warning("%s was not closed (its writer was killed); recovering it", path)
        io.recover(path)
    extended = config.time.t_end != stored_t_end  # the stored config says what it does
    writer = io.RunWriter.reopen(path, {"config": config.to_toml()} if extended else None)
    try:
        first = writer.f[writer.names[0]]["coords/time"]
        keep = int(np.count_nonzero(first[:writer.count] <= t_ck))
        writer.truncate(keep, ck.ledger_rows, ck.table_rows)
        writer.set_t_end(config.time.t_end)
        writer.set_status("running")
        log.info("%s: resuming from t = %g (step %d) to t_end = %g", path, t_ck,
                 ck.state.step if ck.state is not None else ck.steps, config.time.t_end)
        counters = Counters(wall=ck.wall_seconds, steps=ck.steps)
        return _drive(config, coupler, writer, ck.rng_state, counters, progress)
    finally:
        writer.close()

