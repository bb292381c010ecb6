"""The controller: one loop that drives a run's compartments to every output time and
calls the observers.

The :class:`~pde_meta.coupling.Coupler` advances the compartments (each with its own
steps, exchanges at coupling times); the controller asks it for chunks of steps that
take about :data:`CHUNK_SECONDS` of wall-clock time each (chunking never changes the
results), and calls every observer

* ``on_chunk(controller)`` after each chunk (progress, wall-clock checkpoints),
* ``on_output(controller)`` at each output time (snapshots and checkpoints),
* ``on_failure(controller, message)`` when a compartment cannot go on (it is left at its
  last good state), ``on_interrupt(controller)`` after a Ctrl-C taken between two chunks,
  and ``on_finish(controller, status, message)`` at the end.

Observers are what make a run visible; the controller and the compartments never touch a
file or a terminal.

Ctrl-C (SIGINT) is taken at a safe point: while the controller runs in the main thread,
the first SIGINT only sets a flag, which the loop checks after every chunk (a quarter of a
second at most) and turns into a ``KeyboardInterrupt`` there; the default handler would
raise it wherever the interpreter happens to be, also inside a finaliser or a weakref
callback, where Python prints "Exception ignored" and goes on. A second Ctrl-C raises at
once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..coupling import Coupler
from ..errors import SimulationError

__all__ = ["Controller", "Counters", "Observer", "Interrupts", "CHUNK_SECONDS"]

#: wall-clock seconds one chunk of steps aims at (progress and checkpoint granularity)
CHUNK_SECONDS = 0.25
#: relative tolerance of output times
TIME_TOLERANCE = 1e-9


@dataclass
class Counters:
    """Stepping time and steps (summed over compartments): of the whole run (all sessions)
    and of this session; ``session_updates`` counts cell-updates (each compartment's
    steps times its unknowns)."""

    wall: float = 0.0
    steps: int = 0
    session_wall: float = 0.0
    session_steps: int = 0
    session_updates: int = 0

    def add(self, seconds: float, steps: int, updates: int) -> None:
        self.wall += seconds
        self.session_wall += seconds
        self.steps += steps
        self.session_steps += steps
        self.session_updates += updates


class Interrupts:
    """SIGINT as a flag while a run is inside the controller (main thread only)."""

    def __init__(self) -> None:
        self.requested = False
        self.safe = False
        self.previous = None

    def _handler(self, signum, frame) -> None:
        if self.requested:  # the second Ctrl-C: stop now
            signal.signal(signal.SIGINT, self.previous or signal.default_int_handler)
            raise KeyboardInterrupt
        self.requested = True

    @contextlib.contextmanager
    def deferred(self):
        main = threading.current_thread() is threading.main_thread()
        if main:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            if main:
                signal.signal(signal.SIGINT, self.previous or signal.default_int_handler)

    def check(self) -> None:
        """Raise the deferred ``KeyboardInterrupt`` (at a point where every compartment
        holds a whole step: ``safe``)."""
        if self.requested:
            self.requested = False
            self.safe = True
            raise KeyboardInterrupt


class Observer:
    """Base of the observers: every hook does nothing."""

    def on_chunk(self, controller: Controller) -> None:
        """After each chunk of steps."""

    def on_output(self, controller: Controller) -> None:
        """At each output time (after the compartments reached it)."""

    def on_interrupt(self, controller: Controller) -> None:
        """Ctrl-C between two chunks: every compartment holds a whole step."""

    def on_failure(self, controller: Controller, message: str) -> None:
        """A compartment failed; every compartment holds its last good state."""

    def on_finish(self, controller: Controller, status: str, message: str) -> None:
        """The run ended with ``status`` (complete, failed, interrupted)."""


class Controller:
    """Drive ``coupler`` through ``schedule`` (ascending output times).

    ``done`` is the last output time already written (a resumed run skips up to it).
    """

    def __init__(self, coupler: Coupler, schedule, observers=(), *,
                 counters: Counters | None = None, done: float = -np.inf) -> None:
        self.coupler = coupler
        self.schedule = np.asarray(schedule, dtype=float)
        self.observers = list(observers)
        self.counters = counters or Counters()
        self.done = done
        self.outputs = 0
        self.interrupts = Interrupts()

    @property
    def t(self) -> float:
        return self.coupler.t

    @property
    def cells(self) -> int:
        """Unknowns updated per step, all compartments together."""
        return sum(c.size for c in self.coupler)

    def rate(self) -> float:
        """Cell-updates per second of this session."""
        c = self.counters
        return c.session_updates / max(c.session_wall, 1e-12)

    def _call(self, hook: str, *args) -> None:
        for observer in self.observers:
            getattr(observer, hook)(self, *args)

    def run(self) -> tuple[str, str]:
        """Run to the end of the schedule; returns ``(status, message)``. A
        :class:`SimulationError` of a compartment ends the run as ``failed``; an
        interruption (Ctrl-C) is reported as ``interrupted`` and raised again."""
        try:
            with self.interrupts.deferred():
                self._loop()
        except SimulationError as exc:
            message = " ".join(str(exc).split())
            self._call("on_failure", message)
            self._call("on_finish", "failed", message)
            return "failed", message
        except KeyboardInterrupt:
            if self.interrupts.safe:
                self._call("on_interrupt")
            self._call("on_finish", "interrupted",
                       "stopped by the user; continue with pde-meta resume")
            raise
        except BaseException as exc:
            self._call("on_finish", "failed", f"{type(exc).__name__}: {exc}")
            raise
        self._call("on_finish", "complete", "")
        return "complete", ""

    def _loop(self) -> None:
        tol = TIME_TOLERANCE * max(1.0, float(self.schedule[-1]))
        chunk = 16
        for t_out in self.schedule:
            if t_out <= self.done + tol or t_out < self.t - tol:
                continue
            while self.t < t_out:
                before = [c.step_count for c in self.coupler]
                start = time.perf_counter()
                taken = self.coupler.advance(float(t_out), max_steps=chunk)
                elapsed = time.perf_counter() - start
                updates = sum(c.size * (c.step_count - b)
                              for c, b in zip(self.coupler, before, strict=True))
                self.counters.add(elapsed, taken, updates)
                self.interrupts.check()
                if elapsed > 0:
                    chunk = int(min(max(chunk * CHUNK_SECONDS / elapsed, 1), 4 * chunk,
                                    10**7))
                self._call("on_chunk")
            self.outputs += 1
            self.done = float(t_out)
            self._call("on_output")
            self.interrupts.check()
