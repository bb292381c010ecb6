"""A circulation compartment in a config: ``[compartments.<name>]`` with ``model =
"circulation"``, its options, ``[compartments.<name>.parameters]`` (rates in hours) and
``[[compartments.<name>.organs]]`` (the capillary beds; default: the organs of
:data:`pde_meta.models.circulation.DEFAULT_ORGANS`).

Its time unit is the run's: with ``[units]``, one unit is ``units.time_scale`` seconds;
without, ``time_unit_hours`` says how many hours it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.options import Option, read_options, short, valid
from ..models.circulation import (
    CIRCULATION_SPECS,
    DEFAULT_ORGANS,
    ROUTES,
    VESSELS,
    CirculationParameters,
    Organ,
    read_organs,
)
from .injections import read_injections
from .schema import parameter_options

__all__ = ["CirculationConfig", "CIRCULATION_OPTIONS", "CIRCULATION_PARAMETER_OPTIONS",
           "read_circulation", "hours_per_unit"]

CIRCULATION_OPTIONS = (
    Option("route", "choice", "systemic", "where the primary's blood goes first: "
           "'systemic' (veins, then the lung), 'portal' (a gut primary: the liver first), "
           "'direct' (straight to the organs by their shares, as MetaSpread)",
           choices=ROUTES),
    Option("max_cluster_size", "integer", 20, "the largest unit of cells tracked "
           "(MetaSpread: 4 cells on each of 5 points)", low=1, high=1000),
    Option("time_unit_hours", "number", None, "hours in one unit of the run's time "
           "(default: from [units])", low=0, low_open=True, units="h"),
)
CIRCULATION_PARAMETER_OPTIONS = parameter_options(CIRCULATION_SPECS)
#: where the cells of a circulation's injection go
INJECT_INTO = Option("vessel", "choice", "blood", "the vessels they are injected into "
                     "(they enter where the route's blood or lymph enters: with route = "
                     "'portal', the blood is the portal vein, as Luzzi et al. 1998 injected "
                     "into the mesenteric vein)", choices=VESSELS)


@dataclass(frozen=True)
class CirculationConfig:
    """A validated circulation compartment."""

    name: str
    parameters: CirculationParameters = field(default_factory=CirculationParameters)
    organs: tuple[Organ, ...] = DEFAULT_ORGANS
    route: str = "systemic"
    max_cluster_size: int = 20
    hours: float = 1.0
    time_unit_hours: float | None = None
    #: (time, units, cells per unit, vessel)
    injections: tuple[tuple[float, int, int, str], ...] = ()
    model: str = "circulation"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "route": self.route,
                             "max_cluster_size": self.max_cluster_size}
        if self.time_unit_hours is not None:
            d["time_unit_hours"] = self.time_unit_hours
        d["parameters"] = self.parameters.to_dict()
        d["organs"] = [o.to_dict() for o in self.organs]
        if self.injections:
            d["injections"] = [{"time": t, "cells": n * z, "cluster_size": z, "vessel": v}
                               for t, n, z, v in self.injections]
        return d


def hours_per_unit(given, units, prefix: str, why: str, problems: list[str]):
    """Hours in one unit of the run's time: ``time_unit_hours`` when ``given``, else from
    ``[units]``; a problem when neither is there (``why``: what needs it)."""
    if not valid(given) or given is not None:
        return given
    if units is None:
        problems.append(f"{prefix}time_unit_hours is missing and there is no [units]; "
                        f"allowed: {why}, so the run's time unit must be known; fix: add "
                        f"[units] (length_scale, diffusivity_scale) or "
                        f"{prefix}time_unit_hours = ...")
        return None
    return units.time_scale / 3600.0


def read_circulation(part: dict, name: str, prefix: str, units, problems: list[str]
                     ) -> CirculationConfig | None:
    """One ``[compartments.<name>]`` table of model ``circulation`` (``units``: the
    run's ``[units]`` or None)."""
    count = len(problems)
    own = ("model", "parameters", "organs", "injections")
    rest = {k: v for k, v in part.items() if k not in own}
    v = read_options(rest, CIRCULATION_OPTIONS, prefix, problems, also=own)
    injections = read_injections(part, prefix, INJECT_INTO, problems)
    table = part.get("parameters", {})
    if not isinstance(table, dict):
        problems.append(f"{prefix}parameters = {short(table)} is a {type(table).__name__}; "
                        f"allowed: a table; fix: write it as [{prefix}parameters]")
        table = {}
    values = read_options(table, CIRCULATION_PARAMETER_OPTIONS, f"{prefix}parameters.",
                          problems)
    shape = values.get("transit_shape")
    if valid(shape) and shape is not None and float(shape) != round(float(shape)):
        problems.append(f"{prefix}parameters.transit_shape = {shape!r} is not allowed; "
                        f"allowed: a whole number of stages in [1, 64]; fix: e.g. "
                        f"transit_shape = {max(1, round(float(shape)))}")
    route = v["route"] if valid(v["route"]) else "systemic"
    organs = read_organs(part.get("organs"), route, prefix, problems)
    hours = hours_per_unit(v["time_unit_hours"], units, prefix, "a circulation's rates "
                           "are per hour", problems)
    if len(problems) > count:
        return None
    try:
        parameters = CirculationParameters(**{k: x for k, x in values.items()})
    except ValueError as exc:  # pragma: no cover - read_options checked every value
        problems.append(f"{prefix}parameters: {exc}")
        return None
    for k, (_, _, size, _) in enumerate(injections):
        if size > v["max_cluster_size"]:
            problems.append(f"{prefix}injections[{k}].cluster_size = {size} is larger than "
                            f"max_cluster_size = {v['max_cluster_size']}; fix: raise "
                            f"{prefix}max_cluster_size")
    if len(problems) > count:
        return None
    return CirculationConfig(name, parameters, organs, v["route"], v["max_cluster_size"],
                             float(hours), v["time_unit_hours"], injections)

