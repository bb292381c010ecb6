"""Which variables and snapshots of a dataset a figure shows, validated."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

__all__ = ["SPATIAL_DIMS", "check_dataset", "spatial_fields", "field_names",
           "present_fields", "time_span", "time_indices"]

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


def present_fields(ds, names) -> tuple[list[str], list[str]]:
    """``(present, absent)``: ``names`` split into fields with a nonzero value somewhere
    and those that are zero everywhere at every time (a model part the run does not use).
    When every one is zero, all are present: there is nothing better to show."""
    absent = [n for n in names if not np.any(np.asarray(ds[n].values) != 0)]
    present = [n for n in names if n not in absent]
    return (present, absent) if present else (list(names), [])


def time_span(ds) -> tuple[float, float]:
    """The first and the last snapshot time of ``ds``."""
    t = np.asarray(ds["time"].values, dtype=float)
    if t.size == 0:
        raise ConfigError("plotting: the dataset has no snapshots")
    return float(t[0]), float(t[-1])


def time_indices(ds, times, default_count: int) -> list[int]:
    """Indices of the snapshots nearest to ``times``; default: evenly spaced ones.

    Refuses (:class:`ConfigError`) times that are not finite or lie outside the run."""
    t = np.asarray(ds["time"].values, dtype=float)
    first, last = time_span(ds)
    if times is None:
        count = min(default_count, t.size)
        return sorted({int(round(k)) for k in np.linspace(0, t.size - 1, count)})
    times = np.atleast_1d(np.asarray(times, dtype=float))
    slack = 1e-9 * max(1.0, abs(t).max())
    outside = [float(v) for v in times
               if not (np.isfinite(v) and first - slack <= v <= last + slack)]
    if outside or times.size == 0:
        raise ConfigError(f"plotting: time(s) {outside or list(times)} outside the run or "
                          f"not finite; allowed: finite times from t = {first:g} to {last:g} "
                          f"(the run's snapshots); fix: e.g. times=[{first:g}, {last:g}]")
    picked = []
    for v in times:
        k = int(np.argmin(np.abs(t - v)))
        if k not in picked:
            picked.append(k)
    return picked
