"""Labels, colour maps, colour limits, extents and aspect of the figures, and saving them.

Everything here is read from the dataset: a variable's ``long_name``, ``units`` and
``cmap`` attributes (written by the run file's writer from the model's field table), with
generic fallbacks (the variable name, no units, ``viridis``) for data without them.
"""

from __future__ import annotations

import logging
import math
import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..errors import ConfigError

__all__ = ["DEFAULT_CMAP", "DIMENSIONLESS", "MIN_DPI", "MAX_PIXELS", "label", "header",
           "axis_label", "time_text", "cmap", "map_figure", "extent", "aspect", "limits",
           "field_image", "max_dpi", "check_dpi", "save_figure"]

log = logging.getLogger(__name__)

#: colour map of a variable whose attrs name none (or one matplotlib does not know)
DEFAULT_CMAP = "viridis"
#: ``units`` values that mean "no units"
DIMENSIONLESS = frozenset({"", "1", "dimensionless", "non-dimensional", "nondimensional"})
#: the lowest resolution :func:`save_figure` writes (dots per inch)
MIN_DPI = 10
#: the most pixels :func:`save_figure` writes in one image (Agg also needs < 2**16 a side)
MAX_PIXELS = 50_000_000
_MAX_SIDE = 2**16 - 1


def label(ds, name: str) -> str:
    """``long_name [units]`` of a variable, from its attrs (default: its name)."""
    attrs = ds[name].attrs
    long_name = attrs.get("long_name", name.replace("_", " "))
    units = attrs.get("units")
    if units is None:
        return str(long_name)
    if str(units).strip().lower() in DIMENSIONLESS:
        return f"{long_name}\n(non-dimensional)"
    # long names go on two lines so that neighbouring colour bars do not collide
    return f"{long_name}\n[{units}]" if len(str(long_name)) > 24 else f"{long_name} [{units}]"


def header(ds, name: str, width: int = 26) -> str:
    """The label of a variable (``long_name [units]``, or ``long_name (non-dimensional)``)
    wrapped to lines of at most ``width`` characters: the heading of a column of panels."""
    text = " ".join(label(ds, name).split())
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or name


def _units(ds, coord: str):
    """A coordinate's units; the run's time unit ``T`` in days or hours when the
    compartment says how many hours it is (a circulation, organs, a primary)."""
    units = ds[coord].attrs.get("units")
    hours = ds.attrs.get("compartment_hours_per_time_unit")
    if coord == "time" and units == "T" and hours is not None:
        return {24.0: "days", 1.0: "h"}.get(float(hours), units)
    return units


def axis_label(ds, coord: str) -> str:
    """``coord [units]`` of a coordinate (no units shown when dimensionless)."""
    units = _units(ds, coord)
    return f"{coord} [{units}]" if units and units not in DIMENSIONLESS else coord


def time_text(ds, t: float) -> str:
    """``t = 1.5 T``: a time with the units of the ``time`` coordinate."""
    units = _units(ds, "time")
    suffix = f" {units}" if units and units not in DIMENSIONLESS else ""
    if units == "days":
        suffix = f" {'day' if t == 1 else 'days'}"
    return f"t = {t:.4g}{suffix}"


def cmap(ds, name: str) -> str:
    """The colour map of a variable: its ``cmap`` attribute, else :data:`DEFAULT_CMAP`."""
    chosen = str(ds[name].attrs.get("cmap", DEFAULT_CMAP))
    if chosen not in colormaps:
        log.warning("plotting: %s has the unknown colour map %r; using %s", name, chosen,
                    DEFAULT_CMAP)
        return DEFAULT_CMAP
    return chosen


def extent(ds) -> list[float]:
    """Cell-edge extent ``[x0, x1, y0, y1]`` of the cell-centre coordinates."""
    out = []
    for name in ("x", "y"):
        c = np.asarray(ds[name].values, dtype=float)
        half = 0.5 * (c[1] - c[0]) if c.size > 1 else 0.5
        out += [float(c[0] - half), float(c[-1] + half)]
    return out


def aspect(bounds: list[float]) -> float:
    """Height over width of the domain spanned by ``bounds`` (an :func:`extent`)."""
    return (bounds[3] - bounds[2]) / (bounds[1] - bounds[0])


def map_figure(ds, figsize, width: float, height: float, extra: float):
    """``(figure, axes, extent)`` of a single map of the domain: ``figsize`` if given, else
    ``width`` wide and ``height * aspect + extra`` high."""
    bounds = extent(ds)
    if figsize is None:
        figsize = (width, height * aspect(bounds) + extra)
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(), bounds


def limits(values: np.ndarray) -> tuple[float, float]:
    """Colour limits: the finite range of ``values``.

    A range of a single value (to round-off) is widened by half that value either side
    (``0`` gets ``0 ... 1``), so that a uniform field is drawn in the middle of its colour
    map and its colour bar does not resolve round-off."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi)):
        if hi == 0.0:
            return 0.0, 1.0
        pad = 0.5 * abs(hi)
        return hi - pad, hi + pad
    return lo, hi


def field_image(fig, ax, ds, name: str, values: np.ndarray, bounds: list[float],
                location: str = "right"):
    """Draw the 2D ``values`` of field ``name`` on ``ax`` with its own colour scale
    (:func:`limits` of ``values``) and a compact colour bar at its ``location`` (right,
    or bottom: there, tick labels of another width do not move the panels); returns
    ``(image, colorbar)``; ``image.set_clim(*limits(new))`` rescales both."""
    vmin, vmax = limits(values)
    image = ax.imshow(values, origin="lower", extent=bounds, vmin=vmin, vmax=vmax,
                      cmap=cmap(ds, name), interpolation="nearest", aspect="equal")
    if location == "right":
        bar = fig.colorbar(image, ax=ax, location="right", shrink=0.82, aspect=16, pad=0.03)
    else:
        bar = fig.colorbar(image, ax=ax, location=location, shrink=0.85, aspect=22)
    bar.locator = MaxNLocator(nbins=4)
    bar.formatter = ScalarFormatter(useOffset=False)
    bar.formatter.set_powerlimits((-3, 4))
    bar.ax.tick_params(labelsize="small")
    bar.update_ticks()
    return image, bar


def max_dpi(fig: Figure) -> float:
    """The highest resolution at which ``fig`` stays within :data:`MAX_PIXELS` (and
    under 2**16 pixels a side)."""
    w, h = (float(v) for v in fig.get_size_inches())
    return min(math.sqrt(MAX_PIXELS / (w * h)), _MAX_SIDE / max(w, h))


def check_dpi(dpi, figures, what: str = "dpi") -> None:
    """Raise a :class:`ConfigError` unless ``dpi`` is a finite number from
    :data:`MIN_DPI` to the lowest :func:`max_dpi` of ``figures`` (a dict name -> figure);
    ``what`` names the argument in the message."""
    figures = dict(figures)
    top = min((max_dpi(f) for f in figures.values()), default=math.inf)
    number = isinstance(dpi, int | float | np.number) and not isinstance(dpi, bool)
    value = float(dpi) if number else math.nan
    if number and math.isfinite(value) and MIN_DPI <= value <= top:
        return
    shown = f"{value:g}" if number else repr(dpi)
    size = ""
    if number and math.isfinite(value) and value > top:
        widest = min(figures, key=lambda k: max_dpi(figures[k]))
        w, h = figures[widest].get_size_inches() * value
        size = f" ({widest} would be {w:.0f} x {h:.0f} pixels)"
    allowed = (f"a number from {MIN_DPI} to {math.floor(top)}" if math.isfinite(top)
               else f"a number >= {MIN_DPI}")
    raise ConfigError(f"{what} {shown} is not allowed{size}; allowed: {allowed} (at most "
                      f"{MAX_PIXELS / 1e6:g} megapixels per figure); fix: e.g. {what} 150")


def save_figure(fig: Figure, path, *, dpi: float = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix), creating parent folders.

    The image is ``figsize * dpi`` pixels; ``dpi`` must lie in the range of
    :func:`check_dpi` (a :class:`ConfigError` otherwise).

    Returns
    -------
    pathlib.Path
    """
    check_dpi(dpi, {Path(path).name: fig})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
