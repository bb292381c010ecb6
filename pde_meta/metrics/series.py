"""Measures of time series: front speeds, crossing and breach times."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .base import DEFAULT_MEMBRANE_THRESHOLD

__all__ = ["front_speed", "time_series", "crossing_time", "breach_time"]


def front_speed(times, positions) -> np.ndarray:
    """Front speed from consecutive snapshots [L/T].

    Parameters
    ----------
    times : array_like, shape (k,)
        Strictly increasing snapshot times [T].
    positions : array_like, shape (k,)
        Front position at each time [L] (a radius or a depth).

    Returns
    -------
    ndarray, shape (k,)
        ``(p[i] - p[i-1]) / (t[i] - t[i-1])``, the mean speed over the interval that ends
        at snapshot ``i``; NaN at ``i = 0``.
    """
    t, p = time_series(times, positions, "positions")
    speed = np.full(t.shape, np.nan)
    speed[1:] = np.diff(p) / np.diff(t)
    return speed


# --------------------------------------------------------------------------- clusters


def time_series(times, values, name: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if t.shape != v.shape:
        raise ConfigError(f"metrics: {len(t)} times but {len(v)} {name}; fix: give one "
                          f"value per snapshot")
    if np.any(np.diff(t) <= 0):
        raise ConfigError("metrics: snapshot times must increase strictly; fix: sort the "
                          "snapshots and drop duplicates")
    return t, v


def crossing_time(times, values, threshold: float, *, direction: str = "below") -> float:
    """First time a series goes below (or above) ``threshold``, interpolated linearly [T].

    Parameters
    ----------
    times : array_like, shape (k,)
        Strictly increasing snapshot times.
    values : array_like, shape (k,)
    threshold : float
    direction : {"below", "above"}, default "below"

    Returns
    -------
    float
        ``times[0]`` if the first value is already past ``threshold``; the time at which
        the straight line between the last value not past it and the first value past it
        meets ``threshold``; NaN if no value is past it. NaN values are never past.
    """
    if direction not in ("below", "above"):
        raise ConfigError(f"metrics: direction = {direction!r}; allowed: below, above")
    t, v = time_series(times, values, "values")
    past = (v < threshold) if direction == "below" else (v > threshold)
    if not past.any():
        return float("nan")
    k = int(np.argmax(past))
    if k == 0:
        return float(t[0])
    v0, v1 = v[k - 1], v[k]
    if not np.isfinite(v0):
        return float(t[k])
    return float(t[k - 1] + (v0 - threshold) / (v0 - v1) * (t[k] - t[k - 1]))


def breach_time(times, min_integrity, *, threshold: float = DEFAULT_MEMBRANE_THRESHOLD
                ) -> float:
    """Membrane breach time: when the minimum integrity first falls below ``threshold`` [T].

    Interpolated linearly between the two snapshots around the crossing (see
    :func:`crossing_time`); NaN if the membrane never falls below ``threshold``.

    Parameters
    ----------
    times : array_like, shape (k,)
    min_integrity : array_like, shape (k,)
        :func:`membrane_min_integrity` at each time.
    threshold : float, default 0.5
    """
    return crossing_time(times, min_integrity, threshold, direction="below")


# --------------------------------------------------------------------------- collections
