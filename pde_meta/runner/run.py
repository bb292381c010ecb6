"""The outer loop: a config in, one HDF5 run file out; and continuing a stopped run.

:func:`simulate` validates everything that can be validated before it writes anything
(config, initial fields, output path, time step), then builds the run file under a hidden
name, writes the initial snapshot and a checkpoint, gives the file its real name, and
advances the :class:`~pde_meta.stepping.Stepper` from one output time to the next in
chunks of steps (for progress reports and wall-clock checkpoints; chunking does not change
the results). At each output time it appends a snapshot with its diagnostics and updates
the checkpoint.

:func:`resume` continues a run from its checkpoint: the checkpoint holds the state, time,
step count and the solver's next trial step, so the continuation takes exactly the steps
the uninterrupted run would have taken (bit for bit, when the old end time is one of the
output times of the longer run). A file left by a killed writer is first recovered
(:func:`pde_meta.io.recover`).

Library code logs (logger ``pde_meta.run``) and never prints; the progress bar (tqdm,
only on a terminal) goes to stderr.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import storage as io
from ..config import TIME_TOLERANCE, RunConfig, load_config, loads_config, physical_units
from ..core.grid import Grid
from ..errors import ConfigError, SimulationError
from ..models.invasion import initial as builders
from ..models.invasion.diagnostics import metric_options as _metric_options
from ..models.invasion.fields import FIELDS as FIELD_TABLE
from ..models.invasion.parameters import PARAMETER_SPECS, Parameters
from ..models.invasion.state import State
from ..models.invasion.stepper import DtBound, Stepper

FIELDS = FIELD_TABLE.names

__all__ = ["RunResult", "Plan", "simulate", "resume", "initial_state", "plan",
           "check_output", "warm_up"]

log = logging.getLogger(__name__)

#: wall-clock seconds one chunk of steps aims at (progress and checkpoint granularity)
CHUNK_SECONDS = 0.25
#: seconds between progress log lines when not on a terminal
LOG_EVERY = 10.0
#: a run whose time step would need more steps than this to reach the next output fails
MAX_STEPS_AHEAD = 1e12


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

    @property
    def cell_updates_per_second(self) -> float:
        return self.cells * self.steps / self.wall_seconds if self.wall_seconds > 0 else 0.0


# --------------------------------------------------------------------------- set-up


def initial_state(config: RunConfig) -> State:
    """The initial state described by ``config.initial`` (fields without a source are 0).

    Reads ``.npy``/``.npz`` files and snapshots of earlier runs; every field is checked for
    shape, finiteness and range. Raises :class:`ConfigError` naming the field on failure.
    """
    return builders.initial_state(config.grid, config.initial_sources(), config.seed,
                                  io.read_snapshot_field)


def metric_options(config: RunConfig) -> dict:
    """Arguments of the invasion diagnostics for this run's geometry."""
    parts = config.initial_sources().get("tumor", ())
    return _metric_options((p.type, p.options) for p in parts)


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


def _stepper(config: RunConfig, state: State, threads: int | None) -> Stepper:
    t = config.time
    stepper = Stepper(state, config.parameters, config.oxygen_walls, dt=t.dt,
                      safety=t.safety, reaction_cfl=t.reaction_cfl, threads=threads)
    if not (math.isfinite(stepper.dt) and stepper.dt > 0):
        bound = stepper.dt_bound()
        raise ConfigError(f"the time step of the state at t = {state.t:g} is {stepper.dt:g} "
                          f"(set by {bound.limiting}); allowed: a positive step; fix: check "
                          f"the initial fields and parameters for extreme values")
    return stepper


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
    """Build the initial state and the stepper of ``config`` and estimate the run."""
    state = initial_state(config)
    stepper = _stepper(config, state, threads=1)
    bound = stepper.dt_bound()
    cells = config.grid.size
    snapshots = len(config.output_times())
    itemsize = 4 if config.output.float32 else 8
    output = snapshots * len(config.output.fields) * cells * itemsize + 3 * 5 * cells * 8
    memory = 4 * 5 * cells * 8 + 12 * cells * 8  # two buffers, copies, metric temporaries
    dt = stepper.dt
    return Plan(config, state, bound, dt, math.ceil(config.time.t_end / dt), snapshots,
                output, memory)


# --------------------------------------------------------------------------- progress


