"""Running a sweep: what to do with each member's file (run, resume, rerun, skip), each
member's run in a worker process (:func:`run_member`), and the members sent to
dask.distributed through :func:`~pde_meta.sweep.batch.run_tasks`, the scheduling layer
that ``pde-meta run --jobs N`` uses too."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from pathlib import Path
from typing import Any

from .. import storage as io
from ..config import TIME_TOLERANCE, absolute_path, loads_stored_config
from ..core.options import short
from ..errors import ConfigError, SimulationError
from ..runner import run as runner
from ..runner.progress import MODES, Progress
from .batch import CONNECT_TIMEOUT, run_tasks
from .spec import Member, Sweep, load_sweep
from .summary import INDEX_FILE, SUMMARY_FILE, SweepResult, file_row, one_line, write_summary

__all__ = ["run_sweep", "run_member", "CONNECT_TIMEOUT"]

log = logging.getLogger(__package__)

#: the name of a member's file
_MEMBER_FILE = re.compile(r"^\d{4,}-[0-9a-f]{8}\.h5$")


class _Collect(logging.Handler):
    """Collects the distinct warnings this thread logs while a member runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            message = " ".join(record.getMessage().split())
            if message not in self.messages:
                self.messages.append(message)



def run_member(task: dict) -> dict:
    """Run, resume or rerun one member (in a worker process); never raises.

    numba uses one thread here: the sweep's parallelism is its worker processes, and the
    results do not depend on the thread count.
    """
    start = time.perf_counter()
    path, config, action = Path(task["path"]), task["config"], task["action"]
    collect = _Collect()
    logger = logging.getLogger("pde_meta")
    logger.addHandler(collect)
    status, message = "", ""
    try:
        if action == "resume":
            try:
                runner.resume(path, t_end=config.time.t_end, progress="none", threads=1)
            except ConfigError as exc:
                if _being_written(path):
                    raise RuntimeError(one_line(exc)) from None
                log.warning("%s cannot be resumed (%s); running it again", path,
                            one_line(exc))
                action = "rerun"
        if action in ("run", "rerun"):
            runner.simulate(config, output=path, overwrite=action == "rerun",
                            progress="none", threads=1)
    except ConfigError as exc:
        status, message = "invalid", one_line(exc)
    except SimulationError as exc:
        status, message = "failed", one_line(exc)
    except Exception as exc:  # a bug or an I/O error: report it, let the others go on
        status, message = "error", f"{type(exc).__name__}: {one_line(exc)}"
    finally:
        logger.removeHandler(collect)
    row: dict[str, Any] = {}
    if status != "invalid":
        try:
            row = file_row(path)
        except ConfigError as exc:
            status = status or "error"
            message = message or one_line(exc)
    if status:
        row["status"], row["message"] = status, message
    row["action"] = {"run": "ran", "rerun": "reran", "resume": "resumed"}[action]
    row["task_seconds"] = time.perf_counter() - start
    row["warnings"] = "; ".join(collect.messages)
    row["warning_list"] = list(collect.messages)
    return row


def _being_written(path: Path) -> bool:
    try:
        return io.read_info(path, with_checkpoint=False).writer_alive()
    except ConfigError:
        return False



