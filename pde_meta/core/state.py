"""The state of a grid model: every field in one contiguous ``(field, y, x)`` array, plus
time and step. A model binds it to its field table with :func:`state_class`, which also
gives each field a named view."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from .fields import FieldTable
from .grid import Grid

__all__ = ["GridState", "state_class"]


@dataclass(eq=False)
class GridState:
    """All fields of a grid model at one time.

    Attributes
    ----------
    grid : Grid
    data : ndarray
        ``(len(TABLE), ny, nx)`` float64, C-contiguous; ``data[k]`` is field
        ``TABLE.names[k]``.
    t : float
        Simulated time.
    step : int
        Number of time steps taken to reach ``t``.
    """

    TABLE = FieldTable(())

    grid: Grid
    data: np.ndarray
    t: float = 0.0
    step: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = (len(self.TABLE), *self.grid.shape)
        data = np.ascontiguousarray(self.data, dtype=np.float64)
        if data.shape != expected:
            raise ConfigError(f"state data has shape {data.shape}, expected {expected}")
        self.data = data

    @classmethod
    def from_fields(cls, grid: Grid, t: float = 0.0, step: int = 0, **fields):
        """Build a state from named arrays (or scalars); missing fields are zero."""
        unknown = cls.TABLE.unknown(fields)
        if unknown:
            raise ConfigError(f"unknown field(s) {unknown}; the fields are "
                              f"{list(cls.TABLE.names)}")
        data = np.zeros((len(cls.TABLE), *grid.shape))
        for k, name in enumerate(cls.TABLE.names):
            if name in fields:
                data[k] = fields[name]
        return cls(grid, data, t=t, step=step)

    def __getitem__(self, name: str) -> np.ndarray:
        """A view of one field, by name."""
        return self.data[self.TABLE.index(name)]

    def copy(self):
        return type(self)(self.grid, self.data.copy(), t=self.t, step=self.step,
                          meta=dict(self.meta))

    def fields(self) -> dict[str, np.ndarray]:
        """Named views of every field."""
        return {name: self.data[k] for k, name in enumerate(self.TABLE.names)}

    def check_finite(self) -> tuple[str, int, int] | None:
        """``None`` if every value is finite, else ``(field, i, j)`` of the first bad value."""
        bad = ~np.isfinite(self.data)
        if not bad.any():
            return None
        k, i, j = (int(v) for v in np.argwhere(bad)[0])
        return self.TABLE.names[k], i, j


def _view(k: int, doc: str) -> property:
    return property(lambda self: self.data[k], doc=doc)


def state_class(name: str, table: FieldTable, module: str, doc: str = "",
                methods: dict | None = None) -> type:
    """A :class:`GridState` subclass over ``table`` with a named view per field."""
    namespace = {"TABLE": table, "__module__": module, "__doc__": (doc or GridState.__doc__)}
    for k, spec in enumerate(table):
        namespace[spec.name] = _view(k, f"{spec.description} ({spec.symbol}), a view")
    namespace.update(methods or {})
    return type(name, (GridState,), namespace)
