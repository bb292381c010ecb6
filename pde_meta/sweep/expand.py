"""The members' values: the full grid of ``[vary]`` and the Latin hypercube samples of
``[sample]``, each checked against the config option its key path names."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..core.options import REQUIRED, Option, problem, read_options, unknown_key, valid
from .paths import flatten, option_of

__all__ = ["MAX_MEMBERS", "SAMPLE_OPTIONS", "SAMPLE_ALLOWED", "read_axes", "read_ranges",
           "member_points"]

#: largest number of members of one sweep
MAX_MEMBERS = 100_000

#: the keys of ``[sample]`` besides its key paths
SAMPLE_OPTIONS = (
    Option("count", "integer", REQUIRED, "number of Latin hypercube samples", low=1,
           high=MAX_MEMBERS),
    Option("seed", "integer", 0, "seed of the sampler (`scipy.stats.qmc.LatinHypercube`)",
           low=0, high=2**63 - 1),
)

_SPEC_KEYS = ("values", "linear", "log")
_VARY_ALLOWED = ("a list of values, or a table {values = [...]}, {linear = [start, stop], "
                 "count = n} or {log = [start, stop], count = n}")
SAMPLE_ALLOWED = "a table {linear = [low, high]}, {log = [low, high]} or {values = [...]}"


def _number_pair(path: str, spec: dict, key: str, positive: bool) -> tuple[float, float] | str:
    value = spec[key]
    allowed = ("two finite numbers" + (" > 0" if positive else "") + " [start, stop]")
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       and math.isfinite(v) for v in value)):
        return problem(f"{path}.{key}", value, "is not a pair of numbers", allowed,
                       f"write e.g. {key} = [0.5, 2.0]")
    if positive and min(value) <= 0:
        return problem(f"{path}.{key}", value, "has a value <= 0", allowed,
                       "use linear for ranges through 0, or positive ends")
    return float(value[0]), float(value[1])


def _check_spec_keys(path: str, spec: dict, allowed_keys: tuple[str, ...], allowed: str
                     ) -> str | None:
    for key in spec:
        if key not in allowed_keys:
            return unknown_key(f"{path}.", key, allowed_keys)
    given = [k for k in _SPEC_KEYS if k in spec]
    if len(given) != 1:
        return problem(path, spec, f"gives {' and '.join(given)}", allowed,
                       "give one of values, linear, log")
    return None


def _numeric(path: str, opt: Option | None, kind: str) -> str | None:
    if opt is not None and opt.kind not in ("number", "integer"):
        return (f"{path} = {{ {kind} = ... }} needs a numeric key, but {path.split('.', 1)[1]} "
                f"is {opt.allowed()}; allowed: {{ values = [...] }} for it; fix: list the "
                f"values")
    return None


def _integers(path: str, opt: Option | None, values: list[float]) -> list | str:
    if opt is None or opt.kind != "integer":
        return values
    out = [int(round(v)) for v in values]
    if len(set(out)) != len(out):
        return (f"{path} gives repeated integers {out} after rounding; allowed: distinct "
                f"values; fix: a smaller count or a wider range")
    return out


def _nice(v: float) -> float:
    """A float to 12 significant digits (``np.geomspace`` gives 0.9999999999999999)."""
    return float(f"{v:.12g}")


def read_axes(table: dict, data: dict, problems: list[str]
              ) -> list[tuple[str, Option | None, list]]:
    """The ``[vary]`` axes: ``(key path, option, values)``."""
    axes = []
    for path, spec in flatten(table, "vary", _SPEC_KEYS, problems):
        where = f"vary.{path}"
        found, opt = option_of(path, data, "vary", problems)
        if not found:
            continue
        values = _axis_values(where, opt, spec)
        if isinstance(values, str):
            problems.append(values)
            continue
        axes.append((path, opt, values))
    return axes


def _axis_values(where: str, opt: Option | None, spec: Any) -> list | str:
    if isinstance(spec, list):
        spec = {"values": spec}
    if not isinstance(spec, dict):
        return problem(where, spec, f"is a {type(spec).__name__}", _VARY_ALLOWED,
                       "put a fixed value in [set], or list the values, e.g. [0.5, 1.0]")
    bad = _check_spec_keys(where, spec, (*_SPEC_KEYS, "count"), _VARY_ALLOWED)
    if bad:
        return bad
    if "values" in spec:
        values = spec["values"]
        if "count" in spec:
            return unknown_key(f"{where}.", "count", ["values"])
        if not isinstance(values, list) or not values:
            return problem(f"{where}.values", values, "is not a non-empty list",
                           "a list of values", "write e.g. values = [0.5, 1.0]")
        return list(values)
    kind = "linear" if "linear" in spec else "log"
    bad = _numeric(where, opt, kind)
    if bad:
        return bad
    ends = _number_pair(where, spec, kind, positive=kind == "log")
    if isinstance(ends, str):
        return ends
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_MEMBERS:
        return problem(f"{where}.count", count, "is not allowed" if count is not None
                       else "is missing", f"an integer in [1, {MAX_MEMBERS}]",
                       f"write e.g. {{ {kind} = {list(ends)}, count = 5 }}")
    values = (np.linspace(*ends, count) if kind == "linear" else np.geomspace(*ends, count))
    return _integers(where, opt, [_nice(v) for v in values])


def read_ranges(table: dict, data: dict, problems: list[str]
                ) -> tuple[dict, list[tuple[str, Option | None, dict]]]:
    """The ``[sample]`` settings (count, seed) and ranges ``(key path, option, spec)``."""
    own = {k: v for k, v in table.items() if k in ("count", "seed")}
    settings = read_options(own, SAMPLE_OPTIONS, "sample.", problems) if table else {}
    ranges = []
    rest = {k: v for k, v in table.items() if k not in ("count", "seed")}
    for path, spec in flatten(rest, "sample", _SPEC_KEYS, problems):
        where = f"sample.{path}"
        found, opt = option_of(path, data, "sample", problems)
        if not found:
            continue
        if not isinstance(spec, dict):
            problems.append(problem(where, spec, f"is a {type(spec).__name__}",
                                    SAMPLE_ALLOWED, "write e.g. { linear = [0.5, 2.0] }"))
            continue
        bad = _check_spec_keys(where, spec, _SPEC_KEYS, SAMPLE_ALLOWED)
        if bad:
            problems.append(bad)
            continue
        if "values" in spec:
            values = spec["values"]
            if not isinstance(values, list) or not values:
                problems.append(problem(f"{where}.values", values, "is not a non-empty list",
                                        "a list of values", "write e.g. values = [1, 2]"))
                continue
            ranges.append((path, opt, {"values": list(values)}))
            continue
        kind = "linear" if "linear" in spec else "log"
        bad = _numeric(where, opt, kind)
        ends = _number_pair(where, spec, kind, positive=kind == "log")
        if bad or isinstance(ends, str):
            problems.append(bad or ends)
            continue
        ranges.append((path, opt, {kind: ends}))
    if table and not valid(*settings.values()):
        settings = {"count": 1, "seed": 0}
    return settings, ranges


def _latin_hypercube(dimensions: int, count: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    try:
        sampler = qmc.LatinHypercube(d=dimensions, rng=seed)
    except TypeError:  # pragma: no cover - scipy < 1.15
        sampler = qmc.LatinHypercube(d=dimensions, seed=seed)
    return sampler.random(count)


def _sample_value(opt: Option | None, spec: dict, u: float) -> Any:
    if "values" in spec:
        values = spec["values"]
        return values[min(int(u * len(values)), len(values) - 1)]
    if "linear" in spec:
        lo, hi = spec["linear"]
        v = lo + u * (hi - lo)
    else:
        lo, hi = spec["log"]
        v = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    if opt is not None and opt.kind == "integer":
        return int(round(v))
    return float(v)


def member_points(axes, ranges, settings) -> list[list[tuple[str, Any]]]:
    """Every parameter point: the grid of ``[vary]`` crossed with the samples."""
    grid = [list(zip([p for p, _, _ in axes], combo, strict=True))
            for combo in itertools.product(*[values for _, _, values in axes])]
    if not ranges:
        return grid
    u = _latin_hypercube(len(ranges), settings["count"], settings["seed"])
    samples = [[(path, _sample_value(opt, spec, float(u[i, k])))
                for k, (path, opt, spec) in enumerate(ranges)] for i in range(len(u))]
    return [g + s for g in grid for s in samples]
