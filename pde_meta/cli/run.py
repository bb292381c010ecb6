"""``pde-meta run``: check every config, then run them (in parallel with ``--jobs``)."""

from __future__ import annotations

import argparse
import logging
import math
import os
from pathlib import Path

from ..config import load_config
from ..errors import ConfigError, SimulationError
from ..runner import run as runner
from ..runner.progress import Progress
from ..sweep.batch import run_tasks
from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    error,
    one_line,
    prefixed,
)
from .tables import fmt, render

__all__ = ["add_parser", "command", "output_for", "run_job", "run_jobs", "summary"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("run", help="run one or more configs (several run in parallel)",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run configs. Every config is checked before any run "
                       "starts; with several, they run in parallel processes and a summary "
                       "table follows. A run that fails does not stop the others.")
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="TOML config file(s)")
    p.add_argument("--output", "-o", metavar="PATH", help="output file (one config) or "
                   "directory (several configs, or an existing directory): <name>.h5 in it; "
                   "default: output.path of each config")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel worker processes, "
                   "of a local dask cluster as for sweeps (default: one per config, at most "
                   "one per CPU; 1: one run after the other in this process)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (an "
                   "old file stays until the new run has written its first snapshot)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=command)


def output_for(config, output: str | None, several: bool) -> Path:
    """Where ``config`` writes: its own output path, or the file or directory ``output``."""
    if output is None:
        return config.output.path
    out = Path(output)
    if several or out.is_dir() or output.endswith(os.sep):
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--output {output!r} is a file, but several configs need a "
                              f"directory; fix: give a directory")
        return (out / f"{config.name}.h5").absolute()
    return out.absolute()


def run_job(job: dict) -> dict:
    """Run one validated config (in this or a worker process); never raises.

    ``job``: ``label`` (the config file, for the table and messages), ``config`` (a
    :class:`~pde_meta.config.RunConfig` whose output path is set), ``overwrite``,
    ``progress`` and ``threads`` (of :func:`pde_meta.runner.run.simulate`). Returns a row
    of the summary table.
    """
    config = job["config"]
    row = _row(job, "bad input")
    try:
        result = runner.simulate(config, overwrite=job["overwrite"], progress=job["progress"],
                                 threads=job["threads"])
    except ConfigError as exc:
        row["message"] = prefixed(job["label"], exc)
        return row
    except SimulationError as exc:
        result = getattr(exc, "result", None)
        row.update(status="failed", message=one_line(str(exc)))
        if result is None:
            return row
    except KeyboardInterrupt:
        row.update(status="interrupted", message="interrupted")
        return row
    except Exception as exc:  # a bug: report it in the table, let the others finish
        logging.getLogger("pde_meta").debug("unexpected error", exc_info=True)
        row.update(status="error", message=f"{type(exc).__name__}: {one_line(str(exc))}")
        return row
    row.update(status=result.status, t=result.t, t_end=result.t_end, steps=result.steps,
               snapshots=result.snapshots, wall=result.wall_seconds,
               rate=result.cell_updates_per_second, output=str(result.path))
    return row


def _row(job: dict, status: str, message: str = "") -> dict:
    return {"config": job["label"], "output": str(job["config"].output.path),
            "status": status, "t": math.nan, "t_end": math.nan, "steps": 0, "snapshots": 0,
            "wall": 0.0, "rate": 0.0, "message": message}


def _describe(job: dict, row: dict) -> tuple[bool, str]:
    return row["status"] == "complete", (f"{row['config']} {row['status']} "
                                         f"({row['wall']:.3g} s of stepping)")


def _died(job: dict, exc: BaseException) -> dict:  # the worker process died
    return _row(job, "error", f"{job['label']}: the worker process running it died "
                f"({type(exc).__name__}: {one_line(str(exc))})")


def run_jobs(jobs: list[dict], workers: int, quiet: bool) -> list[dict]:
    """Run every job of :func:`run_job`, ``workers`` at a time; the rows in job order.

    One worker runs them here, one after the other (an interrupted run stops the batch).
    More run in the worker processes of a local dask cluster through
    :func:`pde_meta.sweep.batch.run_tasks`, the scheduling of sweeps: each receives its
    already validated config (nothing is parsed twice), the records it logs are logged
    here, and a line per finished run says how far the batch is (unless ``quiet``).
    """
    rows: list[dict] = []
    if workers <= 1:
        for job in jobs:
            rows.append(run_job(job))
            if rows[-1]["status"] == "interrupted":
                raise KeyboardInterrupt
        return rows
    order = {id(job): i for i, job in enumerate(jobs)}
    rows = [_row(job, "error", f"{job['label']}: no result came back") for job in jobs]
    progress = Progress("none" if quiet else "log", "batch", 0, len(jobs), unit="runs",
                        label=None, every=0)
    try:
        for job, row in run_tasks(run_job, jobs, workers=workers, progress=progress,
                                  describe=_describe, on_error=_died, forward_logs=True,
                                  name=lambda job: Path(job["label"]).stem):
            rows[order[id(job)]] = row
    finally:
        progress.close()
    return rows


def summary(rows: list[dict]) -> str:
    """The table printed after the runs: one row per config."""
    import pandas as pd

    return render(pd.DataFrame({
        "config": [r["config"] for r in rows],
        "status": [r["status"] for r in rows],
        "t / t_end": [f"{fmt(r['t'])} / {fmt(r['t_end'])}" for r in rows],
        "steps": [int(r["steps"]) for r in rows],
        "snapshots": [int(r["snapshots"]) for r in rows],
        "stepping s": [float(r["wall"]) for r in rows],
        "cell-updates/s": [float(r["rate"]) for r in rows],
        "output": [r["output"] for r in rows],
    }), formats={"stepping s": ".3g", "cell-updates/s": ".3g"})


def command(args) -> int:
    paths = args.configs
    several = len(paths) > 1
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs = {args.jobs} is not allowed; allowed: an integer >= 1; "
                          f"fix: e.g. --jobs 2")
    problems, jobs, outputs = [], [], {}
    for path in paths:  # check everything before anything runs
        try:
            config = load_config(path)
            out = output_for(config, args.output, several)
            config = config.with_output(out)
            runner.check_output(out, args.overwrite, config)
            runner.plan(config, estimate=False)  # initial fields, time step
        except ConfigError as exc:
            problems.append(prefixed(path, exc))
            continue
        if out in outputs:
            problems.append(f"{path}: writes to {str(out)!r} like {outputs[out]}; fix: give "
                            f"the configs different names or output paths")
            continue
        outputs[out] = path
        jobs.append({"label": str(path), "config": config, "overwrite": args.overwrite})
    if problems:
        for p in problems:
            error(p)
        return EXIT_BAD_INPUT
    cpus = os.cpu_count() or 1
    workers = min(args.jobs or cpus, len(jobs))
    progress = "none" if args.quiet else ("auto" if workers == 1 and not several else "log")
    for job in jobs:
        job.update(progress=progress, threads=max(1, cpus // workers) if workers > 1 else None)
    rows = run_jobs(jobs, workers, args.quiet)
    print(summary(rows))
    for row in rows:
        if row["status"] != "complete":
            error(row["message"] or f"{row['config']}: {row['status']}")
    if any(row["status"] == "bad input" for row in rows):
        return EXIT_BAD_INPUT
    return EXIT_OK if all(row["status"] == "complete" for row in rows) else EXIT_FAILED
