"""Parameter sweeps and replicates on dask.distributed: one sweep file in, one HDF5 run
file per member and a summary table out.

A sweep file (TOML; the full reference is ``docs/sweeps.md``)::

    name = "sweep_membrane"            # label; default: the file name without .toml
    base = "membrane_breach.toml"      # the base config, relative to this file (or [base])
    output = "../runs/sweep_membrane"  # directory of member files and summary; default <name>/
    replicates = 1                     # runs per parameter point, seeds seed, seed + 1, ...

    [set]                              # overrides of every member, by key path
    "grid.shape" = [64, 64]

    [vary]                             # every combination of these values (a full grid)
    "parameters.mmp_production" = [0.5, 1.0, 2.0]
    "parameters.membrane_degradation" = { log = [0.5, 8.0], count = 5 }

    [sample]                           # Latin hypercube samples, crossed with the grid
    count = 8
    seed = 1
    "parameters.haptotaxis" = { log = [0.001, 0.1] }

The members are every combination of the ``[vary]`` values (the first key varies
slowest), times every ``[sample]`` point, times every replicate. Member ``k`` is named
``<name>-<k>`` and writes ``<output>/<k>-<hash>.h5``, the hash being a digest of its
overrides, so that a file always belongs to the same parameters.

Two levels of validation
------------------------
* The sweep file itself (its keys, the key paths with a did-you-mean for unknown ones, the
  ranges, the base config with ``[set]``) is checked as a whole: every problem is reported
  in one single-line :class:`~pde_meta.errors.ConfigError`, in the style of the config
  files, and nothing runs.
* Then every member's config is validated, all of them before anything runs. A member
  whose values are not allowed (a negative rate in a list, say) is reported, marked
  ``invalid`` in the summary with its error, and the other members run; if no member is
  valid the sweep is refused as a whole.

Running
-------
:func:`run_sweep` sends each member to a dask.distributed worker process, which runs it with
:func:`pde_meta.run.simulate` on one numba thread and writes its own file. By default an
embedded ``LocalCluster`` is started (one single-threaded worker process per CPU); with a
scheduler address the members go to that cluster instead. Members whose file is complete
are skipped, members whose file is incomplete (a killed sweep) are resumed from their
checkpoint, or run again when the file is unusable. A member that fails is recorded with
its error and the others go on. ``summary.csv`` and ``sweep.h5`` in the output directory
hold one row per member; :func:`open_sweep` reads it back as a :class:`pandas.DataFrame`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import hashlib
import itertools
import json
import logging
import math
import os
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import storage as io
from .config import (
    _TYPE_OPTION,
    FIELDS,
    INITIAL_TYPES,
    PARAMETER_OPTIONS,
    REQUIRED,
    SECTIONS,
    TIME_TOLERANCE,
    TOP_OPTIONS,
    Option,
    RunConfig,
    _absolute,
    _file_name,
    _problem,
    _read_options,
    _read_top,
    _short,
    _unknown,
    _valid,
    config_from_dict,
    loads_config,
)
from .errors import ConfigError, SimulationError
from .models.invasion import diagnostics as metrics
from .runner import run as runner

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "Member", "SweepResult", "load_sweep", "loads_sweep", "sweep_from_dict",
           "run_sweep", "open_sweep", "SUMMARY_FILE", "INDEX_FILE", "MAX_MEMBERS",
           "SWEEP_OPTIONS", "SAMPLE_OPTIONS", "STATUSES"]

log = logging.getLogger(__name__)

#: largest number of members of one sweep
MAX_MEMBERS = 100_000
#: the summary table as CSV, and the same table in an HDF5 index file
SUMMARY_FILE, INDEX_FILE = "summary.csv", "sweep.h5"
INDEX_FORMAT, INDEX_FORMAT_VERSION = "pde-meta sweep", 1
#: seconds to wait for a remote scheduler
CONNECT_TIMEOUT = 30
#: member status -> meaning (the ``status`` column of the summary)
STATUSES = {
    "complete": "ran to t_end",
    "failed": "the simulation failed (e.g. a blow-up); its file keeps the last good state",
    "invalid": "its config is not allowed (e.g. a value out of range); nothing was written",
    "error": "an unexpected error, or the worker running it died",
    "interrupted": "the sweep was stopped before the member finished; run it again to "
                   "continue",
}

SWEEP_OPTIONS = (
    Option("name", "string", None, "label of the sweep; member `k` is named `<name>-<k>`; "
           "default: the sweep file name without `.toml`"),
    Option("description", "string", "", "free text, stored in `sweep.h5`"),
    Option("output", "path", None, "directory of the member files, `summary.csv` and "
           "`sweep.h5`, relative to the sweep file; default: `<name>/` next to it; "
           "`pde-meta sweep --output` overrides it"),
    Option("replicates", "integer", 1, "runs per parameter point, with the config's "
           "top-level `seed` set to `seed`, `seed + 1`, ... (it seeds every `random` initial "
           "field)", low=1, high=MAX_MEMBERS),
)
SAMPLE_OPTIONS = (
    Option("count", "integer", REQUIRED, "number of Latin hypercube samples", low=1,
           high=MAX_MEMBERS),
    Option("seed", "integer", 0, "seed of the sampler (`scipy.stats.qmc.LatinHypercube`)",
           low=0, high=2**63 - 1),
)
_TOP_KEYS = ("name", "description", "base", "output", "replicates", "set", "vary", "sample")
_SPEC_KEYS = ("values", "linear", "log")
#: key paths the sweep sets itself, and why
_MANAGED = {"name": "members are named <sweep name>-<index>",
            "output.path": "each member writes <output>/<index>-<hash>.h5"}
_VARY_ALLOWED = ("a list of values, or a table {values = [...]}, {linear = [start, stop], "
                 "count = n} or {log = [start, stop], count = n}")
_SAMPLE_ALLOWED = "a table {linear = [low, high]}, {log = [low, high]} or {values = [...]}"
_SEGMENT = re.compile(r"^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$")
_MEMBER_FILE = re.compile(r"^\d{4,}-[0-9a-f]{8}\.h5$")


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class Member:
    """One run of a sweep: its overrides and its validated config (or why it is invalid)."""

    index: int
    name: str
    file: str
    overrides: tuple[tuple[str, Any], ...]
    replicate: int = 0
    config: RunConfig | None = None
    error: str = ""

    @property
    def valid(self) -> bool:
        return self.config is not None

    def label(self) -> str:
        """``member 3 (parameters.mmp_production = 2.0, ...)``, for messages."""
        shown = ", ".join(f"{k} = {_short(v, 30)}" for k, v in self.overrides)
        return f"member {self.index}" + (f" ({shown})" if shown else "")


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file: the base config and every member."""

    name: str
    base: RunConfig
    members: tuple[Member, ...]
    keys: tuple[str, ...]
    output: Path
    replicates: int = 1
    description: str = ""
    text: str = ""
    source: Path | None = None

    @property
    def invalid(self) -> list[Member]:
        return [m for m in self.members if not m.valid]


