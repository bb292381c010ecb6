"""Figures of a circulation: circulating tumour cells over time, and the funnel from the
cells shed to the cells that extravasated in each organ.

Like :mod:`.invasion`, a module that knows a model's variable names: those of the
circulation compartment (``circulating``, ``shed``, ``arrived``, ``arrested``,
``extravasated`` and the ``ctc_*`` diagnostics), as :func:`pde_meta.open_run` returns them
for it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import style

__all__ = ["is_circulation", "plot_ctc", "plot_funnel", "circulation_figures"]

#: the diagnostics drawn by plot_ctc: name -> (colour, line style, label)
CTC_LINES = {"ctc_singles_blood": ("#e41a1c", "-", "single cells, blood"),
             "ctc_clusters_blood": ("#e41a1c", "--", "clusters, blood"),
             "ctc_singles_lymph": ("#1a9850", "-", "single cells, lymph"),
             "ctc_clusters_lymph": ("#1a9850", "--", "clusters, lymph")}
FUNNEL = (("arrived", "reached the bed"), ("arrested", "arrested"),
          ("extravasated", "extravasated"))


def is_circulation(ds) -> bool:
    """Whether ``ds`` is a circulation compartment's dataset."""
    return "circulating" in ds.data_vars and "organ" in ds.dims


def _time_axis(ds, ax) -> np.ndarray:
    ax.set_xlabel(style.axis_label(ds, "time"))
    return np.asarray(ds.time.values, dtype=float)


def _hours(ds, t: np.ndarray) -> np.ndarray | None:
    """The snapshot times in hours (the circulation stores hours per time unit)."""
    per = ds.attrs.get("compartment_hours_per_time_unit", ds.attrs.get("hours_per_time_unit"))
    return None if per is None else t * float(per)


def plot_ctc(ds, *, figsize=(9.0, 4.0)) -> Figure:
    """Left: units in circulation at each snapshot (single cells and clusters, in blood and
    in lymph) and, as steps, the mean number of cells over each interval between
    snapshots (a cell stays in the blood for minutes to hours, so a snapshot rarely
    catches it), with the CTCs per mL of blood on a second axis; right: cells shed so
    far, by route. Counts are drawn on a log axis, zero as a gap."""
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    t = _time_axis(ds, left)
    drawn = False
    for name, (colour, line, text) in CTC_LINES.items():
        if name not in ds.data_vars:
            continue
        y = np.asarray(ds[name].values, dtype=float)
        if np.any(y > 0):
            left.plot(t, np.where(y > 0, y, np.nan), line, color=colour, label=text,
                      marker="o", ms=3)
            drawn = True
    hours = _hours(ds, t)
    for name, colour, text in (("ctc_cell_hours_blood", "#e41a1c", "mean cells, blood"),
                               ("ctc_cell_hours_lymph", "#1a9850", "mean cells, lymph")):
        if name not in ds.data_vars or hours is None or t.size < 2:
            continue
        mean = np.diff(np.asarray(ds[name].values, dtype=float)) / np.diff(hours)
        if np.any(mean > 0):
            left.stairs(np.where(mean > 0, mean, np.nan), t, color=colour, alpha=0.5,
                        lw=2, label=f"{text} (over each interval)")
            drawn = True
    left.set_ylabel("units in circulation")
    if drawn:
        left.set_yscale("log")
        lo, hi = left.get_ylim()
        left.set_ylim(lo, hi * 10)  # room for the legend above the data
        left.legend(fontsize="small", loc="upper left")
        per_ml = np.asarray(ds["ctc_per_ml"].values, dtype=float)
        twin = left.twinx()
        twin.plot(t, per_ml, alpha=0)  # the scale only
        twin.set_ylabel("CTCs per mL of blood")
        lo, hi = left.get_ylim()
        cells = np.asarray(ds["ctc_cells_blood"].values, dtype=float)
        ratio = np.nanmax(per_ml / np.where(cells > 0, cells, np.nan)) if cells.any() else 0
        if ratio and np.isfinite(ratio):
            twin.set_yscale("log")
            twin.set_ylim(lo * ratio, hi * ratio)
    else:
        left.text(0.5, 0.5, "no cell in circulation", ha="center", va="center",
                  transform=left.transAxes)
    left.set_title("circulating tumour cells")
    t = _time_axis(ds, right)
    shed = np.asarray(ds["shed"].values, dtype=float)  # (time, route, vessel, kind)
    cells = shed[..., 0] + shed[..., 2]
    for r, route in enumerate(ds.route.values):
        for v, vessel in enumerate(ds.vessel.values):
            y = cells[:, r, v]
            if np.any(y > 0):
                right.plot(t, y, "-" if v == 0 else ":", label=f"{route}, {vessel}")
    right.set_ylabel("cells shed (cumulative)")
    if np.any(cells > 0):
        right.legend(fontsize="small")
    right.set_title("intravasation")
    return fig


def plot_funnel(ds, time=None, *, figsize=None) -> Figure:
    """Per organ, at ``time`` (default: the last snapshot): the cells that reached its
    bed, arrested there and extravasated, next to the cells shed in all (log axis)."""
    k = -1 if time is None else int(np.argmin(np.abs(ds.time.values - time)))
    organs = [str(o) for o in ds.organ.values]
    figsize = figsize or (max(5.0, 1.4 * len(organs) + 2.5), 4.0)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    shed = np.asarray(ds["shed"].isel(time=k).values, dtype=float)
    total = shed[..., 0].sum() + shed[..., 2].sum()
    width = 0.8 / len(FUNNEL)
    x = np.arange(len(organs))
    for s, (name, text) in enumerate(FUNNEL):
        y = np.asarray(ds[name].isel(time=k).values, dtype=float)
        ax.bar(x + (s - (len(FUNNEL) - 1) / 2) * width, np.where(y > 0, y, np.nan), width,
               label=text)
    if total > 0:
        ax.axhline(total, color="k", lw=1, ls="--", label=f"shed: {total:.3g} cells")
        ax.set_yscale("log")
        lo, _ = ax.get_ylim()
        ax.set_ylim(lo, total * 30)  # room for the legend above the bars
    ax.set_xticks(x, organs)
    ax.set_ylabel("cells (cumulative)")
    ax.legend(fontsize="small", loc="upper center", ncols=len(FUNNEL) + 1)
    ax.set_title(f"from shed to extravasated, {style.time_text(ds, float(ds.time[k]))}")
    return fig


def circulation_figures(ds) -> dict[str, Figure]:
    """The figures of ``pde-meta plot`` for a circulation: ``ctc`` and ``funnel``."""
    if not is_circulation(ds):
        return {}
    return {"ctc": plot_ctc(ds), "funnel": plot_funnel(ds)}