def _flat(data: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


_IGNORED = ("name", "description", "output.path", "time.t_end")


def _plan(member: Member, path: Path) -> tuple[str, str | None]:
    """What to do with a member's file: ``(action, problem)``; the action is ``run``,
    ``rerun`` (the file is unusable), ``resume`` or ``skip``."""
    if not path.exists():
        return "run", None
    try:
        info = io.read_info(path, with_checkpoint=False)
        stored = loads_stored_config(info.config_toml, name=member.name)
    except ConfigError:
        return "rerun", None  # unreadable, truncated before its first checkpoint
    config = member.config
    mine, theirs = _flat(config.to_dict()), _flat(stored.to_dict())
    differ = [k for k in sorted(set(mine) | set(theirs))
              if k not in _IGNORED and mine.get(k) != theirs.get(k)]
    if differ:
        shown = ", ".join(f"{k} (file {short(theirs.get(k), 20)}, sweep "
                          f"{short(mine.get(k), 20)})" for k in differ[:4])
        more = f" and {len(differ) - 4} more" if len(differ) > 4 else ""
        return "", (f"{path} was made with a different config: {shown}{more}; allowed: the "
                    f"files of this sweep; fix: give the sweep the file's values (in [set]) "
                    f"to continue it, choose another output directory, or delete "
                    f"the file to run the member again")
    t_end = config.time.t_end
    tol = TIME_TOLERANCE * max(1.0, abs(t_end))
    if info.t_end > t_end + tol:
        return "", (f"{path} runs to t_end = {info.t_end:g}, the sweep asks for {t_end:g}; "
                    f"allowed: the same or a later t_end; fix: choose another output "
                    f"directory")
    if info.status == "running" and info.writer_alive():
        return "", (f"{path} is being written by process {info.writer[1]}; fix: wait for it "
                    f"to finish, or stop it first")
    if info.clean and info.status == "failed":
        return "skip", None  # it fails again the same way: delete the file to retry
    if info.clean and info.status == "complete" and info.t_end >= t_end - tol:
        return "skip", None
    return "resume", None


def run_sweep(sweep, output_dir=None, scheduler: str | None = None,
              workers: int | None = None, progress: str = "auto") -> SweepResult:
    """Run every member of ``sweep`` (a :class:`Sweep` or a path to a sweep file).

    Parameters
    ----------
    sweep : Sweep or path
    output_dir : path, optional
        Directory of the member files and the summary; default ``sweep.output``. With a
        remote scheduler it must be a path that the workers see too (a shared file system).
    scheduler : str, optional
        Address of a running dask scheduler (``tcp://host:8786``); default: an embedded
        ``LocalCluster``.
    workers : int, optional
        Worker processes of the local cluster (default: one per CPU, at most one per
        member to run). Not with ``scheduler``.
    progress : {"auto", "bar", "log", "none"}
        ``auto``: a tqdm bar over members when stderr is a terminal, else a log line per
        finished member.

    Returns
    -------
    SweepResult
        ``table`` is the summary (also in ``summary.csv`` and ``sweep.h5``); ``ok`` says
        whether every member is complete.

    Raises
    ------
    ConfigError
        The sweep file is not valid, no member is valid, the output directory cannot be
        used, a member's existing file was made with another config, or the scheduler
        cannot be reached. Nothing has run.
    """
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    if scheduler is not None and workers is not None:
        raise ConfigError("workers is for the local cluster; allowed: workers without a "
                          "scheduler; fix: start the remote workers with the number you "
                          "want, and drop --workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ConfigError(f"workers = {workers!r} is not allowed; allowed: an integer >= 1; "
                          f"fix: e.g. --workers 2")
    if progress not in MODES:
        raise ConfigError(f"progress = {progress!r} is not allowed; allowed: "
                          f"{', '.join(repr(m) for m in MODES)}")
    out = absolute_path(output_dir if output_dir is not None else sweep.output)
    valid = [m for m in sweep.members if m.valid]
    if not valid:
        shown = " | ".join(f"{m.label()}: {m.error}" for m in sweep.members[:20])
        raise ConfigError(f"{sweep.name}: no member is valid: {shown}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {str(out)!r} is a file; allowed: a directory; fix: give a "
                          f"directory with --output")
    runner.check_output(out / SUMMARY_FILE, overwrite=True)
    runner.check_output(out / INDEX_FILE, overwrite=True)

    actions, problems = {}, []
    for m in valid:
        action, problem = _plan(m, out / m.file)
        if problem:
            problems.append(problem)
        actions[m.index] = action
    if problems:
        count = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(count + " | ".join(problems))
    for m in sweep.invalid:
        log.warning("%s: %s is invalid and does not run: %s", sweep.name, m.label(), m.error)
    expected = {m.file for m in sweep.members}
    orphans = sorted(p.name for p in (out.iterdir() if out.is_dir() else ())
                     if _MEMBER_FILE.match(p.name) and p.name not in expected)
    if orphans:
        log.warning("%s: %d file(s) in %s belong to no member of this sweep (an earlier "
                    "definition?): %s", sweep.name, len(orphans), out,
                    ", ".join(orphans[:5]) + (" ..." if len(orphans) > 5 else ""))

    rows: dict[int, dict] = {}
    for m in sweep.invalid:
        rows[m.index] = {"status": "invalid", "message": m.error, "action": "none"}
    todo = []
    for m in valid:
        if actions[m.index] == "skip":
            rows[m.index] = {**file_row(out / m.file), "action": "skipped",
                             "task_seconds": 0.0}
        else:
            todo.append(m)
    log.info("%s: %d members: %d to run, %d done before, %d invalid -> %s", sweep.name,
             len(sweep.members), len(todo), len(valid) - len(todo), len(sweep.invalid), out)
    if todo:
        progress_bar = Progress(progress, sweep.name, len(valid) - len(todo), len(valid),
                                unit="members", label=None, every=0, logger=log)
        try:
            _run_all(sweep, todo, actions, out, scheduler, workers, rows, progress_bar)
        except BaseException as exc:
            finished = any(m.index in rows for m in todo)
            if finished:  # keep a summary of what ran
                for m in todo:
                    rows.setdefault(m.index, {"status": "interrupted", "action": "none",
                                              "message": "the sweep stopped before it "
                                              "finished; run the sweep again to continue"})
                write_summary(sweep, out, rows)
            if isinstance(exc, ConfigError | SimulationError) or not isinstance(exc, Exception):
                raise
            kept = (f"; the members finished so far are in {out / SUMMARY_FILE}" if finished
                    else "")
            raise SimulationError(f"{sweep.name}: the dask cluster failed ({type(exc).__name__}"
                                  f": {one_line(exc)}){kept}; fix: run the sweep again to "
                                  f"continue") from exc
        finally:
            progress_bar.close()
    _report_warnings(sweep, rows)
    table = write_summary(sweep, out, rows)
    done = [row.get("action") for row in rows.values()]
    return SweepResult(out, table, ran=done.count("ran") + done.count("reran"),
                       resumed=done.count("resumed"), skipped=done.count("skipped"))


def _run_all(sweep: Sweep, todo: list[Member], actions: dict, out: Path, scheduler,
             workers, rows: dict, progress: Progress) -> None:
    members = {m.index: m for m in todo}
    tasks = [{"member": m.index, "config": m.config.with_output(out / m.file),
              "path": str(out / m.file), "action": actions[m.index]} for m in todo]

    def describe(task: dict, row: dict) -> tuple[bool, str]:
        m = members[task["member"]]
        return row["status"] == "complete", (f"{m.file} {row['status']} in "
                                             f"{row['task_seconds']:.3g} s ({m.label()})")

    def died(task: dict, exc: BaseException) -> dict:  # e.g. killed for memory
        return {"status": "error", "action": "none", "task_seconds": math.nan,
                "message": f"{type(exc).__name__}: {one_line(exc)}"}

    for task, row in run_tasks(run_member, tasks, workers=workers, scheduler=scheduler,
                               progress=progress, describe=describe, on_error=died,
                               name=lambda task: members[task["member"]].name):
        rows[task["member"]] = row


def _report_warnings(sweep: Sweep, rows: dict) -> None:
    seen: dict[str, list[int]] = {}
    for index, row in sorted(rows.items()):
        for message in row.get("warning_list", ()):
            seen.setdefault(message, []).append(index)
    for message, members in seen.items():
        shown = ", ".join(str(k) for k in members[:10]) + (" ..." if len(members) > 10 else "")
        log.warning("%s: member(s) %s: %s", sweep.name, shown, message)
