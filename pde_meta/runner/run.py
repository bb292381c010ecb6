"""Running a config: the compartments it declares, one HDF5 run file out; and continuing
a stopped run.

:func:`simulate` validates everything that can be validated before it writes anything
(config, initial fields, output path, time step), then builds the run file under a hidden
name, writes the initial snapshot and a checkpoint, gives the file its real name, and
hands the compartments (:func:`compartments`), coupled by a
:class:`~pde_meta.coupling.Coupler`, to the :class:`~.controller.Controller`, whose
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
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import storage as io
from ..config import TIME_TOLERANCE, RunConfig, load_config, loads_config, physical_units
from ..coupling import EXCHANGES, Coupler, Ledger, Transfer
from ..errors import ConfigError, SimulationError
from ..models.invasion import initial as builders
from ..models.invasion.compartment import Tissue
from ..models.invasion.diagnostics import metric_options as _metric_options
from ..models.invasion.fields import FIELDS as FIELD_TABLE
from ..models.invasion.parameters import PARAMETER_SPECS, Parameters
from ..models.invasion.state import State
from ..models.invasion.stepper import DtBound, Stepper
from .controller import Controller, Counters
from .observers import FileObserver, ProgressObserver
from .progress import Progress

FIELDS = FIELD_TABLE.names

__all__ = ["RunResult", "Plan", "simulate", "resume", "initial_state", "plan",
           "check_output", "warm_up", "compartments", "coupler_of"]

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


def check_output(path, overwrite: bool) -> Path:
    """Refuse an output path that exists (without ``overwrite``), is a directory, or lies
    in a directory that cannot be written. Touches nothing that exists."""
    path = Path(path).absolute()
    if path.is_dir():
        raise ConfigError(f"output {str(path)!r} is a directory; fix: give a file path "
                          f"such as {str(path / 'run.h5')!r}")
    if path.exists() and not overwrite:
        raise ConfigError(f"output {str(path)!r} exists; fix: pass --overwrite (or "
                          f"overwrite=True) to replace it, or choose another output path")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"output {str(path)!r}: {str(parent)!r} is not a directory; fix: "
                          f"choose another output path")
    try:  # the only reliable test (permissions, read-only mounts, quotas of inodes)
        fd, probe = tempfile.mkstemp(prefix=".pde-meta-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"output directory {str(parent)!r} is not writable "
                          f"({exc.strerror}); fix: choose another output path") from None
    return path


def warm_up(threads: int = 1) -> float:
    """Load (or compile) the solver's kernels and start its threads on a tiny problem;
    returns the seconds taken, so that a run's throughput measures stepping only."""
    start = time.perf_counter()
    tiny = builders.anderson2005(8)
    Stepper(tiny, Parameters(), threads=threads).advance(1.0, max_steps=2)
    return time.perf_counter() - start


def compartments(config: RunConfig, threads: int | None = None, states=None,
                 initial=None) -> list[Tissue]:
    """The compartments of ``config``, in order: its tissues, starting from ``states``
    (name -> state; default: the config's initial states), with ``initial`` (name -> the
    run's initial state) when the states are later ones (a restart)."""
    t, o = config.time, config.output
    out = []
    for k, c in enumerate(config.tissues()):
        start = initial_state(config, k) if states is None else states[c.name]
        out.append(Tissue(c.name, start, c.parameters, c.oxygen_walls, dt=t.dt,
                          safety=t.safety, reaction_cfl=t.reaction_cfl, threads=threads,
                          fields=o.fields, float32=o.float32,
                          metric_options=metric_options(c),
                          initial=None if initial is None else initial[c.name]))
    return out


def coupler_of(config: RunConfig, parts, ledger: Ledger | None = None) -> Coupler:
    """The compartments coupled by the config's exchanges (``ledger``: the transfers
    so far, when a run continues)."""
    exchanges = [EXCHANGES[e.kind](f"{e.kind}[{k}]", e.source, e.target, **dict(e.options))
                 for k, e in enumerate(config.exchanges)]
    return Coupler(parts, exchanges, config.coupling_interval, ledger)


def _root_attrs(config: RunConfig) -> dict:
    attrs = {"config": config.to_toml(), "name": config.name, "seed": config.seed,
             "description": config.description,
             "config_path": str(config.source) if config.source else "",
             "parameters": json.dumps(config.parameters.to_dict()),
             "parameter_units": json.dumps({s.name: s.units for s in PARAMETER_SPECS}),
             "oxygen_walls": json.dumps({s: getattr(config.oxygen_walls, s)
                                         for s in ("left", "right", "bottom", "top")}),
             "units": json.dumps(config.units.as_dict() if config.units else None)}
    if config.physical_parameters:
        specs = {s.name: s for s in PARAMETER_SPECS}
        attrs["physical_parameters"] = json.dumps({
            k: {"value": v, "units": physical_units(specs[k].units),
                "non_dimensional": getattr(config.parameters, k)}
            for k, v in config.physical_parameters})
    return attrs


