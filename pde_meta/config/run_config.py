"""The validated config of one run (:class:`RunConfig`) and its parts, the output schedule,
and the units that convert physical values to the model's."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..core.grid import Grid
from ..core.options import to_float
from ..errors import ConfigError
from ..models.invasion.parameters import PARAMETER_SPECS, WALLS, OxygenWalls, Parameters
from ..models.invasion.stepper import DEFAULT_SCHEME, DEFAULT_SPROUT_SUBSTEPS, groups_on
from .schema import FIELDS, MAX_SNAPSHOTS, TIME_TOLERANCE
from .toml import dump_toml

__all__ = ["RunConfig", "FieldSource", "TimeConfig", "OutputConfig", "Units", "output_times",
           "unit_exponents", "physical_units", "absolute_path", "check_snapshots"]


def absolute_path(path) -> Path:
    """An absolute, normalised path (``..`` folded, symlinks kept)."""
    return Path(os.path.abspath(path))


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
    scheme: str = DEFAULT_SCHEME
    sprout_substeps: int = DEFAULT_SPROUT_SUBSTEPS

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
    taf_scale: float = 1.0
    sprout_scale: float = 1.0

    @property
    def time_scale(self) -> float:
        """``T = L^2 / D`` in seconds."""
        return self.length_scale**2 / self.diffusivity_scale

    def scale_of(self, units: str) -> float:
        """The physical size of one model unit of a quantity with ``units`` (e.g. L^2/T)."""
        symbols = {"L": self.length_scale, "T": self.time_scale, "n": self.tumor_scale,
                   "f": self.ecm_scale, "m": self.mmp_scale, "c": self.oxygen_scale,
                   "a": self.taf_scale, "p": self.sprout_scale}
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
    names = {"L": "cm", "T": "s", "n": "[n]", "f": "[f]", "m": "[m]", "c": "[c]",
             "a": "[a]", "p": "[p]"}
    return re.sub(r"\b([LTnfmcap])\b", lambda m: names[m.group(1)], units)


@dataclass(frozen=True)
class TissueConfig:
    """One tissue compartment: its name, model, grid, parameters and initial fields."""

    name: str
    grid: Grid
    parameters: Parameters = field(default_factory=Parameters)
    oxygen_walls: OxygenWalls = field(default_factory=OxygenWalls)
    initial: tuple[tuple[str, tuple[FieldSource, ...]], ...] = ()
    physical_parameters: tuple[tuple[str, float], ...] = ()
    model: str = "invasion"

    def initial_sources(self) -> dict[str, tuple[FieldSource, ...]]:
        return dict(self.initial)

    def to_dict(self) -> dict:
        """The compartment's sections as TOML-ready data."""
        d: dict[str, Any] = {"grid": {"shape": list(self.grid.shape),
                                      "extent": list(self.grid.extent)}}
        physical = dict(self.physical_parameters)
        d["parameters"] = {k: v for k, v in self.parameters.to_dict().items()
                           if k not in physical}
        if physical:
            d["physical_parameters"] = physical
        walls = {s: getattr(self.oxygen_walls, s) for s in WALLS
                 if getattr(self.oxygen_walls, s) is not None}
        if walls:
            d["oxygen_walls"] = walls
        if self.initial:
            d["initial"] = {}
            for name, parts in self.initial:
                items = [p.as_dict() for p in parts]
                d["initial"][name] = items[0] if len(items) == 1 else items
        return d


