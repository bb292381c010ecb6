"""Reading a config: TOML text or parsed data in, a validated :class:`RunConfig` out, or one
:class:`~pde_meta.errors.ConfigError` with every problem of the file."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.grid import Grid
from ..core.options import (
    check_option,
    problem,
    read_options,
    read_top,
    short,
    to_float,
    unknown_key,
    valid,
)
from ..errors import ConfigError
from ..models.invasion.parameters import PARAMETER_SPECS, OxygenWalls, Parameters
from ..models.invasion.stepper import groups_on, stored_fields
from .circulation import read_circulation
from .compartments import COMPARTMENT_OPTIONS, TISSUE_KEYS, read_coupling
from .organs import read_organs_compartment
from .primary import read_primary
from .run_config import (
    FieldSource,
    OutputConfig,
    RunConfig,
    TimeConfig,
    TissueConfig,
    Units,
    absolute_path,
)
from .schema import (
    FIELDS,
    INITIAL_TYPES,
    MAX_SNAPSHOTS,
    OUTPUT_OPTIONS,
    PARAMETER_OPTIONS,
    SECTIONS,
    TIME_OPTIONS,
    TIME_TOLERANCE,
    TOP_KEYS,
    TOP_OPTIONS,
    TYPE_OPTION,
    UNITS_OPTIONS,
    WALL_OPTIONS,
)
from .treatments import read_treatments

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["load_config", "loads_config", "config_from_dict", "merge_changes", "file_name"]


def load_config(path, changes: dict | None = None) -> RunConfig:
    """Read and validate a TOML config file.

    ``changes`` overrides parts of the file before validation, by section:
    ``{"grid": {"shape": [64, 64]}, "parameters": {"haptotaxis": 0.02}}`` replaces those
    keys and keeps the rest (nested tables merge, other values replace).

    Raises
    ------
    ConfigError
        One single-line message listing every problem: a missing or unreadable file, a
        TOML syntax error, unknown keys (with did-you-mean), wrong types, values out of
        range, missing required keys.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {str(path)!r} does not exist; fix: check the path")
    if not path.is_file():
        raise ConfigError(f"config {str(path)!r} is not a file; fix: give a .toml file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); fix: "
                          f"save the config as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc.strerror}") from None
    return loads_config(text, base_dir=path.resolve().parent, name=path.stem, source=path,
                        changes=changes)


def merge_changes(data: dict, changes: dict) -> dict:
    """A copy of config ``data`` with ``changes`` merged in (tables merge, values replace)."""
    out = dict(data)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_changes(out[key], value)
        else:
            out[key] = value
    return out


def loads_config(text: str, base_dir=None, *, name: str = "run", source=None,
                 check_files: bool = True, changes: dict | None = None) -> RunConfig:
    """Validate TOML ``text`` (see :func:`load_config`); paths are relative to ``base_dir``
    (default: the working directory). ``check_files=False`` skips checking that initial
    field files exist (used when resuming a run whose inputs may be gone)."""
    where = f"{source}: " if source is not None else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = " ".join(str(exc).split())
        raise ConfigError(f"{where}TOML syntax error: {msg}; fix: correct the syntax there"
                          ) from None
    if changes:
        if not isinstance(changes, dict):
            raise ConfigError(f"changes = {changes!r} must be a table of sections")
        data = merge_changes(data, changes)
    return config_from_dict(data, base_dir=base_dir, name=name, source=source,
                            check_files=check_files)


