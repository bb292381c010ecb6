"""Figures of the invasion model: tumour fronts and where the basement membrane broke.

The only module of :mod:`pde_meta.plotting` that knows the model's field names; they are
:data:`TUMOR` and :data:`MEMBRANE`, and :func:`has_membrane_band` says whether a dataset
holds what :func:`plot_membrane_breach` needs.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps, colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import ConfigError
from . import style
from .select import SPATIAL_DIMS, field_names, spatial_fields, time_indices

__all__ = ["TUMOR", "MEMBRANE", "plot_fronts", "plot_membrane_breach", "breach_times",
           "has_membrane_band", "invasion_figures"]

#: the field whose contour is the tumour front
TUMOR = "tumor"
#: the basement membrane field
MEMBRANE = "membrane"
#: snapshots drawn by :func:`plot_fronts` when no times are given
MAX_DEFAULT_FRONTS = 6


def _spatial(ds, name: str) -> bool:
    return name in ds.data_vars and ds[name].dims == SPATIAL_DIMS


def has_membrane_band(ds, band_threshold: float = 0.5) -> bool:
    """Whether ``ds`` has a membrane field whose initial density exceeds ``band_threshold``
    somewhere: what :func:`plot_membrane_breach` maps."""
    if not _spatial(ds, MEMBRANE) or ds.sizes.get("time", 0) == 0:
        return False
    return float(ds[MEMBRANE].isel(time=0).max()) > band_threshold


def plot_fronts(ds, times=None, threshold: float = 0.1, *, field: str | None = None,
                figsize=None) -> Figure:
    """Tumour front contours of several times on one axis.

    Parameters
    ----------
    ds : xarray.Dataset
    times : sequence of float, optional
        Times to draw (nearest snapshots). Default: up to six evenly spaced snapshots.
    threshold : float, default 0.1
        The density whose contour is the front.
    field : str, optional
        Default: :data:`TUMOR` when the dataset has it, else its first field.
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        Contours coloured by time (legend, or a time colour bar for more than eight),
        the initial membrane as a grey dashed outline when the dataset has one.
    """
    if field is None:
        spatial = spatial_fields(ds)
        field = TUMOR if TUMOR in spatial else (spatial[0] if spatial else TUMOR)
    (name,) = field_names(ds, [field])
    index = time_indices(ds, times, MAX_DEFAULT_FRONTS)
    fig, ax, extent = style.map_figure(ds, figsize, 7.0, 4.6, 0.9)
    x = np.asarray(ds["x"].values, dtype=float)
    y = np.asarray(ds["y"].values, dtype=float)
    t = np.asarray(ds["time"].values, dtype=float)
    norm = colors.Normalize(t[index[0]], t[index[-1]] if len(index) > 1 else t[index[0]] + 1)
    # viridis without its pale yellow end, which is hard to see on white
    cmap = ScalarMappable(norm=norm, cmap=colors.ListedColormap(
        colormaps["viridis"](np.linspace(0.0, 0.85, 256))))
    handles = []
    if _spatial(ds, MEMBRANE):
        b0 = np.asarray(ds[MEMBRANE].isel(time=0).values, dtype=float)
        if b0.max() > 0.5 > b0.min():
            ax.contour(x, y, b0, levels=[0.5], colors="0.55", linestyles="--", linewidths=1)
            handles.append(Line2D([], [], color="0.55", ls="--", label="initial membrane"))
    for k in index:
        data = np.asarray(ds[name].isel(time=k).values, dtype=float)
        color = cmap.to_rgba(t[k])
        drawn = data.max() > threshold > data.min()
        if drawn:
            ax.contour(x, y, data, levels=[threshold], colors=[color], linewidths=1.5)
        text = style.time_text(ds, t[k]) + ("" if drawn else " (no front)")
        handles.append(Line2D([], [], color=color, lw=1.5, label=text))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel(style.axis_label(ds, "x"))
    ax.set_ylabel(style.axis_label(ds, "y"))
    long_name = ds[name].attrs.get("long_name", name)
    ax.set_title(f"fronts: {long_name} = {threshold:g}", fontsize="medium")
    if len(index) <= 8:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  fontsize="small", frameon=False)
    else:
        bar = fig.colorbar(cmap, ax=ax)
        bar.set_label(style.axis_label(ds, "time"))
        if handles and handles[0].get_label() == "initial membrane":
            ax.legend(handles=handles[:1], loc="upper right", fontsize="small")
    return fig


def breach_times(t: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Per cell: first time ``b`` (shape ``(time, y, x)``) falls below ``threshold``,
    interpolated linearly between snapshots; NaN where it never does."""
    below = b < threshold
    ever = below.any(axis=0)
    k = np.argmax(below, axis=0)
    out = np.full(b.shape[1:], np.nan)
    first = ever & (k == 0)
    out[first] = t[0]
    later = ever & (k > 0)
    kk = k[later]
    rows, cols = np.nonzero(later)
    before, after = b[kk - 1, rows, cols], b[kk, rows, cols]
    frac = (before - threshold) / (before - after)
    out[later] = t[kk - 1] + frac * (t[kk] - t[kk - 1])
    return out


