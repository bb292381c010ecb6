"""Sweep files: a sweep file in, a validated :class:`Sweep` of :class:`Member` s out.

The file is checked as a whole (its keys, its key paths with a did-you-mean for unknown
ones, the ranges of ``[vary]`` and ``[sample]``, the base config with ``[set]``), every
problem in one single-line :class:`~pde_meta.errors.ConfigError`; then every member's
config is validated, and an invalid member keeps its error instead of a config.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import RunConfig, absolute_path, config_from_dict, file_name
from ..core.options import Option, problem, read_top, short, valid
from ..errors import ConfigError
from .expand import MAX_MEMBERS, SAMPLE_ALLOWED, member_points, read_axes, read_ranges
from .paths import assign, bad_path, flatten, split_path, target, types_first

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Sweep", "Member", "load_sweep", "loads_sweep", "sweep_from_dict",
           "SWEEP_OPTIONS"]

#: the top-level keys of a sweep file besides base, [set], [vary] and [sample]
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

_TOP_KEYS = ("name", "description", "base", "output", "replicates", "set", "vary", "sample")


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
        shown = ", ".join(f"{k} = {short(v, 30)}" for k, v in self.overrides)
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
    top = read_top(data, _TOP_KEYS, SWEEP_OPTIONS, problems)
    sweep_name = file_name(top["name"], name, "sweep", problems)
    replicates = top["replicates"] if valid(top["replicates"]) else 1
    output = here / (top["output"] if valid(top["output"]) and top["output"] is not None
                     else sweep_name)

    base, base_dir_of_config, base_label = _read_base(data, here, problems)
    tables = {}
    for section in ("set", "vary", "sample"):
        value = data.get(section, {})
        if not isinstance(value, dict):
            problems.append(f"{section} = {short(value)} is a {type(value).__name__}; "
                            f"allowed: a table of key paths; fix: write it as a [{section}] "
                            f"section")
            value = {}
        tables[section] = value

    # [set]: applied to the base, then checked against what it made
    fixed = flatten(tables["set"], "set", (), problems)
    set_ok = base is not None
    if base is not None:
        for path, value in types_first(fixed):
            segments = split_path(path)
            if segments is None:
                problems.append(bad_path("set", path))
                set_ok = False
                continue
            found = assign(base, segments, value)
            if found:
                problems.append(f"set.{path}: {found}")
                set_ok = False
        for path, value in fixed:
            segments = split_path(path)
            if segments is None:
                continue
            opt, found = target(path, segments, base, "set")
            if found:
                problems.append(found)
                set_ok = False
            elif opt is not None and opt.kind == "path" and isinstance(value, str):
                assign(base, segments, str(absolute_path(here / value)))

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
    axes = read_axes(tables["vary"], scan, problems)
    sample_settings, ranges = read_ranges(tables["sample"], scan, problems)

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
                        f"{SAMPLE_ALLOWED}; fix: add one, e.g. \"parameters.haptotaxis\" "
                        f"= {{ log = [0.001, 0.1] }}, or remove [sample]")
    if problems:
        count_text = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(where + count_text + " | ".join(" ".join(p.split())
                                                          for p in problems))

    points = member_points(axes, ranges, sample_settings)
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
        random_field = any(part.type == "random" and part.get("seed") is None
                           for c in first.tissues() for _, parts in c.initial
                           for part in parts)
        # circulations, organs and primaries draw from streams keyed by the seed
        stochastic = bool(first.circulations or first.organ_sets
                          or getattr(first, "primaries", ()))
        if not (random_field or stochastic):
            raise ConfigError(f"{where}replicates = {replicates}, but no initial field is "
                              f"random with the top-level seed (type = \"random\" without its "
                              f"own seed), so every replicate would be the same run; allowed: "
                              f"replicates > 1 with a random initial field or a "
                              f"stochastic compartment (a circulation, organs, a primary); "
                              f"fix: add one, or set replicates = 1")
    return Sweep(name=sweep_name, base=base_config, members=tuple(members), keys=keys,
                 output=absolute_path(output), replicates=replicates,
                 description=top["description"] if valid(top["description"]) else "",
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
        problems.append(problem("base", value, f"is a {type(value).__name__}", allowed,
                                'write e.g. base = "membrane_breach.toml"'))
        return None, here, ""
    path = absolute_path(here / value)
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


def _member_data(base: dict, overrides, name: str, output: Path) -> dict:
    """A copy of ``base`` with ``overrides`` applied, the member's name and output path."""
    data = copy.deepcopy(base)
    for path, value in types_first(overrides):
        assign(data, split_path(path), value)
    data["name"] = name
    section = data.get("output")
    if section is None:
        data["output"] = section = {}
    if isinstance(section, dict):
        section["path"] = str(output)
    return data


def _resolved(path: str, value: Any, base: dict, here: Path) -> Any:
    """A path-valued override made absolute (relative to the sweep file)."""
    segments = split_path(path)
    opt, found = target(path, segments, base, "")
    if opt is not None and not found and opt.kind == "path" and isinstance(value, str):
        return str(absolute_path(here / value))
    return value
