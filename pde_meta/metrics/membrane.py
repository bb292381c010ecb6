"""The basement membrane: its band, integrity, breaches, barrier and what lies beyond it."""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ..core.grid import Grid
from ..errors import ConfigError
from .base import DEFAULT_BAND_THRESHOLD, DEFAULT_MEMBRANE_THRESHOLD, field_array, structure

log = logging.getLogger(__name__)

__all__ = ["MembraneRegions", "membrane_regions", "membrane_min_integrity", "membrane_breaches",
           "membrane_barrier", "mass_beyond_membrane"]


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
    labels, count = ndimage.label(~band, structure=structure(1))
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
    labels, _ = ndimage.label(breached, structure=structure(connectivity))
    cross = structure(1)
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
    neighbours = structure(connectivity)
    levels = np.unique(b[regions.band])
    free = ~regions.band

    def through(level: float) -> bool:
        labels, _ = ndimage.label(free | (regions.band & (b <= level)), structure=neighbours)
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