def load_sweep(path) -> Sweep:
    """Read and validate a sweep file (see the module docstring and ``docs/sweeps.md``).

    Raises
    ------
    ConfigError
        One single-line message with every problem of the file, each naming its key.
    """
    path = Path(path)
    text = _read_text(path, "sweep file")
    return loads_sweep(text, base_dir=path.resolve().parent, name=path.stem, source=path)


def loads_sweep(text: str, base_dir=None, *, name: str = "sweep", source=None) -> Sweep:
    """Validate sweep TOML ``text``; paths are relative to ``base_dir`` (default: the
    working directory)."""
    where = f"{source}: " if source is not None else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}TOML syntax error: {' '.join(str(exc).split())}; fix: "
                          f"correct the syntax there") from None
    return sweep_from_dict(data, base_dir, name=name, source=source, text=text)


def _read_text(path: Path, what: str) -> str:
    if not path.exists():
        raise ConfigError(f"{what} {str(path)!r} does not exist; fix: check the path")
    if not path.is_file():
        raise ConfigError(f"{what} {str(path)!r} is not a file; fix: give a .toml file")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); fix: "
                          f"save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {str(path)!r}: {exc.strerror}") from None


def sweep_from_dict(data: dict, base_dir=None, *, name: str = "sweep", source=None,
                    text: str = "") -> Sweep:
    """Validate already-parsed sweep ``data`` (see :func:`load_sweep`)."""
    here = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    where = f"{source}: " if source is not None else ""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}the sweep is a {type(data).__name__}, not a table")
    problems: list[str] = []
    top = _read_top(data, _TOP_KEYS, SWEEP_OPTIONS, problems)
    sweep_name = _file_name(top["name"], name, "sweep", problems)
    replicates = top["replicates"] if _valid(top["replicates"]) else 1
    output = here / (top["output"] if _valid(top["output"]) and top["output"] is not None
                     else sweep_name)

    base, base_dir_of_config, base_label = _read_base(data, here, problems)
    tables = {}
    for section in ("set", "vary", "sample"):
        value = data.get(section, {})
        if not isinstance(value, dict):
            problems.append(f"{section} = {_short(value)} is a {type(value).__name__}; "
                            f"allowed: a table of key paths; fix: write it as a [{section}] "
                            f"section")
            value = {}
        tables[section] = value

    # [set]: applied to the base, then checked against what it made
    fixed = _flatten(tables["set"], "set", (), problems)
    set_ok = base is not None
    if base is not None:
        for path, value in _types_first(fixed):
            segments = _segments(path)
            if segments is None:
                problems.append(_bad_path("set", path))
                set_ok = False
                continue
            problem = _assign(base, segments, value)
            if problem:
                problems.append(f"set.{path}: {problem}")
                set_ok = False
        for path, value in fixed:
            segments = _segments(path)
            if segments is None:
                continue
            opt, problem = _target(path, segments, base, "set")
            if problem:
                problems.append(problem)
                set_ok = False
            elif opt is not None and opt.kind == "path" and isinstance(value, str):
                _assign(base, segments, str(_absolute(here / value)))

    base_config = None
    if base is not None and set_ok:
        probe = _member_data(base, (), sweep_name, output / "base.h5")
        try:
            base_config = config_from_dict(probe, base_dir=base_dir_of_config,
                                           name=sweep_name)
        except ConfigError as exc:
            with_set = " with [set]" if fixed else ""
            problems.append(f"the base config{base_label}{with_set} is not valid: "
                            f"{' '.join(str(exc).split())}")

    scan = base if base is not None else {}
    axes = _read_axes(tables["vary"], scan, problems)
    sample_settings, ranges = _read_ranges(tables["sample"], scan, problems)

    seen: dict[str, str] = {path: "set" for path, _ in fixed}
    for section, paths in (("vary", [p for p, _, _ in axes]),
                           ("sample", [p for p, _, _ in ranges])):
        for path in paths:
            if path in seen:
                problems.append(f"{section}.{path} is also in [{seen[path]}]; allowed: a key "
                                f"path in one of [set], [vary], [sample]; fix: remove one")
            seen.setdefault(path, section)
    if replicates > 1 and seen.get("seed") in ("vary", "sample"):
        problems.append(f"{seen['seed']}.seed is given with replicates = {replicates}; "
                        f"allowed: replicates set the seed themselves (seed, seed + 1, ...); "
                        f"fix: set the first seed in [set] or in the base, or use replicates "
                        f"= 1")
    count = math.prod(len(values) for _, _, values in axes)
    count *= sample_settings.get("count", 1) if ranges else 1
    count *= replicates
    if count > MAX_MEMBERS:
        problems.append(f"the sweep has {count} members; allowed: at most {MAX_MEMBERS}; "
                        f"fix: fewer values, samples or replicates")
    if sample_settings and not ranges:
        problems.append("[sample] has no key paths to sample; allowed: key paths with "
                        f"{_SAMPLE_ALLOWED}; fix: add one, e.g. \"parameters.haptotaxis\" "
                        f"= {{ log = [0.001, 0.1] }}, or remove [sample]")
    if problems:
        count_text = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(where + count_text + " | ".join(" ".join(p.split())
                                                          for p in problems))

    points = _points(axes, ranges, sample_settings)
    keys = tuple([p for p, _, _ in axes] + [p for p, _, _ in ranges]
                 + (["seed"] if replicates > 1 else []))
    total = len(points) * replicates
    width = max(4, len(str(total - 1)))
    members = []
    for k, (point, r) in enumerate(itertools.product(points, range(replicates))):
        overrides = list(point)
        if replicates > 1:
            overrides.append(("seed", base_config.seed + r))
        digest = hashlib.sha256(json.dumps(dict(overrides), sort_keys=True, default=str,
                                           separators=(",", ":")).encode()).hexdigest()[:8]
        file = f"{k:0{width}d}-{digest}.h5"
        member_name = f"{sweep_name}-{k:0{width}d}"
        member = Member(k, member_name, file, tuple(overrides), r)
        resolved = [(p, _resolved(p, v, base, here)) for p, v in overrides]
        member_data = _member_data(base, resolved, member_name, output / file)
        try:
            config = config_from_dict(member_data, base_dir=base_dir_of_config,
                                      name=member_name)
        except ConfigError as exc:
            member = Member(k, member_name, file, tuple(overrides), r,
                            error=" ".join(str(exc).split()))
        else:
            member = Member(k, member_name, file, tuple(overrides), r, config)
        members.append(member)

    if replicates > 1 and base_config is not None:
        first = next((m.config for m in members if m.valid), base_config)
        if not any(part.type == "random" and part.get("seed") is None
                   for _, parts in first.initial for part in parts):
            raise ConfigError(f"{where}replicates = {replicates}, but no initial field is "
                              f"random with the top-level seed (type = \"random\" without its "
                              f"own seed), so every replicate would be the same run; allowed: "
                              f"replicates > 1 with a random initial field; fix: add one, "
                              f"or set replicates = 1")
    return Sweep(name=sweep_name, base=base_config, members=tuple(members), keys=keys,
                 output=_absolute(output), replicates=replicates,
                 description=top["description"] if _valid(top["description"]) else "",
                 text=text, source=Path(source).resolve() if source is not None else None)


