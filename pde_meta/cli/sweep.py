"""``pde-meta sweep``: run a parameter sweep on dask.distributed and print its summary."""

from __future__ import annotations

import argparse

from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, error, model_diagnostics
from .tables import fmt, render

__all__ = ["add_parser", "command", "headline_metrics", "summary", "MAX_TABLE_ROWS",
           "MAX_METRIC_COLUMNS"]

#: the member table is printed for sweeps of at most this many members
MAX_TABLE_ROWS = 50
#: metrics shown in the member table (summary.csv has them all)
MAX_METRIC_COLUMNS = 4


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep on dask.distributed",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
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
    p.set_defaults(func=command)


#: the final diagnostics shown for the compartments that are not grids (``<name>.<key>``)
HEADLINE_COUNTS = ("primary_cells", "shed_cells", "expected_shed", "extravasated_cells",
                   "macrometastases")


def headline_metrics(table, count: int = MAX_METRIC_COLUMNS) -> list[str]:
    """The model's metrics (``METRIC_UNITS`` of its diagnostics) in the summary, the
    times of events (units ``T``; ``-`` when it never happened) first, then in the
    summary's order; at most ``count``."""
    units = model_diagnostics().METRIC_UNITS
    found = [c for c in table.columns if c in units]
    if not found:  # a run without a tissue: the final counts of its compartments
        return [c for c in table.columns
                if c.rsplit(".", 1)[-1] in HEADLINE_COUNTS and "." in c][:count]
    return sorted(found, key=lambda c: units[c] != "T")[:count]


def summary(table) -> str:
    """The member table: the swept keys, status, action, stepping time, headline metrics."""
    head = list(table.columns[: table.columns.get_loc("status")])
    keys = [c for c in head if c not in ("member", "file")]
    shown = headline_metrics(table)
    frame = table[["member", *keys, "status", "action", "wall_seconds", *shown]].copy()
    for k in keys:
        if frame[k].dtype == object:
            frame[k] = frame[k].map(fmt)
    frame.columns = ["member", *(k.rsplit(".", 1)[-1] for k in keys), "status", "action",
                     "stepping s", *shown]
    return render(frame, formats={"stepping s": ".3g"})


def command(args) -> int:
    from .. import sweep as sweeps

    try:
        result = sweeps.run_sweep(args.sweep, output_dir=args.output, scheduler=args.scheduler,
                                  workers=args.workers,
                                  progress="none" if args.quiet else "auto")
    except KeyboardInterrupt:
        error("interrupted; run the same pde-meta sweep command again to continue (complete "
              "members are skipped, stopped ones resumed)")
        return EXIT_INTERRUPTED
    table = result.table
    if len(table) <= MAX_TABLE_ROWS:
        print(summary(table))
    counts = ", ".join(f"{n} {status}" for status in sweeps.STATUSES
                       if (n := result.counts.get(status, 0)))
    print(f"{len(table)} members: {counts} ({result.ran} ran, {result.resumed} resumed, "
          f"{result.skipped} skipped); summary: {result.output / sweeps.SUMMARY_FILE}, "
          f"{result.output / sweeps.INDEX_FILE}")
    for _, r in table.iterrows():
        if r["status"] != "complete":
            error(f"member {r['member']} ({r['file']}) {r['status']}: {r['message']}")
    return EXIT_OK if result.ok else EXIT_FAILED
