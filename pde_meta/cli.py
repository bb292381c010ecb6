"""The ``pde-meta`` command line: run, check, resume and inspect runs; run sweeps.

Every error is one line on stderr (``pde-meta: error: ...``), never a traceback, with the
exit codes of :data:`EXIT_CODES`. Bad input is detected before anything is written: an
existing file is never touched by a command that ends with exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from . import storage as io
from .config import load_config
from .errors import ConfigError, SimulationError
from .models.invasion import diagnostics as metrics
from .runner import run as runner

__all__ = ["main", "EXIT_CODES"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = {EXIT_OK: "success", EXIT_FAILED: "a simulation failed (its file keeps the last "
              "good state)", EXIT_BAD_INPUT: "bad input (config, arguments, output path, run "
              "file); nothing was written"}

EPILOG = """exit codes:
  0  success
  1  a simulation failed; its run file keeps the last good state
  2  bad input (config file, arguments, output path, run file); nothing was written

examples:
  pde-meta check configs/default.toml
  pde-meta run configs/default.toml --output runs/default.h5
  pde-meta run configs/default.toml configs/hypoxia.toml --output runs/ --jobs 2
  pde-meta resume runs/default.h5 --t-end 10
  pde-meta info runs/default.h5
  pde-meta sweep configs/sweep_membrane.toml --workers 2
"""

_log_handler: logging.Handler | None = None


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (raised, not printed)."""

    def error(self, message: str):
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pde-meta", description="Tumour invasion as coupled PDEs: run "
                     "TOML configs, write one HDF5 file per run, continue stopped runs.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run one or more configs (several run in parallel)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run configs. Every config is checked before any run "
                       "starts; with several, they run in parallel processes and a summary "
                       "table follows. A run that fails does not stop the others.")
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="TOML config file(s)")
    p.add_argument("--output", "-o", metavar="PATH", help="output file (one config) or "
                   "directory (several configs, or an existing directory): <name>.h5 in it; "
                   "default: output.path of each config")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes "
                   "(default: one per config, at most one per CPU)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (an "
                   "old file stays until the new run has written its first snapshot)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("check", help="validate configs and estimate the runs",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Validate configs; print the grid, the time step bound "
                       "and its limiting term, the number of steps and snapshots, and the "
                       "expected output size and memory. Writes nothing.")
    p.add_argument("configs", nargs="+", metavar="CONFIG")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("resume", help="continue a stopped run, or extend a finished one",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Continue RUN.h5 from its checkpoint (a killed run is "
                       "recovered first), to its own t_end or to --t-end.")
    p.add_argument("run", metavar="RUN.h5")
    p.add_argument("--t-end", type=float, metavar="T", help="new final time (>= the "
                   "checkpoint time); default: the run's t_end")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_resume)

    p = sub.add_parser("info", help="describe a run file", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Print a run's status, config, versions, snapshots and "
                       "diagnostics. Works on a run that is still being written or was killed.")
    p.add_argument("run", metavar="RUN.h5")
    p.set_defaults(func=_cmd_info)
    _add_sweep_parser(sub)
    _add_plot_parser(sub)
    return parser


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(message: str) -> None:
    print(f"pde-meta: error: {_one_line(message)}", file=sys.stderr)


def _setup_logging(quiet: bool):
    """Send the package's log records to stderr; returns a function that undoes it."""
    global _log_handler
    logger = logging.getLogger("pde_meta")
    if _log_handler is not None:
        logger.removeHandler(_log_handler)
    saved = logger.level, logger.propagate
    handler = _log_handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False

    def restore() -> None:
        global _log_handler
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        _log_handler = None

    return restore


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        _error(f"{exc} (see pde-meta --help)")
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    restore = _setup_logging(getattr(args, "quiet", False))
    try:
        return args.func(args)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except SimulationError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted; a run file keeps its last checkpoint: continue it with "
               "pde-meta resume RUN.h5")
        return EXIT_INTERRUPTED
    finally:
        restore()


# --------------------------------------------------------------------------- run