def config_from_dict(data: dict, base_dir=None, *, name: str = "run", source=None,
                     check_files: bool = True) -> RunConfig:
    """Validate already-parsed config ``data`` (see :func:`load_config`)."""
    base = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(f"the config is a {type(data).__name__}, not a table")
    if "base" in data and any(k in data for k in ("vary", "sample", "set", "replicates")):
        where = f"{source}: " if source is not None else ""
        raise ConfigError(f"{where}this is a sweep file (it has base and [vary], [sample] or "
                          f"[set]), not a run config; fix: run it with pde-meta sweep")
    top = read_top(data, TOP_KEYS, TOP_OPTIONS, problems)
    run_name = file_name(top["name"], name, "run", problems)

    units = _read_units(data, problems)
    circulations: list = []
    if "compartments" in data:
        tissues, circulations = read_compartments(data, units, base, problems, check_files)
        if not all(tissues):
            tissues = [t for t in tissues if t] or [None]
    else:
        tissues = [_read_tissue(data, "", "tissue", units, base, problems, check_files)]
    time_table = _section(data, "time", problems, required=True)
    output_table = _section(data, "output", problems)
    if not tissues:  # only compartments that are not grids
        _refuse_tissue_keys(time_table, output_table, problems)
    time = _read_time(time_table, problems)
    output = _read_output(output_table, base, run_name, problems)
    models = {c.name: c.model for c in (*tissues, *circulations) if c}
    interval, exchanges = read_coupling(data, models, problems)
    laws = {c.name: c.parameters.law for c in circulations if c and c.model == "primary"}
    treatments = read_treatments(data, models, problems, laws)
    for k, t in enumerate(treatments):
        if t.detection is not None and interval is None:
            problems.append(f"treatments[{k}].start_detected is checked at coupling times, "
                            f"and the run has none; fix: add [coupling] with interval = "
                            f"... (the time between two checks)")

    if output is not None and not tissues:
        output = replace(output, fields=())
    elif output is not None and output.fields is None:
        used = [n for t in tissues if t
                for n in stored_fields(groups_on(dict(t.initial), t.parameters))]
        output = replace(output, fields=tuple(n for n in FIELDS if n in used) or FIELDS)
    if problems:
        where = f"{source}: " if source is not None else ""
        count = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(where + count + " | ".join(" ".join(p.split()) for p in problems))
    first = tissues[0] if tissues else None
    if tissues and first is None:  # pragma: no cover - it always comes with a problem
        raise ConfigError("no valid compartment")
    tissue = {"parameters": None, "oxygen_walls": None} if first is None else {
        "parameters": first.parameters, "oxygen_walls": first.oxygen_walls,
        "initial": first.initial, "physical_parameters": first.physical_parameters}
    return RunConfig(name=run_name, grid=first.grid if first else None, time=time,
                     output=output, seed=top["seed"],
                     description=top["description"], units=units,
                     source=Path(source).resolve() if source is not None else None,
                     compartment=first.name if first else None, others=tuple(tissues[1:]),
                     exchanges=exchanges, coupling_interval=interval,
                     circulations=tuple(c for c in circulations
                                        if c and c.model == "circulation"),
                     organ_sets=tuple(c for c in circulations if c and c.model == "organs"),
                     primaries=tuple(c for c in circulations if c and c.model == "primary"),
                     treatments=treatments, **tissue)


def _refuse_tissue_keys(time: dict, output: dict, problems: list[str]) -> None:
    """The keys of ``[time]`` and ``[output]`` that only a tissue uses, in a run that has
    none."""
    for key in ("dt", "safety", "reaction_cfl", "scheme", "sprout_substeps"):
        if key in time:
            problems.append(f"time.{key} = {short(time[key])} is a setting of a tissue's "
                            f"step, and this run has no tissue; allowed: [time] with t_end "
                            f"and the snapshots only; fix: remove it (each compartment has "
                            f"its own step, e.g. compartments.<name>.dt)")
    if "fields" in output:
        problems.append(f"output.fields = {short(output['fields'])} names tissue fields, and "
                        f"this run has no tissue; allowed: no output.fields; fix: remove it "
                        f"(every compartment stores its own variables)")


