r"""The probability of metastasis by organ and time, from the replicates of a sweep.

Each member's summary row holds, per organ of an organs compartment, the first time the
organ held a macrometastasis (``<organs>.<organ>_first_macrometastasis``; NaN: never in
the run). Over the ``n`` complete replicates of a parameter point, the estimate at time
:math:`t` is the share :math:`\hat p = k / n` of those with a first time at or before
:math:`t`, with the Wilson score interval at confidence ``level``,

.. math::

    \frac{\hat p + z^2 / 2n \pm z \sqrt{\hat p (1 - \hat p) / n + z^2 / 4 n^2}}
         {1 + z^2 / n},

which stays inside [0, 1] and is sound for few replicates and for 0 or n successes.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ..errors import ConfigError

__all__ = ["wilson", "metastasis_probability"]

SUFFIX = "_first_macrometastasis"


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials."""
    if n <= 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def metastasis_probability(table, times, level: float = 0.95):
    """Per parameter point (the sweep's keys but the seed), organ and time in ``times``:
    the share of complete replicates with a macrometastasis in the organ by then, and its Wilson
    interval. ``table``: :func:`~pde_meta.sweep.open_sweep`'s summary. Returns a
    :class:`pandas.DataFrame` with columns ``organ``, ``time``, ``replicates``,
    ``metastasised``, ``probability``, ``low``, ``high`` after those keys."""
    import pandas as pd

    columns = [c for c in table.columns if c.endswith(SUFFIX)]
    if not columns:
        raise ConfigError("the sweep's summary has no <organs>.<organ>_first_macrometastasis "
                          "column; allowed: a sweep of runs with an organs compartment; fix: "
                          "add one to the base config")
    times = np.atleast_1d(np.asarray(times, dtype=float))
    # the seed tells the replicates apart: it is not a parameter point
    fixed = {"member", "file", "replicate", "seed", "status", "action", "message", "warnings", "t",
             "t_end", "steps", "wall_seconds", "task_seconds", "cell_updates_per_second"}
    first = list(table.columns).index("status") if "status" in table.columns else 0
    keys = [c for c in list(table.columns)[:first] if c not in fixed]
    done = table[table["status"] == "complete"] if "status" in table.columns else table
    groups = done.groupby(keys, sort=False, dropna=False) if keys else [((), done)]
    rows = []
    for point, group in groups:
        point = point if isinstance(point, tuple) else (point,)
        n = len(group)
        for column in columns:
            organ = column.split(".", 1)[-1][:-len(SUFFIX)]
            first_times = group[column].to_numpy(dtype=float)
            for t in times:
                k = int(np.count_nonzero(first_times <= t))
                low, high = wilson(k, n, level)
                rows.append({**dict(zip(keys, point, strict=True)), "organ": organ,
                             "time": float(t), "replicates": n, "metastasised": k,
                             "probability": k / n if n else math.nan, "low": low,
                             "high": high})
    return pd.DataFrame(rows)
