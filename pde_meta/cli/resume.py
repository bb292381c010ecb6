"""``pde-meta resume``: continue a stopped run, or extend a finished one."""

from __future__ import annotations

import argparse

from ..runner import run as runner
from .common import EXIT_OK

__all__ = ["add_parser", "command"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("resume", help="continue a stopped run, or extend a finished one",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Continue RUN.h5 from its checkpoint (a killed run is "
                       "recovered first), to its own t_end or to --t-end.")
    p.add_argument("run", metavar="RUN.h5", help="the run file to continue (it is "
                   "extended in place)")
    p.add_argument("--t-end", type=float, metavar="T", help="new final time (>= the "
                   "checkpoint time); default: the run's t_end")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=command)


def command(args) -> int:
    result = runner.resume(args.run, t_end=args.t_end,
                           progress="none" if args.quiet else "auto")
    print(f"{result.path}: {result.status} at t = {result.t:g} (t_end = {result.t_end:g}), "
          f"{result.steps} steps in {result.wall_seconds:.3g} s "
          f"({result.cell_updates_per_second:.3g} cell-updates/s), {result.snapshots} "
          f"snapshots")
    return EXIT_OK