def read_compartments(data: dict, units: Units | None, base: Path, problems: list[str],
                      check_files: bool) -> tuple[list[TissueConfig | None], list]:
    """The ``[compartments.<name>]`` tables: tissues with their own sections, and the
    compartments that are not grids (:mod:`.circulation`, :mod:`.organs`,
    :mod:`.primary`); a run needs no tissue."""
    table = data["compartments"]
    clash = [k for k in TISSUE_KEYS if k in data]
    if clash:
        problems.append(f"{', '.join(clash)} given at the top level and [compartments] "
                        f"declared; allowed: one of the two forms; fix: move them into "
                        f"[compartments.<name>]")
    if not isinstance(table, dict) or not table:
        problems.append(f"compartments = {short(table)} is not allowed; allowed: one or more "
                        f"[compartments.<name>] tables; fix: e.g. [compartments.tissue] "
                        f"with model = \"invasion\" and its [grid], [parameters], "
                        f"[initial.*]")
        return [None], []
    out, others = [], []
    for name, part in table.items():
        prefix = f"compartments.{name}."
        if not isinstance(part, dict):
            problems.append(f"{prefix.rstrip('.')} = {short(part)} is a "
                            f"{type(part).__name__}; allowed: a table; fix: write it as "
                            f"[{prefix.rstrip('.')}]")
            out.append(None)
            continue
        file_name(name, name, "tissue", problems)
        model = read_options({k: v for k, v in part.items() if k == "model"},
                             COMPARTMENT_OPTIONS, prefix, problems)["model"]
        if model == "circulation":
            others.append(read_circulation(part, name, prefix, units, problems))
            continue
        if model == "organs":
            others.append(read_organs_compartment(part, name, prefix, units, problems))
            continue
        if model == "primary":
            others.append(read_primary(part, name, prefix, units, problems))
            continue
        known = (*(o.key for o in COMPARTMENT_OPTIONS), *TISSUE_KEYS)
        for key in part:
            if key not in known:
                problems.append(unknown_key(prefix, key, known))
        tissue = _read_tissue(part, prefix, name, units, base, problems, check_files)
        out.append(replace(tissue, model=model) if tissue and valid(model) else tissue)
    if not out and not others:  # pragma: no cover - an empty table is refused above
        out = [None]
    return out, others


def _read_tissue(data: dict, prefix: str, name: str, units: Units | None, base: Path,
                 problems: list[str], check_files: bool) -> TissueConfig | None:
    """The tissue sections of ``data`` (the top level, or one ``[compartments.<name>]``
    table whose key paths start with ``prefix``)."""
    count = len(problems)
    grid = _read_grid(_section(data, "grid", problems, required=True, prefix=prefix),
                      problems, prefix)
    parameters, physical = _read_parameters(data, units, problems, prefix)
    walls = _read_walls(_section(data, "oxygen_walls", problems, prefix=prefix), problems,
                        prefix)
    initial = _read_initial(data.get("initial", {}), grid, base, problems, check_files,
                            prefix)
    if len(problems) > count:
        return None
    return TissueConfig(name, grid, parameters, walls, initial, physical)


def file_name(given, default: str, kind: str, problems: list[str]) -> str:
    """The ``name`` key (or ``default``) if it can name a file, else ``kind`` and a problem."""
    value = given if valid(given) and given is not None else default
    if not re.fullmatch(r"[^/\\\x00-\x1f]{1,200}", value) or value in (".", ".."):
        problems.append(problem("name", value, "is not usable as a file name",
                                "1 to 200 characters, no slashes or control characters",
                                f'write e.g. name = "{kind}1"'))
        return kind
    return value


def _section(data: dict, name: str, problems: list[str], required: bool = False,
             prefix: str = "") -> dict:
    value = data.get(name, {} if not required else None)
    if value is None:
        problems.append(f"[{prefix}{name}] is missing; allowed: a table with "
                        f"{', '.join(o.key for o in SECTIONS[name])}; fix: add a "
                        f"[{prefix}{name}] section")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{prefix}{name} = {short(value)} is a {type(value).__name__}; "
                        f"allowed: a table; fix: write it as a [{prefix}{name}] section")
        return {}
    return value


def _read_grid(table: dict, problems: list[str], prefix: str = "") -> Grid | None:
    v = read_options(table, SECTIONS["grid"], f"{prefix}grid.", problems)
    if not valid(v["shape"], v["extent"]):
        return None
    try:  # the same options hold; the cell size is checked by Grid itself
        return Grid(shape=v["shape"], extent=v["extent"])
    except ConfigError as exc:
        problems.append(f"{prefix}{exc}" if prefix else str(exc))
        return None


def _read_units(data: dict, problems: list[str]) -> Units | None:
    if "units" not in data:
        return None
    v = read_options(_section(data, "units", problems), UNITS_OPTIONS, "units.", problems)
    if not valid(*v.values()):
        return None
    return Units(**v)


