"""Compartments that step on a fixed lattice of times ``k dt`` (a circulation, organs).

Such a compartment reports the time it was asked to reach, while its state is that of
the last lattice point at or before it: what arrives between two lattice points (an
exchange at a coupling time) joins at the next one, and the numbers a step draws are
those of its lattice index ``k``, whatever the coupling interval, the chunks of the
controller or a restart. While the state holds nothing (:meth:`LatticeCompartment._busy`
is false), the steps change nothing and draw nothing, and are skipped in one jump, up to
the next step at which something is scheduled (:meth:`LatticeCompartment._scheduled`: an
injection).
"""

from __future__ import annotations

import math

from .compartment import Compartment

__all__ = ["LatticeCompartment"]


class LatticeCompartment(Compartment):
    """A :class:`~.compartment.Compartment` on the lattice ``k * dt_model``.

    Subclasses set ``dt_model`` (the step in the run's time unit) and implement
    :meth:`_busy` and :meth:`_step`; ``lattice`` (the index of the last step taken) and
    ``_t`` belong in their checkpoint.
    """

    dt_model: float = 1.0
    lattice: int = 0
    _t: float = 0.0

    @property
    def t(self) -> float:
        return self._t

    @property
    def step_count(self) -> int:
        return self.lattice

    @property
    def dt(self) -> float:
        return self.dt_model

    def _busy(self) -> bool:
        """Whether a step could change anything."""
        raise NotImplementedError

    def _step(self, k: int) -> None:
        """Lattice step ``k``: from time ``k dt`` to ``(k + 1) dt``."""
        raise NotImplementedError

    def _scheduled(self) -> tuple[int, ...]:
        """The lattice steps at whose start something is scheduled, ascending (none)."""
        return ()

    def lattice_step(self, t: float) -> int:
        """The first lattice step that starts at or after time ``t``: what is scheduled at
        ``t`` happens at its start."""
        return max(0, int(math.ceil(t / self.dt_model - 1e-9)))

    def advance(self, t_end: float, max_steps: int | None = None) -> int:
        taken = 0
        tol = 1e-9 * max(1.0, abs(t_end))
        last = int(math.floor((t_end + tol) / self.dt_model))  # the last lattice point
        while (self.lattice + 1) * self.dt_model <= t_end + tol:
            if max_steps is not None and taken >= max_steps:
                self._t = max(self._t, self.lattice * self.dt_model)
                return taken
            if not self._busy() and self.lattice not in self._scheduled():
                later = [k for k in self._scheduled() if k > self.lattice]
                skip = max(1, min([last, *later]) - self.lattice)
                if max_steps is not None:
                    skip = min(skip, max_steps - taken)
                self.lattice += skip
                taken += skip
                continue
            self._step(self.lattice)
            self.lattice += 1
            taken += 1
        self._t = max(self._t, float(t_end))
        return taken
