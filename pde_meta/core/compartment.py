"""The interface every compartment of a run implements, whatever it is inside.

A run is a set of named compartments (a tissue grid solved by numba kernels, a
circulation of cell counts, an organ's ODEs or size-structured PDE, ...), advanced
independently between coupling times, where exchanges move material between them
(:mod:`pde_meta.coupling`). The controller of :mod:`pde_meta.runner` drives them to
output times and hands what they report to the observers (snapshots, checkpoints,
progress). So a compartment says:

* where it is in time (:attr:`Compartment.t`) and how to get further
  (:meth:`Compartment.advance`, with its own steps: multi-rate coupling);
* what it stores (:meth:`Compartment.layout`: coordinates, fields with their attributes,
  diagnostics with units) and, at each output time, the values (:meth:`fields`,
  :meth:`diagnostics`);
* what it needs to continue bit for bit (:meth:`checkpoint`, :meth:`restore`);
* the rows of its event tables since the last time it was asked (:meth:`take_rows`,
  e.g. one row per cluster that entered the circulation), when it has tables.

Nothing here knows a model's field names: each model implements the interface in its
own package (the invasion model: :mod:`pde_meta.models.invasion.compartment`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Compartment", "Layout", "Coordinate", "Variable"]


@dataclass(frozen=True)
class Coordinate:
    """A dimension of a compartment's output: its values and attributes.

    ``values`` is a 1-D array of numbers (cell centres of a grid, sizes) or of ``str``
    (a ``<U`` or object array: organs, causes, segments); the run file stores strings as
    UTF-8 bytes and the readers give them back as ``str``."""

    values: np.ndarray
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Variable:
    """An output variable over ``("time", *dims)`` with attributes.

    ``dtype`` is the numpy dtype string of its values in the file (``"i8"`` for counts,
    ``"f8"``); ``None``, the default, is the compartment's float: ``f4`` when its
    ``Layout.attrs`` say ``float32``, else ``f8``."""

    dims: tuple[str, ...]
    attrs: dict = field(default_factory=dict)
    dtype: str | None = None


@dataclass(frozen=True)
class Layout:
    """What a compartment stores: enough for a writer that knows nothing of models.

    Attributes
    ----------
    model : str
        The model name (``pde_meta.models.get_model``).
    coords : dict of str to Coordinate
        The dimensions of its fields besides time (``y``, ``x`` for a grid; ``organ``
        with string values for a circulation).
    fields : dict of str to Variable
        Snapshot variables over ``("time", *dims)``.
    diagnostics : dict of str to dict
        Scalar diagnostics per snapshot, with their attributes (``units``, ``long_name``).
    checkpoint : dict of str to (shape, dtype)
        The arrays :meth:`Compartment.checkpoint` returns.
    attrs : dict
        Attributes of the compartment's group (grid shape and extent, options). A grid
        compartment has ``grid_shape``, ``grid_extent``, ``fields``, ``all_fields``;
        other kinds need none of them.
    initial : ndarray or None
        The initial state, stored once (``None``: nothing stored).
    tables : dict of str to dict
        Tables of event rows that grow during the run: table name -> ``{column name:
        (numpy dtype string, attrs dict)}``, e.g. ``{"events": {"t": ("f8", {"units":
        "T"}), "size": ("i8", {})}}``. A column of a string kind (``U``, ``S``, ``O``) is
        stored as 64-byte strings (UTF-8). :meth:`Compartment.take_rows` hands over the
        rows; every checkpoint holds the row counts, so a restart keeps exactly the rows
        up to its checkpoint.
    """

    model: str
    coords: dict
    fields: dict
    diagnostics: dict
    checkpoint: dict
    attrs: dict = field(default_factory=dict)
    initial: np.ndarray | None = None
    tables: dict = field(default_factory=dict)

    def nbytes(self, snapshots: int) -> tuple[int, int]:
        """``(file, state)``: about the bytes of ``snapshots`` snapshots of the fields and
        diagnostics and the two checkpoint slots, and of one checkpoint (8 bytes a
        value; the tables and the initial state are not counted)."""
        sizes = {name: len(c.values) for name, c in self.coords.items()}
        per = sum(math.prod(sizes[d] for d in v.dims) for v in self.fields.values())
        state = sum(math.prod(shape) for shape, _ in self.checkpoint.values()) * 8
        return snapshots * 8 * (per + len(self.diagnostics)) + 2 * state, state


class Compartment(ABC):
    """One compartment of a run. See the module docstring."""

    #: the compartment's name in the config and in the run file
    name: str = ""

    @property
    @abstractmethod
    def t(self) -> float:
        """The compartment's current time."""

    @abstractmethod
    def advance(self, t_end: float, max_steps: int | None = None) -> int:
        """Advance towards ``t_end`` with the compartment's own steps; stop at ``t_end``
        exactly or after ``max_steps`` steps. Returns the number of steps taken. Raises
        :class:`~pde_meta.errors.SimulationError` if it cannot continue; its state is
        then the last good one."""

    @property
    def step_count(self) -> int:
        """Steps taken since the start of the run (for progress reports)."""
        return 0

    @property
    def dt(self) -> float:
        """The step the compartment will try next (``nan`` if it has none)."""
        return float("nan")

    @property
    def size(self) -> int:
        """The number of unknowns one step updates (cell-updates per step)."""
        return 0

    @abstractmethod
    def layout(self) -> Layout:
        """What the compartment stores (the same for the whole run)."""

    @abstractmethod
    def fields(self) -> dict[str, np.ndarray]:
        """The current values of the variables of :meth:`layout`."""

    @abstractmethod
    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        """The current scalar diagnostics (the names of :meth:`layout`)."""

    @abstractmethod
    def checkpoint(self) -> dict[str, np.ndarray]:
        """Everything needed to continue bit for bit, as arrays of :meth:`layout`."""

    @abstractmethod
    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Continue from what :meth:`checkpoint` returned."""

    def take_rows(self) -> dict[str, dict[str, np.ndarray]]:
        """The rows added to each table of :attr:`Layout.tables` since the previous call:
        ``{table: {column: 1-D array}}``, all columns of a table of the same length and
        every column of the layout present; a table without new rows may be left out.
        The compartment forgets the rows it returns (the run file has them from then on,
        and its checkpoints count them). The default: no tables, ``{}``."""
        return {}
