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
* what it needs to continue bit for bit (:meth:`checkpoint`, :meth:`restore`).

Nothing here knows a model's field names: each model implements the interface in its
own package (the invasion model: :mod:`pde_meta.models.invasion.compartment`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Compartment", "Layout", "Coordinate", "Variable"]


@dataclass(frozen=True)
class Coordinate:
    """A dimension of a compartment's output: its values and attributes."""

    values: np.ndarray
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Variable:
    """An output variable over ``("time", *dims)`` with attributes."""

    dims: tuple[str, ...]
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """What a compartment stores: enough for a writer that knows nothing of models.

    Attributes
    ----------
    model : str
        The model name (``pde_meta.models.get_model``).
    coords : dict of str to Coordinate
        The dimensions of its fields besides time (``y``, ``x`` for a grid).
    fields : dict of str to Variable
        Snapshot variables over ``("time", *dims)``.
    diagnostics : dict of str to dict
        Scalar diagnostics per snapshot, with their attributes (``units``, ``long_name``).
    checkpoint : dict of str to (shape, dtype)
        The arrays :meth:`Compartment.checkpoint` returns.
    attrs : dict
        Attributes of the compartment's group (grid shape and extent, options).
    initial : ndarray or None
        The initial state, stored once.
    """

    model: str
    coords: dict
    fields: dict
    diagnostics: dict
    checkpoint: dict
    attrs: dict = field(default_factory=dict)
    initial: np.ndarray | None = None


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
