"""Figures and movies of a run, read from an :class:`xarray.Dataset`.

The dataset is what the run loader returns: dimensions ``(time, y, x)``; one data variable
per field (``tumor``, ``ecm``, ``membrane``, ``mmp``, ``oxygen``) over ``(time, y, x)``;
coordinates ``time``, ``y``, ``x`` (cell centres); scalar diagnostics as data variables over
``time``. Any dataset of that shape works, whatever wrote it: this module never imports the
solver. Labels and units come from each variable's ``long_name`` and ``units`` attributes
when present, else from the defaults in :data:`FIELD_STYLE`.

Every plotting function returns a :class:`matplotlib.figure.Figure` built without pyplot
(no global figure state, no display needed); write it with :func:`save_figure`.
:func:`make_movie` returns the path of the movie it wrote.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import animation, colormaps, colors
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .errors import ConfigError

__all__ = ["FIELD_STYLE", "plot_fields", "plot_diagnostics", "plot_fronts",
           "plot_membrane_breach", "make_movie", "save_figure"]

log = logging.getLogger(__name__)

#: Default label, units and colour map of each field (the model is non-dimensional).
FIELD_STYLE: dict[str, dict[str, str]] = {
    "tumor": {"long_name": "tumour cell density n", "units": "1", "cmap": "magma"},
    "ecm": {"long_name": "ECM density f", "units": "1", "cmap": "viridis"},
    "membrane": {"long_name": "basement membrane density b", "units": "1", "cmap": "Greys"},
    "mmp": {"long_name": "MMP concentration m", "units": "1", "cmap": "plasma"},
    "oxygen": {"long_name": "oxygen concentration c", "units": "1", "cmap": "cividis"},
}
_DIMENSIONLESS = {"", "1", "dimensionless", "non-dimensional", "nondimensional"}
_MAX_DEFAULT_PANELS = 4
_MAX_DEFAULT_FRONTS = 6


# --------------------------------------------------------------------------- helpers


def _label(ds, name: str) -> str:
    """``long_name [units]`` of a variable or coordinate, from its attrs or the defaults."""
    attrs = ds[name].attrs
    style = FIELD_STYLE.get(name, {})
    long_name = attrs.get("long_name", style.get("long_name", name.replace("_", " ")))
    units = attrs.get("units", style.get("units"))
    if units is None:
        return str(long_name)
    if str(units).strip().lower() in _DIMENSIONLESS:
        return f"{long_name}\n(non-dimensional)"
    # long names go on two lines so that neighbouring colour bars do not collide
    return f"{long_name}\n[{units}]" if len(str(long_name)) > 24 else f"{long_name} [{units}]"


def _axis_label(ds, coord: str) -> str:
    units = ds[coord].attrs.get("units")
    return f"{coord} [{units}]" if units and units not in _DIMENSIONLESS else coord


def _time_text(ds, t: float) -> str:
    units = ds["time"].attrs.get("units")
    suffix = f" {units}" if units and units not in _DIMENSIONLESS else ""
    return f"t = {t:.4g}{suffix}"


def _extent(ds) -> list[float]:
    """Cell-edge extent ``[x0, x1, y0, y1]`` of the cell-centre coordinates."""
    out = []
    for name in ("x", "y"):
        c = np.asarray(ds[name].values, dtype=float)
        half = 0.5 * (c[1] - c[0]) if c.size > 1 else 0.5
        out += [float(c[0] - half), float(c[-1] + half)]
    return out


def _aspect(extent: list[float]) -> float:
    """Height over width of the domain spanned by ``extent``."""
    return (extent[3] - extent[2]) / (extent[1] - extent[0])


def _check_dataset(ds) -> None:
    missing = [d for d in ("time", "y", "x") if d not in ds.dims]
    if missing:
        raise ConfigError(f"plotting: the dataset lacks the dimension(s) {missing}; it needs "
                          f"(time, y, x) as returned by open_run")


def _field_names(ds, fields) -> list[str]:
    """The requested fields, validated; default: every ``(time, y, x)`` variable."""
    _check_dataset(ds)
    spatial = [k for k, v in ds.data_vars.items() if v.dims == ("time", "y", "x")]
    if fields is None:
        ordered = [k for k in FIELD_STYLE if k in spatial]
        return ordered + sorted(k for k in spatial if k not in FIELD_STYLE)
    fields = [fields] if isinstance(fields, str) else list(fields)
    unknown = [f for f in fields if f not in spatial]
    if unknown or not fields:
        raise ConfigError(f"plotting: field(s) {unknown or fields} not in the dataset; "
                          f"available: {spatial}")
    return fields


def _time_indices(ds, times, default_count: int) -> list[int]:
    """Indices of the snapshots nearest to ``times``; default: evenly spaced ones."""
    t = np.asarray(ds["time"].values, dtype=float)
    if t.size == 0:
        raise ConfigError("plotting: the dataset has no snapshots")
    if times is None:
        count = min(default_count, t.size)
        return sorted({int(round(k)) for k in np.linspace(0, t.size - 1, count)})
    times = np.atleast_1d(np.asarray(times, dtype=float))
    slack = 1e-9 * max(1.0, abs(t).max())
    outside = [float(v) for v in times if v < t[0] - slack or v > t[-1] + slack]
    if outside or times.size == 0:
        raise ConfigError(f"plotting: time(s) {outside or list(times)} outside the run, "
                          f"which has snapshots from t = {t[0]:g} to {t[-1]:g}")
    picked = []
    for v in times:
        k = int(np.argmin(np.abs(t - v)))
        if k not in picked:
            picked.append(k)
    return picked


def _limits(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        pad = 0.5 * max(abs(lo), 1.0)
        return lo - pad, hi + pad
    return lo, hi


def _cmap(name: str) -> str:
    return FIELD_STYLE.get(name, {}).get("cmap", "viridis")


# --------------------------------------------------------------------------- figures


def plot_fields(ds, times=None, fields=None, *, figsize=None) -> Figure:
    """A panel of fields: one row per time, one column per field.

    Each column shares one colour scale (the range of that field over the times shown)
    and has a colour bar labelled with the field's name and units. Images are drawn with
    equal aspect and ``y`` increasing upwards.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, shaped as described in the module docstring.
    times : sequence of float, optional
        Times to show; the nearest snapshot is used. Default: up to four evenly spaced
        snapshots, the first and the last included.
    fields : str or sequence of str, optional
        Fields to show. Default: every ``(time, y, x)`` variable, the model's five first.
    figsize : (float, float), optional
        Figure size in inches; default scales with the number of panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _field_names(ds, fields)
    index = _time_indices(ds, times, _MAX_DEFAULT_PANELS)
    nrows, ncols = len(index), len(names)
    extent = _extent(ds)
    aspect = _aspect(extent)
    if figsize is None:
        width = 2.6 * ncols + 0.6
        figsize = (width, (2.6 * aspect + 0.4) * nrows + 1.4)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    tvals = np.asarray(ds["time"].values, dtype=float)
    for j, name in enumerate(names):
        data = np.asarray(ds[name].isel(time=index).values, dtype=float)
        vmin, vmax = _limits(data)
        for i, k in enumerate(index):
            ax = axes[i, j]
            image = ax.imshow(data[i], origin="lower", extent=extent, vmin=vmin, vmax=vmax,
                              cmap=_cmap(name), interpolation="nearest", aspect="equal")
            ax.set_title(f"{name}, {_time_text(ds, tvals[k])}", fontsize="medium")
            if i == nrows - 1:
                ax.set_xlabel(_axis_label(ds, "x"))
            if j == 0:
                ax.set_ylabel(_axis_label(ds, "y"))
        bar = fig.colorbar(image, ax=axes[:, j], location="bottom", shrink=0.9, aspect=25)
        bar.set_label(_label(ds, name))
    return fig


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
        One small axis per diagnostic, time on the horizontal axis.
    """
    _check_dataset(ds)
    available = [k for k, v in ds.data_vars.items() if v.dims == ("time",)]
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
            ax.set_ylabel(units if units not in _DIMENSIONLESS else "(non-dimensional)")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for ax in axes[max(0, len(names) - ncols):len(names)]:
        ax.set_xlabel(_axis_label(ds, "time"))
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig


def plot_fronts(ds, times=None, threshold: float = 0.1, *, field: str = "tumor",
                figsize=None) -> Figure:
    """Tumour front contours of several times on one axis.

    Parameters
    ----------
    ds : xarray.Dataset
    times : sequence of float, optional
        Times to draw (nearest snapshots). Default: up to six evenly spaced snapshots.
    threshold : float, default 0.1
        The density whose contour is the front.
    field : str, default "tumor"
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        Contours coloured by time (legend, or a time colour bar for more than eight),
        the initial membrane as a grey dashed outline when the dataset has one.
    """
    (name,) = _field_names(ds, [field])
    index = _time_indices(ds, times, _MAX_DEFAULT_FRONTS)
    extent = _extent(ds)
    aspect = _aspect(extent)
    if figsize is None:
        figsize = (7.0, 4.6 * aspect + 0.9)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    x = np.asarray(ds["x"].values, dtype=float)
    y = np.asarray(ds["y"].values, dtype=float)
    t = np.asarray(ds["time"].values, dtype=float)
    norm = colors.Normalize(t[index[0]], t[index[-1]] if len(index) > 1 else t[index[0]] + 1)
    # viridis without its pale yellow end, which is hard to see on white
    cmap = ScalarMappable(norm=norm, cmap=colors.ListedColormap(
        colormaps["viridis"](np.linspace(0.0, 0.85, 256))))
    handles = []
    if "membrane" in ds.data_vars and ds["membrane"].dims == ("time", "y", "x"):
        b0 = np.asarray(ds["membrane"].isel(time=0).values, dtype=float)
        if b0.max() > 0.5 > b0.min():
            ax.contour(x, y, b0, levels=[0.5], colors="0.55", linestyles="--", linewidths=1)
            handles.append(Line2D([], [], color="0.55", ls="--", label="initial membrane"))
    for k in index:
        data = np.asarray(ds[name].isel(time=k).values, dtype=float)
        color = cmap.to_rgba(t[k])
        drawn = data.max() > threshold > data.min()
        if drawn:
            ax.contour(x, y, data, levels=[threshold], colors=[color], linewidths=1.5)
        text = _time_text(ds, t[k]) + ("" if drawn else " (no front)")
        handles.append(Line2D([], [], color=color, lw=1.5, label=text))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel(_axis_label(ds, "x"))
    ax.set_ylabel(_axis_label(ds, "y"))
    long_name = ds[name].attrs.get("long_name", FIELD_STYLE.get(name, {}).get("long_name",
                                                                              name))
    ax.set_title(f"fronts: {long_name} = {threshold:g}", fontsize="medium")
    if len(index) <= 8:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  fontsize="small", frameon=False)
    else:
        bar = fig.colorbar(cmap, ax=ax)
        bar.set_label(_axis_label(ds, "time"))
        if handles and handles[0].get_label() == "initial membrane":
            ax.legend(handles=handles[:1], loc="upper right", fontsize="small")
    return fig


def _breach_times(t: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Per cell: first time ``b`` falls below ``threshold``, linear between snapshots."""
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
        Needs a ``membrane`` variable over ``(time, y, x)``.
    threshold : float, default 0.5
    band_threshold : float, default 0.5
    tumor_threshold : float, default 0.1
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    (name,) = _field_names(ds, ["membrane"])
    t = np.asarray(ds["time"].values, dtype=float)
    b = np.asarray(ds[name].values, dtype=float)
    band = b[0] > band_threshold
    if not band.any():
        raise ConfigError(f"plotting: the initial membrane has no cell above "
                          f"{band_threshold:g}; there is no membrane to map")
    when = _breach_times(t, b, threshold)
    broken = band & np.isfinite(when)
    extent = _extent(ds)
    aspect = _aspect(extent)
    if figsize is None:
        figsize = (6.0, 4.4 * aspect + 1.6)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    intact = np.ma.masked_where(~(band & ~broken), np.ones(band.shape))
    ax.imshow(intact, origin="lower", extent=extent, cmap=colors.ListedColormap(["0.78"]),
              vmin=0, vmax=1, interpolation="nearest", aspect="equal")
    norm = colors.Normalize(t[0], t[-1] if t[-1] > t[0] else t[0] + 1)
    image = ax.imshow(np.ma.masked_where(~broken, np.where(broken, when, t[0])),
                      origin="lower", extent=extent, cmap="plasma", norm=norm,
                      interpolation="nearest", aspect="equal")
    bar = fig.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label(_axis_label(ds, "time").replace("time", "breach time", 1))
    handles = []
    if (band & ~broken).any():
        handles.append(Line2D([], [], marker="s", ls="", color="0.78", markersize=8,
                              label="intact membrane"))
    if "tumor" in ds.data_vars and ds["tumor"].dims == ("time", "y", "x"):
        x = np.asarray(ds["x"].values, dtype=float)
        y = np.asarray(ds["y"].values, dtype=float)
        for k, style in ((0, ":"), (t.size - 1, "-")):
            n = np.asarray(ds["tumor"].isel(time=k).values, dtype=float)
            if n.max() > tumor_threshold > n.min():
                ax.contour(x, y, n, levels=[tumor_threshold], colors="k", linestyles=style,
                           linewidths=1)
                handles.append(Line2D([], [], color="k", ls=style, lw=1,
                                      label=f"tumour front, {_time_text(ds, t[k])}"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", fontsize="small",
                   ncols=len(handles), frameon=False)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(_axis_label(ds, "x"))
    ax.set_ylabel(_axis_label(ds, "y"))
    fraction = broken.sum() / band.sum()
    ax.set_title(f"membrane breach (density < {threshold:g}; tumour front at "
                 f"{tumor_threshold:g})\n{100 * fraction:.0f} % of the band broken by "
                 f"{_time_text(ds, t[-1])}", fontsize="medium")
    return fig


# --------------------------------------------------------------------------- output


def save_figure(fig: Figure, path, *, dpi: float = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix), creating parent folders.

    The image is ``figsize * dpi`` pixels.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def make_movie(ds, path, field: str | Sequence[str] = "tumor", *, fps: float = 5,
               dpi: float = 100, writer: str | None = None, figsize=None) -> Path:
    """A movie of one or several fields over every snapshot.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or Path
        Where to write. The suffix is set to the format actually written: ``.mp4`` for
        ffmpeg, ``.gif`` for Pillow.
    field : str or sequence of str, default "tumor"
        One panel per field, each with a colour scale fixed over the whole run.
    fps : float, default 5
        Frames (snapshots) per second.
    dpi : float, default 100
    writer : {None, "ffmpeg", "pillow"}, optional
        ``None`` picks MP4 through ffmpeg when
        ``matplotlib.animation.writers.is_available("ffmpeg")``, else GIF through Pillow;
        ``"pillow"`` forces GIF; ``"ffmpeg"`` fails if ffmpeg is missing.
    figsize : (float, float), optional

    Returns
    -------
    pathlib.Path
        The file written; its suffix says which format. The choice is also logged.
    """
    names = _field_names(ds, field)
    have_ffmpeg = animation.writers.is_available("ffmpeg")
    if writer is None:
        writer = "ffmpeg" if have_ffmpeg else "pillow"
    if writer not in ("ffmpeg", "pillow"):
        raise ConfigError(f"plotting: movie writer {writer!r}; allowed: ffmpeg, pillow, or "
                          f"None to choose automatically")
    if writer == "ffmpeg" and not have_ffmpeg:
        raise ConfigError("plotting: ffmpeg is not available for an MP4 movie; fix: "
                          "install ffmpeg, or pass writer='pillow' for a GIF")
    path = Path(path).with_suffix(".mp4" if writer == "ffmpeg" else ".gif")
    path.parent.mkdir(parents=True, exist_ok=True)

    extent = _extent(ds)
    aspect = _aspect(extent)
    if figsize is None:
        figsize = (3.4 * len(names) + 0.4, 3.4 * aspect + 1.3)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False, sharey=True)[0]
    t = np.asarray(ds["time"].values, dtype=float)
    data = [np.asarray(ds[n].values, dtype=float) for n in names]
    images = []
    for j, (ax, name, values) in enumerate(zip(axes, names, data, strict=True)):
        vmin, vmax = _limits(values)
        image = ax.imshow(values[0], origin="lower", extent=extent, vmin=vmin, vmax=vmax,
                          cmap=_cmap(name), interpolation="nearest", aspect="equal")
        bar = fig.colorbar(image, ax=ax, location="bottom", shrink=0.9)
        bar.set_label(_label(ds, name))
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel(_axis_label(ds, "x"))
        if j == 0:
            ax.set_ylabel(_axis_label(ds, "y"))
        images.append(image)
    title = fig.suptitle(_time_text(ds, t[0]))
    # lay out once, at the saving resolution, then freeze: frames must not jitter
    fig.set_dpi(dpi)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    movie_writer = (animation.FFMpegWriter(fps=fps) if writer == "ffmpeg"
                    else animation.PillowWriter(fps=fps))
    with movie_writer.saving(fig, str(path), dpi):
        for k in range(t.size):
            for image, values in zip(images, data, strict=True):
                image.set_data(values[k])
            title.set_text(_time_text(ds, t[k]))
            movie_writer.grab_frame()
    log.info("wrote %s movie %s (%d frames)", "MP4" if writer == "ffmpeg" else "GIF", path,
             t.size)
    return path
