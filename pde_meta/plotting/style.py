"""Labels, colour maps, colour limits, extents and aspect of the figures, and saving them.

Everything here is read from the dataset: a variable's ``long_name``, ``units`` and
``cmap`` attributes (written by the run file's writer from the model's field table), with
generic fallbacks (the variable name, no units, ``viridis``) for data without them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

__all__ = ["DEFAULT_CMAP", "DIMENSIONLESS", "label", "axis_label", "time_text", "cmap",
           "map_figure",
           "extent", "aspect", "limits", "save_figure"]

log = logging.getLogger(__name__)

#: colour map of a variable whose attrs name none (or one matplotlib does not know)
DEFAULT_CMAP = "viridis"
#: ``units`` values that mean "no units"
DIMENSIONLESS = frozenset({"", "1", "dimensionless", "non-dimensional", "nondimensional"})


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


def axis_label(ds, coord: str) -> str:
    """``coord [units]`` of a coordinate (no units shown when dimensionless)."""
    units = ds[coord].attrs.get("units")
    return f"{coord} [{units}]" if units and units not in DIMENSIONLESS else coord


def time_text(ds, t: float) -> str:
    """``t = 1.5 T``: a time with the units of the ``time`` coordinate."""
    units = ds["time"].attrs.get("units")
    suffix = f" {units}" if units and units not in DIMENSIONLESS else ""
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
    """Colour limits: the finite range of ``values``, widened when it is a single value."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        pad = 0.5 * max(abs(lo), 1.0)
        return lo - pad, hi + pad
    return lo, hi


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