def _read_parameters(data: dict, units: Units | None, problems: list[str], prefix: str = ""
                     ) -> tuple[Parameters, tuple[tuple[str, float], ...]]:
    by_key = {o.key: o for o in PARAMETER_OPTIONS}
    values: dict[str, Any] = {}
    for section in ("parameters", "physical_parameters"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            problems.append(f"{prefix}{section} = {short(table)} is a "
                            f"{type(table).__name__}; allowed: a table; fix: write it as a "
                            f"[{prefix}{section}] section")
            continue
        for key, value in table.items():
            if key not in by_key or (section == "physical_parameters"
                                     and by_key[key].kind != "number"):
                allowed = [k for k in by_key
                           if section == "parameters" or by_key[k].kind == "number"]
                problems.append(unknown_key(f"{prefix}{section}.", key, allowed))
                continue
            if key in values:
                problems.append(f"{prefix}parameters.{key} is given in both [parameters] "
                                f"and [physical_parameters]; allowed: one of them; fix: "
                                f"remove one")
                continue
            values[key] = (section, value)
    physical = {k: v for k, (s, v) in values.items() if s == "physical_parameters"}
    if physical and units is None and "units" not in data:
        problems.append("[physical_parameters] needs a [units] section; allowed: physical "
                        "values with length_scale and diffusivity_scale in [units]; fix: "
                        "add [units] or move the values to [parameters]")
    nondim: dict[str, Any] = {}
    direct: dict[str, Any] = {}
    bad = False
    for key, (section, value) in values.items():
        opt = by_key[key]
        path = f"{prefix}{section}.{key}"
        if opt.kind == "number" and to_float(value) is None:
            problems.append(check_option(path, value, opt)[1])
            bad = True
        elif section == "physical_parameters":
            if units is None:
                bad = True
                continue
            spec_units = next(s.units for s in PARAMETER_SPECS if s.name == key)
            converted = float(value) / units.scale_of(spec_units)
            found = Parameters.problems(
                {key: converted}, prefix=f"{path} (= {converted:.6g} non-dimensional) ")
            problems.extend(" ".join(p.split()) for p in found)
            bad = bad or bool(found)
            nondim[key] = converted
        else:
            direct[key] = nondim[key] = value
    found = Parameters.problems(direct, prefix=f"{prefix}parameters.")
    problems.extend(found)
    if bad or found:
        return Parameters(), ()
    try:
        parameters = Parameters(**nondim)
    except ConfigError as exc:  # pragma: no cover - problems() covers every check
        problems.append(str(exc))
        return Parameters(), ()
    return parameters, tuple((k, float(v)) for k, v in physical.items())


def _read_walls(table: dict, problems: list[str], prefix: str = "") -> OxygenWalls:
    v = read_options(table, WALL_OPTIONS, f"{prefix}oxygen_walls.", problems)
    if not valid(*v.values()):
        return OxygenWalls()
    return OxygenWalls(**v)


def _read_time(table: dict, problems: list[str]) -> TimeConfig | None:
    v = read_options(table, TIME_OPTIONS, "time.", problems)
    if not valid(*v.values()):
        return None
    t_end = v["t_end"]
    times = v["snapshot_times"]
    late = [t for t in times if t > t_end * (1 + TIME_TOLERANCE)]
    if late:
        problems.append(problem("time.snapshot_times", list(times), f"has times after "
                                f"t_end = {t_end:g}", "times in [0, t_end]",
                                "drop them or raise t_end"))
        return None
    if v["snapshot_interval"] is None and not times:
        v["snapshot_interval"] = t_end / 10
    interval = v["snapshot_interval"]
    if interval is not None and t_end / interval > MAX_SNAPSHOTS:
        problems.append(problem("time.snapshot_interval", interval, f"gives more than "
                                f"{MAX_SNAPSHOTS} snapshots up to t_end = {t_end:g}",
                                f"an interval >= t_end / {MAX_SNAPSHOTS}",
                                "write snapshots less often"))
        return None
    if v["dt"] is not None and v["dt"] > t_end:
        problems.append(problem("time.dt", v["dt"], f"is longer than t_end = {t_end:g}",
                                "a step <= t_end", "lower dt, or omit it"))
        return None
    return TimeConfig(t_end=t_end, dt=v["dt"], safety=v["safety"],
                      reaction_cfl=v["reaction_cfl"], snapshot_interval=interval,
                      snapshot_times=tuple(sorted(times)), scheme=v["scheme"],
                      sprout_substeps=v["sprout_substeps"])


def _read_output(table: dict, base: Path, run_name: str, problems: list[str]
                 ) -> OutputConfig | None:
    v = read_options(table, OUTPUT_OPTIONS, "output.", problems)
    if not valid(*v.values()):
        return None
    path = base / (v["path"] if v["path"] is not None else f"{run_name}.h5")
    return OutputConfig(path=absolute_path(path), fields=v["fields"], float32=v["float32"],
                        compression=v["compression"],
                        compression_level=v["compression_level"],
                        checkpoint_seconds=v["checkpoint_seconds"])


def _read_initial(table: Any, grid: Grid | None, base: Path, problems: list[str],
                  check_files: bool, at: str = ""
                  ) -> tuple[tuple[str, tuple[FieldSource, ...]], ...]:
    if not isinstance(table, dict):
        problems.append(f"{at}initial = {short(table)} is a {type(table).__name__}; "
                        f"allowed: [{at}initial.<field>] sections; fix: e.g. "
                        f"[{at}initial.tumor]")
        return ()
    out = {}
    for name, spec in table.items():
        if name not in FIELDS:
            problems.append(unknown_key(f"{at}initial.", name, FIELDS))
            continue
        parts = spec if isinstance(spec, list) else [spec]
        if not parts:
            problems.append(f"{at}initial.{name} is an empty list; allowed: a table or a "
                            f"list of tables; fix: remove it or describe the field")
            continue
        sources = []
        for k, part in enumerate(parts):
            prefix = f"{at}initial.{name}." if len(parts) == 1 else f"{at}initial.{name}[{k}]."
            source = _read_source(name, part, prefix, grid, base, problems, check_files)
            if source is not None:
                sources.append(source)
        if len(sources) == len(parts):
            out[name] = tuple(sources)
    # derived fields may only refer to fields that are not derived themselves
    for name, sources in out.items():
        for s in sources:
            kind = INITIAL_TYPES[s.type]
            if kind.derived:
                ref = kind.derived_from(dict(s.options))
                ref_sources = out.get(ref, ())
                if ref == name or any(INITIAL_TYPES[r.type].derived for r in ref_sources):
                    problems.append(f"{at}initial.{name}: type {s.type!r} refers to {ref!r}, "
                                    f"which is itself derived; allowed: a field given "
                                    f"directly; fix: describe {ref!r} directly")
    return tuple((f, out[f]) for f in FIELDS if f in out)


def _read_source(name: str, part: Any, prefix: str, grid: Grid | None, base: Path,
                 problems: list[str], check_files: bool) -> FieldSource | None:
    if not isinstance(part, dict):
        problems.append(f"{prefix.rstrip('.')} = {short(part)} is a {type(part).__name__}; "
                        f"allowed: a table with a type; fix: write [initial.{name}] with "
                        f"type = \"...\"")
        return None
    if "type" not in part:
        problems.append(f"{prefix}type is missing; allowed: {TYPE_OPTION.allowed()}; fix: "
                        f"add type = \"gaussian\" (or another type)")
        return None
    kind, found = check_option(prefix + "type", part["type"], TYPE_OPTION)
    if found:
        problems.append(found)
        return None
    only = INITIAL_TYPES[kind].fields
    if only and name not in only:
        under = ", ".join(f"[initial.{f}]" for f in only)
        problems.append(f"{prefix}type = {kind!r} is only for {', '.join(only)}; allowed: "
                        f"the {kind!r} type under {under}; fix: use 'scaled' here")
        return None
    rest = {k: v for k, v in part.items() if k != "type"}
    v = read_options(rest, INITIAL_TYPES[kind].options, prefix, problems, also=("type",))
    if not valid(*v.values()):
        return None
    for key in ("center", "avoid_center"):
        if key in v and v[key] is None:
            v[key] = (0.5 * grid.extent[1], 0.5 * grid.extent[0]) if grid else (0.5, 0.5)
    if kind in ("file", "snapshot", "image"):
        path = absolute_path(Path(base, v["path"]))
        if check_files and not path.is_file():
            problems.append(f"{prefix}path = {v['path']!r}: {str(path)!r} does not exist; "
                            f"allowed: an existing file (relative to the config file); fix: "
                            f"check the path")
            return None
        v["path"] = str(path)
        if check_files and kind == "file" and path.suffix not in (".npy", ".npz"):
            problems.append(f"{prefix}path = {v['path']!r} is not a .npy or .npz file; "
                            f"allowed: .npy, .npz; fix: save the array with numpy.save")
            return None
        if check_files and kind == "image" and path.suffix.lower() != ".png":
            problems.append(f"{prefix}path = {v['path']!r} is not a .png file; allowed: "
                            f".png; fix: save the image as PNG")
            return None
    return FieldSource(kind, tuple(v.items()))
