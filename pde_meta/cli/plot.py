"""``pde-meta plot``: PNG figures (and a movie) of a run file."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .. import storage
from ..errors import ConfigError
from .common import EXIT_OK

__all__ = ["add_parser", "command", "default_times"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("plot", help="write figures (and a movie) of a run", epilog=epilog,
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
                   "the movie (default: all stored; the movie: the first stored)")
    p.add_argument("--movie", metavar="PATH", help="also write a movie here")
    p.add_argument("--dpi", type=float, default=150, help="resolution (default 150)")
    p.add_argument("--compartment", metavar="NAME", help="the compartment to plot (needed "
                   "when the run has several grid compartments)")
    p.set_defaults(func=command)


def default_times(ds, count: int = 5) -> list[float]:
    """Up to ``count`` snapshot times spread evenly over the run, both ends included."""
    all_times = ds.time.values
    pick = np.unique(np.linspace(0, len(all_times) - 1, min(count, len(all_times))).round())
    return [float(all_times[int(k)]) for k in pick]


def command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .. import plotting

    if args.dpi <= 0:
        raise ConfigError(f"--dpi = {args.dpi} is not allowed; allowed: a positive number")
    ds = storage.open_run(args.run, compartment=args.compartment)
    path = Path(args.run)
    stem = path.stem if args.compartment is None else f"{path.stem}_{args.compartment}"
    out = Path(args.output) if args.output else path.with_name(f"{stem}_plots")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--output {out}: cannot create the directory ({exc.strerror})"
                          ) from None
    times = args.times if args.times is not None else default_times(ds)
    figures = plotting.run_figures(ds, times=times, fields=args.fields)
    for name, fig in figures.items():
        print(plotting.save_figure(fig, out / f"{name}.png", dpi=args.dpi))
    if args.movie:
        print(plotting.make_movie(ds, args.movie, field=args.fields))
    return EXIT_OK
