"""Which variables and snapshots of a dataset a figure shows, validated."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

__all__ = ["SPATIAL_DIMS", "check_dataset", "spatial_fields", "field_names",
           "time_indices"]

#: dimensions of a field variable
SPATIAL_DIMS = ("time", "y", "x")


def check_dataset(ds) -> None:
    """Raise a :class:`ConfigError` unless ``ds`` has the dimensions ``(time, y, x)``."""
    missing = [d for d in SPATIAL_DIMS if d not in ds.dims]
    if missing:
        raise ConfigError(f"plotting: the dataset lacks the dimension(s) {missing}; it needs "
                          f"(time, y, x) as returned by open_run")


def spatial_fields(ds) -> list[str]:
    """Every ``(time, y, x)`` variable, in the dataset's order (the model's, for a run)."""
    check_dataset(ds)
    return [k for k, v in ds.data_vars.items() if v.dims == SPATIAL_DIMS]


def field_names(ds, fields) -> list[str]:
    """The requested fields, validated; default: every ``(time, y, x)`` variable."""
    spatial = spatial_fields(ds)
    if fields is None:
        return spatial
    fields = [fields] if isinstance(fields, str) else list(fields)
    unknown = [f for f in fields if f not in spatial]
    if unknown or not fields:
        raise ConfigError(f"plotting: field(s) {unknown or fields} not in the dataset; "
                          f"available: {spatial}")
    return fields


def time_indices(ds, times, default_count: int) -> list[int]:
    """Indices of the snapshots nearest to ``times``; default: evenly spaced ones."""
    t = np.asarray(ds["time"].values, dtype=float)
    if t.size == 0:
        raise ConfigError("plotting: the dataset has no snapshots")
    if times is None:
        count = min(default_count, t.size)
        return sorted({int(round(k)) for k in np.linspace(0, t.size - 1, count)})
    times = np.atleast_1d(np.asarray(times, dtype=float))
    slack = 1e-9 * max(1.0, abs(t).max())
    outside = [float(v) for v in times if v < t[0] - slack or v > t[-1] + slack]
    if outside or times.size == 0:
        raise ConfigError(f"plotting: time(s) {outside or list(times)} outside the run, "
                          f"which has snapshots from t = {t[0]:g} to {t[-1]:g}")
    picked = []
    for v in times:
        k = int(np.argmin(np.abs(t - v)))
        if k not in picked:
            picked.append(k)
    return picked
