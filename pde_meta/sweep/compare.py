r"""Treatment arms compared over replicates: the same seeds run with and without a
treatment (a sweep whose ``[vary]`` key sets the arms, with ``replicates``), summarised
metric by metric as the mean difference between two arms and its confidence interval.

Replicate ``r`` of every arm has the same seed, so the arms are paired: for each metric,
the differences :math:`d_r = y_r^{B} - y_r^{A}` of the pairs where both values are finite
give the mean :math:`\bar d` and the Student interval :math:`\bar d \pm t_{n-1}\, s_d /
\sqrt n` at confidence ``level``. The metrics are the final diagnostics of the primaries,
circulations and organs (``<compartment>.<diagnostic>`` columns of the summary: primary
size, CTC counts, macrometastases per organ, the time to the first macrometastasis).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError

__all__ = ["compare_arms"]


def compare_arms(table, key: str, metrics=None, level: float = 0.95):
    """The difference of each metric between the two values of ``key`` (the second minus
    the first, in the order they appear), paired by replicate. ``table``:
    :func:`~pde_meta.sweep.open_sweep`'s summary; ``metrics``: column names (default:
    every ``<compartment>.<diagnostic>`` column). Returns a :class:`pandas.DataFrame`
    with ``metric``, ``first``, ``second`` (the arms' means), ``difference``, ``low``,
    ``high`` and ``pairs``."""
    import pandas as pd
    from scipy.stats import t as student

    if key not in table.columns:
        raise ConfigError(f"the sweep has no column {key!r}; allowed: one of its [vary] keys; "
                          f"fix: name the key that sets the arms")
    if "replicate" not in table.columns:
        raise ConfigError("the sweep has no replicates; allowed: replicates > 1, the same "
                          "seeds in every arm; fix: set replicates in the sweep file")
    done = table[table["status"] == "complete"] if "status" in table.columns else table
    arms = list(dict.fromkeys(done[key].tolist()))
    if len(arms) != 2:
        raise ConfigError(f"{key} takes {len(arms)} values in the complete members; allowed: "
                          f"two arms; fix: vary it over two values")
    if metrics is None:
        metrics = [c for c in table.columns if "." in c and c != key
                   and not c.startswith(("compartments.", "exchanges", "treatments"))
                   and np.issubdtype(table[c].dtype, np.number)]
    a = done[done[key] == arms[0]].set_index("replicate")
    b = done[done[key] == arms[1]].set_index("replicate")
    both = a.index.intersection(b.index)
    rows = []
    for m in metrics:
        x, y = a.loc[both, m].to_numpy(float), b.loc[both, m].to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y)
        d = y[ok] - x[ok]
        n = int(d.size)
        mean = float(d.mean()) if n else math.nan
        half = (float(student.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
                if n > 1 else math.nan)
        rows.append({"metric": m, "first": _mean(x), "second": _mean(y),
                     "difference": mean, "low": mean - half, "high": mean + half,
                     "pairs": n})
    return pd.DataFrame(rows)


def _mean(values: np.ndarray) -> float:
    """The mean of the finite values (NaN: none: e.g. no first macrometastasis)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan
