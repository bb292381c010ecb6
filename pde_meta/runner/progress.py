"""Progress of a quantity with a unit: a tqdm bar on a terminal, log lines otherwise, or
nothing. One class serves a run (simulated time ``T``, through
:class:`~pde_meta.runner.observers.ProgressObserver`) and a batch of runs or a sweep
(runs or members done, through :func:`pde_meta.sweep.batch.run_tasks`)."""

from __future__ import annotations

import logging
import math
import sys
import time

from ..errors import ConfigError

__all__ = ["Progress", "MODES", "duration", "run_text", "LOG_EVERY"]

log = logging.getLogger("pde_meta.runner")

#: seconds between progress log lines when not on a terminal (``every=None``)
LOG_EVERY = 10.0

#: the progress modes; ``auto`` is ``bar`` when stderr is a terminal, else ``log``
MODES = ("auto", "bar", "log", "none")


class Progress:
    """Progress of a quantity going from ``start`` to ``end`` (in ``unit``): its percent
    is of the whole (0 to ``end``: a resumed run, or a sweep with members done before),
    the time left is estimated from the pace since ``start``.

    ``mode``: ``"bar"`` (tqdm on stderr), ``"log"`` (a log line at most every ``every``
    seconds, default :data:`LOG_EVERY`; ``0``: at each update), ``"none"``, or ``"auto"``.

    A run counts simulated time: ``Progress(mode, name, t0, t_end)``, with ``label="t"``
    (the default) its position reads ``t = 0.5 / 1``; ``snapshots`` and
    ``total_snapshots`` (written so far, scheduled), when given, make the bar's first
    postfix. A batch counts members or runs: ``Progress(mode, name, done, total,
    unit="members", label=None, every=0)`` reads ``3/8 members``.

    :meth:`update` moves to a position with a postfix text (the bar's; also the log
    line's unless ``line`` gives another), :meth:`advance` moves by an amount.
    """

    def __init__(self, mode: str, name: str, start: float, end: float,
                 snapshots: int | None = None, total_snapshots: int | None = None, *,
                 unit: str = "T", label: str | None = "t", every: float | None = None,
                 logger: logging.Logger | None = None):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        if mode not in MODES:
            raise ConfigError(f"progress = {mode!r} is not allowed; allowed: "
                              f"{', '.join(repr(m) for m in MODES)}")
        self.mode, self.name, self.unit, self.label = mode, name, unit, label
        self.start, self.end, self.value = start, end, start
        self.every = every
        self.log = logger or log
        self.started = time.perf_counter()
        self.last_log = self.started
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=end, initial=start, desc=name, file=sys.stderr,
                            unit=unit, dynamic_ncols=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                                       "[{elapsed}<{remaining}{postfix}]")
        if self.bar is not None:  # the first postfix; no log line for the start
            postfix = ""
            if snapshots is not None and total_snapshots is not None:
                postfix = run_text(start, math.nan, 0, snapshots, total_snapshots, 0.0)[0]
            self.update(start, postfix)

    def fraction(self) -> float:
        """How much of the whole (0 to ``end``) is done; 1 when ``end`` is 0."""
        return min(max(self.value / self.end, 0.0), 1.0) if self.end > 0 else 1.0

    def eta(self) -> float:
        """Seconds left at the pace since ``start`` (``inf`` before any progress)."""
        done, left = self.value - self.start, self.end - self.value
        if left <= 0:
            return 0.0
        return (time.perf_counter() - self.started) * left / done if done > 0 else math.inf

    def position(self, compact: bool = False) -> str:
        """``t = 0.5 / 1`` (a labelled quantity) or ``3/8 members``; ``compact``: the bar's
        ``t=0.5/1``."""
        if self.label:
            eq = "=" if compact else " = "
            sep = "/" if compact else " / "
            return f"{self.label}{eq}{self.value:.4g}{sep}{self.end:.4g}"
        return f"{self.value:g}/{self.end:g} {self.unit}"

    def update(self, value: float, postfix: str = "", line: str | None = None, *,
               force: bool = False) -> None:
        """Move to ``value``. The bar shows its position and ``postfix``; a log line
        (``name: position (percent), line, ETA h:mm:ss``; ``line`` defaults to
        ``postfix``) is written if ``every`` seconds have passed, or with ``force``."""
        self.value = value
        if self.bar is not None:
            text = ", ".join(t for t in (self.position(compact=True), postfix) if t)
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.n = min(max(value, 0.0), self.end)
            self.bar.refresh()
        elif self.mode == "log":
            now = time.perf_counter()
            every = LOG_EVERY if self.every is None else self.every
            if not force and now - self.last_log < every:
                return
            self.last_log = now
            text = postfix if line is None else line
            parts = [f"{self.position()} ({100 * self.fraction():.0f}%)", text,
                     f"ETA {duration(self.eta())}"]
            self.log.info("%s: %s", self.name, ", ".join(p for p in parts if p))

    def advance(self, amount: float = 1, postfix: str = "", line: str | None = None, *,
                force: bool = False) -> None:
        """Move by ``amount`` (one more member or run done); see :meth:`update`."""
        self.update(self.value + amount, postfix, line, force=force)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_text(t: float, dt: float, step: int, snapshots: int, total: int, rate: float
             ) -> tuple[str, str]:
    """The texts of a run's progress: the bar's postfix (``dt=..., snapshots 3/5``) and
    the log line's (``dt = ..., step 12, 3/5 snapshots, 1e+07 cell-updates/s``)."""
    step_text = f"dt={dt:.3g}, " if math.isfinite(dt) else ""
    bar = f"{step_text}snapshots {snapshots}/{total}"
    line = (f"dt = {dt:.3g}, step {step}, {snapshots}/{total} snapshots, "
            f"{rate:.3g} cell-updates/s")
    return bar, line


def duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