def _prefixed(path, exc: Exception) -> str:
    text = _one_line(str(exc))
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _output_for(config, output: str | None, several: bool) -> Path:
    if output is None:
        return config.output.path
    out = Path(output)
    if several or out.is_dir() or output.endswith(os.sep):
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--output {output!r} is a file, but several configs need a "
                              f"directory; fix: give a directory")
        return (out / f"{config.name}.h5").absolute()
    return out.absolute()


def _job(spec: dict) -> dict:
    """Run one config (in this or a worker process); never raises."""
    row = {"config": spec["config"], "output": spec["output"], "status": "bad input",
           "t": math.nan, "t_end": math.nan, "steps": 0, "snapshots": 0, "wall": 0.0,
           "rate": 0.0, "message": ""}
    try:
        result = runner.simulate(spec["config"], output=spec["output"],
                                 overwrite=spec["overwrite"], progress=spec["progress"],
                                 threads=spec["threads"])
    except ConfigError as exc:
        row["message"] = _prefixed(spec["config"], exc)
        return row
    except SimulationError as exc:
        result = getattr(exc, "result", None)
        row.update(status="failed", message=_one_line(str(exc)))
        if result is None:
            return row
    except KeyboardInterrupt:
        row.update(status="interrupted", message="interrupted")
        return row
    except Exception as exc:  # a bug: report it in the table, let the others finish
        logging.getLogger("pde_meta").debug("unexpected error", exc_info=True)
        row.update(status="error", message=f"{type(exc).__name__}: {_one_line(str(exc))}")
        return row
    row.update(status=result.status, t=result.t, t_end=result.t_end, steps=result.steps,
               snapshots=result.snapshots, wall=result.wall_seconds,
               rate=result.cell_updates_per_second, output=str(result.path))
    return row


def _worker_init(quiet: bool) -> None:
    _setup_logging(quiet)


def _cmd_run(args) -> int:
    paths = args.configs
    several = len(paths) > 1
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs = {args.jobs} is not allowed; allowed: an integer >= 1; "
                          f"fix: e.g. --jobs 2")
    problems, specs, outputs = [], [], {}
    for path in paths:  # check everything before anything runs
        try:
            config = load_config(path)
            out = _output_for(config, args.output, several)
            config = config.with_output(out)
            runner.check_output(out, args.overwrite)
            runner.plan(config)  # initial fields, time step
        except ConfigError as exc:
            problems.append(_prefixed(path, exc))
            continue
        if out in outputs:
            problems.append(f"{path}: writes to {str(out)!r} like {outputs[out]}; fix: give "
                            f"the configs different names or output paths")
            continue
        outputs[out] = path
        specs.append({"config": str(path), "output": str(out), "overwrite": args.overwrite})
    if problems:
        for p in problems:
            _error(p)
        return EXIT_BAD_INPUT
    cpus = os.cpu_count() or 1
    jobs = min(args.jobs or cpus, len(specs))
    progress = "none" if args.quiet else ("auto" if jobs == 1 and not several else "log")
    for spec in specs:
        spec["progress"] = progress
        spec["threads"] = max(1, cpus // jobs) if jobs > 1 else None
    if jobs == 1:
        rows = [_job(spec) for spec in specs]
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                                 initializer=_worker_init, initargs=(args.quiet,)) as pool:
            rows = list(pool.map(_job, specs))
    print(_table(rows))
    for row in rows:
        if row["status"] != "complete":
            _error(row["message"] or f"{row['config']}: {row['status']}")
    if any(row["status"] == "bad input" for row in rows):
        return EXIT_BAD_INPUT
    return EXIT_OK if all(row["status"] == "complete" for row in rows) else EXIT_FAILED


def _fmt(value, spec: str = ".4g") -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    return format(value, spec)


def _table(rows: list[dict]) -> str:
    head = ["config", "status", "t / t_end", "steps", "snapshots", "stepping s",
            "cell-updates/s", "output"]
    body = [[r["config"], r["status"], f"{_fmt(r['t'])} / {_fmt(r['t_end'])}",
             str(r["steps"]), str(r["snapshots"]), _fmt(r["wall"], ".3g"),
             _fmt(r["rate"], ".3g"), r["output"]] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
             for line in [head, *body]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- check


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} TB"  # pragma: no cover


def _cmd_check(args) -> int:
    code = EXIT_OK
    for path in args.configs:
        try:
            config = load_config(path)
            plan = runner.plan(config)
        except ConfigError as exc:
            _error(_prefixed(path, exc))
            code = EXIT_BAD_INPUT
            continue
        g, t, o = config.grid, config.time, config.output
        others = ", ".join(f"{k} {v:.3g}" for k, v in plan.bound.limits.items()
                           if k != plan.bound.limiting)
        if t.dt is None:
            dt_line = (f"{plan.dt:.4g} (automatic), limited by {plan.bound.limiting} "
                       f"(other limits: {others})")
        else:
            dt_line = (f"{t.dt:.4g} (fixed); automatic bound {plan.bound.dt:.4g}, limited by "
                       f"{plan.bound.limiting}")
        schedule = (f"every {t.snapshot_interval:g}" if t.snapshot_interval else "")
        if t.snapshot_times:
            schedule += (" and " if schedule else "") + f"{len(t.snapshot_times)} extra times"
        exists = " (exists: run needs --overwrite)" if o.path.exists() else ""
        lines = [
            f"{path}: ok ({config.name})",
            f"  grid        {g.ny} x {g.nx} cells on [0, {g.extent[1]:g}] x "
            f"[0, {g.extent[0]:g}] (dx = {g.dx:.4g}, dy = {g.dy:.4g})",
            f"  dt          {dt_line}",
            f"  steps       about {plan.steps} to t_end = {t.t_end:g} (from the initial dt; "
            f"the automatic dt follows the state)",
            f"  snapshots   {plan.snapshots} ({schedule}), fields {', '.join(o.fields)}, "
            f"{'float32' if o.float32 else 'float64'}",
            f"  output      {o.path}{exists}: at most {_size(plan.output_bytes)} before "
            f"{o.compression} compression",
            f"  memory      about {_size(plan.memory_bytes)}",
        ]
        if config.units is not None:
            u = config.units
            lines.append(f"  units       L = {u.length_scale:g} cm, D = "
                         f"{u.diffusivity_scale:g} cm^2/s, T = L^2/D = {u.time_scale:.4g} s "
                         f"(t_end = {t.t_end * u.time_scale:.4g} s)")
        print("\n".join(lines))
    return code


# --------------------------------------------------------------------------- resume, info


def _cmd_resume(args) -> int:
    result = runner.resume(args.run, t_end=args.t_end, progress="none" if args.quiet
                           else "auto")
    print(f"{result.path}: {result.status} at t = {result.t:g} (t_end = {result.t_end:g}), "
          f"{result.steps} steps in {result.wall_seconds:.3g} s "
          f"({result.cell_updates_per_second:.3g} cell-updates/s), {result.snapshots} "
          f"snapshots")
    return EXIT_OK


_INFO_COLUMNS = ("tumor_mass", "invaded_area", "tumor_max", "mmp_max", "membrane_min",
                 "oxygen_min", "dt", "step")