@dataclass(frozen=True)
class Plan:
    """What a run will do, for ``pde-meta check``."""

    config: RunConfig
    state: State
    bound: DtBound
    dt: float
    steps: int
    snapshots: int
    output_bytes: int
    memory_bytes: int


def plan(config: RunConfig) -> Plan:
    """Build the initial states and steppers of ``config`` and estimate the run: the step
    and its bound of the first compartment; output and memory of them all."""
    parts = compartments(config, threads=1)
    tissue = parts[0]
    state, stepper = tissue.state, tissue.stepper
    bound = stepper.dt_bound()
    snapshots = len(config.output_times())
    itemsize = 4 if config.output.float32 else 8
    output = memory = 0
    for c in parts:
        cells, planes = c.size, len(FIELD_TABLE)
        # snapshots, the initial state and two checkpoint slots
        output += snapshots * len(c.stored) * cells * itemsize + 3 * planes * cells * 8
        memory += 4 * planes * cells * 8 + 12 * cells * 8  # two buffers, copies, metrics
    dt = stepper.dt
    return Plan(config, state, bound, dt, math.ceil(config.time.t_end / dt), snapshots,
                output, memory)




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
    path = check_output(config.output.path, overwrite)
    coupler = coupler_of(config, compartments(config, threads=threads))
    log.debug("kernels ready in %.3g s", warm_up(next(iter(coupler)).threads))
    rng_state = json.dumps(np.random.default_rng(config.seed).bit_generator.state)
    o = config.output
    writer = io.RunWriter.create(path, _layouts(coupler), attrs=_root_attrs(config),
                                 t_end=config.time.t_end, ledger=bool(coupler.exchanges),
                                 compression=o.compression,
                                 compression_level=o.compression_level)
    try:
        observer = FileObserver(writer, rng_state, o.checkpoint_seconds)
        start = Controller(coupler, [0.0])
        observer.write_snapshot(start)
        observer.write_checkpoint(start)
        writer.publish(overwrite)
        log.info("%s: %d x %d cells, t_end = %g, %d snapshots -> %s", config.name,
                 *config.grid.shape, config.time.t_end, len(config.output_times()), path)
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
    info = io.read_info(path)
    if info.writer_alive():
        raise ConfigError(f"{path} is being written by process {info.writer[1]}; fix: wait "
                          f"for it to finish, or stop it first")
    if info.layout != io.FORMAT_VERSION:
        raise ConfigError(f"{path} was written with layout {info.layout} of the run file; "
                          f"this version continues layout {io.FORMAT_VERSION} only (it "
                          f"still reads it: info, plot, open_run); fix: run the config "
                          f"again to extend it")
    try:
        config = loads_config(info.config_toml, check_files=False,
                              name=str(info.attrs.get("name", path.stem)))
    except ConfigError as exc:
        raise ConfigError(f"{path}: the stored config is invalid ({exc})") from None
    ck = info.checkpoint
    if ck is None:
        raise ConfigError(f"{path} holds no checkpoint; fix: run the config again")
    target = info.t_end if t_end is None else t_end
    if not (isinstance(target, int | float) and not isinstance(target, bool)
            and math.isfinite(target) and target > 0):
        raise ConfigError(f"--t-end = {target!r} is not allowed; allowed: a finite time > 0; "
                          f"fix: e.g. --t-end {2 * info.t_end:g}")
    tol = TIME_TOLERANCE * max(1.0, abs(target))
    if target < ck.state.t - tol:
        raise ConfigError(f"--t-end = {target:g} lies before the checkpoint of {path} "
                          f"(t = {ck.state.t:g}); allowed: t_end >= {ck.state.t:g}; fix: give "
                          f"a later time")
    config = config.with_t_end(float(target)).with_output(path)
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{path} or its directory is not writable; fix: check the "
                          f"permissions")
    states, initial = {}, {}
    for c in config.tissues():
        states[c.name] = State(c.grid, ck.arrays[c.name]["data"])
        initial[c.name] = State(c.grid, io.read_initial(path, c.name))
    parts = compartments(config, threads, states, initial)
    for c in parts:
        c.restore(ck.arrays[c.name])
    ledger = Ledger([Transfer(*row) for row in io.read_ledger(path, ck.ledger_rows)])
    coupler = coupler_of(config, parts, ledger)
    log.debug("kernels ready in %.3g s", warm_up(parts[0].threads))
    if not info.clean:
        log.warning("%s was not closed (its writer was killed); recovering it", path)
        io.recover(path)
    writer = io.RunWriter.reopen(path)
    try:
        first = writer.f[writer.names[0]]["coords/time"]
        keep = int(np.count_nonzero(first[:writer.count] <= ck.state.t))
        writer.truncate(keep, ck.ledger_rows)
        writer.set_t_end(config.time.t_end)
        writer.set_status("running")
        log.info("%s: resuming from t = %g (step %d) to t_end = %g", path, ck.state.t,
                 ck.state.step, config.time.t_end)
        counters = Counters(wall=ck.wall_seconds, steps=ck.steps)
        return _drive(config, coupler, writer, ck.rng_state, counters, progress)
    finally:
        writer.close()

