"""Progress of a run: a tqdm bar on a terminal, log lines every :data:`LOG_EVERY`
seconds otherwise, or nothing."""

from __future__ import annotations

import logging
import math
import sys
import time

from ..errors import ConfigError

__all__ = ["Progress", "duration", "LOG_EVERY"]

log = logging.getLogger("pde_meta.runner")

#: seconds between progress log lines when not on a terminal
LOG_EVERY = 10.0


class Progress:
    """A tqdm bar (``"bar"``), log lines every :data:`LOG_EVERY` s (``"log"``), or nothing."""

    def __init__(self, mode: str, name: str, t0: float, t_end: float, snapshots: int,
                 total_snapshots: int):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        if mode not in ("bar", "log", "none"):
            raise ConfigError(f"progress = {mode!r} is not allowed; allowed: 'auto', 'bar', "
                              f"'log', 'none'")
        self.mode, self.name, self.t0, self.t_end = mode, name, t0, t_end
        self.total = total_snapshots
        self.start = time.perf_counter()
        self.last_log = self.start
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=max(t_end - t0, 0.0), desc=name, file=sys.stderr,
                            unit="T", dynamic_ncols=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                                       "[{elapsed}<{remaining}{postfix}]")
        self.update(t0, math.nan, 0, snapshots)

    def update(self, t: float, dt: float, step: int, snapshots: int, rate: float = 0.0
               ) -> None:
        if self.bar is not None:
            step = f"dt={dt:.3g}, " if math.isfinite(dt) else ""
            self.bar.set_postfix_str(f"t={t:.4g}/{self.t_end:.4g}, {step}snapshots "
                                     f"{snapshots}/{self.total}", refresh=False)
            self.bar.n = min(t - self.t0, self.bar.total)
            self.bar.refresh()
        elif self.mode == "log":
            now = time.perf_counter()
            if now - self.last_log < LOG_EVERY:
                return
            self.last_log = now
            done = (t - self.t0) / (self.t_end - self.t0) if self.t_end > self.t0 else 1.0
            eta = (now - self.start) * (1 - done) / done if done > 0 else math.inf
            log.info("%s: t = %.4g / %.4g (%.0f%%), dt = %.3g, step %d, %d/%d snapshots, "
                     "%.3g cell-updates/s, ETA %s", self.name, t, self.t_end, 100 * done, dt,
                     step, snapshots, self.total, rate, duration(eta))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