def _cmd_info(args) -> int:
    info = io.read_info(args.run)
    a = info.attrs
    if info.status == "running" and info.writer_alive():
        status = f"running (being written by process {info.writer[1]})"
    elif info.status == "running" or not info.clean:
        status = ("stopped before the end (killed or interrupted); continue it with "
                  f"pde-meta resume {args.run}")
    else:
        status = info.status + (f": {info.message}" if info.message else "")
    times = info.times
    shape = a.get("grid_shape", [0, 0])
    extent = a.get("grid_extent", [0, 0])
    lines = [
        f"run          {info.path}",
        f"name         {a.get('name', '')}" + (f" ({a['description']})"
                                                if a.get("description") else ""),
        f"status       {status}",
        f"created      {a.get('created', '?')} on {a.get('host', '?')}",
        f"versions     pde-meta {a.get('pde_meta_version')}, numba {a.get('numba_version')}, "
        f"numpy {a.get('numpy_version')}, h5py {a.get('h5py_version')} (HDF5 "
        f"{a.get('hdf5_version')}), Python {a.get('python_version')}",
        f"grid         {shape[0]} x {shape[1]} cells on [0, {extent[1]:g}] x "
        f"[0, {extent[0]:g}]",
        f"fields       {', '.join(info.fields)}",
        f"seed         {a.get('seed')}",
        f"snapshots    {len(times)}" + (f", t = {times[0]:g} ... {times[-1]:g}"
                                        if len(times) else "") + f" (t_end = {info.t_end:g})",
    ]
    ck = info.checkpoint
    if ck is not None:
        rate = (math.prod(shape) * ck.steps / ck.wall_seconds) if ck.wall_seconds > 0 else 0
        lines += [f"checkpoint   t = {ck.state.t:g}, step {ck.state.step}, next dt = "
                  f"{ck.dt:.4g}",
                  f"performance  {ck.steps} steps in {ck.wall_seconds:.3g} s of stepping, "
                  f"{rate:.3g} cell-updates/s"]
    units = a.get("units")
    if units and units != "null":
        lines.append(f"units        {units}")
    if len(times):
        lines += ["", "diagnostics:", _diagnostics_table(times, info.diagnostics)]
        others = sorted(set(info.diagnostics) - set(_INFO_COLUMNS))
        if others:
            lines.append(f"  also stored: {', '.join(others)}")
        try:
            events = {k: v for k, v in metrics.time_metrics(times, info.diagnostics).items()
                      if isinstance(v, float)}
        except (ConfigError, ValueError):  # too few snapshots for a time series
            events = {}
        for k, v in events.items():
            lines.append(f"  {k} = {_fmt(v) if math.isfinite(v) else 'never'}")
    lines += ["", "config:", *("  " + line for line in info.config_toml.splitlines())]
    print("\n".join(lines))
    return EXIT_OK


