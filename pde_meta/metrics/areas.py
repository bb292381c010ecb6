"""Masses, areas and detached clusters of a field above a threshold."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ..core.grid import Grid
from .base import DEFAULT_HYPOXIA_THRESHOLD, DEFAULT_TUMOR_THRESHOLD, field_array, structure

__all__ = ["Clusters", "tumor_mass", "invaded_area", "hypoxic_area", "detached_clusters"]


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
    labels, count = ndimage.label(n > threshold, structure=structure(connectivity))
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
