"""The ``pde-meta`` parser, logging set-up, dispatch and exit codes.

Every error is one line on stderr (``pde-meta: error: ...``), never a traceback, with the
exit codes of :data:`EXIT_CODES`. Bad input is detected before anything is written: an
existing file is never touched by a command that ends with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ConfigError, SimulationError
from . import check, info, plot, repair, resume, run, sweep
from .common import (
    EPILOG,
    EXIT_BAD_INPUT,
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    epilog_for,
    error,
    note_kernel_compilation,
    setup_logging,
)

__all__ = ["main", "parser", "EXIT_CODES"]

#: the commands, in the order of ``--help``; each module has ``add_parser`` and ``command``
COMMANDS = (run, check, resume, info, repair, sweep, plot)
#: the commands that step the solver in this process, so load (or compile) its kernels
SOLVING = frozenset({"run", "resume"})


class UsageError(Exception):
    """A command line argparse rejects."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (raised, not printed)."""

    def error(self, message: str):
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    """The ``pde-meta`` argument parser, one sub-command per module of :data:`COMMANDS`."""
    top = _Parser(prog="pde-meta", description="Tumour invasion as coupled PDEs: run "
                  "TOML configs, write one HDF5 file per run, continue stopped runs.",
                  epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:  # each with the exit codes it can return, and its examples
        module.add_parser(sub, epilog_for(module.__name__.rsplit(".", 1)[-1]))
    return top


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = parser().parse_args(argv)
    except UsageError as exc:
        error(f"{exc} (see pde-meta --help)")
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    restore = setup_logging(getattr(args, "quiet", False))
    try:
        if args.command in SOLVING:
            note_kernel_compilation()
        return args.func(args)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except SimulationError as exc:
        error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        error("interrupted; a run file keeps its last checkpoint: continue it with "
              "pde-meta resume RUN.h5")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the output went to a pipe that closed (``| head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        restore()
