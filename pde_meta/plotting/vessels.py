"""Figures of the phenotypes and the vessels: the tumour with its vessels drawn over it, and
mesenchymal leaders ahead of epithelial followers.

Like :mod:`.invasion`, a module that knows the model's field names (:data:`VESSELS`,
:data:`TUMOR`, :data:`EPITHELIAL`, :data:`ECM`).
"""

from __future__ import annotations

import numpy as np
from matplotlib import colors
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import style
from .select import SPATIAL_DIMS, time_indices

__all__ = ["VESSELS", "plot_vessels", "plot_phenotypes", "has_vessels", "has_phenotypes",
           "vessel_figures"]

TUMOR = "tumor"
EPITHELIAL = "epithelial"
ECM = "ecm"
#: vessel field -> (colour, line style, label)
VESSELS = {"blood": ("#e41a1c", "-", "perfused blood vessels"),
           "new_vessels": ("#ff7f00", "--", "new vessels"),
           "lymph": ("#1a9850", "-", "lymph vessels")}
#: snapshots drawn when no times are given
MAX_DEFAULT_PANELS = 4
#: vessels covering at most this many cells are also marked with rings
MAX_MARKED = 400


def _nonzero(ds, name: str) -> bool:
    return (name in ds.data_vars and ds[name].dims == SPATIAL_DIMS
            and bool(np.any(np.asarray(ds[name].values) != 0)))


def has_vessels(ds) -> bool:
    """Whether the run has any vessel field that is not zero throughout."""
    return any(_nonzero(ds, name) for name in VESSELS)


def has_phenotypes(ds) -> bool:
    """Whether the run has epithelial cells beside the (mesenchymal) tumour cells."""
    return _nonzero(ds, EPITHELIAL) and TUMOR in ds.data_vars


def _cells(ds, k: int) -> np.ndarray:
    n = np.asarray(ds[TUMOR].isel(time=k).values, dtype=float)
    if EPITHELIAL in ds.data_vars:
        n = n + np.asarray(ds[EPITHELIAL].isel(time=k).values, dtype=float)
    return n


def plot_vessels(ds, times=None, *, figsize=None) -> Figure:
    """The tumour cells (both phenotypes, grey) with the vessels painted over them: one
    panel per time; perfused blood vessels red, new vessels orange, lymph vessels green,
    each as opaque as its density is high (relative to its largest value in the run), so
    that the sparse vessels of a continuum density stay visible; vessels of a few cells
    (at most :data:`MAX_MARKED` at half their peak density) are also ringed."""
    index = time_indices(ds, times, MAX_DEFAULT_PANELS)
    bounds = style.extent(ds)
    aspect = style.aspect(bounds)
    if figsize is None:
        figsize = (3.3 * len(index) + 0.5, 2.7 * aspect + 1.2)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(index), squeeze=False, sharex=True, sharey=True)[0]
    tvals = np.asarray(ds["time"].values, dtype=float)
    x = np.asarray(ds["x"].values, dtype=float)
    y = np.asarray(ds["y"].values, dtype=float)
    drawn = [name for name in VESSELS if _nonzero(ds, name)]
    peaks = {name: float(np.max(ds[name].values)) for name in drawn}
    cells = [_cells(ds, k) for k in index]
    top = max(float(np.max(c)) for c in cells) or 1.0
    for ax, k, n in zip(axes, index, cells, strict=True):
        image = ax.imshow(n, origin="lower", extent=bounds, cmap="Greys", vmin=0.0,
                          vmax=top, interpolation="nearest")
        for name in drawn:
            values = np.asarray(ds[name].isel(time=k).values, dtype=float)
            rgba = np.zeros((*values.shape, 4))
            rgba[..., :3] = colors.to_rgb(VESSELS[name][0])
            rgba[..., 3] = 0.85 * np.clip(values / peaks[name], 0.0, 1.0) ** 0.5
            ax.imshow(rgba, origin="lower", extent=bounds, interpolation="nearest")
            rows, cols = np.nonzero(values >= 0.5 * peaks[name])
            if 0 < len(rows) <= MAX_MARKED:  # a few vessel cells: mark them, or they vanish
                ax.scatter(x[cols], y[rows], s=14, facecolors="none", linewidths=0.9,
                           edgecolors=VESSELS[name][0])
        ax.set_title(style.time_text(ds, tvals[k]), fontsize="medium")
        ax.set_xlabel(style.axis_label(ds, "x"))
    fig.colorbar(image, ax=axes[-1], label="tumour cells n + e", shrink=0.9)
    axes[0].set_ylabel(style.axis_label(ds, "y"))
    handles = [Patch(color=VESSELS[n][0], label=f"{VESSELS[n][2]} (up to {peaks[n]:.2g})")
               for n in drawn]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize="small", frameon=False)
    fig.suptitle("tumour cells (grey) and vessel densities (colour)", fontsize="medium")
    return fig