def _diagnostics_table(times, diags: dict, limit: int = 24) -> str:
    columns = ["time", *[c for c in _INFO_COLUMNS if c in diags]]
    values = {"time": times, **diags}
    rows = list(range(len(times)))
    if len(rows) > limit:
        rows = rows[: limit // 2] + [-1] + rows[-limit // 2:]
    body = [[("..." if k < 0 else _fmt(float(values[c][k]), ".6g")) for c in columns]
            for k in rows]
    widths = [max(len(x) for x in col) for col in zip(columns, *body, strict=True)]
    return "\n".join("  " + "  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True))
                     for line in [columns, *body])


# --------------------------------------------------------------------------- sweep

SWEEP_EPILOG = """exit codes:
  0  every member is complete
  1  some members failed or are invalid (the others ran; see the summary)
  2  bad input (sweep file, base config, arguments, output directory, scheduler); nothing ran

examples:
  pde-meta sweep configs/sweep_membrane.toml --workers 2
  pde-meta sweep configs/sweep_membrane.toml --scheduler tcp://10.0.0.1:8786 \\
      --output /shared/runs/sweep_membrane
"""


def _add_sweep_parser(sub) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep on dask.distributed",
                       epilog=SWEEP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run every member of a sweep file (docs/sweeps.md), each "
                       "in a worker process writing its own HDF5 file, then write "
                       "summary.csv and sweep.h5 with one row per member. Run it again to "
                       "continue: complete members are skipped, incomplete ones resumed.")
    p.add_argument("sweep", metavar="SWEEP.toml", help="the sweep file")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of a running dask "
                   "scheduler (e.g. tcp://10.0.0.1:8786); default: a local cluster")
    p.add_argument("--workers", "-w", type=int, metavar="N", help="worker processes of the "
                   "local cluster (default: one per CPU)")
    p.add_argument("--output", "-o", metavar="DIR", help="directory of the member files and "
                   "the summary; default: output of the sweep file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_sweep)


#: headline metrics shown in the sweep table, when the runs have them
_SWEEP_COLUMNS = ("membrane_breach_time", "membrane_escape_time", "tumor_mass",
                  "invaded_area", "front_max_radius", "front_max_depth")


def _cmd_sweep(args) -> int:
    from . import sweep as sweeps

    try:
        result = sweeps.run_sweep(args.sweep, output_dir=args.output, scheduler=args.scheduler,
                                  workers=args.workers,
                                  progress="none" if args.quiet else "auto")
    except KeyboardInterrupt:
        _error("interrupted; run the same pde-meta sweep command again to continue (complete "
               "members are skipped, stopped ones resumed)")
        return EXIT_INTERRUPTED
    table = result.table
    keys = [c for c in table.columns if c not in ("member", "file") and c in
            table.columns[: table.columns.get_loc("status")]]
    shown = [c for c in _SWEEP_COLUMNS if c in table.columns][:4]
    if len(table) <= 50:
        head = ["member", *(k.rsplit(".", 1)[-1] for k in keys), "status", "action",
                "stepping s", *shown]
        body = [[str(r["member"]), *(_fmt(r[k]) if isinstance(r[k], float) else str(r[k])
                                     for k in keys),
                 r["status"], r["action"], _fmt(r["wall_seconds"], ".3g"),
                 *(_fmt(r[c]) for c in shown)] for _, r in table.iterrows()]
        widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
        print("\n".join("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True))
                        .rstrip() for line in [head, *body]))
    counts = ", ".join(f"{n} {status}" for status in sweeps.STATUSES
                       if (n := result.counts.get(status, 0)))
    print(f"{len(table)} members: {counts} ({result.ran} ran, {result.resumed} resumed, "
          f"{result.skipped} skipped); summary: {result.output / sweeps.SUMMARY_FILE}, "
          f"{result.output / sweeps.INDEX_FILE}")
    for _, r in table.iterrows():
        if r["status"] != "complete":
            _error(f"member {r['member']} ({r['file']}) {r['status']}: {r['message']}")
    return EXIT_OK if result.ok else EXIT_FAILED


# --------------------------------------------------------------------------- plot


def _add_plot_parser(sub) -> None:
    p = sub.add_parser("plot", help="write figures (and a movie) of a run", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write PNG figures of RUN.h5 into DIR: fields.png (a panel "
                       "of fields at chosen times), diagnostics.png (time series), "
                       "fronts.png (tumour front contours) and, when the run has a basement "
                       "membrane, membrane.png (where and when it broke). --movie also "
                       "writes a movie (MP4 when ffmpeg is available, else GIF).")
    p.add_argument("run", metavar="RUN.h5")
    p.add_argument("--output", "-o", metavar="DIR", help="directory for the figures "
                   "(default: next to the run, <run name>_plots)")
    p.add_argument("--times", nargs="+", type=float, metavar="T", help="times for the field "
                   "panel (default: up to five spread over the run)")
    p.add_argument("--fields", nargs="+", metavar="FIELD", help="fields for the panel and "
                   "the movie (default: all stored; the movie: tumor)")
    p.add_argument("--movie", metavar="PATH", help="also write a movie here")
    p.add_argument("--dpi", type=float, default=150, help="resolution (default 150)")
    p.set_defaults(func=_cmd_plot)


def _cmd_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from . import plotting

    if args.dpi <= 0:
        raise ConfigError(f"--dpi = {args.dpi} is not allowed; allowed: a positive number")
    ds = io.open_run(args.run)
    path = Path(args.run)
    out = Path(args.output) if args.output else path.with_name(f"{path.stem}_plots")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--output {out}: cannot create the directory ({exc.strerror})"
                          ) from None
    times = args.times
    if times is None:
        all_times = ds.time.values
        pick = np.unique(np.linspace(0, len(all_times) - 1, min(5, len(all_times))).round())
        times = [float(all_times[int(k)]) for k in pick]
    figures = {"fields": plotting.plot_fields(ds, times=times, fields=args.fields),
               "diagnostics": plotting.plot_diagnostics(ds),
               "fronts": plotting.plot_fronts(ds)}
    if "membrane" in ds and float(ds["membrane"].isel(time=0).max()) > 0:
        figures["membrane"] = plotting.plot_membrane_breach(ds)
    for name, fig in figures.items():
        written = plotting.save_figure(fig, out / f"{name}.png", dpi=args.dpi)
        print(written)
    if args.movie:
        movie_fields = args.fields or "tumor"
        print(plotting.make_movie(ds, args.movie, field=movie_fields))
    return EXIT_OK