class _Progress:
    """A tqdm bar (``"bar"``), log lines every :data:`LOG_EVERY` s (``"log"``), or nothing."""

    def __init__(self, mode: str, name: str, t0: float, t_end: float, snapshots: int,
                 total_snapshots: int):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        if mode not in ("bar", "log", "none"):
            raise ConfigError(f"progress = {mode!r} is not allowed; allowed: 'auto', 'bar', "
                              f"'log', 'none'")
        self.mode, self.name, self.t0, self.t_end = mode, name, t0, t_end
        self.total = total_snapshots
        self.start = time.perf_counter()
        self.last_log = self.start
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=max(t_end - t0, 0.0), desc=name, file=sys.stderr,
                            unit="T", dynamic_ncols=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                                       "[{elapsed}<{remaining}{postfix}]")
        self.update(t0, math.nan, 0, snapshots)

    def update(self, t: float, dt: float, step: int, snapshots: int, rate: float = 0.0
               ) -> None:
        if self.bar is not None:
            step = f"dt={dt:.3g}, " if math.isfinite(dt) else ""
            self.bar.set_postfix_str(f"t={t:.4g}/{self.t_end:.4g}, {step}snapshots "
                                     f"{snapshots}/{self.total}", refresh=False)
            self.bar.n = min(t - self.t0, self.bar.total)
            self.bar.refresh()
        elif self.mode == "log":
            now = time.perf_counter()
            if now - self.last_log < LOG_EVERY:
                return
            self.last_log = now
            done = (t - self.t0) / (self.t_end - self.t0) if self.t_end > self.t0 else 1.0
            eta = (now - self.start) * (1 - done) / done if done > 0 else math.inf
            log.info("%s: t = %.4g / %.4g (%.0f%%), dt = %.3g, step %d, %d/%d snapshots, "
                     "%.3g cell-updates/s, ETA %s", self.name, t, self.t_end, 100 * done, dt,
                     step, snapshots, self.total, rate, _duration(eta))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# --------------------------------------------------------------------------- the loop


@dataclass
class _Counters:
    wall: float = 0.0      # seconds spent stepping, all sessions of the run
    steps: int = 0         # steps taken, all sessions
    session_wall: float = 0.0
    session_steps: int = 0
    last_checkpoint: float = field(default_factory=time.perf_counter)


def _locate(grid: Grid, bad: tuple[str, int, int]) -> str:
    name, i, j = bad
    return (f"field {name!r} at (x, y) = ({grid.x[j]:.4g}, {grid.y[i]:.4g}), cell (i, j) = "
            f"({i}, {j})")


def _diagnose(config: RunConfig, before: State, dt: float, t_out: float, error: Exception
              ) -> tuple[State, str]:
    """Replay a failed chunk one step at a time: the last good state and what went wrong."""
    replay = _stepper(config, before, threads=None)
    if math.isfinite(dt) and dt > 0:
        replay.dt = dt
    good = replay.state.copy()
    for _ in range(10_000_000):
        try:
            replay.advance(t_out, max_steps=1)
        except SimulationError as exc:
            bad = replay.state.check_finite()
            if bad is None:
                return replay.state.copy(), " ".join(str(exc).split())
            s = replay.state
            return good, (f"{_locate(s.grid, bad)} became non-finite in step {s.step} "
                          f"(t = {s.t:.6g}, from t = {good.t:.6g} with dt = "
                          f"{s.t - good.t:.4g})")
        if replay.state.t >= t_out:
            break
        good = replay.state.copy()
    return good, " ".join(str(error).split())


def _advance(config: RunConfig, stepper: Stepper, writer: io.RunWriter, rng_state: str,
             schedule: np.ndarray, progress: _Progress, counters: _Counters) -> None:
    """Advance through ``schedule``, writing snapshots and checkpoints."""
    state = stepper.state
    tol = TIME_TOLERANCE * max(1.0, float(schedule[-1]))
    chunk = 16
    cells = config.grid.size
    every = config.output.checkpoint_seconds
    for t_out in schedule:
        if t_out <= writer.last_time + tol:
            continue
        if t_out < stepper.state.t - tol:  # pragma: no cover - schedule and checkpoint agree
            log.warning("%s: output time %g lies before the state (t = %g); skipped",
                        config.name, t_out, stepper.state.t)
            continue
        while stepper.state.t < t_out:
            before, dt_before = stepper.state.copy(), stepper.dt
            start = time.perf_counter()
            try:
                state = stepper.advance(float(t_out), max_steps=chunk)
            except SimulationError as exc:
                raise _Failure(*_diagnose(config, before, dt_before, float(t_out), exc)
                               ) from None
            elapsed = time.perf_counter() - start
            taken = stepper.state.step - before.step
            if stepper.state.t <= before.t and taken > 0:
                raise _Failure(before, f"the time step fell to {stepper.dt:g} at t = "
                                       f"{before.t:.6g} (step {before.step}): time no longer "
                                       f"advances")
            if (t_out - stepper.state.t) > MAX_STEPS_AHEAD * stepper.dt:
                raise _Failure(before, f"the time step fell to {stepper.dt:g} at t = "
                                       f"{stepper.state.t:.6g} (step {stepper.state.step}): "
                                       f"reaching t = {t_out:g} would take more than "
                                       f"{MAX_STEPS_AHEAD:.0e} steps")
            counters.wall += elapsed
            counters.session_wall += elapsed
            counters.steps += taken
            counters.session_steps += taken
            if elapsed > 0:
                chunk = int(min(max(chunk * CHUNK_SECONDS / elapsed, 1), 4 * chunk, 10**7))
            rate = cells * counters.session_steps / max(counters.session_wall, 1e-12)
            progress.update(state.t, stepper.dt, state.step, writer.count, rate)
            now = time.perf_counter()
            if every > 0 and now - counters.last_checkpoint >= every and state.t < t_out:
                writer.write_checkpoint(state, stepper.dt, rng_state, counters.wall,
                                        counters.steps)
                counters.last_checkpoint = now
        state = stepper.state
        writer.write_snapshot(state, stepper.dt, counters.wall)
        writer.write_checkpoint(state, stepper.dt, rng_state, counters.wall, counters.steps)
        counters.last_checkpoint = time.perf_counter()
        progress.update(state.t, stepper.dt, state.step, writer.count)