def _read_base(data: dict, here: Path, problems: list[str]) -> tuple[dict | None, Path, str]:
    """The base config as plain data (a copy), the directory its paths are relative to,
    and a label for messages."""
    value = data.get("base")
    allowed = "a config file path (relative to the sweep file) or a [base] table"
    if value is None:
        problems.append(f"base is missing; allowed: {allowed}; fix: add base = "
                        f"\"membrane_breach.toml\" or a [base] table")
        return None, here, ""
    if isinstance(value, dict):
        return copy.deepcopy(value), here, " [base]"
    if not isinstance(value, str) or not value.strip():
        problems.append(_problem("base", value, f"is a {type(value).__name__}", allowed,
                                 'write e.g. base = "membrane_breach.toml"'))
        return None, here, ""
    path = _absolute(here / value)
    try:
        text = _read_text(path, "base config")
    except ConfigError as exc:
        problems.append(f"base = {value!r}: {exc}")
        return None, here, ""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"base = {value!r}: TOML syntax error in {path}: "
                        f"{' '.join(str(exc).split())}; fix: correct the syntax there")
        return None, here, ""
    return parsed, path.parent, f" {value}"


def _types_first(overrides):
    """Overrides with the initial field types first: a new type resets its part."""
    return sorted(overrides, key=lambda item: not item[0].endswith(".type"))


def _member_data(base: dict, overrides, name: str, output: Path) -> dict:
    """A copy of ``base`` with ``overrides`` applied, the member's name and output path."""
    data = copy.deepcopy(base)
    for path, value in _types_first(overrides):
        _assign(data, _segments(path), value)
    data["name"] = name
    section = data.get("output")
    if section is None:
        data["output"] = section = {}
    if isinstance(section, dict):
        section["path"] = str(output)
    return data


def _resolved(path: str, value: Any, base: dict, here: Path) -> Any:
    """A path-valued override made absolute (relative to the sweep file)."""
    segments = _segments(path)
    opt, problem = _target(path, segments, base, "")
    if opt is not None and not problem and opt.kind == "path" and isinstance(value, str):
        return str(_absolute(here / value))
    return value


# --------------------------------------------------------------------------- key paths


def _flatten(table: dict, section: str, spec_keys: tuple[str, ...], problems: list[str]
             ) -> list[tuple[str, Any]]:
    """``{"parameters": {"mu": 1}}`` and ``{"parameters.mu": 1}`` both -> ``[("parameters.mu",
    1)]``; a table holding one of ``spec_keys`` is a value, not a level of the path."""
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and value and not set(value) & set(spec_keys):
                walk(value, path + ".")
                continue
            if path in seen:
                problems.append(f"{section}.{path} is given twice; allowed: each key path "
                                f"once; fix: remove one")
                continue
            seen.add(path)
            out.append((path, value))

    walk(table, "")
    return out


def _segments(path: str) -> list[str | int] | None:
    """``"initial.tumor[1].width"`` -> ``["initial", "tumor", 1, "width"]``."""
    out: list[str | int] = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if m is None:
            return None
        out.append(m.group(1))
        if m.group(2) is not None:
            out.append(int(m.group(2)))
    return out


def _bad_path(section: str, path: str) -> str:
    return (f"{section}.{path} is not a key path; allowed: names joined by dots, e.g. "
            f"parameters.mmp_production or initial.tumor[1].width; fix: spell it so")


