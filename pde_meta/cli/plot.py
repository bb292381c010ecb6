"""``pde-meta plot``: PNG figures (and a movie) of a run file."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from .. import storage
from ..errors import ConfigError
from .common import EXIT_OK

__all__ = ["add_parser", "command", "default_times", "check_times", "check_fields"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("plot", help="write figures (and a movie) of a run", epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write PNG figures of RUN.h5 into DIR: fields.png (a panel "
                       "of fields at chosen times, each panel with its own colour scale and "
                       "colour bar; fields that are zero throughout are left out), "
                       "diagnostics.png (time series), fronts.png (tumour front contours) "
                       "and, when the run has a basement membrane, membrane.png (where and "
                       "when it broke); for a run with a circulation also ctc.png (CTCs "
                       "over time) and funnel.png (shed -> arrested -> extravasated per "
                       "organ), with organs colonies.png (colony sizes), fates.png, "
                       "dormancy.png (dormancy durations, when a cell reactivated) and "
                       "niche.png (when a niche was primed), and with both cascade.png "
                       "(from shed to macrometastasis per organ); with a growth-law "
                       "primary primary.png (its size and the cells it shed); a run "
                       "without a tissue gets only these figures. "
                       "--movie also writes a movie (MP4 when ffmpeg is "
                       "available, else GIF), each frame scaled to its own range.")
    p.add_argument("run", metavar="RUN.h5", help="the run file (pde-meta run's output)")
    p.add_argument("--output", "-o", metavar="DIR", help="directory for the figures "
                   "(default: next to the run, <run name>_plots); created only when the "
                   "figures are ready to be written")
    p.add_argument("--times", nargs="+", type=float, metavar="T", help="times for the field "
                   "panel, within the run (the nearest snapshot is shown; default: up to "
                   "five spread over the run)")
    p.add_argument("--fields", nargs="+", metavar="FIELD", help="fields for the panel and "
                   "the movie (default: every stored field that is not zero throughout; "
                   "the movie: the first of them)")
    p.add_argument("--movie", metavar="PATH", help="also write a movie here")
    p.add_argument("--dpi", type=float, default=150, help="resolution of the PNG figures "
                   "(default 150; at most 50 megapixels per figure)")
    p.add_argument("--compartment", metavar="NAME", help="the compartment to plot (needed "
                   "when the run has several grid compartments)")
    p.set_defaults(func=command)


def default_times(ds, count: int = 5) -> list[float]:
    """Up to ``count`` snapshot times spread evenly over the run, both ends included."""
    all_times = ds.time.values
    pick = np.unique(np.linspace(0, len(all_times) - 1, min(count, len(all_times))).round())
    return [float(all_times[int(k)]) for k in pick]


def check_times(ds, times, run) -> None:
    """Refuse ``--times`` that are not finite or lie outside the snapshots of ``ds``."""
    from ..plotting.select import time_span

    first, last = time_span(ds)
    slack = 1e-9 * max(1.0, abs(first), abs(last))
    bad = [t for t in times if not (math.isfinite(t) and first - slack <= t <= last + slack)]
    if bad:
        shown = " ".join(f"{t:g}" for t in bad)
        raise ConfigError(f"--times {shown} is not allowed; allowed: finite times within the "
                          f"run {run}, which has snapshots from t = {first:g} to {last:g}; "
                          f"fix: e.g. --times {first:g} {last:g}")


def check_fields(ds, fields, run) -> None:
    """Refuse ``--fields`` that the run does not store."""
    from ..plotting.select import spatial_fields

    stored = spatial_fields(ds)
    unknown = [f for f in fields if f not in stored]
    if unknown:
        raise ConfigError(f"--fields {' '.join(unknown)}: not stored in {run}; allowed: "
                          f"{', '.join(stored)}; fix: e.g. --fields {stored[0]}")


def _has_no_grid(run) -> bool:
    """Whether the run has compartments and none of them is a grid."""
    compartments = storage.read_info(run, with_checkpoint=False).compartments or {}
    return bool(compartments) and not any("grid_shape" in a for a in compartments.values())


def _refuse_grid_options(args) -> None:
    """``--times``, ``--fields`` and ``--movie`` show tissue fields: refused for a run
    without a tissue grid."""
    for given, flag in ((args.times, "--times"), (args.fields, "--fields"),
                        (args.movie, "--movie")):
        if given is not None:
            raise ConfigError(f"{flag}: {args.run} has no tissue grid (its compartments "
                              f"are not grids), so there are no fields to show; allowed: "
                              f"pde-meta plot {args.run} without {flag}; fix: remove it")


def _new_folders(out: Path) -> list[Path]:
    """``out`` and its parents that do not exist yet, innermost first."""
    return [p for p in (out, *out.parents) if not p.exists()]


def _remove_if_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()  # only an empty one
        except OSError:
            return


def _circulation_figures(run) -> dict:
    """The figures of every primary, circulation and organs compartment of ``run`` (named
    after it when there are several of its model)."""
    from .. import plotting

    compartments = storage.read_info(run, with_checkpoint=False).compartments or {}
    makers = {"circulation": plotting.circulation_figures, "organs": plotting.organs_figures,
              "primary": plotting.primary_figures, "treatments": plotting.treatment_figures}
    names = [n for n, a in compartments.items() if a.get("model") in makers]
    out = {}
    for name in names:
        model = compartments[name]["model"]
        alone = sum(compartments[n]["model"] == model for n in names) == 1
        for key, fig in makers[model](storage.open_run(run, compartment=name)).items():
            out[key if alone else f"{key}_{name}"] = fig
    blood = [n for n in names if compartments[n]["model"] == "circulation"]
    organs = [n for n in names if compartments[n]["model"] == "organs"]
    primaries = [n for n in names if compartments[n]["model"] == "primary"]
    if len(primaries) > 1:  # side by side: e.g. the arms of a treatment
        out["primaries"] = plotting.plot_primaries(
            {n: storage.open_run(run, compartment=n) for n in primaries})
    if len(blood) == 1 and len(organs) == 1:  # the whole funnel, shed to macro
        out["cascade"] = plotting.plot_cascade(storage.open_run(run, compartment=blood[0]),
                                               storage.open_run(run, compartment=organs[0]))
    return out


def command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .. import plotting
    from ..plotting.style import check_dpi

    path = Path(args.run)
    if args.compartment is None and _has_no_grid(args.run):
        _refuse_grid_options(args)
        ds = None
    else:
        ds = storage.open_run(args.run, compartment=args.compartment)
    if args.times is not None:
        check_times(ds, args.times, args.run)
    if args.fields is not None:
        check_fields(ds, args.fields, args.run)
    stem = path.stem if args.compartment is None else f"{path.stem}_{args.compartment}"
    out = Path(args.output) if args.output else path.with_name(f"{stem}_plots")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--output {out}: is a file; allowed: a directory; fix: give a "
                          f"directory, e.g. --output {out.with_suffix('')}_plots")
    if args.movie and Path(args.movie).parent.exists() and not Path(args.movie).parent.is_dir():
        raise ConfigError(f"--movie {args.movie}: {Path(args.movie).parent} is a file; "
                          f"allowed: a path in a directory; fix: e.g. --movie "
                          f"{out / (stem + '.gif')}")
    if ds is None:  # a run without a grid: the figures of each compartment
        figures = _circulation_figures(args.run)
    elif plotting.is_circulation(ds):
        figures = plotting.circulation_figures(ds)
    elif plotting.is_organs(ds):
        figures = plotting.organs_figures(ds)
    elif plotting.is_primary(ds):
        figures = plotting.primary_figures(ds)
    else:
        times = args.times if args.times is not None else default_times(ds)
        figures = plotting.run_figures(ds, times=times, fields=args.fields)
        if args.compartment is None:
            figures.update(_circulation_figures(args.run))
    check_dpi(args.dpi, figures, "--dpi")  # finite, and the pixels of the largest figure
    created = _new_folders(out)
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--output {out}: cannot create the directory "
                              f"({exc.strerror}); fix: give a writable directory") from None
        for name, fig in figures.items():
            print(plotting.save_figure(fig, out / f"{name}.png", dpi=args.dpi))
        if args.movie:
            print(plotting.make_movie(ds, args.movie, field=args.fields))
    except BaseException:
        _remove_if_empty(created)
        raise
    return EXIT_OK
