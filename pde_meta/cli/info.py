"""``pde-meta info``: describe a run file, also one still being written or killed."""

from __future__ import annotations

import argparse
import math

import numpy as np

from .. import storage
from ..config import stored_step_settings
from ..errors import ConfigError
from .common import EXIT_OK, model_diagnostics, sprout_substeps_text
from .tables import fmt, render

__all__ = ["add_parser", "command", "compartment_attrs", "describe", "diagnostics_table",
           "events", "circulation_lines", "primary_lines", "has_no_grid", "MAX_TIME_COLUMNS"]

#: snapshots (columns) of the diagnostics table; more are sampled evenly, ends included
MAX_TIME_COLUMNS = 6


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("info", help="describe a run file", epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Print a run's status, config, versions, snapshots and "
                       "diagnostics. Works on a run that is still being written or was killed.")
    p.add_argument("run", metavar="RUN.h5", help="a run file (complete, running or killed)")
    p.set_defaults(func=command)


def _status(info, path) -> str:
    if info.status == "running" and info.writer_alive():
        return f"running (being written by process {info.writer[1]})"
    if info.status == "running" or not info.clean:
        return ("stopped before the end (killed or interrupted); continue it with "
                f"pde-meta resume {path}")
    return info.status + (f": {info.message}" if info.message else "")


def compartment_attrs(info) -> dict:
    """The root attrs of a run, with those of its first compartment (model, grid, ...)
    over them; :class:`~pde_meta.storage.RunInfo` describes that compartment."""
    compartments = getattr(info, "compartments", None) or {}
    return {**info.attrs, **next(iter(compartments.values()), {})}


