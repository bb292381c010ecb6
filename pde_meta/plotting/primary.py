"""Figures of a growth-law primary: its size over time, and the cells it shed.

Like :mod:`.organs`, a module that knows a model's variable names: those of the primary
compartment (``primary_cells``, ``shed_cells``, ``expected_shed``, ``resection_time``), as
:func:`pde_meta.open_run` returns them for it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from . import style

__all__ = ["plot_primaries", "is_primary", "plot_primary", "primary_figures"]


def is_primary(ds) -> bool:
    """Whether ``ds`` is a primary compartment's dataset."""
    return "primary_cells" in ds.data_vars and "expected_shed" in ds.data_vars


def _resection(ds) -> float:
    """The time the primary was resected (NaN: not in this run)."""
    done = np.asarray(ds.resection_time.values, dtype=float)
    done = done[np.isfinite(done)]
    return float(done[0]) if done.size else math.nan


def plot_primary(ds, *, figsize=(9.0, 3.8)) -> Figure:
    """Left: the primary's cells over time (log axis); right: the cells it shed so far
    and their expectation, the integral of m x_p^alpha. The resection, if any, is a
    dotted vertical line on both."""
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    t = np.asarray(ds.time.values, dtype=float)
    cells = np.asarray(ds.primary_cells.values, dtype=float)
    name = str(ds.attrs.get("compartment_law", ""))
    left.plot(t, np.where(cells > 0, cells, np.nan), "o-", ms=3, color="#b2182b",
              label=f"x_p ({name})" if name else "x_p")
    if np.any(cells > 0):
        left.set_yscale("log")
    left.set_ylabel("cells of the primary")
    shed = np.asarray(ds.shed_cells.values, dtype=float)
    right.plot(t, shed, "o-", ms=3, color="#2166ac", label="shed (cumulative)")
    right.plot(t, np.asarray(ds.expected_shed.values, dtype=float), "--", color="#4d4d4d",
               label="expected: integral of m x_p^alpha")
    right.set_ylabel("cells shed")
    cut = _resection(ds)
    for ax in (left, right):
        ax.set_xlabel(style.axis_label(ds, "time"))
        if math.isfinite(cut):
            ax.axvline(cut, color="k", ls=":", lw=1.0,
                       label=f"resection, {style.time_text(ds, cut)}")
        ax.legend(fontsize="small")
    return fig


def plot_primaries(datasets: dict, *, figsize=(9.0, 3.8)) -> Figure:
    """Several primaries of one run (name -> dataset): left, their volumes over time (log
    axis); right, the treatments' anti-angiogenic rate ``e g(t)`` on each."""
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    for k, (name, ds) in enumerate(datasets.items()):
        t = np.asarray(ds.time.values, dtype=float)
        v = np.asarray(ds.primary_volume_mm3.values, dtype=float)
        left.plot(t, np.where(v > 0, v, np.nan), "-", color=f"C{k}", label=name)
        if "antiangiogenic_rate" in ds:
            right.plot(t, np.asarray(ds.antiangiogenic_rate.values, dtype=float), "-",
                       color=f"C{k}", label=name)
    left.set_yscale("log")
    left.set_ylabel("volume of the primary [mm^3]")
    right.set_ylabel("anti-angiogenic rate e g(t) [1/day]")
    first = next(iter(datasets.values()))
    for ax in (left, right):
        ax.set_xlabel(style.axis_label(first, "time"))
        ax.legend(fontsize="small")
    return fig


def primary_figures(ds) -> dict[str, Figure]:
    """The figures of ``pde-meta plot`` for a primary: ``primary``."""
    if not is_primary(ds):
        return {}
    return {"primary": plot_primary(ds)}
