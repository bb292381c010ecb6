"""Figures of the organs: the colony sizes of each organ over time, the fates of the
cells that arrived, how long the reactivated cells slept, and the niches primed before
the cells came.

Like :mod:`.circulation`, a module that knows a model's variable names: those of the
organs compartment (``colonies``, ``dormant``, ``arrived``, ``died``, ``reactivated``,
``started``, ``durations``, ``niche``), as :func:`pde_meta.open_run` returns them for it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from . import style

__all__ = ["is_organs", "plot_colonies", "plot_fates", "plot_dormancy", "plot_niche",
           "organs_figures"]


def is_organs(ds) -> bool:
    """Whether ``ds`` is an organs compartment's dataset."""
    return "colonies" in ds.data_vars and "colony_size" in ds.dims


def plot_colonies(ds, times=None, *, figsize=None) -> Figure:
    """Per organ (a panel each): the number of colonies of at least ``x`` cells against
    ``x``, at up to four snapshot times (log-log; a colony of one cell is a cell that
    started to divide)."""
    organs = [str(o) for o in ds.organ.values]
    figsize = figsize or (4.0 * len(organs), 3.6)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(organs), sharey=True))
    if times is None:
        k = np.unique(np.linspace(0, ds.sizes["time"] - 1, min(4, ds.sizes["time"]))
                      .round().astype(int))
    else:
        k = [int(np.argmin(np.abs(ds.time.values - t))) for t in times]
    sizes = np.asarray(ds.colony_size.values, dtype=float)
    held = np.asarray(ds.colonies.isel(time=list(k)).values, dtype=float).sum(axis=(0, 1))
    largest = sizes[np.flatnonzero(held)[-1]] if held.any() else 10.0
    for ax, organ in zip(axes, organs, strict=True):
        drawn = False
        for j in k:
            counts = np.asarray(ds.colonies.sel(organ=organ).isel(time=j).values, dtype=float)
            at_least = np.cumsum(counts[::-1])[::-1]
            if np.any(at_least > 0):
                ax.step(sizes, np.where(at_least > 0, at_least, np.nan), where="mid",
                        label=style.time_text(ds, float(ds.time[j])))
                drawn = True
        ax.set_xscale("log")
        ax.set_xlim(1.0, max(10.0, 2.0 * largest))  # the same sizes in every panel
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("colony size x [cells]")
        ax.set_title(organ)
        if drawn:
            ax.set_yscale("log")
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, "no colony", ha="center", va="center", transform=ax.transAxes)
    axes[0].set_ylabel("colonies of at least x cells")
    return fig


def plot_fates(ds, *, figsize=None) -> Figure:
    """Per organ: the cells that arrived, and where they are now (died, dormant, died
    dormant, reactivated, started colonies), over time."""
    organs = [str(o) for o in ds.organ.values]
    figsize = figsize or (4.0 * len(organs), 3.6)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(organs), sharey=True))
    t = np.asarray(ds.time.values, dtype=float)
    for ax, organ in zip(axes, organs, strict=True):
        for name in ("arrived", "died", "dormant", "dormant_died", "reactivated", "started"):
            y = np.asarray(ds[name].sel(organ=organ).values, dtype=float)
            if np.any(y > 0):
                ax.plot(t, np.where(y > 0, y, np.nan), "--" if name == "arrived" else "-",
                        label=name.replace("_", " "))
        ax.set_title(organ)
        ax.set_xlabel(style.axis_label(ds, "time"))
        if ax.lines:
            ax.set_yscale("log")
            ax.legend(fontsize="small")
    axes[0].set_ylabel("cells (cumulative; dormant: now)")
    return fig


def plot_dormancy(ds, *, figsize=None) -> Figure:
    """Per organ: the histogram of dormancy durations of the cells that reactivated by
    the last snapshot (the last bin holds every longer one)."""
    organs = [str(o) for o in ds.organ.values]
    figsize = figsize or (4.0 * len(organs), 3.4)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(organs), sharey=True))
    days = np.asarray(ds.dormancy.values, dtype=float)
    step = days[1] - days[0] if days.size > 1 else 1.0
    for ax, organ in zip(axes, organs, strict=True):
        counts = np.asarray(ds.durations.sel(organ=organ).isel(time=-1).values, dtype=float)
        if counts.any():
            last = np.flatnonzero(counts)[-1] + 1
            ax.bar(days[:last] - step / 2, counts[:last], width=step, align="edge")
            mean = float(counts @ days / counts.sum())
            ax.axvline(mean, color="k", ls="--", lw=1, label=f"mean {mean:.3g} days")
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, "no cell reactivated", ha="center", va="center",
                    transform=ax.transAxes)
        ax.set_title(organ)
        ax.set_xlabel("dormancy duration [days]")
    axes[0].set_ylabel("cells reactivated")
    return fig


def plot_niche(ds, *, figsize=None) -> Figure:
    """Per organ: its niche level over time and the cells that arrived (log axis, on the
    right), so that the priming shows before the arrivals."""
    organs = [str(o) for o in ds.organ.values]
    figsize = figsize or (4.2 * len(organs), 3.4)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(organs)))
    t = np.asarray(ds.time.values, dtype=float)
    top = max(float(ds.niche.max()), 1e-12) * 1.05
    for ax, organ in zip(axes, organs, strict=True):
        ax.plot(t, np.asarray(ds.niche.sel(organ=organ).values, dtype=float), "C0-",
                label="niche level")
        ax.set_ylim(0.0, top)  # the same scale in every panel
        ax.set_title(organ)
        ax.set_xlabel(style.axis_label(ds, "time"))
        arrived = np.asarray(ds.arrived.sel(organ=organ).values, dtype=float)
        right = ax.twinx()
        if arrived.any():
            right.plot(t, np.where(arrived > 0, arrived, np.nan), "C3--", label="arrived")
            right.set_yscale("log")
            first = t[np.flatnonzero(arrived)[0]]
            ax.axvline(first, color="C3", lw=0.8, ls=":")
        if organ == organs[-1]:
            right.set_ylabel("cells arrived (cumulative)", color="C3")
        ax.legend(handles=ax.lines[:1] + right.lines, fontsize="small", loc="upper left")
    axes[0].set_ylabel("niche level")
    return fig


def organs_figures(ds) -> dict[str, Figure]:
    """The figures of ``pde-meta plot`` for organs: ``colonies`` and ``fates``; with a
    reactivated cell ``dormancy``; with a primed niche ``niche``."""
    if not is_organs(ds):
        return {}
    out = {"colonies": plot_colonies(ds), "fates": plot_fates(ds)}
    if "durations" in ds and np.any(ds.durations.isel(time=-1).values > 0):
        out["dormancy"] = plot_dormancy(ds)
    if "niche" in ds and np.any(ds.niche.values > 0):
        out["niche"] = plot_niche(ds)
    return out