class _Failure(Exception):
    def __init__(self, good: State, what: str):
        super().__init__(what)
        self.good, self.what = good, what


def _drive(config: RunConfig, stepper: Stepper, writer: io.RunWriter, rng_state: str,
           counters: _Counters, progress_mode: str) -> RunResult:
    schedule = config.output_times()
    progress = _Progress(progress_mode, config.name, stepper.state.t, config.time.t_end,
                         writer.count, len(schedule))
    status, message, final = "complete", "", stepper.state
    try:
        _advance(config, stepper, writer, rng_state, schedule, progress, counters)
    except _Failure as fail:
        good = final = fail.good
        if good.t > writer.last_time:
            writer.write_snapshot(good, stepper.dt, counters.wall)
        writer.write_checkpoint(good, stepper.dt, rng_state, counters.wall, counters.steps)
        status = "failed"
        message = (f"{config.name}: {fail.what}; the last good state (t = {good.t:.6g}, step "
                   f"{good.step}) is kept in {writer.path} as its last snapshot and "
                   f"checkpoint; fix: check the parameters and initial fields for extreme "
                   f"values, or set a smaller time.dt / time.safety")
        writer.set_status(status, message)
    except KeyboardInterrupt:
        writer.set_status("interrupted", "stopped by the user; continue with pde-meta resume")
        raise
    except BaseException as exc:
        writer.set_status("failed", f"{type(exc).__name__}: {exc}")
        raise
    else:
        writer.set_status(status)
    finally:
        progress.close()
    s = final
    result = RunResult(config.name, writer.path, status, s.t, config.time.t_end, s.step,
                       writer.count, counters.session_steps, counters.session_wall,
                       config.grid.size, message)
    if status == "failed":
        error = SimulationError(message)
        error.result = result
        raise error
    log.info("%s: done: t = %g, %d steps in %.3g s (%.3g cell-updates/s), %d snapshots in %s",
             config.name, s.t, result.steps, result.wall_seconds,
             result.cell_updates_per_second, writer.count, writer.path)
    return result


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
    state = initial_state(config)
    stepper = _stepper(config, state, threads)
    log.debug("kernels ready in %.3g s", warm_up(stepper.threads))
    rng_state = json.dumps(np.random.default_rng(config.seed).bit_generator.state)
    o = config.output
    writer = io.RunWriter.create(
        path, state, fields=o.fields, float32=o.float32, compression=o.compression,
        compression_level=o.compression_level, attrs=_root_attrs(config),
        metric_options=metric_options(config), t_end=config.time.t_end)
    try:
        writer.write_snapshot(state, stepper.dt, 0.0)
        writer.write_checkpoint(state, stepper.dt, rng_state)
        writer.publish(overwrite)
        log.info("%s: %d x %d cells, t_end = %g, %d snapshots -> %s", config.name,
                 *config.grid.shape, config.time.t_end, len(config.output_times()), path)
        return _drive(config, stepper, writer, rng_state, _Counters(), progress)
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
        written by a live process, or ``t_end`` lies before the checkpoint; the file is
        left untouched.
    SimulationError
        As for :func:`simulate`.
    """
    path = Path(path)
    info = io.read_info(path)
    if info.writer_alive():
        raise ConfigError(f"{path} is being written by process {info.writer[1]}; fix: wait "
                          f"for it to finish, or stop it first")
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
    stepper = _stepper(config, ck.state, threads)
    log.debug("kernels ready in %.3g s", warm_up(stepper.threads))
    if math.isfinite(ck.dt) and ck.dt > 0:
        stepper.dt = ck.dt
    if not info.clean:
        log.warning("%s was not closed (its writer was killed); recovering it", path)
        io.recover(path)
    writer = io.RunWriter.reopen(path)
    try:
        keep = int(np.count_nonzero(writer.f["coords/time"][:writer.count] <= ck.state.t))
        writer.truncate(keep)
        writer.set_t_end(config.time.t_end)
        writer.set_status("running")
        log.info("%s: resuming from t = %g (step %d) to t_end = %g", path, ck.state.t,
                 ck.state.step, config.time.t_end)
        counters = _Counters(wall=ck.wall_seconds, steps=ck.steps)
        return _drive(config, stepper, writer, ck.rng_state, counters, progress)
    finally:
        writer.close()