def _assign(data: dict, segments: list, value: Any) -> str | None:
    """Set ``value`` at ``segments`` in ``data`` (creating tables); a problem or None."""
    node: Any = data
    for k, seg in enumerate(segments):
        last = k == len(segments) - 1
        if isinstance(seg, int):
            if isinstance(node, dict) and seg == 0:
                continue  # initial.tumor[0] of a single [initial.tumor] table
            if not isinstance(node, list) or seg >= len(node):
                return (f"the base has no part [{seg}] there; allowed: an index below "
                        f"{len(node) if isinstance(node, list) else 1}; fix: check the index")
            if last:
                node[seg] = value
                return None
            node = node[seg]
            continue
        if not isinstance(node, dict):
            return (f"{'.'.join(str(s) for s in segments[:k])} is not a table in the base; "
                    f"fix: check the key path")
        if last:
            if segments[0] == "initial" and seg == "type" and node.get("type") != value:
                node.clear()  # the keys of the old type do not apply to the new one
            node[seg] = value
            return None
        if seg not in node:
            node[seg] = {}
        node = node[seg]
    return None  # pragma: no cover - segments is never empty


def _option_of(path: str, data: dict, section: str, problems: list[str]
               ) -> tuple[bool, Option | None]:
    """``(True, option)`` for a usable key path of ``[section]``; else records the problem
    and returns ``(False, None)``."""
    segments = _segments(path)
    if segments is None:
        problems.append(_bad_path(section, path))
        return False, None
    opt, problem = _target(path, segments, data, section)
    if problem:
        problems.append(problem)
        return False, None
    return True, opt


def _target(path: str, segments: list, data: dict, section: str
            ) -> tuple[Option | None, str | None]:
    """The config option a key path names: ``(option, None)``, or ``(None, problem)``.

    ``(None, None)`` when the path is fine but its option cannot be known (an initial part
    whose type is itself invalid; the config validation reports that)."""
    prefix = f"{section}." if section else ""
    if path in _MANAGED:
        return None, (f"{prefix}{path} is set by the sweep ({_MANAGED[path]}); allowed: any "
                      f"other key path; fix: remove it")
    head = segments[0]
    top = {o.key: o for o in TOP_OPTIONS if o.key != "name"}
    sections = (*SECTIONS, "physical_parameters", "initial")
    if len(segments) == 1:
        if head in top:
            return top[head], None
        if head in sections:
            return None, (f"{prefix}{path} is a section, not a key; allowed: a key path "
                          f"such as parameters.mmp_production; fix: name the key in it")
        return None, _unknown(prefix, head, [*top, *sections])
    if head in SECTIONS or head == "physical_parameters":
        options = (SECTIONS[head] if head in SECTIONS
                   else tuple(o for o in PARAMETER_OPTIONS if o.kind == "number"))
        by_key = {o.key: o for o in options}
        key = segments[1]
        if key not in by_key:
            return None, _unknown(f"{prefix}{head}.", key, list(by_key))
        if len(segments) > 2:
            return None, (f"{prefix}{path} goes below the key {head}.{key}; allowed: "
                          f"{head}.{key}; fix: set the whole value, e.g. {head}.{key} = [...]")
        return by_key[key], None
    if head == "initial":
        return _initial_target(path, segments, data, prefix)
    return None, _unknown(prefix, head, [*top, *sections])


def _initial_target(path: str, segments: list, data: dict, prefix: str
                    ) -> tuple[Option | None, str | None]:
    field = segments[1]
    if not isinstance(field, str) or field not in FIELDS:
        return None, _unknown(f"{prefix}initial.", field, FIELDS)
    rest = segments[2:]
    index = None
    if rest and isinstance(rest[0], int):
        index, rest = rest[0], rest[1:]
    if len(rest) != 1 or not isinstance(rest[0], str):
        return None, (f"{prefix}{path} is not a key of an initial field; allowed: "
                      f"initial.<field>.<key> or initial.<field>[k].<key>; fix: e.g. "
                      f"initial.{field}.amplitude")
    key = rest[0]
    spec = data.get("initial", {}).get(field) if isinstance(data.get("initial"), dict) else None
    parts = spec if isinstance(spec, list) else [spec] if isinstance(spec, dict) else []
    if not parts:
        return None, (f"{prefix}{path}: initial.{field} is not in the base config; allowed: "
                      f"keys of the initial fields it describes; fix: describe "
                      f"initial.{field} in the base (or give its type in [set])")
    k = index or 0
    if k >= len(parts):
        return None, (f"{prefix}{path}: initial.{field} has {len(parts)} part(s); allowed: "
                      f"an index below {len(parts)}; fix: check the index")
    if len(parts) > 1 and index is None:
        return None, (f"{prefix}{path}: initial.{field} has {len(parts)} parts; allowed: "
                      f"initial.{field}[k].{key} with k < {len(parts)}; fix: name the part")
    if key == "type":
        return _TYPE_OPTION, None
    kind = parts[k].get("type") if isinstance(parts[k], dict) else None
    if kind not in INITIAL_TYPES:
        return None, None  # the config reports the type
    options = {o.key: o for o in INITIAL_TYPES[kind][1]}
    if key not in options:
        where = f"initial.{field}." if index is None else f"initial.{field}[{index}]."
        return None, _unknown(prefix + where, key, ["type", *options])
    return options[key], None


# --------------------------------------------------------------------------- values


def _number_pair(path: str, spec: dict, key: str, positive: bool) -> tuple[float, float] | str:
    value = spec[key]
    allowed = ("two finite numbers" + (" > 0" if positive else "") + " [start, stop]")
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       and math.isfinite(v) for v in value)):
        return _problem(f"{path}.{key}", value, "is not a pair of numbers", allowed,
                        f"write e.g. {key} = [0.5, 2.0]")
    if positive and min(value) <= 0:
        return _problem(f"{path}.{key}", value, "has a value <= 0", allowed,
                        "use linear for ranges through 0, or positive ends")
    return float(value[0]), float(value[1])