@dataclass(frozen=True)
class ExchangeConfig:
    """One ``[[exchanges]]`` entry: a registered exchange ``kind`` from one compartment to
    another, with the options of its kind."""

    kind: str
    source: str
    target: str
    options: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "from": self.source, "to": self.target,
                **{k: v for k, v in self.options if v is not None}}


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration (see :mod:`pde_meta.config` and ``docs/config.md``).

    ``grid``, ``parameters``, ``oxygen_walls``, ``initial`` and ``physical_parameters``
    are those of the first tissue compartment (named ``compartment``); ``others`` holds
    any further ones, ``circulations`` the circulation compartments
    (:class:`~.circulation.CirculationConfig`), ``organ_sets`` the organs compartments
    (:class:`~.organs.OrgansConfig`), ``primaries`` the growth-law primaries
    (:class:`~.primary.PrimaryConfig`), ``exchanges`` and ``coupling_interval``
    how they are coupled. A
    config without ``[compartments]`` has the one tissue ``"tissue"``. A run without a
    tissue has ``grid``, ``compartment``, ``parameters`` and ``oxygen_walls`` None
    (:attr:`has_tissue` is false), and ``[time]`` then holds only ``t_end`` and the
    snapshots.
    """

    name: str
    grid: Grid | None
    time: TimeConfig
    output: OutputConfig
    parameters: Parameters | None = field(default_factory=Parameters)
    oxygen_walls: OxygenWalls | None = field(default_factory=OxygenWalls)
    initial: tuple[tuple[str, tuple[FieldSource, ...]], ...] = ()
    seed: int = 0
    description: str = ""
    units: Units | None = None
    physical_parameters: tuple[tuple[str, float], ...] = ()
    source: Path | None = field(default=None, compare=False)
    compartment: str | None = "tissue"
    others: tuple[TissueConfig, ...] = ()
    exchanges: tuple[ExchangeConfig, ...] = ()
    coupling_interval: float | None = None
    circulations: tuple = ()
    organ_sets: tuple = ()
    primaries: tuple = ()
    #: the ``[[treatments]]`` (:class:`~.treatments.TreatmentConfig`)
    treatments: tuple = ()

    def initial_sources(self) -> dict[str, tuple[FieldSource, ...]]:
        return dict(self.initial)

    @property
    def has_tissue(self) -> bool:
        """Whether the run has a tissue grid (else only compartments that are not grids)."""
        return self.grid is not None

    @property
    def has_vessels(self) -> bool:
        """Whether a tissue of the run steps the vessel fields (sprout tips among them)."""
        return any(groups_on(dict(t.initial), t.parameters)["vessels"]
                   for t in self.tissues())

    def tissues(self) -> tuple[TissueConfig, ...]:
        """Every tissue compartment, the first one first (none without a tissue)."""
        if not self.has_tissue:
            return ()
        first = TissueConfig(self.compartment, self.grid, self.parameters, self.oxygen_walls,
                             self.initial, self.physical_parameters)
        return (first, *self.others)

    def lattice_compartments(self) -> tuple:
        """The configs of the compartments that are not grids, in the order of the run:
        primaries, circulations, organs."""
        return (*self.primaries, *self.circulations, *self.organ_sets)

    @property
    def declares_compartments(self) -> bool:
        """Whether the config needs the ``[compartments]`` form to be written out."""
        return bool(self.others or self.exchanges or self.circulations or self.organ_sets
                    or self.primaries or self.compartment != "tissue")

    def output_times(self, t_end: float | None = None) -> np.ndarray:
        return self.time.output_times(t_end)

    def inputs(self) -> dict[Path, str]:
        """The files the run reads (path -> what it is): its config file and the
        ``file``/``snapshot`` initial fields of every compartment."""
        out: dict[Path, str] = {}
        if self.source is not None:
            out[Path(self.source)] = "the config file"
        for c in self.tissues():
            prefix = f"compartments.{c.name}." if self.declares_compartments else ""
            for name, parts in c.initial:
                for k, part in enumerate(parts):
                    if part.type in ("file", "snapshot"):
                        where = f"initial.{name}" + (f"[{k}]" if len(parts) > 1 else "")
                        out[Path(part["path"])] = f"the input {prefix}{where}.path"
        return out

    def with_t_end(self, t_end: float, key: str = "t_end") -> RunConfig:
        """The same run with a different final time (the snapshot schedule is kept);
        ``key`` names the value in messages (``--t-end`` for the CLI)."""
        if not (to_float(t_end) is not None and math.isfinite(t_end) and t_end > 0):
            raise ConfigError(f"{key} = {t_end!r} is not allowed; allowed: a finite number "
                              f"> 0; fix: e.g. {key} 10")
        check_snapshots(float(t_end), self.time.snapshot_interval, key)
        return replace(self, time=replace(self.time, t_end=float(t_end)))

    def with_output(self, path) -> RunConfig:
        return replace(self, output=replace(self.output, path=absolute_path(path)))

    def to_dict(self) -> dict:
        """The config as plain TOML-ready data (every key explicit, paths absolute)."""
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["seed"] = self.seed
        tissues = self.tissues()
        if self.declares_compartments:
            d["compartments"] = {c.name: {"model": c.model, **c.to_dict()} for c in tissues}
            d["compartments"].update({c.name: c.to_dict()
                                      for c in self.lattice_compartments()})
        else:
            d.update(tissues[0].to_dict())
        if self.units is not None:
            d["units"] = {f.name: getattr(self.units, f.name) for f in fields(self.units)}
        if self.coupling_interval is not None:
            d["coupling"] = {"interval": self.coupling_interval}
        if self.exchanges:
            d["exchanges"] = [e.to_dict() for e in self.exchanges]
        if self.treatments:
            d["treatments"] = [x.to_dict() for x in self.treatments]
        t = self.time
        d["time"] = {"t_end": t.t_end}
        if self.has_tissue:  # the tissue's step
            d["time"].update({**({"dt": t.dt} if t.dt is not None else {}),
                              "safety": t.safety, "reaction_cfl": t.reaction_cfl,
                              "scheme": t.scheme})
            if self.has_vessels:  # the substeps change nothing without sprout tips
                d["time"]["sprout_substeps"] = t.sprout_substeps
        if t.snapshot_interval is not None:
            d["time"]["snapshot_interval"] = t.snapshot_interval
        if t.snapshot_times:
            d["time"]["snapshot_times"] = list(t.snapshot_times)
        o = self.output
        d["output"] = {"path": str(o.path),
                       **({"fields": list(o.fields)} if self.has_tissue else {}),
                       "float32": o.float32, "compression": o.compression,
                       "compression_level": o.compression_level,
                       "checkpoint_seconds": o.checkpoint_seconds}
        return d

    def run_attrs(self) -> dict:
        """What a run file stores of its config (root attributes): the config as TOML,
        name, seed, description, source, and the parameters, walls and units as JSON
        (those of the first tissue; ``null`` without a tissue)."""
        tissue = self.has_tissue
        attrs = {"config": self.to_toml(), "name": self.name, "seed": self.seed,
                 "description": self.description,
                 "config_path": str(self.source) if self.source else "",
                 "parameters": json.dumps(self.parameters.to_dict() if tissue else None),
                 "parameter_units": json.dumps({s.name: s.units for s in PARAMETER_SPECS}
                                               if tissue else None),
                 "oxygen_walls": json.dumps({s: getattr(self.oxygen_walls, s)
                                             for s in ("left", "right", "bottom", "top")}
                                            if tissue else None),
                 "units": json.dumps(self.units.as_dict() if self.units else None)}
        if self.physical_parameters:
            specs = {s.name: s for s in PARAMETER_SPECS}
            attrs["physical_parameters"] = json.dumps({
                k: {"value": v, "units": physical_units(specs[k].units),
                    "non_dimensional": getattr(self.parameters, k)}
                for k, v in self.physical_parameters})
        return attrs

    def to_toml(self) -> str:
        """The config as TOML text; :func:`~pde_meta.config.loads_config` reads it back to
        an equal config."""
        return dump_toml(self.to_dict())


def check_snapshots(t_end: float, interval: float | None, key: str = "time.t_end") -> None:
    """Refuse a ``t_end`` that gives more than :data:`MAX_SNAPSHOTS` output times with
    ``interval`` (before any is made: a huge ``t_end`` would fill the memory)."""
    if not interval or t_end / interval <= MAX_SNAPSHOTS:
        return
    raise ConfigError(f"{key} = {t_end:g} gives about {t_end / interval:.3g} snapshots, one "
                      f"every {interval:g}; allowed: at most {MAX_SNAPSHOTS} snapshots, i.e. "
                      f"{key} <= {interval * MAX_SNAPSHOTS:g} at this interval; fix: a smaller "
                      f"{key}" + ("" if key.startswith("--") else
                                  ", or a larger time.snapshot_interval"))


def output_times(t_end: float, interval: float | None, times=()) -> np.ndarray:
    """``0``, every multiple of ``interval`` up to ``t_end``, the extra ``times`` <= t_end,
    and ``t_end``, ascending, with times closer than a relative 1e-9 merged.

    Multiples are computed as ``k * interval`` (never summed), so a longer run has exactly
    the same output times as a shorter one up to the shorter one's end.
    """
    check_snapshots(t_end, interval)
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
