"""A panel of fields: one row per time, one column per field."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import style
from .select import field_names, time_indices

__all__ = ["plot_fields"]

#: snapshots shown when no times are given
MAX_DEFAULT_PANELS = 4


def plot_fields(ds, times=None, fields=None, *, figsize=None) -> Figure:
    """A panel of fields: one row per time, one column per field.

    Each column shares one colour scale (the range of that field over the times shown)
    and has a colour bar labelled with the field's ``long_name`` and ``units``; its colour
    map is the field's ``cmap`` attribute. Images are drawn with equal aspect and ``y``
    increasing upwards.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, shaped as described in :mod:`pde_meta.plotting`.
    times : sequence of float, optional
        Times to show; the nearest snapshot is used. Default: up to four evenly spaced
        snapshots, the first and the last included.
    fields : str or sequence of str, optional
        Fields to show. Default: every ``(time, y, x)`` variable, in the dataset's order.
    figsize : (float, float), optional
        Figure size in inches; default scales with the number of panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = field_names(ds, fields)
    index = time_indices(ds, times, MAX_DEFAULT_PANELS)
    nrows, ncols = len(index), len(names)
    extent = style.extent(ds)
    aspect = style.aspect(extent)
    if figsize is None:
        width = 2.6 * ncols + 0.6
        figsize = (width, (2.6 * aspect + 0.4) * nrows + 1.4)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    tvals = np.asarray(ds["time"].values, dtype=float)
    for j, name in enumerate(names):
        data = np.asarray(ds[name].isel(time=index).values, dtype=float)
        vmin, vmax = style.limits(data)
        cmap = style.cmap(ds, name)
        for i, k in enumerate(index):
            ax = axes[i, j]
            image = ax.imshow(data[i], origin="lower", extent=extent, vmin=vmin, vmax=vmax,
                              cmap=cmap, interpolation="nearest", aspect="equal")
            ax.set_title(f"{name}, {style.time_text(ds, tvals[k])}", fontsize="medium")
            if i == nrows - 1:
                ax.set_xlabel(style.axis_label(ds, "x"))
            if j == 0:
                ax.set_ylabel(style.axis_label(ds, "y"))
        bar = fig.colorbar(image, ax=axes[:, j], location="bottom", shrink=0.9, aspect=25)
        bar.set_label(style.label(ds, name))
    return fig
