"""Threshold contours: perimeters, contour areas, roughness, front radii and depths."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ..core.grid import Grid
from ..errors import ConfigError
from .base import DEFAULT_TUMOR_THRESHOLD, WALLS, field_array, structure

__all__ = ["Front", "contour_generator", "threshold_contours", "perimeter", "contour_area",
           "without_holes", "roughness", "front_radius", "band_depth"]


class Front(NamedTuple):
    """Position of an invasion front: its furthest and its mean extent [L]."""

    max: float
    mean: float


def contour_generator(field: np.ndarray, grid: Grid):
    import contourpy

    return contourpy.contour_generator(grid.x, grid.y, field, line_type="Separate",
                                       fill_type="OuterOffset")


def _line_length(points: np.ndarray) -> float:
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0


def _ring_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


# --------------------------------------------------------------------------- areas and masses


def threshold_contours(field, grid: Grid, level: float) -> list[np.ndarray]:
    """The level-``level`` contour lines of ``field`` by marching squares.

    Parameters
    ----------
    field : array_like, shape (ny, nx)
    grid : Grid
    level : float

    Returns
    -------
    list of ndarray
        One ``(k, 2)`` array of ``(x, y)`` points [L] per line; a closed line repeats its
        first point at the end. Lines that reach the outermost cell centres are open.
    """
    f = field_array(field, grid, "field")
    if not (f.max() > level and f.min() < level):
        return []
    return [np.asarray(line, dtype=np.float64) for line in contour_generator(f, grid)
            .lines(level) if len(line) > 1]


def perimeter(field, grid: Grid, *, threshold: float = DEFAULT_TUMOR_THRESHOLD) -> float:
    """Length of the ``threshold`` contour of ``field`` [L].

    The boundary between the region above ``threshold`` and the rest, holes and detached
    parts included, measured by marching squares (see the module notes for its bias). The
    parts of a region's edge that lie along the domain walls are not counted.
    """
    return sum(_line_length(line) for line in threshold_contours(field, grid, threshold))


def contour_area(field, grid: Grid, *, threshold: float = DEFAULT_TUMOR_THRESHOLD) -> float:
    """Area enclosed by the ``threshold`` contour of ``field`` [L^2].

    The area of the marching-squares polygons of the region above ``threshold``, holes
    subtracted: the area that belongs to :func:`perimeter`. Unlike :func:`invaded_area`
    it does not jump by whole cells; a region that touches a wall loses the half cell
    between the outermost cell centres and the wall.
    """
    f = field_array(field, grid, "field")
    top = float(f.max())
    if not top > threshold:
        return 0.0
    polygons, offsets = contour_generator(f, grid).filled(threshold, top + 1.0)
    area = 0.0
    for points, offs in zip(polygons, offsets, strict=True):
        rings = [_ring_area(points[a:b]) for a, b in zip(offs[:-1], offs[1:], strict=True)]
        area += rings[0] - sum(rings[1:])
    return area


def without_holes(field: np.ndarray, threshold: float, keep=None) -> np.ndarray:
    """``field`` with the holes of its region above ``threshold`` raised above it.

    With a boolean ``keep``, only that region (holes filled) stays above ``threshold``;
    every other cell above it is set to 0. The threshold contour of the result is the
    outer boundary of the region, with the crossings on its edges unchanged.
    """
    above = field > threshold
    region = above if keep is None else keep
    filled = ndimage.binary_fill_holes(region)
    out = np.where(above & ~filled, 0.0, field)
    out[filled & ~above] = threshold + 1.0
    return out


def roughness(tumor, grid: Grid, *, threshold: float = DEFAULT_TUMOR_THRESHOLD) -> float:
    r"""Front roughness: outer perimeter of the invaded region over that of an equal-area disc.

    .. math:: \rho = P / (2 \sqrt{\pi A})

    with ``P`` the :func:`perimeter` and ``A`` the :func:`contour_area` of the region where
    the tumour exceeds ``threshold``, its holes filled first: a hollow tumour (cells piled
    up against a membrane around a depleted core) is as smooth as its outer front.
    ``rho = 1`` for a disc, ``2/sqrt(pi) = 1.128`` for a square, and it grows as the front
    fingers or fragments (every detached cluster outside the main mass adds its own
    perimeter). A region cut by a wall has no perimeter along the wall, so a band
    tumour's value is not comparable with a central one's.

    Bias: on a smoothly resolved front the error is ``O((h/R)^2)``; for a front that
    jumps between 0 and 1 from one cell to the next, about +5 % (see the module notes).

    Returns
    -------
    float
        Dimensionless; NaN when no cell exceeds ``threshold``.
    """
    n = without_holes(field_array(tumor, grid, "tumor"), threshold)
    area = contour_area(n, grid, threshold=threshold)
    if area <= 0.0:
        return float("nan")
    return perimeter(n, grid, threshold=threshold) / (2.0 * np.sqrt(np.pi * area))


# --------------------------------------------------------------------------- fronts


def front_radius(tumor, grid: Grid, center, *, threshold: float = DEFAULT_TUMOR_THRESHOLD,
                 connectivity: int = 1) -> Front:
    """Invasion front of a central tumour: distances of its boundary from ``center`` [L].

    The boundary is the ``threshold`` contour (marching squares, sub-cell accurate).

    Parameters
    ----------
    tumor : array_like, shape (ny, nx)
    grid : Grid
    center : (float, float)
        ``(x, y)`` of the initial tumour centre [L].
    threshold : float, default 0.1
    connectivity : {1, 2}, default 1
        How cells join into regions when picking the main mass (see module notes).

    Returns
    -------
    Front
        ``max``: the furthest point of any tumour above ``threshold`` (detached clusters
        included; where the region reaches the outermost cells, their centres count):
        how far invasion has reached. ``mean``: the mean distance along the outer boundary
        of the main mass (the connected region with the largest mass, its holes filled),
        weighted by arc length: the radius of the bulk front, unaffected by clusters.
        Both NaN when no cell exceeds ``threshold``.
    """
    n = field_array(tumor, grid, "tumor")
    cx, cy = (float(c) for c in center)
    above = n > threshold
    if not above.any():
        return Front(float("nan"), float("nan"))

    far = [np.hypot(line[:, 0] - cx, line[:, 1] - cy).max()
           for line in threshold_contours(n, grid, threshold)]
    edge = np.zeros_like(above)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    y, x = grid.meshgrid()
    on_edge = above & edge
    if on_edge.any():
        far.append(np.hypot(x[on_edge] - cx, y[on_edge] - cy).max())

    labels, count = ndimage.label(above, structure=structure(connectivity))
    masses = ndimage.sum_labels(n, labels, index=np.arange(1, count + 1))
    outline = without_holes(n, threshold, keep=labels == 1 + int(np.argmax(masses)))
    total = weighted = 0.0
    for line in threshold_contours(outline, grid, threshold):
        r = np.hypot(line[:, 0] - cx, line[:, 1] - cy)
        seg = np.hypot(*np.diff(line, axis=0).T)
        total += float(seg.sum())
        weighted += float(np.dot(seg, 0.5 * (r[1:] + r[:-1])))
    mean = weighted / total if total > 0.0 else float(np.max(far))
    return Front(float(np.max(far)), mean)


def _from_wall(a: np.ndarray, grid: Grid, wall: str) -> tuple[np.ndarray, float, float]:
    """``a`` rearranged so that axis 1 runs away from ``wall``; the spacing and length."""
    if wall == "left":
        return a, grid.dx, grid.extent[1]
    if wall == "right":
        return a[:, ::-1], grid.dx, grid.extent[1]
    if wall == "bottom":
        return a.T, grid.dy, grid.extent[0]
    if wall == "top":
        return a[::-1].T, grid.dy, grid.extent[0]
    raise ConfigError(f"metrics: wall = {wall!r} is not allowed; allowed: {', '.join(WALLS)}")


def band_depth(tumor, grid: Grid, wall: str = "left", *,
               threshold: float = DEFAULT_TUMOR_THRESHOLD) -> Front:
    """Invasion front of a band tumour growing from ``wall``: depths from the wall [L].

    In each grid line perpendicular to the wall, the depth is the distance from the wall
    of the furthest point where the tumour density crosses ``threshold``, interpolated
    linearly between the last cell above it and the next cell; the full domain length if
    the last cell is above; 0 if no cell of the line is.

    Parameters
    ----------
    tumor : array_like, shape (ny, nx)
    grid : Grid
    wall : {"left", "right", "bottom", "top"}, default "left"
    threshold : float, default 0.1

    Returns
    -------
    Front
        ``max`` and ``mean`` of the depth over the lines; both NaN when no cell exceeds
        ``threshold``. Tumour ahead of the bulk in a line (a detached cluster) sets that
        line's depth.
    """
    u, h, length = _from_wall(field_array(tumor, grid, "tumor"), grid, wall)
    above = u > threshold
    if not above.any():
        return Front(float("nan"), float("nan"))
    nd = u.shape[1]
    last = nd - 1 - np.argmax(above[:, ::-1], axis=1)
    has = above.any(axis=1)
    depth = np.zeros(u.shape[0])
    full = has & (last == nd - 1)
    depth[full] = length
    part = has & ~full
    rows, k = np.nonzero(part)[0], last[part]
    inside, outside = u[rows, k], u[rows, k + 1]
    depth[part] = (k + 0.5) * h + (inside - threshold) / (inside - outside) * h
    return Front(float(depth.max()), float(depth.mean()))
