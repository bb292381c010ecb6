r"""Colonisation of a tissue grid: the colonies that start in an organ (the cells that
extravasated there and began to divide) are placed at the grid's perfused blood vessels,
as MetaSpread places the cells that reach a secondary site, and grow there by the tissue
model.

Each unit of :math:`s` cells lands at a vessel point (a cell with ``blood > 0``) drawn
uniformly, and adds :math:`s / K` to the density of its phenotype there, with
:math:`K = \Delta x\, \Delta y / d^2` whole cells per grid cell at density 1 (``d`` the
cell diameter, as in :mod:`.intravasation`): the cells the grid gains are exactly the
cells handed to it.

A primed niche lays down matrix around the vessels first: :func:`deposit_matrix` raises
the ECM of every vessel point and of its four neighbours by ``amount``, up to 1 (the
matrix's packing), and returns what it added.
"""

from __future__ import annotations

import numpy as np

from .fields import FIELDS

__all__ = ["PHENOTYPES", "vessel_points", "place", "deposit_matrix"]

#: the fields that arriving cells may join: mesenchymal (``tumor``) or ``epithelial``
PHENOTYPES = ("tumor", "epithelial")
_V = FIELDS.index("blood")
_F = FIELDS.index("ecm")


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


def deposit_matrix(d: np.ndarray, amount: float) -> float:
    """Raise the ECM of state data ``d`` at the perfused vessels and their four neighbours
    by ``amount`` (at most up to 1), in place; returns the ECM added (summed over cells)."""
    near = d[_V] > 0
    grown = near.copy()
    grown[1:] |= near[:-1]
    grown[:-1] |= near[1:]
    grown[:, 1:] |= near[:, :-1]
    grown[:, :-1] |= near[:, 1:]
    f = d[_F]
    before = float(f[grown].sum())
    f[grown] = np.minimum(f[grown] + amount, np.maximum(f[grown], 1.0))
    return float(f[grown].sum()) - before
