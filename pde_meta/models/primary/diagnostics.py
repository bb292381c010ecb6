"""The primary's one-number results of a run's time series (what ``pde-meta info``
prints below its diagnostics): when it shed its first cell, and when it was resected."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["METRIC_UNITS", "time_metrics"]

#: units of the values of :func:`time_metrics`
METRIC_UNITS = {"first_shed_time": "T", "resection_time": "T"}


def time_metrics(times, per_snapshot_values) -> dict[str, float]:
    """``first_shed_time``: the first snapshot at which a cell had been shed;
    ``resection_time``: when the primary was resected; NaN when it did not happen."""
    times = np.asarray(times, dtype=float)
    shed = np.asarray(per_snapshot_values["shed_cells"], dtype=float)
    cut = np.asarray(per_snapshot_values["resection_time"], dtype=float)
    first = np.flatnonzero(shed >= 1.0)
    done = cut[np.isfinite(cut)]
    return {"first_shed_time": float(times[first[0]]) if first.size else math.nan,
            "resection_time": float(done[0]) if done.size else math.nan}