def _check_spec_keys(path: str, spec: dict, allowed_keys: tuple[str, ...], allowed: str
                     ) -> str | None:
    for key in spec:
        if key not in allowed_keys:
            return _unknown(f"{path}.", key, allowed_keys)
    given = [k for k in _SPEC_KEYS if k in spec]
    if len(given) != 1:
        return _problem(path, spec, f"gives {' and '.join(given)}", allowed,
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


def _read_axes(table: dict, data: dict, problems: list[str]
               ) -> list[tuple[str, Option | None, list]]:
    """The ``[vary]`` axes: ``(key path, option, values)``."""
    axes = []
    for path, spec in _flatten(table, "vary", _SPEC_KEYS, problems):
        where = f"vary.{path}"
        found, opt = _option_of(path, data, "vary", problems)
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
        return _problem(where, spec, f"is a {type(spec).__name__}", _VARY_ALLOWED,
                        "put a fixed value in [set], or list the values, e.g. [0.5, 1.0]")
    problem = _check_spec_keys(where, spec, (*_SPEC_KEYS, "count"), _VARY_ALLOWED)
    if problem:
        return problem
    if "values" in spec:
        values = spec["values"]
        if "count" in spec:
            return _unknown(f"{where}.", "count", ["values"])
        if not isinstance(values, list) or not values:
            return _problem(f"{where}.values", values, "is not a non-empty list",
                            "a list of values", "write e.g. values = [0.5, 1.0]")
        return list(values)
    kind = "linear" if "linear" in spec else "log"
    problem = _numeric(where, opt, kind)
    if problem:
        return problem
    ends = _number_pair(where, spec, kind, positive=kind == "log")
    if isinstance(ends, str):
        return ends
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_MEMBERS:
        return _problem(f"{where}.count", count, "is not allowed" if count is not None
                        else "is missing", f"an integer in [1, {MAX_MEMBERS}]",
                        f"write e.g. {{ {kind} = {list(ends)}, count = 5 }}")
    values = (np.linspace(*ends, count) if kind == "linear" else np.geomspace(*ends, count))
    return _integers(where, opt, [_nice(v) for v in values])


def _read_ranges(table: dict, data: dict, problems: list[str]
                 ) -> tuple[dict, list[tuple[str, Option | None, dict]]]:
    """The ``[sample]`` settings (count, seed) and ranges ``(key path, option, spec)``."""
    own = {k: v for k, v in table.items() if k in ("count", "seed")}
    settings = _read_options(own, SAMPLE_OPTIONS, "sample.", problems) if table else {}
    ranges = []
    rest = {k: v for k, v in table.items() if k not in ("count", "seed")}
    for path, spec in _flatten(rest, "sample", _SPEC_KEYS, problems):
        where = f"sample.{path}"
        found, opt = _option_of(path, data, "sample", problems)
        if not found:
            continue
        if not isinstance(spec, dict):
            problems.append(_problem(where, spec, f"is a {type(spec).__name__}",
                                     _SAMPLE_ALLOWED, "write e.g. { linear = [0.5, 2.0] }"))
            continue
        problem = _check_spec_keys(where, spec, _SPEC_KEYS, _SAMPLE_ALLOWED)
        if problem:
            problems.append(problem)
            continue
        if "values" in spec:
            values = spec["values"]
            if not isinstance(values, list) or not values:
                problems.append(_problem(f"{where}.values", values, "is not a non-empty list",
                                         "a list of values", "write e.g. values = [1, 2]"))
                continue
            ranges.append((path, opt, {"values": list(values)}))
            continue
        kind = "linear" if "linear" in spec else "log"
        problem = _numeric(where, opt, kind)
        ends = _number_pair(where, spec, kind, positive=kind == "log")
        if problem or isinstance(ends, str):
            problems.append(problem or ends)
            continue
        ranges.append((path, opt, {kind: ends}))
    if table and not _valid(*settings.values()):
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


def _points(axes, ranges, settings) -> list[list[tuple[str, Any]]]:
    """Every parameter point: the grid of ``[vary]`` crossed with the samples."""
    grid = [list(zip([p for p, _, _ in axes], combo, strict=True))
            for combo in itertools.product(*[values for _, _, values in axes])]
    if not ranges:
        return grid
    u = _latin_hypercube(len(ranges), settings["count"], settings["seed"])
    samples = [[(path, _sample_value(opt, spec, float(u[i, k])))
                for k, (path, opt, spec) in enumerate(ranges)] for i in range(len(u))]
    return [g + s for g in grid for s in samples]


# --------------------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What :func:`run_sweep` did: the summary table and how many members it ran."""

    output: Path
    table: pd.DataFrame
    ran: int = 0
    resumed: int = 0
    skipped: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Members per status."""
        return {k: int(v) for k, v in self.table["status"].value_counts().items()}

    @property
    def ok(self) -> bool:
        """Whether every member is complete."""
        return bool((self.table["status"] == "complete").all())

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items())
        return (f"SweepResult({str(self.output)!r}: {len(self.table)} members, {counts}; "
                f"ran {self.ran}, resumed {self.resumed}, skipped {self.skipped})")

    def _repr_html_(self) -> str:
        import html

        return (f"<p>{html.escape(repr(self))}</p>"
                + self.table.set_index("member")._repr_html_())


class _Progress:
    """A tqdm bar over members (``"bar"``), a log line per member (``"log"``), or nothing."""

    def __init__(self, mode: str, name: str, total: int, done: int):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        self.mode, self.name, self.total, self.done = mode, name, total, done
        self.failed = 0
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, desc=name, unit="member",
                            file=sys.stderr, dynamic_ncols=True)

    def update(self, member: Member, row: dict) -> None:
        self.done += 1
        if row["status"] != "complete":
            self.failed += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.failed} not complete" if self.failed else "",
                                     refresh=False)
            self.bar.update(1)
        elif self.mode == "log":
            log.info("%s: %d/%d members done: %s %s in %.3g s (%s)", self.name, self.done,
                     self.total, member.file, row["status"], row["task_seconds"],
                     member.label())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _Collect(logging.Handler):
    """Collects the distinct warnings this thread logs while a member runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            message = " ".join(record.getMessage().split())
            if message not in self.messages:
                self.messages.append(message)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _run_member(task: dict) -> dict:
    """Run, resume or rerun one member (in a worker process); never raises.

    numba uses one thread here: the sweep's parallelism is its worker processes, and the
    results do not depend on the thread count.
    """
    start = time.perf_counter()
    path, config, action = Path(task["path"]), task["config"], task["action"]
    collect = _Collect()
    logger = logging.getLogger("pde_meta")
    logger.addHandler(collect)
    status, message = "", ""
    try:
        if action == "resume":
            try:
                runner.resume(path, t_end=config.time.t_end, progress="none", threads=1)
            except ConfigError as exc:
                if _being_written(path):
                    raise RuntimeError(_one_line(exc)) from None
                log.warning("%s cannot be resumed (%s); running it again", path,
                            _one_line(exc))
                action = "rerun"
        if action in ("run", "rerun"):
            runner.simulate(config, output=path, overwrite=action == "rerun",
                            progress="none", threads=1)
    except ConfigError as exc:
        status, message = "invalid", _one_line(exc)
    except SimulationError as exc:
        status, message = "failed", _one_line(exc)
    except Exception as exc:  # a bug or an I/O error: report it, let the others go on
        status, message = "error", f"{type(exc).__name__}: {_one_line(exc)}"
    finally:
        logger.removeHandler(collect)
    row: dict[str, Any] = {}
    if status != "invalid":
        try:
            row = _file_row(path)
        except ConfigError as exc:
            status = status or "error"
            message = message or _one_line(exc)
    if status:
        row["status"], row["message"] = status, message
    row["action"] = {"run": "ran", "rerun": "reran", "resume": "resumed"}[action]
    row["task_seconds"] = time.perf_counter() - start
    row["warnings"] = "; ".join(collect.messages)
    row["warning_list"] = list(collect.messages)
    return row


def _being_written(path: Path) -> bool:
    try:
        return io.read_info(path, with_checkpoint=False).writer_alive()
    except ConfigError:
        return False


def _file_row(path: Path) -> dict:
    """Status, progress, wall time and final metrics of a run file."""
    info = io.read_info(path, with_checkpoint=False)
    times, diags = info.times, info.diagnostics
    status = info.status if info.clean or info.status != "running" else "interrupted"
    row: dict[str, Any] = {"status": status, "message": info.message,
                           "t": float(times[-1]) if len(times) else math.nan,
                           "t_end": info.t_end}
    if not len(times):
        return row
    last = {name: float(values[-1]) for name, values in diags.items()}
    steps = int(last.get("step", 0))
    wall = last.get("wall_seconds", math.nan)
    cells = math.prod(int(v) for v in info.attrs.get("grid_shape", [0, 0]))
    row.update(steps=steps, wall_seconds=wall,
               cell_updates_per_second=cells * steps / wall if wall > 0 else math.nan)
    try:
        events = metrics.time_metrics(times, diags)
    except (ConfigError, ValueError):  # too few snapshots for a time series
        events = {}
    for name in metrics.METRIC_UNITS:
        if name in last:
            row[name] = last[name]
        elif name in events and np.ndim(events[name]) == 0:
            row[name] = float(events[name])
    return row


def _flat(data: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


_IGNORED = ("name", "description", "output.path", "time.t_end")


def _plan(member: Member, path: Path) -> tuple[str, str | None]:
    """What to do with a member's file: ``(action, problem)``; the action is ``run``,
    ``rerun`` (the file is unusable), ``resume`` or ``skip``."""
    if not path.exists():
        return "run", None
    try:
        info = io.read_info(path, with_checkpoint=False)
        stored = loads_config(info.config_toml, check_files=False, name=member.name)
    except ConfigError:
        return "rerun", None  # unreadable, truncated before its first checkpoint
    config = member.config
    mine, theirs = _flat(config.to_dict()), _flat(stored.to_dict())
    differ = [k for k in sorted(set(mine) | set(theirs))
              if k not in _IGNORED and mine.get(k) != theirs.get(k)]
    if differ:
        shown = ", ".join(f"{k} (file {_short(theirs.get(k), 20)}, sweep "
                          f"{_short(mine.get(k), 20)})" for k in differ[:4])
        more = f" and {len(differ) - 4} more" if len(differ) > 4 else ""
        return "", (f"{path} was made with a different config: {shown}{more}; allowed: the "
                    f"files of this sweep; fix: choose another output directory, or delete "
                    f"the file to run the member again")
    t_end = config.time.t_end
    tol = TIME_TOLERANCE * max(1.0, abs(t_end))
    if info.t_end > t_end + tol:
        return "", (f"{path} runs to t_end = {info.t_end:g}, the sweep asks for {t_end:g}; "
                    f"allowed: the same or a later t_end; fix: choose another output "
                    f"directory")
    if info.status == "running" and info.writer_alive():
        return "", (f"{path} is being written by process {info.writer[1]}; fix: wait for it "
                    f"to finish, or stop it first")
    if info.clean and info.status == "failed":
        return "skip", None  # it fails again the same way: delete the file to retry
    if info.clean and info.status == "complete" and info.t_end >= t_end - tol:
        return "skip", None
    return "resume", None


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None, tasks: int):
    """A dask client: of the scheduler at ``scheduler``, or of an embedded LocalCluster."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot connect to the dask scheduler at {scheduler!r} "
                              f"({_one_line(exc)}); allowed: the address of a running "
                              f"scheduler, e.g. tcp://10.0.0.1:8786; fix: start one with "
                              f"dask scheduler, or omit --scheduler for a local "
                              f"cluster") from None
        with client:
            threads = {w.get("nthreads", 1) for w in
                       client.scheduler_info().get("workers", {}).values()}
            if any(n > 1 for n in threads):
                log.warning("the workers of %s run %s threads each; members run one per "
                            "thread; start workers with --nthreads 1 so that each member "
                            "has a process (and a core) of its own", scheduler,
                            max(threads))
            yield client
        return
    n = min(workers or os.cpu_count() or 1, tasks)
    log.info("starting a local dask cluster: %d worker process(es), 1 thread each", n)
    try:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
    except Exception as exc:
        raise SimulationError(f"the local dask cluster did not start ({type(exc).__name__}: "
                              f"{_one_line(exc)}); fix: run from a script file (worker "
                              f"processes re-import it: keep its work under if __name__ == "
                              f"\"__main__\":), or give --scheduler") from exc
    with cluster, Client(cluster) as client:
        yield client


def run_sweep(sweep, output_dir=None, scheduler: str | None = None,
              workers: int | None = None, progress: str = "auto") -> SweepResult:
    """Run every member of ``sweep`` (a :class:`Sweep` or a path to a sweep file).

    Parameters
    ----------
    sweep : Sweep or path
    output_dir : path, optional
        Directory of the member files and the summary; default ``sweep.output``. With a
        remote scheduler it must be a path that the workers see too (a shared file system).
    scheduler : str, optional
        Address of a running dask scheduler (``tcp://host:8786``); default: an embedded
        ``LocalCluster``.
    workers : int, optional
        Worker processes of the local cluster (default: one per CPU, at most one per
        member to run). Not with ``scheduler``.
    progress : {"auto", "bar", "log", "none"}
        ``auto``: a tqdm bar over members when stderr is a terminal, else a log line per
        finished member.

    Returns
    -------
    SweepResult
        ``table`` is the summary (also in ``summary.csv`` and ``sweep.h5``); ``ok`` says
        whether every member is complete.

    Raises
    ------
    ConfigError
        The sweep file is not valid, no member is valid, the output directory cannot be
        used, a member's existing file was made with another config, or the scheduler
        cannot be reached. Nothing has run.
    """
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    if scheduler is not None and workers is not None:
        raise ConfigError("workers is for the local cluster; allowed: workers without a "
                          "scheduler; fix: start the remote workers with the number you "
                          "want, and drop --workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ConfigError(f"workers = {workers!r} is not allowed; allowed: an integer >= 1; "
                          f"fix: e.g. --workers 2")
    if progress not in ("auto", "bar", "log", "none"):
        raise ConfigError(f"progress = {progress!r} is not allowed; allowed: 'auto', 'bar', "
                          f"'log', 'none'")
    out = _absolute(output_dir if output_dir is not None else sweep.output)
    valid = [m for m in sweep.members if m.valid]
    if not valid:
        shown = " | ".join(f"{m.label()}: {m.error}" for m in sweep.members[:20])
        raise ConfigError(f"{sweep.name}: no member is valid: {shown}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {str(out)!r} is a file; allowed: a directory; fix: give a "
                          f"directory with --output")
    runner.check_output(out / SUMMARY_FILE, overwrite=True)
    runner.check_output(out / INDEX_FILE, overwrite=True)

    actions, problems = {}, []
    for m in valid:
        action, problem = _plan(m, out / m.file)
        if problem:
            problems.append(problem)
        actions[m.index] = action
    if problems:
        count = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(count + " | ".join(problems))
    for m in sweep.invalid:
        log.warning("%s: %s is invalid and does not run: %s", sweep.name, m.label(), m.error)
    expected = {m.file for m in sweep.members}
    orphans = sorted(p.name for p in (out.iterdir() if out.is_dir() else ())
                     if _MEMBER_FILE.match(p.name) and p.name not in expected)
    if orphans:
        log.warning("%s: %d file(s) in %s belong to no member of this sweep (an earlier "
                    "definition?): %s", sweep.name, len(orphans), out,
                    ", ".join(orphans[:5]) + (" ..." if len(orphans) > 5 else ""))

    rows: dict[int, dict] = {}
    for m in sweep.invalid:
        rows[m.index] = {"status": "invalid", "message": m.error, "action": "none"}
    todo = []
    for m in valid:
        if actions[m.index] == "skip":
            rows[m.index] = {**_file_row(out / m.file), "action": "skipped",
                             "task_seconds": 0.0}
        else:
            todo.append(m)
    log.info("%s: %d members: %d to run, %d done before, %d invalid -> %s", sweep.name,
             len(sweep.members), len(todo), len(valid) - len(todo), len(sweep.invalid), out)
    if todo:
        progress_bar = _Progress(progress, sweep.name, len(valid), len(valid) - len(todo))
        try:
            _run_all(sweep, todo, actions, out, scheduler, workers, rows, progress_bar)
        except BaseException as exc:
            finished = any(m.index in rows for m in todo)
            if finished:  # keep a summary of what ran
                for m in todo:
                    rows.setdefault(m.index, {"status": "interrupted", "action": "none",
                                              "message": "the sweep stopped before it "
                                              "finished; run the sweep again to continue"})
                _write_summary(sweep, out, rows)
            if isinstance(exc, ConfigError | SimulationError) or not isinstance(exc, Exception):
                raise
            kept = (f"; the members finished so far are in {out / SUMMARY_FILE}" if finished
                    else "")
            raise SimulationError(f"{sweep.name}: the dask cluster failed ({type(exc).__name__}"
                                  f": {_one_line(exc)}){kept}; fix: run the sweep again to "
                                  f"continue") from exc
        finally:
            progress_bar.close()
    _report_warnings(sweep, rows)
    table = _write_summary(sweep, out, rows)
    done = [row.get("action") for row in rows.values()]
    return SweepResult(out, table, ran=done.count("ran") + done.count("reran"),
                       resumed=done.count("resumed"), skipped=done.count("skipped"))


def _run_all(sweep: Sweep, todo: list[Member], actions: dict, out: Path, scheduler,
             workers, rows: dict, progress: _Progress) -> None:
    from dask.distributed import as_completed

    with _client(scheduler, workers, len(todo)) as client:
        futures = {}
        for m in todo:
            task = {"config": m.config.with_output(out / m.file), "path": str(out / m.file),
                    "action": actions[m.index]}
            future = client.submit(_run_member, task, pure=False,
                                   key=f"{m.name}-{uuid.uuid4().hex[:8]}")
            futures[future] = m
        for future in as_completed(futures):
            m = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker died (e.g. killed for memory)
                row = {"status": "error", "action": "none", "task_seconds": math.nan,
                       "message": f"{type(exc).__name__}: {_one_line(exc)}"}
            rows[m.index] = row
            progress.update(m, row)


def _report_warnings(sweep: Sweep, rows: dict) -> None:
    seen: dict[str, list[int]] = {}
    for index, row in sorted(rows.items()):
        for message in row.get("warning_list", ()):
            seen.setdefault(message, []).append(index)
    for message, members in seen.items():
        shown = ", ".join(str(k) for k in members[:10]) + (" ..." if len(members) > 10 else "")
        log.warning("%s: member(s) %s: %s", sweep.name, shown, message)


# --------------------------------------------------------------------------- summary


_FIRST = ("status", "action", "message", "warnings", "t", "t_end", "steps", "wall_seconds",
          "task_seconds", "cell_updates_per_second")


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return value


def _summary_table(sweep: Sweep, rows: dict) -> pd.DataFrame:
    import pandas as pd

    metric_names = [name for name in metrics.METRIC_UNITS
                    if any(name in row for row in rows.values())]
    records = []
    for m in sweep.members:
        row = rows.get(m.index, {})
        record = {"member": m.index, "file": m.file}
        record.update({k: _cell(v) for k, v in m.overrides})
        if sweep.replicates > 1:
            record["replicate"] = m.replicate
        for name in _FIRST:
            default = "" if name in ("status", "action", "message", "warnings") else math.nan
            record[name] = row.get(name, default)
        for name in metric_names:
            record[name] = row.get(name, math.nan)
        records.append(record)
    columns = ["member", "file", *sweep.keys, *(["replicate"] if sweep.replicates > 1
                                                 else []), *_FIRST, *metric_names]
    table = pd.DataFrame.from_records(records, columns=columns)
    table["steps"] = table["steps"].astype("float64")
    return table


def _write_summary(sweep: Sweep, out: Path, rows: dict) -> pd.DataFrame:
    """Write ``summary.csv`` and ``sweep.h5`` (each atomically); returns the table."""
    import h5py

    table = _summary_table(sweep, rows)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{SUMMARY_FILE}.{os.getpid()}.tmp"
    table.to_csv(tmp, index=False)
    os.replace(tmp, out / SUMMARY_FILE)
    tmp = out / f".{INDEX_FILE}.{os.getpid()}.tmp"
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs.update({
                "format": INDEX_FORMAT, "format_version": INDEX_FORMAT_VERSION,
                "name": sweep.name, "description": sweep.description,
                "sweep": sweep.text, "source": str(sweep.source or ""),
                "base_config": sweep.base.to_toml(), "output": str(out),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "columns": json.dumps(list(table.columns)), "keys": json.dumps(sweep.keys),
                "statuses": json.dumps(STATUSES)})
            group = f.create_group("summary")
            for name in table.columns:
                values = table[name].to_numpy()
                if values.dtype.kind in "biuf":
                    group.create_dataset(name, data=values)
                    continue
                mixed = not all(isinstance(v, str) for v in values)
                text = [json.dumps(v, default=str) if mixed else v for v in values]
                group.create_dataset(name, data=text, dtype=h5py.string_dtype())
                group[name].attrs["json"] = mixed
            f.create_dataset("configs", data=[m.config.to_toml() if m.valid else ""
                                              for m in sweep.members],
                             dtype=h5py.string_dtype())
        os.replace(tmp, out / INDEX_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    return table


def open_sweep(path) -> pd.DataFrame:
    """The summary of a sweep as a :class:`pandas.DataFrame`, one row per member.

    ``path`` is the sweep's output directory (or its ``sweep.h5``). The index is the member
    number; the columns are ``file``, every key path the sweep varies (and ``replicate``),
    ``status`` (see :data:`STATUSES`), ``action`` (what the last run of the sweep did with
    the member: ``ran``, ``reran``, ``resumed``, ``skipped``), ``message``, ``warnings``,
    ``t``, ``t_end``, ``steps``, ``wall_seconds`` (stepping, over all sessions of the run),
    ``task_seconds``, ``cell_updates_per_second``, and the final metrics of
    :mod:`pde_meta.metrics` for the run's geometry (``tumor_mass``, ``invaded_area``,
    ``front_max_radius`` or ``front_max_depth``, ``cluster_count``,
    ``membrane_breach_time``, ...). ``attrs`` holds the sweep's name, file text and output
    directory.
    """
    import h5py
    import pandas as pd

    path = Path(path)
    index = path / INDEX_FILE if path.is_dir() else path
    if not index.is_file():
        raise ConfigError(f"{str(path)!r} holds no {INDEX_FILE}; fix: give the output "
                          f"directory of pde-meta sweep")
    try:
        with h5py.File(index, "r") as f:
            if f.attrs.get("format") != INDEX_FORMAT:
                raise ConfigError(f"{index} is not a pde-meta sweep index; fix: give the "
                                  f"output directory of pde-meta sweep")
            columns = json.loads(f.attrs["columns"])
            data = {}
            for name in columns:
                ds = f["summary"][name]
                if h5py.check_string_dtype(ds.dtype):
                    values = list(ds.asstr()[()])
                    if ds.attrs.get("json", False):
                        values = [json.loads(v) for v in values]
                    data[name] = values
                else:
                    data[name] = ds[()]
            attrs = {k: f.attrs[k] for k in ("name", "description", "sweep", "output")}
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"{index}: the sweep index is damaged ({_one_line(exc)}); fix: run "
                          f"the sweep again to rewrite it") from None
    table = pd.DataFrame(data, columns=columns).set_index("member")
    table.attrs.update({k: str(v) for k, v in attrs.items()})
    return table
