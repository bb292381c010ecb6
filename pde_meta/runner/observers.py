"""The observers of a run: the run file (snapshots, checkpoints, status) and progress."""

from __future__ import annotations

import time

from .controller import Controller, Observer
from .progress import Progress, run_text

__all__ = ["FileObserver", "ProgressObserver", "snapshot_values", "checkpoint_arrays",
           "table_rows"]


def snapshot_values(controller: Controller) -> dict:
    wall = controller.counters.wall
    return {c.name: (c.fields(), c.diagnostics(wall)) for c in controller.coupler}


def checkpoint_arrays(controller: Controller) -> dict:
    return {c.name: c.checkpoint() for c in controller.coupler}


def table_rows(controller: Controller) -> dict:
    """The rows each compartment's tables gained since the last call (they hand them
    over once)."""
    return {c.name: c.take_rows() for c in controller.coupler}


class FileObserver(Observer):
    """Writes a snapshot and a checkpoint at every output time, a checkpoint every
    ``checkpoint_seconds`` of wall-clock time in between, the ledger and the rows of the
    compartments' tables (with every checkpoint, which counts them), and the final
    status. On failure the last good state becomes the last snapshot and checkpoint."""

    def __init__(self, writer, rng_state: str, checkpoint_seconds: float) -> None:
        self.writer = writer
        self.rng_state = rng_state
        self.every = checkpoint_seconds
        self.last = time.perf_counter()

    def write_checkpoint(self, controller: Controller) -> None:
        w = self.writer
        if controller.coupler.exchanges:
            w.write_ledger(controller.coupler.ledger.rows)
        w.write_rows(table_rows(controller))
        c = controller.counters
        w.write_checkpoint(checkpoint_arrays(controller), t=controller.t,
                           wall_seconds=c.wall, steps=c.steps, rng_state=self.rng_state)
        self.last = time.perf_counter()

    def write_snapshot(self, controller: Controller) -> None:
        self.writer.write_snapshot(controller.t, snapshot_values(controller))

    def on_chunk(self, controller: Controller) -> None:
        now = time.perf_counter()
        if self.every > 0 and now - self.last >= self.every:
            self.write_checkpoint(controller)

    def on_output(self, controller: Controller) -> None:
        self.write_snapshot(controller)
        self.write_checkpoint(controller)

    def on_interrupt(self, controller: Controller) -> None:
        self.write_checkpoint(controller)  # resume continues from this very step

    def on_failure(self, controller: Controller, message: str) -> None:
        if controller.t > self.writer.last_time:
            self.write_snapshot(controller)
        self.write_checkpoint(controller)

    def on_finish(self, controller: Controller, status: str, message: str) -> None:
        self.writer.set_status(status, message if status != "complete" else "")


class ProgressObserver(Observer):
    """Reports simulated time, step, snapshots and speed through a :class:`Progress`."""

    def __init__(self, progress: Progress, writer, lead) -> None:
        self.progress, self.writer, self.lead = progress, writer, lead

    def _update(self, controller: Controller, with_rate: bool) -> None:
        lead = self.lead
        bar, line = run_text(controller.t, lead.dt, lead.step_count, self.writer.count,
                             len(controller.schedule),
                             controller.rate() if with_rate else 0.0)
        self.progress.update(controller.t, bar, line)

    def on_chunk(self, controller: Controller) -> None:
        self._update(controller, True)

    def on_output(self, controller: Controller) -> None:
        self._update(controller, False)

    def on_finish(self, controller: Controller, status: str, message: str) -> None:
        self.progress.close()
