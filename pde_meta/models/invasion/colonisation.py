r"""Colonisation of a tissue grid: the colonies that start in an organ (the cells that
extravasated there and began to divide) are placed at the grid's perfused blood vessels,
as MetaSpread places the cells that reach a secondary site, and grow there by the tissue
model.

Each unit of :math:`s` cells lands at a vessel point (a cell with ``blood > 0``) drawn
uniformly, and adds :math:`s / K` to the density of its phenotype there, with
:math:`K = \Delta x\, \Delta y / d^2` whole cells per grid cell at density 1 (``d`` the
cell diameter, as in :mod:`.intravasation`): the cells the grid gains are exactly the
cells handed to it.
"""

from __future__ import annotations

import numpy as np

from .fields import FIELDS

__all__ = ["PHENOTYPES", "vessel_points", "place"]

#: the fields that arriving cells may join: mesenchymal (``tumor``) or ``epithelial``
PHENOTYPES = ("tumor", "epithelial")
_V = FIELDS.index("blood")


def vessel_points(d: np.ndarray) -> np.ndarray:
    """Flat indices of the perfused blood vessel points of state data ``d``."""
    return np.flatnonzero(d[_V] > 0)


def place(d: np.ndarray, units: np.ndarray, per_unit: float, rng: np.random.Generator,
          phenotype: str = "tumor") -> np.ndarray:
    """Add ``units[s]`` units of ``s + 1`` cells to state data ``d`` in place, each at a
    vessel point drawn uniformly, as density ``(s + 1) / per_unit``; returns the flat
    index of each unit's point (in the order of ``units``)."""
    points = vessel_points(d)
    units = np.asarray(units, dtype=np.int64)
    if not points.size:
        raise ValueError("the tissue has no perfused blood vessel to place colonies at")
    cells = np.repeat(np.arange(1, units.size + 1), units)
    at = points[rng.integers(0, points.size, cells.size)]
    plane = d[FIELDS.index(phenotype)].reshape(-1)
    np.add.at(plane, at, cells / per_unit)
    return at