def describe(info, path) -> list[str]:
    """The head of ``info``: status, provenance, grid, fields, snapshots, checkpoint."""
    a = compartment_attrs(info)
    times = info.times
    shape = a.get("grid_shape", [0, 0])
    extent = a.get("grid_extent", [0, 0])
    grid = "grid_shape" in a or not has_no_grid(info)
    lines = [
        f"run          {info.path}",
        f"name         {a.get('name', '')}" + (f" ({a['description']})"
                                                if a.get("description") else ""),
        f"status       {_status(info, path)}",
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
    compartments = getattr(info, "compartments", None) or {}
    listed = ", ".join(f"{k} ({v.get('model', '?')})" for k, v in compartments.items())
    if not grid:
        lines[5:7] = [f"compartments {listed}; no tissue grid"]
    elif len(compartments) > 1:
        lines.insert(6, f"compartments {listed} (shown: the first)")
    ck = info.checkpoint
    if ck is not None and not grid:
        lines += [f"checkpoint   t = {ck.t:g}",
                  f"performance  {ck.steps} steps of all compartments in "
                  f"{ck.wall_seconds:.3g} s of stepping"]
    elif ck is not None:
        steps = ck.steps if len(compartments) <= 1 else ck.state.step  # the grid's own
        rate = (math.prod(shape) * steps / ck.wall_seconds) if ck.wall_seconds > 0 else 0
        others = (f" (all compartments: {ck.steps} steps)" if len(compartments) > 1 else "")
        lines += [f"checkpoint   t = {ck.state.t:g}, step {ck.state.step}, next dt = "
                  f"{ck.dt:.4g}",
                  f"performance  {steps} steps of the grid in {ck.wall_seconds:.3g} s of "
                  f"stepping{others}, {rate:.3g} grid cell-updates/s"]
    if grid:
        step = stored_step_settings(info.config_toml)
        tips = (f", {sprout_substeps_text(step['sprout_substeps'])}"
                if "sprouts" in (getattr(info, "fields", None) or ()) else "")
        lines.append(f"time scheme  {step['scheme']}{tips}")
    units = a.get("units")
    if units and units != "null":
        lines.append(f"units        {units}")
    return lines


def has_no_grid(info) -> bool:
    """Whether a run has no grid compartment (only primaries, circulations, organs)."""
    compartments = getattr(info, "compartments", None) or {}
    return bool(compartments) and not any("grid_shape" in c for c in compartments.values())


def diagnostics_table(times, diagnostics: dict, columns: int = MAX_TIME_COLUMNS) -> str:
    """Every stored diagnostic (one row each, in the file's order) at up to ``columns``
    snapshots spread evenly over the run, the first and the last included."""
    import pandas as pd

    times = np.asarray(times, dtype=float)
    pick = [int(k) for k in np.unique(np.linspace(0, len(times) - 1,
                                                  min(columns, len(times))).round())]
    names = list(diagnostics)
    values = np.array([[float(diagnostics[n][k]) for k in pick] for n in names]).reshape(
        len(names), len(pick))
    frame = pd.DataFrame(values, columns=[f"t = {times[k]:.6g}" for k in pick])
    frame.insert(0, "diagnostic", names)
    return render(frame, formats=dict.fromkeys(frame.columns[1:], ".6g"), indent="  ")


def events(info) -> dict[str, float]:
    """The model's one-number results of the whole time series (the time a membrane
    broke, say): NaN when it never happened; empty when there are too few snapshots."""
    metrics = model_diagnostics(compartment_attrs(info))
    try:
        found = metrics.time_metrics(info.times, info.diagnostics)
    except (ConfigError, ValueError):  # too few snapshots for a time series
        return {}
    return {k: float(v) for k, v in found.items() if np.ndim(v) == 0}


def circulation_lines(info, path) -> list[str]:
    """For each primary, circulation and organs compartment of the run: its diagnostics
    and its ledger at the end."""
    from ..models.circulation.report import ledger_lines

    out: list[str] = []
    compartments = getattr(info, "compartments", None) or {}
    for name, attrs in compartments.items():
        model = attrs.get("model")
        if model not in ("primary", "circulation", "organs"):
            continue
        ds = storage.open_run(path, compartment=name)
        if not ds.sizes.get("time"):
            continue
        names = [k for k, v in ds.data_vars.items() if v.dims == ("time",)]
        out += ["", f"diagnostics of {name!r}:",
                diagnostics_table(ds.time.values, {k: ds[k].values for k in names})]
        if model == "primary":
            out += ["", *primary_lines(ds, name)]
        if model == "circulation":
            out += ["", *ledger_lines(ds, name)]
        elif model == "organs":
            end = ds.isel(time=-1)
            out += ["", f"fates in {name!r} at t = {float(end.time):.6g} (cells): organ: "
                        f"arrived = died + dormant + died dormant + reactivated + started"]
            for k, organ in enumerate(end.organ.values):
                row = [int(end[v].values[k]) for v in ("arrived", "died", "dormant",
                                                       "dormant_died", "reactivated",
                                                       "started")]
                out.append(f"  {organ}: {row[0]} = " + " + ".join(map(str, row[1:])))
    return out


def primary_lines(ds, name: str) -> list[str]:
    """A primary's law, its cells shed and expected, its resection and first shed cell."""
    from ..models.primary.diagnostics import time_metrics

    end = ds.isel(time=-1)
    law = ds.attrs.get("compartment_law", "?")
    found = time_metrics(ds.time.values, {k: ds[k].values for k in ("shed_cells",
                                                                    "resection_time")})
    when = lambda v: fmt(v) if math.isfinite(v) else "never"  # noqa: E731
    return [f"primary {name!r} ({law}) at t = {float(end.time):.6g}: "
            f"{float(end.primary_cells):.6g} cells, {int(end.shed_cells)} shed (expected "
            f"{float(end.expected_shed):.6g}), {int(end.taken_cells)} handed over; first "
            f"cell shed by t = {when(found['first_shed_time'])}; "
            + (f"resected at t = {fmt(found['resection_time'])} "
               f"({float(end.resected_cells):.6g} cells removed)"
               if math.isfinite(found["resection_time"]) else "not resected")]


def command(args) -> int:
    info = storage.read_info(args.run)
    lines = describe(info, args.run)
    times = info.times
    if has_no_grid(info):  # every compartment below, the first included
        pass
    elif len(times) and info.diagnostics:
        lines += ["", "diagnostics:", diagnostics_table(times, info.diagnostics)]
        if len(times) > MAX_TIME_COLUMNS:
            lines.append(f"  ({MAX_TIME_COLUMNS} of {len(times)} snapshots shown; all are "
                         f"in the file)")
        for k, v in events(info).items():
            lines.append(f"  {k} = {fmt(v) if math.isfinite(v) else 'never'}")
    lines += circulation_lines(info, args.run)
    lines += ["", "config:", *("  " + line for line in info.config_toml.splitlines())]
    print("\n".join(lines))
    return EXIT_OK
