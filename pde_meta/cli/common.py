"""What every command shares: exit codes, the one-line error, logging, the run's model."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_CODES",
           "COMMAND_EXIT_CODES", "EPILOG", "DEFAULT_MODEL", "one_line", "error", "prefixed",
           "epilog_for", "setup_logging", "model_diagnostics", "note_kernel_compilation",
           "kernels_cached"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = {EXIT_OK: "success", EXIT_FAILED: "a simulation failed (its file keeps the last "
              "good state)", EXIT_BAD_INPUT: "bad input (config, arguments, output path, run "
              "file); nothing was written"}

#: what each exit code means for each command (only the codes it can return)
COMMAND_EXIT_CODES = {
    "run": {0: "every run is complete",
            1: "a simulation failed; its run file keeps the last good state",
            2: "bad input (config file, arguments, output path); nothing was written",
            130: "interrupted; a run file keeps its last checkpoint (pde-meta resume)"},
    "check": {0: "every config (and every sweep member) is valid",
              2: "bad input (a config or sweep file, or a member, is not valid; the error "
                 "says why)"},
    "resume": {0: "the run is complete",
               1: "the simulation failed; the run file keeps the last good state",
               2: "bad input (run file, --t-end); the file was not changed",
               130: "interrupted; the run file keeps its last checkpoint"},
    "info": {0: "success", 2: "bad input (not a run file, or unreadable)"},
    "repair": {0: "the file is repaired, or needed no repair",
               2: "bad input (not a run file, or a live process writes it); the file was "
                  "not changed"},
    "sweep": {0: "every member is complete",
              1: "some members failed or are invalid (the others ran; see the summary)",
              2: "bad input (sweep file, base config, arguments, output directory, "
                 "scheduler); nothing ran",
              130: "interrupted; run the same command again to continue"},
    "plot": {0: "success",
             2: "bad input (run file, arguments, output directory); no figure was written"},
}

EXAMPLES = """examples:
  pde-meta check configs/default.toml
  pde-meta check configs/*.toml
  pde-meta run configs/default.toml --output runs/default.h5
  pde-meta run configs/default.toml configs/hypoxia.toml --output runs/ --jobs 2
  pde-meta resume runs/default.h5 --t-end 10
  pde-meta info runs/default.h5
  pde-meta repair runs/default.h5
  pde-meta plot runs/default.h5 --movie runs/default.mp4
  pde-meta sweep configs/sweep_membrane.toml --workers 2
  pde-meta sweep configs/sweep_membrane.toml --scheduler tcp://10.0.0.1:8786 \\
      --output /shared/runs/sweep_membrane
"""

EPILOG = """exit codes:
  0  success
  1  a simulation failed; its run file keeps the last good state (run, resume, sweep)
  2  bad input (config file, arguments, output path, run file); nothing was written
  130  interrupted (Ctrl-C); a run file keeps its last checkpoint

""" + EXAMPLES

#: the model of run files that do not name theirs (written when it was the only model)
DEFAULT_MODEL = "invasion"

_log_handler: logging.Handler | None = None


def one_line(text) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


def error(message) -> None:
    """Print ``pde-meta: error: <message>`` on one line of stderr."""
    print(f"pde-meta: error: {one_line(message)}", file=sys.stderr)


def prefixed(path, exc: Exception) -> str:
    """The one-line message of ``exc``, starting with ``path`` (added unless it does)."""
    text = one_line(str(exc))
    return text if text.startswith(str(path)) else f"{path}: {text}"


def epilog_for(command: str) -> str:
    """The ``--help`` epilog of ``command``: the exit codes it can return
    (:data:`COMMAND_EXIT_CODES`) and its examples."""
    codes = COMMAND_EXIT_CODES.get(command)
    if codes is None:  # a command without its own table: every code
        return EPILOG
    lines = ["exit codes:", *(f"  {code}  {text}" for code, text in codes.items()), ""]
    examples = [line for k, line in enumerate(EXAMPLES.splitlines()[1:])
                if f"pde-meta {command} " in line
                or (line.startswith("      ") and f"pde-meta {command} "
                    in EXAMPLES.splitlines()[k])]
    if examples:
        lines += ["examples:", *examples, ""]
    return "\n".join(lines)


def setup_logging(quiet: bool):
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


def _kernel_folders() -> list[Path]:
    """The folders of the numba-compiled sources: ``numerics/`` and every model's
    ``kernels/`` (what ``numerics.jit.kernel_sources`` compiles)."""
    package = Path(__file__).resolve().parents[1]
    return sorted([package / "numerics", *package.glob("models/*/kernels")])


def _cache_folders(folder: Path) -> list[Path]:
    """Where numba caches the compiled code of the sources in ``folder``: under
    ``NUMBA_CACHE_DIR`` when it is set, else in ``folder/__pycache__`` or, when that is
    not writable, in the user-wide cache (numba's own locators, in their order)."""
    sub = f"{folder.name}_{hashlib.sha1(str(folder).encode()).hexdigest()}"
    if os.environ.get("NUMBA_CACHE_DIR"):
        return [Path(os.environ["NUMBA_CACHE_DIR"]) / sub]
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numba"
    return [folder / "__pycache__", user / sub]


def kernels_cached() -> bool:
    """Whether compiled kernels are cached for every kernel folder: index files
    (``*.nbi``) younger than every kernel source (a changed source makes the package drop
    the cache, and numba compile again). False means the next run compiles them."""
    folders = _kernel_folders()
    try:
        newest = max(p.stat().st_mtime for f in folders for p in f.glob("*.py"))
        for folder in folders:
            indices = next((found for cache in _cache_folders(folder)
                            if (found := list(cache.glob("*.nbi")))), [])
            if not indices or min(p.stat().st_mtime for p in indices) < newest:
                return False
    except (OSError, ValueError):  # unreadable, or no sources: say nothing wrong
        return True
    return True


def note_kernel_compilation() -> None:
    """Log (on stderr, not under ``--quiet``) that the solver's kernels are about to be
    compiled, when :func:`kernels_cached` says they are not: the first run on a machine
    otherwise prints nothing for 7 to 17 s."""
    if not kernels_cached():
        logging.getLogger("pde_meta.cli").info(
            "compiling the solver's kernels (once per machine, about 10 s; they are cached "
            "for later runs)")


def model_diagnostics(attrs=None):
    """The diagnostics module of the model (:func:`pde_meta.models.get_model`) of a run
    file with root ``attrs``: the model its ``model`` attribute names, else
    :data:`DEFAULT_MODEL`. It has ``time_metrics(times, series)`` and ``METRIC_UNITS``."""
    from importlib import import_module

    from ..models import get_model

    model = get_model(str((attrs or {}).get("model") or DEFAULT_MODEL))
    return import_module(".diagnostics", model.__name__)


def sprout_substeps_text(substeps: int) -> str:
    """How the sprout tips are stepped, for ``check`` and ``info``."""
    if substeps == 1:
        return "sprout tips at the step of every field"
    return f"sprout tips in up to {substeps} substeps a step"
