r"""Measures of fields on a grid: scalar numbers that describe one snapshot or a time series.

Every function here works on plain ``(ny, nx)`` numpy arrays laid out on a
:class:`~pde_meta.core.grid.Grid` (row ``i`` is y, column ``j`` is x, values are cell averages
sampled at cell centres). Which of them a model stores in ``/diagnostics`` is the
model's choice (the invasion model's: :mod:`pde_meta.models.invasion.diagnostics`).

Units
-----
The model is non-dimensional. Lengths are in the units of ``Grid.extent`` (``L``), areas
in ``L^2``, times in the simulation's time unit ``T``. A "mass" is the integral of a
density, ``sum(n) * dx * dy``, in units of ``n L^2``. Integrity, roughness and counts are
pure numbers.

Conventions
-----------
* A cell is *above* a threshold when its value is strictly greater than the threshold, and
  *below* it when strictly smaller. Areas are cell counts times the cell area (error at
  most half a cell per boundary cell).
* Connected regions are labelled with :func:`scipy.ndimage.label`. ``connectivity=1``
  (the default) joins cells that share a face, the neighbours the finite-volume solver
  couples; ``connectivity=2`` also joins cells that touch at a corner.
* Fronts, perimeters and contour areas use marching squares on the cell-centre grid
  (``contourpy``, the contour generator behind matplotlib): the threshold contour is the
  polygon through the points where the linear interpolation between neighbouring cell
  centres equals the threshold. On a smooth field this polygon is inscribed in the true
  level set, so lengths and radii converge at second order in the cell size (a perimeter
  is short by a relative ``O((h/R)^2)``). On a field that jumps from 0 to 1 between two
  cells the contour is a chamfered staircase: its length behaves like the 8-direction
  chain code and overestimates a curved boundary by about 5 % on average (Kulpa's factor
  0.948), exactly 0 for boundaries along the axes or the diagonals. Contours stop at the
  outermost cell centres: a region that touches a wall has no front along that wall.
* Points are ``(x, y)``, as in :mod:`pde_meta.initial`.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from .core.grid import Grid
from .errors import ConfigError

__all__ = [
    "DEFAULT_TUMOR_THRESHOLD", "DEFAULT_MEMBRANE_THRESHOLD", "DEFAULT_BAND_THRESHOLD",
    "DEFAULT_HYPOXIA_THRESHOLD", "DEFAULT_ESCAPE_THRESHOLD",
    "Front", "Clusters", "MembraneRegions", "field_array",
    "tumor_mass", "invaded_area", "hypoxic_area", "threshold_contours", "perimeter",
    "contour_area", "roughness", "front_radius", "band_depth", "front_speed",
    "detached_clusters", "membrane_regions", "membrane_min_integrity", "membrane_breaches",
    "membrane_barrier", "mass_beyond_membrane", "crossing_time", "breach_time",
]

log = logging.getLogger(__name__)

#: tumour density above which a cell counts as invaded (Anderson 2005 plots 0.1 contours)
DEFAULT_TUMOR_THRESHOLD = 0.1
#: membrane integrity below which a membrane cell counts as breached
DEFAULT_MEMBRANE_THRESHOLD = 0.5
#: initial membrane density above which a cell belongs to the membrane band
DEFAULT_BAND_THRESHOLD = 0.5
#: oxygen below which a cell is hypoxic (the model's default ``hypoxia_threshold`` c_h)
DEFAULT_HYPOXIA_THRESHOLD = 0.2
#: tumour density beyond the membrane that counts as an escape (Martin et al. 2010 style)
DEFAULT_ESCAPE_THRESHOLD = 0.05

_WALLS = ("left", "right", "bottom", "top")

class Front(NamedTuple):
    """Position of an invasion front: its furthest and its mean extent [L]."""

    max: float
    mean: float


class Clusters(NamedTuple):
    """Connected tumour regions above a threshold, split into the main mass and the rest.

    Attributes
    ----------
    count : int
        Number of detached clusters (regions other than the main mass).
    areas : ndarray
        Area of each detached cluster [L^2], largest mass first.
    masses : ndarray
        Tumour mass of each detached cluster [n L^2], in the same order.
    main_area, main_mass : float
        Area [L^2] and mass [n L^2] of the main mass (0 when there is no tumour).
    """

    count: int
    areas: np.ndarray
    masses: np.ndarray
    main_area: float
    main_mass: float


class MembraneRegions(NamedTuple):
    """The geometry of the initial basement membrane, as boolean ``(ny, nx)`` masks.

    Attributes
    ----------
    band : ndarray
        Cells where the initial membrane density exceeds the band threshold.
    enclosed : ndarray
        Cells on the tumour's side of the membrane (not in the band).
    beyond : ndarray
        Cells on the other side: neither in the band nor reachable from the tumour's side
        without crossing the band. Empty when the membrane does not separate the domain.
    """

    band: np.ndarray
    enclosed: np.ndarray
    beyond: np.ndarray


# --------------------------------------------------------------------------- helpers


def field_array(values, grid: Grid, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.shape != grid.shape:
        raise ConfigError(f"metrics: {name} has shape {a.shape}, the grid is {grid.shape} "
                          f"(ny, nx); fix: pass one snapshot on this grid")
    return a


def _structure(connectivity: int) -> np.ndarray:
    if connectivity not in (1, 2):
        raise ConfigError(f"metrics: connectivity = {connectivity!r}; allowed: 1 (cells "
                          f"sharing a face) or 2 (also cells sharing a corner)")
    return ndimage.generate_binary_structure(2, connectivity)


def _contour_generator(field: np.ndarray, grid: Grid):
    import contourpy

    return contourpy.contour_generator(grid.x, grid.y, field, line_type="Separate",
                                       fill_type="OuterOffset")


def _line_length(points: np.ndarray) -> float:
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0


def _ring_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


# --------------------------------------------------------------------------- areas and masses


def tumor_mass(tumor, grid: Grid) -> float:
    """Total tumour mass, the integral of the density over the domain [n L^2]."""
    return grid.integrate(field_array(tumor, grid, "tumor"))


def invaded_area(tumor, grid: Grid, *, threshold: float = DEFAULT_TUMOR_THRESHOLD) -> float:
    """Area where the tumour density exceeds ``threshold`` [L^2].

    Parameters
    ----------
    tumor : array_like, shape (ny, nx)
    grid : Grid
    threshold : float, default 0.1
        Density above which a cell counts as invaded.
    """
    return float(np.count_nonzero(field_array(tumor, grid, "tumor") > threshold) * grid.cell_area)


def hypoxic_area(oxygen, grid: Grid, *, threshold: float = DEFAULT_HYPOXIA_THRESHOLD
                 ) -> float:
    """Area where oxygen is below ``threshold`` [L^2].

    Parameters
    ----------
    oxygen : array_like, shape (ny, nx)
    grid : Grid
    threshold : float, default 0.2
        Oxygen level below which tissue is hypoxic; the default is the model's default
        hypoxia threshold ``c_h``.
    """
    return float(np.count_nonzero(field_array(oxygen, grid, "oxygen") < threshold)
                 * grid.cell_area)


# --------------------------------------------------------------------------- contours


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
    return [np.asarray(line, dtype=np.float64) for line in _contour_generator(f, grid)
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
    polygons, offsets = _contour_generator(f, grid).filled(threshold, top + 1.0)
    area = 0.0
    for points, offs in zip(polygons, offsets, strict=True):
        rings = [_ring_area(points[a:b]) for a, b in zip(offs[:-1], offs[1:], strict=True)]
        area += rings[0] - sum(rings[1:])
    return area


def _without_holes(field: np.ndarray, threshold: float, keep=None) -> np.ndarray:
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
    n = _without_holes(field_array(tumor, grid, "tumor"), threshold)
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

    labels, count = ndimage.label(above, structure=_structure(connectivity))
    masses = ndimage.sum_labels(n, labels, index=np.arange(1, count + 1))
    outline = _without_holes(n, threshold, keep=labels == 1 + int(np.argmax(masses)))
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
    raise ConfigError(f"metrics: wall = {wall!r} is not allowed; allowed: {', '.join(_WALLS)}")


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


def front_speed(times, positions) -> np.ndarray:
    """Front speed from consecutive snapshots [L/T].

    Parameters
    ----------
    times : array_like, shape (k,)
        Strictly increasing snapshot times [T].
    positions : array_like, shape (k,)
        Front position at each time [L] (a radius or a depth).

    Returns
    -------
    ndarray, shape (k,)
        ``(p[i] - p[i-1]) / (t[i] - t[i-1])``, the mean speed over the interval that ends
        at snapshot ``i``; NaN at ``i = 0``.
    """
    t, p = _series(times, positions, "positions")
    speed = np.full(t.shape, np.nan)
    speed[1:] = np.diff(p) / np.diff(t)
    return speed


# --------------------------------------------------------------------------- clusters


def detached_clusters(tumor, grid: Grid, *, threshold: float = DEFAULT_TUMOR_THRESHOLD,
                      connectivity: int = 1, enclosed: bool = False) -> Clusters:
    """Tumour regions above ``threshold`` that are not connected to the main mass.

    The regions are labelled with :func:`scipy.ndimage.label`; the main mass is the region
    with the largest tumour mass, every other region is a detached cluster. By default a
    region lying in a hole of the main mass (a core left behind inside a hollow tumour)
    is not counted: it is surrounded by the tumour, not ahead of it.

    Parameters
    ----------
    tumor : array_like, shape (ny, nx)
    grid : Grid
    threshold : float, default 0.1
    connectivity : {1, 2}, default 1
        1: cells sharing a face are connected; 2: cells sharing a corner as well.
    enclosed : bool, default False
        Count the regions inside holes of the main mass as well.

    Returns
    -------
    Clusters
    """
    n = field_array(tumor, grid, "tumor")
    labels, count = ndimage.label(n > threshold, structure=_structure(connectivity))
    if count == 0:
        return Clusters(0, np.zeros(0), np.zeros(0), 0.0, 0.0)
    index = np.arange(1, count + 1)
    masses = ndimage.sum_labels(n, labels, index=index) * grid.cell_area
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:] * grid.cell_area
    order = np.argsort(-masses, kind="stable")
    main, rest = order[0], order[1:]
    if not enclosed and rest.size:
        inside = ndimage.binary_fill_holes(labels == main + 1)
        held = np.unique(labels[inside]) - 1
        rest = rest[~np.isin(rest, held)]
    return Clusters(int(rest.size), areas[rest].astype(float), masses[rest].astype(float),
                    float(areas[main]), float(masses[main]))


# --------------------------------------------------------------------------- membrane


def membrane_regions(initial_membrane, grid: Grid, *, initial_tumor=None, center=None,
                     band_threshold: float = DEFAULT_BAND_THRESHOLD) -> MembraneRegions:
    """Split the domain by the initial basement membrane into band, enclosed and beyond.

    The band is where ``initial_membrane > band_threshold``. The rest of the domain is
    split into face-connected regions with the band as a wall; the enclosed region is the
    one holding the most initial tumour mass or, without an initial tumour, the one that
    contains ``center``. Every other region is *beyond* the membrane: outside a ring,
    across a line. This works for any membrane shape.

    Parameters
    ----------
    initial_membrane : array_like, shape (ny, nx)
    grid : Grid
    initial_tumor : array_like, optional
        The initial tumour density; it decides which side is enclosed.
    center : (float, float), optional
        ``(x, y)`` of a point on the tumour's side [L], used without ``initial_tumor``.
    band_threshold : float, default 0.5

    Returns
    -------
    MembraneRegions
    """
    b0 = field_array(initial_membrane, grid, "initial membrane")
    band = b0 > band_threshold
    labels, count = ndimage.label(~band, structure=_structure(1))
    if count == 0:
        empty = np.zeros(grid.shape, dtype=bool)
        return MembraneRegions(band, empty, empty.copy())
    pick = 0
    if initial_tumor is not None:
        masses = ndimage.sum_labels(field_array(initial_tumor, grid, "initial tumor"), labels,
                                    index=np.arange(1, count + 1))
        if masses.max() > 0:
            pick = 1 + int(np.argmax(masses))
    if pick == 0 and center is not None:
        j = min(max(int(center[0] // grid.dx), 0), grid.nx - 1)
        i = min(max(int(center[1] // grid.dy), 0), grid.ny - 1)
        pick = int(labels[i, j])
    if pick == 0:
        raise ConfigError("metrics: cannot tell which side of the membrane holds the "
                          "tumour; fix: pass an initial tumour with positive mass, or a "
                          "center that lies off the membrane band")
    enclosed = labels == pick
    beyond = ~band & ~enclosed
    if band.any() and not beyond.any():
        log.warning("the initial membrane does not separate the domain: nothing lies "
                    "beyond it, so breaches and escaped tumour mass stay 0")
    return MembraneRegions(band, enclosed, beyond)


def membrane_min_integrity(membrane, band) -> float:
    """The smallest membrane density over the band of the initial membrane [1].

    Parameters
    ----------
    membrane : array_like, shape (ny, nx)
        The membrane density now.
    band : ndarray of bool
        The cells of the initial membrane (:attr:`MembraneRegions.band`).

    Returns
    -------
    float
        NaN when the band is empty.
    """
    b = np.asarray(membrane, dtype=np.float64)
    band = np.asarray(band, dtype=bool)
    return float(b[band].min()) if band.any() else float("nan")


def membrane_breaches(membrane, regions: MembraneRegions, *,
                      threshold: float = DEFAULT_MEMBRANE_THRESHOLD,
                      connectivity: int = 1) -> int:
    """Number of openings through the membrane band.

    Cells of the band whose density is below ``threshold`` are labelled as connected
    regions (:func:`scipy.ndimage.label`, in the grid, so a ring needs no special care
    about angles: a gap across the direction where an angle would wrap is one region).
    A region is an opening when it crosses the band: it touches, by a face, both the
    enclosed side and the beyond side. Thinning that does not go through the band is not
    counted (see :func:`membrane_min_integrity` for it).

    Limitation: two openings whose breached cells are joined through the band, e.g. along
    a face of the band that has worn below ``threshold`` between them, count as one.

    Parameters
    ----------
    membrane : array_like, shape (ny, nx)
    regions : MembraneRegions
        From :func:`membrane_regions` on the initial membrane.
    threshold : float, default 0.5
    connectivity : {1, 2}, default 1

    Returns
    -------
    int
    """
    b = np.asarray(membrane, dtype=np.float64)
    breached = regions.band & (b < threshold)
    if not breached.any() or not regions.beyond.any():
        return 0
    labels, _ = ndimage.label(breached, structure=_structure(connectivity))
    cross = _structure(1)
    near_in = ndimage.binary_dilation(regions.enclosed, structure=cross)
    near_out = ndimage.binary_dilation(regions.beyond, structure=cross)
    touching_in = set(np.unique(labels[near_in & breached]).tolist())
    touching_out = set(np.unique(labels[near_out & breached]).tolist())
    return len((touching_in & touching_out) - {0})


def membrane_barrier(membrane, regions: MembraneRegions, *, connectivity: int = 1) -> float:
    """The integrity of the weakest path through the membrane band [1].

    Over every path of connected cells from the enclosed side to the beyond side, take
    the largest membrane density the path crosses; the barrier is the smallest of these.
    It is 1 for an intact membrane of density 1 and falls below a threshold exactly when
    an opening through the band appears at that threshold (:func:`membrane_breaches`
    counts them), whereas :func:`membrane_min_integrity` falls as soon as any cell thins.
    Found by bisection over the band's values, one labelling per step.

    Parameters
    ----------
    membrane : array_like, shape (ny, nx)
    regions : MembraneRegions
        From :func:`membrane_regions` on the initial membrane.
    connectivity : {1, 2}, default 1

    Returns
    -------
    float
        NaN when nothing lies beyond the membrane.
    """
    if not regions.beyond.any() or not regions.enclosed.any():
        return float("nan")
    b = np.asarray(membrane, dtype=np.float64)
    structure = _structure(connectivity)
    levels = np.unique(b[regions.band])
    free = ~regions.band

    def through(level: float) -> bool:
        labels, _ = ndimage.label(free | (regions.band & (b <= level)), structure=structure)
        inside = np.unique(labels[regions.enclosed])
        return bool(np.isin(labels[regions.beyond], inside).any())

    lo, hi = 0, levels.size - 1
    if not through(levels[hi]):
        return float("nan")
    while lo < hi:
        mid = (lo + hi) // 2
        if through(levels[mid]):
            hi = mid
        else:
            lo = mid + 1
    return float(levels[lo])


def mass_beyond_membrane(tumor, grid: Grid, regions: MembraneRegions) -> float:
    """Tumour mass beyond the initial membrane, outside the band [n L^2]."""
    return float(np.sum(field_array(tumor, grid, "tumor")[regions.beyond]) * grid.cell_area)


# --------------------------------------------------------------------------- time series


def _series(times, values, name: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if t.shape != v.shape:
        raise ConfigError(f"metrics: {len(t)} times but {len(v)} {name}; fix: give one "
                          f"value per snapshot")
    if np.any(np.diff(t) <= 0):
        raise ConfigError("metrics: snapshot times must increase strictly; fix: sort the "
                          "snapshots and drop duplicates")
    return t, v


def crossing_time(times, values, threshold: float, *, direction: str = "below") -> float:
    """First time a series goes below (or above) ``threshold``, interpolated linearly [T].

    Parameters
    ----------
    times : array_like, shape (k,)
        Strictly increasing snapshot times.
    values : array_like, shape (k,)
    threshold : float
    direction : {"below", "above"}, default "below"

    Returns
    -------
    float
        ``times[0]`` if the first value is already past ``threshold``; the time at which
        the straight line between the last value not past it and the first value past it
        meets ``threshold``; NaN if no value is past it. NaN values are never past.
    """
    if direction not in ("below", "above"):
        raise ConfigError(f"metrics: direction = {direction!r}; allowed: below, above")
    t, v = _series(times, values, "values")
    past = (v < threshold) if direction == "below" else (v > threshold)
    if not past.any():
        return float("nan")
    k = int(np.argmax(past))
    if k == 0:
        return float(t[0])
    v0, v1 = v[k - 1], v[k]
    if not np.isfinite(v0):
        return float(t[k])
    return float(t[k - 1] + (v0 - threshold) / (v0 - v1) * (t[k] - t[k - 1]))


def breach_time(times, min_integrity, *, threshold: float = DEFAULT_MEMBRANE_THRESHOLD
                ) -> float:
    """Membrane breach time: when the minimum integrity first falls below ``threshold`` [T].

    Interpolated linearly between the two snapshots around the crossing (see
    :func:`crossing_time`); NaN if the membrane never falls below ``threshold``.

    Parameters
    ----------
    times : array_like, shape (k,)
    min_integrity : array_like, shape (k,)
        :func:`membrane_min_integrity` at each time.
    threshold : float, default 0.5
    """
    return crossing_time(times, min_integrity, threshold, direction="below")


# --------------------------------------------------------------------------- collections
