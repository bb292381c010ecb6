"""A panel of fields: one row per time, one column per field."""

from __future__ import annotations

import logging

import numpy as np
from matplotlib.figure import Figure

from . import style
from .select import field_names, present_fields, time_indices

__all__ = ["plot_fields", "MAX_DEFAULT_PANELS"]

log = logging.getLogger(__name__)

#: snapshots shown when no times are given
MAX_DEFAULT_PANELS = 4


def plot_fields(ds, times=None, fields=None, *, figsize=None) -> Figure:
    """A panel of fields: one row per time, one column per field.

    Every panel has its own colour scale, the range of that field at that time, and its
    own colour bar, which prints the range: a field whose values fall by orders of
    magnitude over the run (a tumour that spreads out) stays visible in every panel, and
    a field with a small variation around a falling level (oxygen) shows its pattern.
    Compare the values across times on the colour bars. Each column is headed by the
    field's ``long_name`` and ``units`` and drawn with its ``cmap`` attribute; each panel
    is titled with its time; images have equal aspect and ``y`` increasing upwards. Each
    panel's axes carry the field's name as their label (``ax.get_label()``).

    Parameters
    ----------
    ds : xarray.Dataset
        A run, shaped as described in :mod:`pde_meta.plotting`.
    times : sequence of float, optional
        Times to show; the nearest snapshot is used. Default: up to four evenly spaced
        snapshots, the first and the last included.
    fields : str or sequence of str, optional
        Fields to show. Default: every ``(time, y, x)`` variable, in the dataset's order,
        except those that are zero everywhere at every time (a model part the run does
        not use, such as an absent membrane); they are named in the figure's title.
    figsize : (float, float), optional
        Figure size in inches; default scales with the number of panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = field_names(ds, fields)
    absent: list[str] = []
    if fields is None:
        names, absent = present_fields(ds, names)
        if absent:
            log.info("plotting: %s zero everywhere at every time; left out of the field "
                     "panel", ", ".join(absent) + (" is" if len(absent) == 1 else " are"))
    index = time_indices(ds, times, MAX_DEFAULT_PANELS)
    nrows, ncols = len(index), len(names)
    extent = style.extent(ds)
    aspect = style.aspect(extent)
    headers = [style.header(ds, name) for name in names]
    head_lines = max(h.count("\n") + 1 for h in headers)
    if figsize is None:
        width = 3.05 * ncols + 0.5
        figsize = (width, (2.35 * aspect + 0.32) * nrows + 0.5 + 0.17 * head_lines
                   + (0.25 if absent else 0.0))
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    tvals = np.asarray(ds["time"].values, dtype=float)
    for j, name in enumerate(names):
        data = np.asarray(ds[name].isel(time=index).values, dtype=float)
        for i, k in enumerate(index):
            ax = axes[i, j]
            ax.set_label(name)
            style.field_image(fig, ax, ds, name, data[i], extent)
            when = style.time_text(ds, tvals[k])
            if i == 0:
                ax.set_title(f"{headers[j]}\n{when}", fontsize="medium")
            else:
                ax.set_title(when, fontsize="medium")
            if i == nrows - 1:
                ax.set_xlabel(style.axis_label(ds, "x"))
            if j == 0:
                ax.set_ylabel(style.axis_label(ds, "y"))
    if absent:
        fig.suptitle(f"not shown: {', '.join(absent)} (zero everywhere at every time)",
                     fontsize="small", color="0.35")
    return fig
