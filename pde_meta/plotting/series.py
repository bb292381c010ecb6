"""Time series of the diagnostics."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..errors import ConfigError
from . import style
from .select import check_dataset

__all__ = ["diagnostic_names", "plot_diagnostics"]


def diagnostic_names(ds) -> list[str]:
    """Every data variable that depends on time only, in the dataset's order."""
    check_dataset(ds)
    return [k for k, v in ds.data_vars.items() if v.dims == ("time",)]


def plot_diagnostics(ds, names=None, *, figsize=None) -> Figure:
    """Time series of the diagnostics: every data variable that depends on time only.

    Parameters
    ----------
    ds : xarray.Dataset
    names : sequence of str, optional
        Diagnostics to plot; default all of them, in the dataset's order.
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        One small axis per diagnostic, time on the horizontal axis, titled with the
        variable's ``long_name`` and labelled with its ``units``.
    """
    available = diagnostic_names(ds)
    if names is None:
        names = available
    else:
        names = [names] if isinstance(names, str) else list(names)
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ConfigError(f"plotting: diagnostic(s) {unknown} not in the dataset; "
                              f"available: {available}")
    if not names:
        raise ConfigError("plotting: the dataset has no diagnostics (data variables over "
                          "time only) to plot")
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    if figsize is None:
        figsize = (3.6 * ncols + 0.4, 2.6 * nrows + 0.2)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    t = np.asarray(ds["time"].values, dtype=float)
    marker = "o" if t.size <= 30 else None
    for ax, name in zip(axes, names, strict=False):
        ax.plot(t, np.asarray(ds[name].values, dtype=float), marker=marker, markersize=3)
        ax.set_title(str(ds[name].attrs.get("long_name", name.replace("_", " "))),
                     fontsize="medium")
        units = ds[name].attrs.get("units")
        if units:
            ax.set_ylabel(units if units not in style.DIMENSIONLESS else "(non-dimensional)")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for ax in axes[max(0, len(names) - ncols):len(names)]:
        ax.set_xlabel(style.axis_label(ds, "time"))
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig
