"""The model state: every field in one contiguous ``(field, y, x)`` array, plus time and step."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .grid import Grid

__all__ = ["FIELDS", "FIELD_SYMBOLS", "FIELD_DESCRIPTIONS", "State"]

#: The fields, always in this order.
FIELDS: tuple[str, ...] = ("tumor", "ecm", "membrane", "mmp", "oxygen")
FIELD_SYMBOLS = {"tumor": "n", "ecm": "f", "membrane": "b", "mmp": "m", "oxygen": "c"}
FIELD_DESCRIPTIONS = {
    "tumor": "tumour cell density",
    "ecm": "extracellular matrix density",
    "membrane": "basement membrane density",
    "mmp": "matrix metalloproteinase concentration",
    "oxygen": "oxygen concentration",
}


@dataclass(eq=False)
class State:
    """All fields of the model at one time.

    Attributes
    ----------
    grid : Grid
    data : ndarray
        ``(5, ny, nx)`` float64, C-contiguous; ``data[k]`` is field ``FIELDS[k]``.
    t : float
        Simulated time.
    step : int
        Number of time steps taken to reach ``t``.
    """

    grid: Grid
    data: np.ndarray
    t: float = 0.0
    step: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = (len(FIELDS), *self.grid.shape)
        data = np.ascontiguousarray(self.data, dtype=np.float64)
        if data.shape != expected:
            raise ConfigError(f"state data has shape {data.shape}, expected {expected}")
        self.data = data

    @classmethod
    def from_fields(cls, grid: Grid, t: float = 0.0, step: int = 0, **fields) -> State:
        """Build a state from named arrays (or scalars); missing fields are zero."""
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise ConfigError(f"unknown field(s) {unknown}; the fields are {list(FIELDS)}")
        data = np.zeros((len(FIELDS), *grid.shape))
        for k, name in enumerate(FIELDS):
            if name in fields:
                data[k] = fields[name]
        return cls(grid, data, t=t, step=step)

    def __getitem__(self, name: str) -> np.ndarray:
        """A view of one field, by name."""
        try:
            return self.data[FIELDS.index(name)]
        except ValueError:
            raise KeyError(f"unknown field {name!r}; the fields are {list(FIELDS)}") from None

    tumor = property(lambda self: self.data[0])
    ecm = property(lambda self: self.data[1])
    membrane = property(lambda self: self.data[2])
    mmp = property(lambda self: self.data[3])
    oxygen = property(lambda self: self.data[4])

    def copy(self) -> State:
        return State(self.grid, self.data.copy(), t=self.t, step=self.step, meta=dict(self.meta))

    def fields(self) -> dict[str, np.ndarray]:
        """Named views of every field."""
        return {name: self.data[k] for k, name in enumerate(FIELDS)}

    def tumor_mass(self) -> float:
        """The integral of the tumour density."""
        return self.grid.integrate(self.data[0])

    def check_finite(self) -> tuple[str, int, int] | None:
        """``None`` if every value is finite, else ``(field, i, j)`` of the first bad value."""
        bad = ~np.isfinite(self.data)
        if not bad.any():
            return None
        k, i, j = (int(v) for v in np.argwhere(bad)[0])
        return FIELDS[k], i, j
