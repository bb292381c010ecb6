"""Field tables: every model declares its fields once, as a :class:`FieldTable`.

A field's name, literature symbol, units, allowed range, description and plot style are
written in one :class:`FieldSpec`; state views, initial-value checks, HDF5 attributes, plot
styles and ``pde-meta info`` columns are all read from the table. The order of the table
is the order of the planes of the model's state array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["FieldSpec", "FieldTable"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model.

    Attributes
    ----------
    name : str
        Spelled the same in code, configs, HDF5 and plots.
    symbol : str
        Literature symbol (``n``, ``f``, ...).
    units : str
        Model units (``"1"`` for a fraction, or the field's own scale symbol).
    low, high : float
        Allowed range of its values (``math.inf`` for unbounded).
    description : str
        What it is, for humans (``"tumour cell density"``).
    cmap : str
        matplotlib colour map of its plots.
    summary : str or None
        ``"max"`` or ``"min"``: the per-snapshot extreme that is a diagnostic of the run.
    """

    name: str
    symbol: str
    units: str
    low: float
    high: float
    description: str
    cmap: str = "viridis"
    summary: str | None = None

    @property
    def long_name(self) -> str:
        return f"{self.description} {self.symbol}"

    def attrs(self) -> dict[str, str]:
        """Attributes of the field's HDF5 dataset (and of its xarray variable)."""
        return {"long_name": self.long_name, "symbol": self.symbol, "units": self.units,
                "description": self.description, "cmap": self.cmap}

    @property
    def summary_name(self) -> str | None:
        """Name of the diagnostic ``<name>_max`` / ``<name>_min``, if any."""
        return f"{self.name}_{self.summary}" if self.summary else None


class FieldTable:
    """The ordered fields of one model; plane ``k`` of the state array is ``specs[k]``."""

    def __init__(self, specs) -> None:
        self.specs: tuple[FieldSpec, ...] = tuple(specs)
        self.names: tuple[str, ...] = tuple(s.name for s in self.specs)
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"field names repeat: {self.names}")
        self._index = {name: k for k, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self):
        return iter(self.specs)

    def __contains__(self, name) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> FieldSpec:
        return self.specs[self.index(name)]

    def index(self, name: str) -> int:
        """Plane of ``name``; a :class:`KeyError` that lists the fields otherwise."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"unknown field {name!r}; the fields are {list(self.names)}"
                           ) from None

    def unknown(self, names) -> list[str]:
        """The names among ``names`` that are not fields, sorted."""
        return sorted(set(names) - set(self.names))

    def require_known(self, names, where: str) -> None:
        """Raise a :class:`ConfigError` naming ``where`` if any of ``names`` is unknown."""
        bad = self.unknown(names)
        if bad:
            raise ConfigError(f"{where}: unknown field(s) {bad}; the fields are "
                              f"{list(self.names)}")

    def ordered(self, names) -> tuple[str, ...]:
        """``names`` in table order (unknown names dropped)."""
        chosen = set(names)
        return tuple(n for n in self.names if n in chosen)

    def range_text(self, name: str) -> str:
        s = self[name]
        return f"[{s.low:g}, {s.high:g}]" if math.isfinite(s.high) else f"[{s.low:g}, inf)"
