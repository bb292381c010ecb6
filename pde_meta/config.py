"""Run configuration: a TOML file in, a frozen and validated :class:`RunConfig` out.

A config file has these sections (every key, its type, default and allowed range is in
``docs/config.md``, which :func:`reference_markdown` generates from the tables below)::

    name = "default"          # label of the run (default: the file name without .toml)
    seed = 0                  # seed of every random initial field

    [grid]                    # shape = [ny, nx], extent = [Ly, Lx]
    [parameters]              # model parameters, non-dimensional (pde_meta.model)
    [physical_parameters]     # the same names in physical units, converted with [units]
    [units]                   # length scale (cm) and reference diffusivity (cm^2/s)
    [oxygen_walls]            # fixed oxygen level on a wall (a vessel); omitted = zero flux
    [initial.<field>]         # how each field starts (omitted fields start at 0);
                              # [[initial.<field>]] several times adds the parts
    [time]                    # t_end, dt, snapshots
    [output]                  # HDF5 path, stored fields, float32, compression, checkpoints

Every problem of a file is reported at once, in one :class:`~pde_meta.errors.ConfigError`
whose message is a single line: each problem names its key path, the value, what is
allowed and the fix; an unknown key comes with a did-you-mean suggestion. Paths in a
config are relative to the config file; a loaded config holds them absolute, so that
:meth:`RunConfig.to_toml` (stored in every run's HDF5 file) reads the same from anywhere.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .core.grid import Grid
from .errors import ConfigError
from .models.invasion.fields import FIELDS as FIELD_TABLE
from .models.invasion.parameters import PARAMETER_SPECS, OxygenWalls, Parameters

FIELDS = FIELD_TABLE.names

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["RunConfig", "FieldSource", "TimeConfig", "OutputConfig", "Units", "load_config",
           "loads_config", "config_from_dict", "dump_toml", "output_times",
           "reference_markdown", "SECTIONS", "INITIAL_TYPES", "MAX_CELLS_PER_SIDE"]

#: largest number of cells along one side of the grid
MAX_CELLS_PER_SIDE = 16384
#: largest number of output times of one run
MAX_SNAPSHOTS = 100_000
_WALLS = ("left", "right", "bottom", "top")
_COMPRESSIONS = ("gzip", "lzf", "none")
#: relative tolerance under which two output times are the same
TIME_TOLERANCE = 1e-9


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()


# --------------------------------------------------------------------------- option specs


class Option(NamedTuple):
    """One key of a config section: its type, default, allowed values and meaning.

    ``kind`` is one of ``number``, ``integer``, ``bool``, ``string``, ``choice``,
    ``pair`` (two numbers), ``times`` (a list of numbers), ``fields`` (a list of field
    names), ``path``. A ``default`` of ``None`` means the key is optional with no value.
    """

    key: str
    kind: str
    default: Any
    doc: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    choices: tuple = ()
    units: str = ""

    def allowed(self) -> str:
        lo = "(" if self.low_open else "["
        high = "2^63 - 1" if self.high == 2**63 - 1 else f"{self.high:g}"
        if self.low == -math.inf and self.high == math.inf:
            rng = ""
        elif self.high == math.inf:
            rng = f" {'>' if self.low_open else '>='} {self.low:g}"
        else:
            rng = f" in {lo}{self.low:g}, {high}]"
        each = f", each{rng}" if rng else ""
        return {
            "number": f"a finite number{rng}",
            "integer": f"an integer{rng}",
            "bool": "true or false",
            "string": "a string",
            "path": "a file path (a string, relative to the config file)",
            "choice": "one of " + ", ".join(repr(c) for c in self.choices),
            "pair": f"two finite numbers{each}",
            "ipair": f"two integers{each}",
            "times": f"a list of finite numbers{rng}",
            "fields": "a list of distinct field names from " + ", ".join(FIELDS),
        }[self.kind]

    def type_name(self) -> str:
        return {"number": "float", "integer": "int", "bool": "bool", "string": "str",
                "path": "str (path)", "choice": "str", "pair": "[float, float]",
                "ipair": "[int, int]",
                "times": "list of float", "fields": "list of str"}[self.kind]


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _problem(path: str, value: Any, what: str, allowed: str, fix: str) -> str:
    return f"{path} = {_short(value)} {what}; allowed: {allowed}; fix: {fix}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_float(value: Any) -> float | None:
    """The float of an int or float (None for other types and ints beyond float range)."""
    if not _is_number(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _in_range(v: float, opt: Option) -> bool:
    if not math.isfinite(v):
        return False
    low_ok = v > opt.low if opt.low_open else v >= opt.low
    return low_ok and v <= opt.high


def check_option(path: str, value: Any, opt: Option) -> tuple[Any, str | None]:
    """``(normalised value, None)`` if ``value`` is allowed, else ``(None, problem)``."""
    allowed = opt.allowed()
    example = {"number": "0.1", "integer": "2", "bool": "true", "string": '"text"',
               "path": '"data/tumor.npy"', "pair": "[1.0, 1.0]", "ipair": "[128, 128]",
               "times": "[1.0, 2.0]",
               "fields": '["tumor", "ecm"]'}.get(opt.kind)
    if opt.kind == "choice":
        example = repr(opt.choices[0]).replace("'", '"')
    fix = f"write e.g. {opt.key} = {example}"
    if opt.kind == "number":
        v = _to_float(value)
        if v is None and isinstance(value, int) and not isinstance(value, bool):
            return None, _problem(path, value, "is out of range", allowed,
                                  "give a value in that range")
        if v is None:
            return None, _problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if not _in_range(v, opt):
            return None, _problem(path, value, "is out of range", allowed,
                                  "give a value in that range")
        return v, None
    if opt.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, _problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if not (value >= opt.low and value <= opt.high):
            return None, _problem(path, value, "is out of range", allowed,
                                  "give a value in that range")
        return int(value), None
    if opt.kind == "bool":
        if not isinstance(value, bool):
            return None, _problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        return value, None
    if opt.kind in ("string", "path"):
        if not isinstance(value, str):
            return None, _problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if opt.kind == "path" and (not value.strip() or "\x00" in value):
            return None, _problem(path, value, "is not a usable path", allowed, fix)
        return value, None
    if opt.kind == "choice":
        if not isinstance(value, str) or value not in opt.choices:
            close = (difflib.get_close_matches(value, opt.choices, n=1)
                     if isinstance(value, str) else [])
            hint = f"did you mean {close[0]!r}?" if close else "pick one of them"
            return None, _problem(path, value, "is not allowed", allowed, hint)
        return value, None
    if opt.kind in ("pair", "ipair", "times"):
        if not isinstance(value, list | tuple):
            return None, _problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if opt.kind in ("pair", "ipair") and len(value) != 2:
            return None, _problem(path, value, f"has {len(value)} values", allowed, fix)
        if opt.kind == "times" and len(value) > MAX_SNAPSHOTS:
            return None, _problem(path, f"<{len(value)} values>", "is too long",
                                  f"at most {MAX_SNAPSHOTS} values", "use fewer times")
        out = []
        for v in value:
            f = _to_float(v)
            if opt.kind == "ipair" and (isinstance(v, bool) or not isinstance(v, int)):
                f = None
            if f is None or not _in_range(f, opt):
                return None, _problem(path, value, "holds a value that is not allowed",
                                      allowed, fix)
            out.append(f)
        if opt.kind == "ipair":
            return tuple(int(v) for v in value), None
        return tuple(out), None
    if opt.kind == "fields":
        if not isinstance(value, list | tuple) or not value:
            return None, _problem(path, value, "is not a non-empty list", allowed, fix)
        bad = [v for v in value if not isinstance(v, str) or v not in FIELDS]
        if bad or len(set(value)) != len(value):
            what = f"names unknown field(s) {bad}" if bad else "repeats a field"
            return None, _problem(path, value, what, allowed,
                                  "list each field once, spelled as in " + ", ".join(FIELDS))
        return tuple(f for f in FIELDS if f in value), None  # canonical order
    raise AssertionError(opt.kind)  # pragma: no cover


def _opt(key, kind, default, doc, **kw) -> Option:
    return Option(key, kind, default, doc, **kw)


TOP_OPTIONS = (
    _opt("name", "string", None, "label of the run; default: the config file name without "
         "`.toml`"),
    _opt("description", "string", "", "free text, stored with the run"),
    _opt("seed", "integer", 0, "seed of every random initial field (`random` ECM); stored "
         "in the output", low=0, high=2**63 - 1),
)

GRID_OPTIONS = (
    _opt("shape", "ipair", REQUIRED, "`[ny, nx]`: cells along y and x (integers)",
         low=3, high=MAX_CELLS_PER_SIDE),
    _opt("extent", "pair", (1.0, 1.0), "`[Ly, Lx]`: side lengths of the domain", low=0,
         low_open=True, units="L"),
)

TIME_OPTIONS = (
    _opt("t_end", "number", REQUIRED, "final time", low=0, low_open=True, units="T"),
    _opt("dt", "number", None, "fixed time step; omitted: automatic (recommended); a dt "
         "above the stable bound is refused", low=0, low_open=True, units="T"),
    _opt("safety", "number", 0.9, "fraction of the positivity bound used by the automatic "
         "step", low=0, high=1, low_open=True),
    _opt("reaction_cfl", "number", 0.5, "largest dt x (fastest reaction rate) of the "
         "automatic step", low=0, high=10, low_open=True),
    _opt("snapshot_interval", "number", None, "write a snapshot every this much time "
         "(and at t = 0 and t_end); default: t_end / 10 when `snapshot_times` is not given",
         low=0, low_open=True, units="T"),
    _opt("snapshot_times", "times", (), "extra snapshot times in [0, t_end], written in "
         "addition to the interval ones", low=0, units="T"),
)

OUTPUT_OPTIONS = (
    _opt("path", "path", None, "the HDF5 file of the run, relative to the config file; "
         "default: `<name>.h5` next to it; `pde-meta run --output` overrides it"),
    _opt("fields", "fields", FIELDS, "the fields stored in each snapshot"),
    _opt("float32", "bool", False, "store snapshots as float32 (the checkpoint is always "
         "float64)"),
    _opt("compression", "choice", "gzip", "compression of the snapshot chunks",
         choices=_COMPRESSIONS),
    _opt("compression_level", "integer", 4, "gzip level", low=0, high=9),
    _opt("checkpoint_seconds", "number", 60.0, "also checkpoint this often (wall-clock "
         "seconds) between snapshots; 0: only at snapshots and at the end", low=0),
)

UNITS_OPTIONS = (
    _opt("length_scale", "number", REQUIRED, "the length L that is 1 in the model",
         low=0, low_open=True, units="cm"),
    _opt("diffusivity_scale", "number", REQUIRED, "the reference diffusivity D; the time "
         "unit is T = L^2 / D", low=0, low_open=True, units="cm^2/s"),
    _opt("tumor_scale", "number", 1.0, "the tumour density that is 1 in the model (in the "
         "density units of the physical values)", low=0, low_open=True),
    _opt("ecm_scale", "number", 1.0, "the ECM density that is 1 in the model", low=0,
         low_open=True),
    _opt("mmp_scale", "number", 1.0, "the MMP concentration that is 1 in the model", low=0,
         low_open=True),
    _opt("oxygen_scale", "number", 1.0, "the oxygen concentration that is 1 in the model",
         low=0, low_open=True),
)

WALL_OPTIONS = tuple(
    _opt(side, "number", None, f"fixed oxygen level on the {side} wall (a vessel); "
         "omitted: zero flux", low=0) for side in _WALLS)


def _parameter_options() -> tuple[Option, ...]:
    return tuple(
        _opt(s.name, "choice", s.default, s.doc, choices=s.choices) if s.choices else
        _opt(s.name, "number", s.default, f"{s.symbol}: {s.doc}", low=s.low, high=s.high,
             low_open=not s.low_inclusive, units=s.units)
        for s in PARAMETER_SPECS)


PARAMETER_OPTIONS = _parameter_options()

#: every section with plain keys: name -> options
SECTIONS: dict[str, tuple[Option, ...]] = {
    "grid": GRID_OPTIONS,
    "parameters": PARAMETER_OPTIONS,
    "oxygen_walls": WALL_OPTIONS,
    "time": TIME_OPTIONS,
    "output": OUTPUT_OPTIONS,
    "units": UNITS_OPTIONS,
}
_TOP_KEYS = (*(o.key for o in TOP_OPTIONS), *SECTIONS, "physical_parameters", "initial")

_CENTER = _opt("center", "pair", None, "`[x, y]` of the centre; default: the domain centre",
               units="L")
_AMPLITUDE = _opt("amplitude", "number", 1.0, "peak value", low=0)
_WALL = _opt("wall", "choice", "left", "the wall it lies along", choices=_WALLS)

#: initial field type -> (description, options)
INITIAL_TYPES: dict[str, tuple[str, tuple[Option, ...]]] = {
    "gaussian": ("`amplitude * exp(-r^2 / width^2)` around `center`", (
        _CENTER, _opt("width", "number", 0.05, "width (Anderson 2005: 0.05, i.e. "
                      "r^2/0.0025)", low=0, low_open=True, units="L"), _AMPLITUDE)),
    "band": ("a band along a wall, `depth` thick, optionally with a smooth edge", (
        _WALL, _opt("depth", "number", 0.1, "thickness of the band", low=0, units="L"),
        _opt("smoothness", "number", 0.0, "Gaussian edge width beyond `depth` (0: a step)",
             low=0, units="L"), _AMPLITUDE)),
    "ellipse": ("a disc or axis-aligned ellipse of uniform density", (
        _CENTER, _opt("radii", "pair", (0.1, 0.1), "`[rx, ry]`", low=0, low_open=True,
                      units="L"), _AMPLITUDE)),
    "uniform": ("the same value everywhere", (
        _opt("value", "number", 1.0, "the value", low=0),)),
    "anderson": ("the ECM of Anderson (2005): `1 - 0.5 n0` (only for `ecm`)", ()),
    "scaled": ("`offset + factor * <of>`, another field's initial values rescaled", (
        _opt("of", "choice", "tumor", "the field it is computed from", choices=FIELDS),
        _opt("factor", "number", REQUIRED, "the factor"),
        _opt("offset", "number", 0.0, "the offset"))),
    "random": ("a Gaussian random field, clipped at 0 (`pde_meta.initial.random_ecm`)", (
        _opt("correlation_length", "number", 0.05, "smoothing length", low=0,
             low_open=True, units="L"),
        _opt("mean", "number", 1.0, "mean value", low=0),
        _opt("amplitude", "number", 0.3, "standard deviation before clipping", low=0),
        _opt("seed", "integer", None, "seed of this field; default: derived from the "
             "top-level `seed` and the field", low=0, high=2**63 - 1))),
    "ring": ("a basement membrane as an annulus around `center`", (
        _CENTER, _opt("radius", "number", 0.15, "inner radius", low=0, low_open=True,
                      units="L"),
        _opt("thickness", "number", 0.02, "thickness (keep it >= 2 cells)", low=0,
             low_open=True, units="L"),
        _opt("density", "number", 1.0, "membrane density", low=0, high=1))),
    "line": ("a basement membrane parallel to a wall", (
        _WALL, _opt("position", "number", 0.1, "distance from the wall", low=0, units="L"),
        _opt("thickness", "number", 0.02, "thickness (keep it >= 2 cells)", low=0,
             low_open=True, units="L"),
        _opt("density", "number", 1.0, "membrane density", low=0, high=1))),
    "file": ("an array from a `.npy` file or one array of a `.npz` file (shape `[ny, nx]`)", (
        _opt("path", "path", REQUIRED, "the file, relative to the config file"),
        _opt("key", "string", None, "the array of a `.npz` file; default: the field name, "
             "else its only array"))),
    "snapshot": ("a field of an earlier pde-meta run (same grid)", (
        _opt("path", "path", REQUIRED, "the run's HDF5 file, relative to the config file"),
        _opt("time", "number", None, "the snapshot time; default: the last snapshot",
             low=0, units="T"),
        _opt("field", "choice", None, "the field to read; default: the same field",
             choices=FIELDS))),
}
_DERIVED = ("anderson", "scaled")
_TYPE_OPTION = _opt("type", "choice", REQUIRED, "how the field is made", choices=tuple(
    INITIAL_TYPES))


# --------------------------------------------------------------------------- the config


@dataclass(frozen=True)
class FieldSource:
    """One part of an initial field: a builder ``type`` and its resolved options."""

    type: str
    options: tuple[tuple[str, Any], ...] = ()

    def __getitem__(self, key: str) -> Any:
        return dict(self.options)[key]

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def as_dict(self) -> dict:
        return {"type": self.type, **{k: v for k, v in self.options if v is not None}}


@dataclass(frozen=True)
class TimeConfig:
    t_end: float
    dt: float | None = None
    safety: float = 0.9
    reaction_cfl: float = 0.5
    snapshot_interval: float | None = None
    snapshot_times: tuple[float, ...] = ()

    def output_times(self, t_end: float | None = None) -> np.ndarray:
        """Every output time from 0 to ``t_end`` (default: this config's), ascending."""
        return output_times(self.t_end if t_end is None else t_end, self.snapshot_interval,
                            self.snapshot_times)


@dataclass(frozen=True)
class OutputConfig:
    path: Path
    fields: tuple[str, ...] = FIELDS
    float32: bool = False
    compression: str = "gzip"
    compression_level: int = 4
    checkpoint_seconds: float = 60.0


@dataclass(frozen=True)
class Units:
    """Scales that turn physical values (cm, s) into the model's non-dimensional ones."""

    length_scale: float
    diffusivity_scale: float
    tumor_scale: float = 1.0
    ecm_scale: float = 1.0
    mmp_scale: float = 1.0
    oxygen_scale: float = 1.0

    @property
    def time_scale(self) -> float:
        """``T = L^2 / D`` in seconds."""
        return self.length_scale**2 / self.diffusivity_scale

    def scale_of(self, units: str) -> float:
        """The physical size of one model unit of a quantity with ``units`` (e.g. L^2/T)."""
        symbols = {"L": self.length_scale, "T": self.time_scale, "n": self.tumor_scale,
                   "f": self.ecm_scale, "m": self.mmp_scale, "c": self.oxygen_scale}
        return math.prod(symbols[s] ** p for s, p in unit_exponents(units).items())

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["time_scale"] = self.time_scale
        d["length_unit"], d["time_unit"], d["diffusivity_unit"] = "cm", "s", "cm^2/s"
        return d


def unit_exponents(units: str) -> dict[str, int]:
    """``"L^2/(T f)"`` -> ``{"L": 2, "T": -1, "f": -1}``."""
    num, _, den = units.partition("/")
    out: dict[str, int] = {}
    for part, sign in ((num, 1), (den.strip("()"), -1)):
        for token in part.split():
            if token == "1":
                continue
            sym, _, power = token.partition("^")
            out[sym] = out.get(sym, 0) + sign * int(power or 1)
    return out


def physical_units(units: str) -> str:
    """The physical units of a model quantity: L -> cm, T -> s, densities in brackets."""
    names = {"L": "cm", "T": "s", "n": "[n]", "f": "[f]", "m": "[m]", "c": "[c]"}
    return re.sub(r"\b([LTnfmc])\b", lambda m: names[m.group(1)], units)


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration (see the module docstring and ``docs/config.md``)."""

    name: str
    grid: Grid
    time: TimeConfig
    output: OutputConfig
    parameters: Parameters = field(default_factory=Parameters)
    oxygen_walls: OxygenWalls = field(default_factory=OxygenWalls)
    initial: tuple[tuple[str, tuple[FieldSource, ...]], ...] = ()
    seed: int = 0
    description: str = ""
    units: Units | None = None
    physical_parameters: tuple[tuple[str, float], ...] = ()
    source: Path | None = field(default=None, compare=False)

    def initial_sources(self) -> dict[str, tuple[FieldSource, ...]]:
        return dict(self.initial)

    def output_times(self, t_end: float | None = None) -> np.ndarray:
        return self.time.output_times(t_end)

    def with_t_end(self, t_end: float) -> RunConfig:
        """The same run with a different final time (the snapshot schedule is kept)."""
        if not (_to_float(t_end) is not None and math.isfinite(t_end) and t_end > 0):
            raise ConfigError(f"t_end = {t_end!r} is not allowed; allowed: a finite number "
                              f"> 0; fix: e.g. --t-end 10")
        return replace(self, time=replace(self.time, t_end=float(t_end)))

    def with_output(self, path) -> RunConfig:
        return replace(self, output=replace(self.output, path=_absolute(path)))

    def to_dict(self) -> dict:
        """The config as plain TOML-ready data (every key explicit, paths absolute)."""
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["seed"] = self.seed
        d["grid"] = {"shape": list(self.grid.shape), "extent": list(self.grid.extent)}
        physical = dict(self.physical_parameters)
        d["parameters"] = {k: v for k, v in self.parameters.to_dict().items()
                           if k not in physical}
        if self.units is not None:
            d["units"] = {f.name: getattr(self.units, f.name) for f in fields(self.units)}
        if physical:
            d["physical_parameters"] = physical
        walls = {s: getattr(self.oxygen_walls, s) for s in _WALLS
                 if getattr(self.oxygen_walls, s) is not None}
        if walls:
            d["oxygen_walls"] = walls
        if self.initial:
            d["initial"] = {}
            for name, parts in self.initial:
                items = [p.as_dict() for p in parts]
                d["initial"][name] = items[0] if len(items) == 1 else items
        t = self.time
        d["time"] = {"t_end": t.t_end, **({"dt": t.dt} if t.dt is not None else {}),
                     "safety": t.safety, "reaction_cfl": t.reaction_cfl}
        if t.snapshot_interval is not None:
            d["time"]["snapshot_interval"] = t.snapshot_interval
        if t.snapshot_times:
            d["time"]["snapshot_times"] = list(t.snapshot_times)
        o = self.output
        d["output"] = {"path": str(o.path), "fields": list(o.fields), "float32": o.float32,
                       "compression": o.compression,
                       "compression_level": o.compression_level,
                       "checkpoint_seconds": o.checkpoint_seconds}
        return d

    def to_toml(self) -> str:
        """The config as TOML text; :func:`loads_config` reads it back to an equal config."""
        return dump_toml(self.to_dict())


# --------------------------------------------------------------------------- schedule


def output_times(t_end: float, interval: float | None, times=()) -> np.ndarray:
    """``0``, every multiple of ``interval`` up to ``t_end``, the extra ``times`` <= t_end,
    and ``t_end``, ascending, with times closer than a relative 1e-9 merged.

    Multiples are computed as ``k * interval`` (never summed), so a longer run has exactly
    the same output times as a shorter one up to the shorter one's end.
    """
    tol = TIME_TOLERANCE * max(1.0, abs(t_end))
    candidates = [0.0, float(t_end)]
    if interval:
        count = int(math.floor(t_end / interval * (1 + TIME_TOLERANCE)))
        candidates += [k * interval for k in range(1, count + 1)]
    candidates += [float(x) for x in times]
    out: list[float] = []
    for t in sorted(candidates):
        if t > t_end + tol:
            continue
        t = min(t, float(t_end))
        if out and t - out[-1] <= tol:
            if t == t_end:
                out[-1] = t  # keep t_end exactly
            continue
        out.append(t)
    return np.array(out)


# --------------------------------------------------------------------------- loading


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


def _absolute(path) -> Path:
    """An absolute, normalised path (``..`` folded, symlinks kept)."""
    return Path(os.path.abspath(path))


def _did_you_mean(key: str, allowed) -> str:
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "remove it"


def _unknown(prefix: str, key: Any, allowed) -> str:
    return (f"{prefix}{key} is not a known key; allowed: {', '.join(allowed)}; fix: "
            f"{_did_you_mean(key, allowed)}")


def _section(data: dict, name: str, problems: list[str], required: bool = False) -> dict:
    value = data.get(name, {} if not required else None)
    if value is None:
        problems.append(f"[{name}] is missing; allowed: a table with "
                        f"{', '.join(o.key for o in SECTIONS[name])}; fix: add a [{name}] "
                        f"section")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{name} = {_short(value)} is a {type(value).__name__}; allowed: a "
                        f"table; fix: write it as a [{name}] section")
        return {}
    return value


def _read_options(table: dict, options: tuple[Option, ...], prefix: str,
                  problems: list[str]) -> dict:
    """Validate ``table`` against ``options``: unknown keys, types, ranges, required keys."""
    by_key = {o.key: o for o in options}
    given: dict[str, Any] = {}
    for key, value in table.items():
        if key not in by_key:
            allowed = list(by_key) or ["no other keys"]
            if prefix.startswith("initial."):
                allowed = ["type", *by_key]
            problems.append(_unknown(prefix, key, allowed))
            continue
        v, problem = check_option(prefix + key, value, by_key[key])
        if problem:
            problems.append(problem)
            given[key] = _INVALID
        else:
            given[key] = v
    out: dict[str, Any] = {}
    for opt in options:  # in the order of the options, so that to_toml is canonical
        if opt.key in given:
            out[opt.key] = given[opt.key]
        elif opt.default is REQUIRED:
            problems.append(f"{prefix}{opt.key} is missing; allowed: {opt.allowed()}; "
                            f"fix: add {opt.key} = ... ({opt.doc})")
            out[opt.key] = _INVALID
        else:
            out[opt.key] = opt.default
    return out


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()


def _read_top(data: dict, known, options, problems: list[str]) -> dict:
    """Report unknown top-level keys of ``data`` and read its top-level ``options``."""
    for key in data:
        if key not in known:
            problems.append(_unknown("", key, known))
    wanted = {o.key for o in options}
    return _read_options({k: v for k, v in data.items() if k in wanted}, options, "", problems)


def _file_name(given, default: str, kind: str, problems: list[str]) -> str:
    """The ``name`` key (or ``default``) if it can name a file, else ``kind`` and a problem."""
    value = given if _valid(given) and given is not None else default
    if not re.fullmatch(r"[^/\\\x00-\x1f]{1,200}", value) or value in (".", ".."):
        problems.append(_problem("name", value, "is not usable as a file name",
                                 "1 to 200 characters, no slashes or control characters",
                                 f'write e.g. name = "{kind}1"'))
        return kind
    return value


def _valid(*values) -> bool:
    return all(v is not _INVALID for v in values)


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
    top = _read_top(data, _TOP_KEYS, TOP_OPTIONS, problems)
    run_name = _file_name(top["name"], name, "run", problems)

    grid = _read_grid(_section(data, "grid", problems, required=True), problems)
    units = _read_units(data, problems)
    parameters, physical = _read_parameters(data, units, problems)
    walls = _read_walls(_section(data, "oxygen_walls", problems), problems)
    time = _read_time(_section(data, "time", problems, required=True), problems)
    output = _read_output(_section(data, "output", problems), base, run_name, problems)
    initial = _read_initial(data.get("initial", {}), grid, base, problems, check_files)

    if problems:
        where = f"{source}: " if source is not None else ""
        count = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise ConfigError(where + count + " | ".join(" ".join(p.split()) for p in problems))
    return RunConfig(name=run_name, grid=grid, time=time, output=output,
                     parameters=parameters, oxygen_walls=walls, initial=initial,
                     seed=top["seed"], description=top["description"], units=units,
                     physical_parameters=physical,
                     source=Path(source).resolve() if source is not None else None)


def _read_grid(table: dict, problems: list[str]) -> Grid | None:
    v = _read_options(table, GRID_OPTIONS, "grid.", problems)
    if not _valid(v["shape"], v["extent"]):
        return None
    try:
        return Grid(shape=v["shape"], extent=v["extent"])
    except ConfigError as exc:  # pragma: no cover - the checks above are stricter
        problems.append(str(exc))
        return None


def _read_units(data: dict, problems: list[str]) -> Units | None:
    if "units" not in data:
        return None
    v = _read_options(_section(data, "units", problems), UNITS_OPTIONS, "units.", problems)
    if not _valid(*v.values()):
        return None
    return Units(**v)


def _read_parameters(data: dict, units: Units | None, problems: list[str]
                     ) -> tuple[Parameters, tuple[tuple[str, float], ...]]:
    by_key = {o.key: o for o in PARAMETER_OPTIONS}
    values: dict[str, Any] = {}
    for section in ("parameters", "physical_parameters"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            problems.append(f"{section} = {_short(table)} is a {type(table).__name__}; "
                            f"allowed: a table; fix: write it as a [{section}] section")
            continue
        for key, value in table.items():
            if key not in by_key or (section == "physical_parameters"
                                     and by_key[key].kind != "number"):
                allowed = [k for k in by_key
                           if section == "parameters" or by_key[k].kind == "number"]
                problems.append(_unknown(f"{section}.", key, allowed))
                continue
            if key in values:
                problems.append(f"parameters.{key} is given in both [parameters] and "
                                f"[physical_parameters]; allowed: one of them; fix: remove "
                                f"one")
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
        path = f"{section}.{key}"
        if opt.kind == "number" and _to_float(value) is None:
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
    found = Parameters.problems(direct)
    problems.extend(found)
    if bad or found:
        return Parameters(), ()
    try:
        parameters = Parameters(**nondim)
    except ConfigError as exc:  # pragma: no cover - problems() covers every check
        problems.append(str(exc))
        return Parameters(), ()
    return parameters, tuple((k, float(v)) for k, v in physical.items())


def _read_walls(table: dict, problems: list[str]) -> OxygenWalls:
    v = _read_options(table, WALL_OPTIONS, "oxygen_walls.", problems)
    if not _valid(*v.values()):
        return OxygenWalls()
    return OxygenWalls(**v)


def _read_time(table: dict, problems: list[str]) -> TimeConfig | None:
    v = _read_options(table, TIME_OPTIONS, "time.", problems)
    if not _valid(*v.values()):
        return None
    t_end = v["t_end"]
    times = v["snapshot_times"]
    late = [t for t in times if t > t_end * (1 + TIME_TOLERANCE)]
    if late:
        problems.append(_problem("time.snapshot_times", list(times), f"has times after "
                                 f"t_end = {t_end:g}", "times in [0, t_end]",
                                 "drop them or raise t_end"))
        return None
    if v["snapshot_interval"] is None and not times:
        v["snapshot_interval"] = t_end / 10
    interval = v["snapshot_interval"]
    if interval is not None and t_end / interval > MAX_SNAPSHOTS:
        problems.append(_problem("time.snapshot_interval", interval, f"gives more than "
                                 f"{MAX_SNAPSHOTS} snapshots up to t_end = {t_end:g}",
                                 f"an interval >= t_end / {MAX_SNAPSHOTS}",
                                 "write snapshots less often"))
        return None
    if v["dt"] is not None and v["dt"] > t_end:
        problems.append(_problem("time.dt", v["dt"], f"is longer than t_end = {t_end:g}",
                                 "a step <= t_end", "lower dt, or omit it"))
        return None
    return TimeConfig(t_end=t_end, dt=v["dt"], safety=v["safety"],
                      reaction_cfl=v["reaction_cfl"], snapshot_interval=interval,
                      snapshot_times=tuple(sorted(times)))


def _read_output(table: dict, base: Path, run_name: str, problems: list[str]
                 ) -> OutputConfig | None:
    v = _read_options(table, OUTPUT_OPTIONS, "output.", problems)
    if not _valid(*v.values()):
        return None
    path = base / (v["path"] if v["path"] is not None else f"{run_name}.h5")
    return OutputConfig(path=_absolute(path), fields=v["fields"], float32=v["float32"],
                        compression=v["compression"],
                        compression_level=v["compression_level"],
                        checkpoint_seconds=v["checkpoint_seconds"])


def _read_initial(table: Any, grid: Grid | None, base: Path, problems: list[str],
                  check_files: bool) -> tuple[tuple[str, tuple[FieldSource, ...]], ...]:
    if not isinstance(table, dict):
        problems.append(f"initial = {_short(table)} is a {type(table).__name__}; allowed: "
                        f"[initial.<field>] sections; fix: e.g. [initial.tumor]")
        return ()
    out = {}
    for name, spec in table.items():
        if name not in FIELDS:
            problems.append(_unknown("initial.", name, FIELDS))
            continue
        parts = spec if isinstance(spec, list) else [spec]
        if not parts:
            problems.append(f"initial.{name} is an empty list; allowed: a table or a list "
                            f"of tables; fix: remove it or describe the field")
            continue
        sources = []
        for k, part in enumerate(parts):
            prefix = f"initial.{name}." if len(parts) == 1 else f"initial.{name}[{k}]."
            source = _read_source(name, part, prefix, grid, base, problems, check_files)
            if source is not None:
                sources.append(source)
        if len(sources) == len(parts):
            out[name] = tuple(sources)
    # derived fields may only refer to fields that are not derived themselves
    for name, sources in out.items():
        for s in sources:
            ref = "tumor" if s.type == "anderson" else s.get("of")
            if s.type in _DERIVED:
                ref_sources = out.get(ref, ())
                if ref == name or any(r.type in _DERIVED for r in ref_sources):
                    problems.append(f"initial.{name}: type {s.type!r} refers to {ref!r}, "
                                    f"which is itself derived; allowed: a field given "
                                    f"directly; fix: describe {ref!r} directly")
    return tuple((f, out[f]) for f in FIELDS if f in out)


def _read_source(name: str, part: Any, prefix: str, grid: Grid | None, base: Path,
                 problems: list[str], check_files: bool) -> FieldSource | None:
    if not isinstance(part, dict):
        problems.append(f"{prefix.rstrip('.')} = {_short(part)} is a {type(part).__name__}; "
                        f"allowed: a table with a type; fix: write [initial.{name}] with "
                        f"type = \"...\"")
        return None
    if "type" not in part:
        problems.append(f"{prefix}type is missing; allowed: {_TYPE_OPTION.allowed()}; fix: "
                        f"add type = \"gaussian\" (or another type)")
        return None
    kind, problem = check_option(prefix + "type", part["type"], _TYPE_OPTION)
    if problem:
        problems.append(problem)
        return None
    if kind == "anderson" and name != "ecm":
        problems.append(f"{prefix}type = 'anderson' is only for ecm; allowed: the "
                        f"'anderson' type under [initial.ecm]; fix: use 'scaled' here")
        return None
    options = INITIAL_TYPES[kind][1]
    rest = {k: v for k, v in part.items() if k != "type"}
    v = _read_options(rest, options, prefix, problems)
    if not _valid(*v.values()):
        return None
    if "center" in v and v["center"] is None:
        v["center"] = (0.5 * grid.extent[1], 0.5 * grid.extent[0]) if grid else (0.5, 0.5)
    if kind in ("file", "snapshot"):
        path = _absolute(Path(base, v["path"]))
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
    return FieldSource(kind, tuple(v.items()))


# --------------------------------------------------------------------------- TOML writing


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str | Path):
        return _toml_string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dump_toml(data: dict, _prefix: str = "") -> str:
    """Plain data (dicts, lists, str, int, float, bool) as TOML text."""
    lines = []
    tables = []
    for key, value in data.items():
        if isinstance(value, dict) or _is_table_array(value):
            tables.append((key, value))
        else:
            lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    out = "\n".join(lines)
    for key, value in tables:
        name = f"{_prefix}{_toml_key(str(key))}"
        blocks = []
        if isinstance(value, dict):
            body = dump_toml(value, name + ".")
            has_scalars = any(not (isinstance(v, dict) or _is_table_array(v))
                              for v in value.values())
            blocks.append(f"[{name}]\n{body}" if has_scalars or not value else body)
        else:
            for item in value:
                blocks.append(f"[[{name}]]\n{dump_toml(item, name + '.')}")
        out += ("\n\n" if out else "") + "\n\n".join(b.rstrip("\n") for b in blocks)
    return out.strip("\n") + "\n" if not _prefix else out


# --------------------------------------------------------------------------- reference


def _default_text(opt: Option) -> str:
    if opt.default is REQUIRED:
        return "**required**"
    if opt.default is None:
        return "(none)"
    if isinstance(opt.default, tuple):
        return "`" + _toml_value(list(opt.default)) + "`"
    return "`" + _toml_value(opt.default) + "`"


def _table(options: tuple[Option, ...], with_units: bool = True) -> list[str]:
    rows = ["| key | type | default | allowed | units | meaning |",
            "|---|---|---|---|---|---|"]
    for o in options:
        units = f"`{o.units}`" if o.units else ""
        rows.append(f"| `{o.key}` | {o.type_name()} | {_default_text(o)} | {o.allowed()} | "
                    f"{units if with_units else ''} | {o.doc} |")
    return rows


def reference_markdown() -> str:
    """The config reference (``docs/config.md``), generated from the option tables."""
    out = [
        "# Config reference",
        "",
        "<!-- Generated by pde_meta.config.reference_markdown(); "
        "tests/test_config.py checks that this file matches the code. -->",
        "",
        "A run is described by one TOML file. `pde-meta check CONFIG` validates it and "
        "prints the grid, the time step and the expected output; `pde-meta run CONFIG` runs "
        "it. Every problem in a file is reported at once, each with its key path, the value, "
        "what is allowed and the fix; unknown keys are refused with a did-you-mean "
        "suggestion. Paths are relative to the config file. The examples in `configs/` are "
        "commented.",
        "",
        "The model is non-dimensional: lengths in units of `L`, times in units of `T`, "
        "densities in units of their scales `n`, `f`, `m`, `c` (see `pde_meta/model.py`). "
        "A `[units]` section gives `L` in cm and a reference diffusivity `D` in cm^2/s "
        "(so `T = L^2/D` in s); `[physical_parameters]` then takes parameter values in "
        "physical units (L -> cm, T -> s, densities in the units of the `*_scale` values), "
        "which are converted to the model's. Both the physical and the converted values are "
        "stored in the output.",
        "",
        "## Top level",
        "",
        *_table(TOP_OPTIONS, with_units=False),
        "",
    ]
    titles = {
        "grid": "The grid: a uniform cell-centred rectangle `[0, Lx] x [0, Ly]`, arrays "
                "`(ny, nx)`.",
        "parameters": "Model parameters, non-dimensional; omitted ones take their default "
                      "(the Anderson 2005 model, every extension off).",
        "oxygen_walls": "Oxygen boundary conditions. Tumour, ECM, membrane and MMP always "
                        "have zero-flux walls.",
        "time": "Time span, step and snapshots. Output times are 0, every multiple of "
                "`snapshot_interval`, the `snapshot_times`, and `t_end`.",
        "output": "The HDF5 output (layout: `docs/hdf5.md`).",
        "units": "Optional. Scales to convert physical values; all keys without a default "
                 "are required when the section is present.",
    }
    for name, options in SECTIONS.items():
        out += [f"## `[{name}]`", "", titles[name], "", *_table(options), ""]
        if name == "parameters":
            out += ["## `[physical_parameters]`", "",
                    "The numeric keys of `[parameters]`, in physical units: the units column "
                    "above with `L` -> cm and `T` -> s (e.g. `tumor_diffusivity` in "
                    "cm^2/s, `mmp_decay` in 1/s). Requires `[units]`. A parameter may be "
                    "given in one of the two sections, not both.", ""]
    out += [
        "## `[initial.<field>]`",
        "",
        "One section per field (`" + "`, `".join(FIELDS) + "`); a field without a section "
        "starts at 0. `type` picks the builder; `[[initial.<field>]]` repeated adds the "
        "parts (e.g. two tumours). `scaled` and `anderson` use the initial values of another "
        "field, which must be given directly. Every field is checked for its shape, "
        "finiteness and range (membrane in [0, 1], others >= 0) when the run starts.",
        "",
    ]
    for kind, (doc, options) in INITIAL_TYPES.items():
        out += [f"### `type = \"{kind}\"`", "", doc[0].upper() + doc[1:] + ".", ""]
        if options:
            out += [*_table(options), ""]
    return "\n".join(out).rstrip("\n") + "\n"