def plot_phenotypes(ds, times=None, *, axis: str = "x", figsize=None) -> Figure:
    """Leaders and followers: the mesenchymal and epithelial densities and the ECM along
    ``axis`` through the peak of the initial tumour, one panel per time, beside a map of
    the last time with mesenchymal cells in magenta and epithelial cells in green."""
    index = time_indices(ds, times, MAX_DEFAULT_PANELS)
    n0 = _cells(ds, 0)
    i0, j0 = np.unravel_index(int(np.argmax(n0)), n0.shape)
    coord = np.asarray(ds[axis].values, dtype=float)
    tvals = np.asarray(ds["time"].values, dtype=float)
    if figsize is None:
        figsize = (3.2 * (len(index) + 1) + 0.5, 3.4)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(index) + 1, squeeze=False)[0]

    def line(name: str, k: int) -> np.ndarray:
        values = np.asarray(ds[name].isel(time=k).values, dtype=float)
        return values[i0, :] if axis == "x" else values[:, j0]

    for ax, k in zip(axes[:-1], index, strict=True):
        ax.plot(coord, line(TUMOR, k), color="#c51b7d", label="mesenchymal n")
        ax.plot(coord, line(EPITHELIAL, k), color="#4d9221", label="epithelial e")
        if ECM in ds.data_vars:
            ax.plot(coord, line(ECM, k), color="0.5", linestyle="--", label="ECM f")
        ax.set_title(style.time_text(ds, tvals[k]), fontsize="medium")
        ax.set_xlabel(style.axis_label(ds, axis))
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize="small", frameon=False)
    k = index[-1]
    m = np.asarray(ds[TUMOR].isel(time=k).values, dtype=float)
    e = np.asarray(ds[EPITHELIAL].isel(time=k).values, dtype=float)
    scale = max(float(m.max()), float(e.max()), 1e-300)
    # subtractive on white: mesenchymal cells take away green (magenta), epithelial cells
    # red and blue (green); both together darken
    m_hat, e_hat = (np.clip(x / scale, 0, 1) ** 0.5 for x in (m, e))
    rgb = np.clip(np.stack([1 - e_hat, 1 - m_hat, 1 - e_hat], axis=-1), 0, 1)
    ax = axes[-1]
    ax.imshow(rgb, origin="lower", extent=style.extent(ds), interpolation="nearest")
    ax.axhline(float(ds["y"].values[i0]), color="0.3", linewidth=0.6, linestyle=":")
    ax.set_title(f"magenta: mesenchymal, green: epithelial\n{style.time_text(ds, tvals[k])}",
                 fontsize="medium")
    ax.set_xlabel(style.axis_label(ds, "x"))
    ax.set_ylabel(style.axis_label(ds, "y"))
    fig.suptitle("leaders and followers: mesenchymal cells carve the matrix ahead of the "
                 "epithelial cells", fontsize="medium")
    return fig


def vessel_figures(ds) -> dict[str, Figure]:
    """``vessels`` (:func:`plot_vessels`) when the run has vessels, ``phenotypes``
    (:func:`plot_phenotypes`) when it has epithelial cells."""
    figures = {}
    if has_vessels(ds) and TUMOR in ds.data_vars:
        figures["vessels"] = plot_vessels(ds)
    if has_phenotypes(ds):
        figures["phenotypes"] = plot_phenotypes(ds)
    return figures