def plot_membrane_breach(ds, threshold: float = 0.5, *, band_threshold: float = 0.5,
                         tumor_threshold: float = 0.1, figsize=None) -> Figure:
    """Where and when the basement membrane broke.

    Cells of the initial membrane band (initial density above ``band_threshold``) are
    coloured by the time their density first fell below ``threshold`` (interpolated
    linearly between snapshots); cells that never did are light grey. The tumour's
    ``tumor_threshold`` contour at the first and last snapshot is drawn on top.

    Parameters
    ----------
    ds : xarray.Dataset
        Needs a :data:`MEMBRANE` variable over ``(time, y, x)`` (see
        :func:`has_membrane_band`); draws the :data:`TUMOR` front when it has one.
    threshold : float, default 0.5
    band_threshold : float, default 0.5
    tumor_threshold : float, default 0.1
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    (name,) = field_names(ds, [MEMBRANE])
    t = np.asarray(ds["time"].values, dtype=float)
    b = np.asarray(ds[name].values, dtype=float)
    band = b[0] > band_threshold
    if not band.any():
        raise ConfigError(f"plotting: the initial membrane has no cell above "
                          f"{band_threshold:g}; there is no membrane to map")
    when = breach_times(t, b, threshold)
    broken = band & np.isfinite(when)
    fig, ax, extent = style.map_figure(ds, figsize, 6.0, 4.4, 1.6)
    intact = np.ma.masked_where(~(band & ~broken), np.ones(band.shape))
    ax.imshow(intact, origin="lower", extent=extent, cmap=colors.ListedColormap(["0.78"]),
              vmin=0, vmax=1, interpolation="nearest", aspect="equal")
    norm = colors.Normalize(t[0], t[-1] if t[-1] > t[0] else t[0] + 1)
    image = ax.imshow(np.ma.masked_where(~broken, np.where(broken, when, t[0])),
                      origin="lower", extent=extent, cmap="plasma", norm=norm,
                      interpolation="nearest", aspect="equal")
    bar = fig.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label(style.axis_label(ds, "time").replace("time", "breach time", 1))
    handles = []
    if (band & ~broken).any():
        handles.append(Line2D([], [], marker="s", ls="", color="0.78", markersize=8,
                              label="intact membrane"))
    if _spatial(ds, TUMOR):
        x = np.asarray(ds["x"].values, dtype=float)
        y = np.asarray(ds["y"].values, dtype=float)
        for k, line in ((0, ":"), (t.size - 1, "-")):
            n = np.asarray(ds[TUMOR].isel(time=k).values, dtype=float)
            if n.max() > tumor_threshold > n.min():
                ax.contour(x, y, n, levels=[tumor_threshold], colors="k", linestyles=line,
                           linewidths=1)
                handles.append(Line2D([], [], color="k", ls=line, lw=1,
                                      label=f"tumour front, {style.time_text(ds, t[k])}"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", fontsize="small",
                   ncols=len(handles), frameon=False)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(style.axis_label(ds, "x"))
    ax.set_ylabel(style.axis_label(ds, "y"))
    fraction = broken.sum() / band.sum()
    ax.set_title(f"membrane breach (density < {threshold:g}; tumour front at "
                 f"{tumor_threshold:g})\n{100 * fraction:.0f} % of the band broken by "
                 f"{style.time_text(ds, t[-1])}", fontsize="medium")
    return fig


def invasion_figures(ds) -> dict[str, Figure]:
    """The model's figures of a run, by name: ``fronts`` (:func:`plot_fronts`) and, when
    :func:`has_membrane_band`, the breach map (:func:`plot_membrane_breach`) under the
    name of the membrane field."""
    figures = {"fronts": plot_fronts(ds)}
    if has_membrane_band(ds):
        figures[MEMBRANE] = plot_membrane_breach(ds)
    return figures
