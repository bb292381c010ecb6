"""The computational grid: a uniform, cell-centred rectangle with zero-flux walls."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import ConfigError
from .options import REQUIRED, Option, check_option

__all__ = ["Grid", "GRID_OPTIONS", "MAX_CELLS_PER_SIDE"]

#: largest number of cells along one side of the grid
MAX_CELLS_PER_SIDE = 16384

#: the rules of a grid: the ``[grid]`` section of a config, and :class:`Grid` itself
GRID_OPTIONS = (
    Option("shape", "ipair", REQUIRED, "`[ny, nx]`: cells along y and x (integers)",
           low=3, high=MAX_CELLS_PER_SIDE),
    Option("extent", "pair", (1.0, 1.0), "`[Ly, Lx]`: side lengths of the domain", low=0,
           low_open=True, units="L"),
)


@dataclass(frozen=True, kw_only=True)
class Grid:
    """Uniform cell-centred grid on ``[0, length_x] x [0, length_y]``.

    Arrays on the grid have shape ``(ny, nx)``: row ``i`` is the y index, column ``j``
    the x index. Cell ``(i, j)`` has its centre at ``((j + 1/2) dx, (i + 1/2) dy)``.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)``, the number of cells along y and x (each >= 3).
    extent : tuple of float
        ``(length_y, length_x)``, the side lengths of the domain (non-dimensional).
    """

    shape: tuple[int, int]
    extent: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self) -> None:
        checked, problems = {}, []
        for opt in GRID_OPTIONS:
            value = getattr(self, opt.key)
            if isinstance(value, np.ndarray):
                value = tuple(value.tolist())
            checked[opt.key], found = check_option(f"grid.{opt.key}", value, opt)
            if found:
                problems.append(found)
        if problems:
            raise ConfigError(" | ".join(problems))
        object.__setattr__(self, "shape", checked["shape"])
        object.__setattr__(self, "extent", checked["extent"])

    @classmethod
    def square(cls, n: int, length: float = 1.0) -> Grid:
        """An ``n x n`` grid on ``[0, length]^2``."""
        return cls(shape=(n, n), extent=(length, length))

    @property
    def ny(self) -> int:
        return self.shape[0]

    @property
    def nx(self) -> int:
        return self.shape[1]

    @property
    def dy(self) -> float:
        return self.extent[0] / self.shape[0]

    @property
    def dx(self) -> float:
        return self.extent[1] / self.shape[1]

    @property
    def cell_area(self) -> float:
        return self.dx * self.dy

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @cached_property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return (np.arange(self.nx) + 0.5) * self.dx

    @cached_property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``."""
        return (np.arange(self.ny) + 0.5) * self.dy

    def meshgrid(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Y, X)`` arrays of cell-centre coordinates, each of shape ``(ny, nx)``."""
        return np.meshgrid(self.y, self.x, indexing="ij")

    def integrate(self, values: np.ndarray) -> float:
        """The integral of a cell-average field over the domain."""
        return float(np.sum(values) * self.cell_area)
