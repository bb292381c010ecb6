"""What every command shares: exit codes, the one-line error, logging, the run's model."""

from __future__ import annotations

import logging
import sys

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_CODES",
           "EPILOG", "DEFAULT_MODEL", "one_line", "error", "prefixed", "setup_logging",
           "model_diagnostics"]

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
  pde-meta plot runs/default.h5 --movie runs/default.mp4
  pde-meta sweep configs/sweep_membrane.toml --workers 2
"""

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


def model_diagnostics(attrs=None):
    """The diagnostics module of the model (:func:`pde_meta.models.get_model`) of a run
    file with root ``attrs``: the model its ``model`` attribute names, else
    :data:`DEFAULT_MODEL`. It has ``time_metrics(times, series)`` and ``METRIC_UNITS``."""
    from importlib import import_module

    from ..models import get_model

    model = get_model(str((attrs or {}).get("model") or DEFAULT_MODEL))
    return import_module(".diagnostics", model.__name__)
