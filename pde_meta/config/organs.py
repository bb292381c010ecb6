"""An organs compartment in a config: ``[compartments.<name>]`` with ``model =
"organs"``, its options and ``[[compartments.<name>.organs]]`` (each organ's fates of
arriving cells and the growth of its colonies, rates per day). Fed by an
``extravasation`` exchange from a circulation whose organs have the same names.

Its time unit is the run's: with ``[units]``, one unit is ``units.time_scale`` seconds;
without, ``time_unit_hours`` says how many hours it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.options import REQUIRED, Option, read_options, short, valid
from ..models.organs import Soil
from ..models.organs.compartment import ORGAN_LAWS, OrganSoil
from ..models.organs.niche import Niche
from .circulation import hours_per_unit
from .injections import read_injections

__all__ = ["OrgansConfig", "ORGANS_OPTIONS", "ORGAN_SOIL_OPTIONS", "EVENT_OPTIONS",
           "read_organs_compartment"]

ORGANS_OPTIONS = (
    Option("dt", "number", 1.0, "the step of the organs", low=0, low_open=True,
           units="days"),
    Option("bins", "integer", 240, "cells of the colony-size grid (log-spaced)", low=10,
           high=20000),
    Option("x_max", "number", 1e12, "the largest colony of the grid", low=10,
           units="cells"),
    Option("micro", "number", 4.0, "a colony of at least this many cells is a "
           "micrometastasis (illustrative; Luzzi et al. 1998 counted small clusters)",
           low=1, units="cells"),
    Option("macro", "number", 1e6, "a colony of at least this many cells is a "
           "macrometastasis (1e6 cells ~ 1 mm^3, clinically detectable)", low=1,
           units="cells"),
    Option("max_cluster_size", "integer", 20, "the largest unit that arrives (that of "
           "the circulation)", low=1, high=1000),
    Option("ages", "integer", 3650, "dormancy ages kept, in steps (older ones are kept "
           "together)", low=2, high=100000),
    Option("records", "integer", 50, "the first colonies of each organ kept one by one, "
           "each with its own stochastic fate (0: all in the density)", low=0,
           high=100000),
    Option("time_unit_hours", "number", None, "hours in one unit of the run's time "
           "(default: from [units])", low=0, low_open=True, units="h"),
)
_SOIL = Soil()
_ORGAN = OrganSoil("x")
_NICHE = Niche()
ORGAN_SOIL_OPTIONS = (
    Option("name", "string", REQUIRED, "the organ (a name of the circulation's organs)"),
    Option("die", "number", _SOIL.die, "probability that an arriving unit dies at once "
           "(illustrative)", low=0, high=1),
    Option("dormant", "number", _SOIL.dormant, "probability that it goes dormant; the "
           "rest start to divide (default: 1 in 40 divide, Luzzi et al. 1998)", low=0,
           high=1),
    Option("reactivation", "number", _SOIL.reactivation, "rate at which a dormant unit "
           "starts to divide (illustrative)", low=0, units="1/day"),
    Option("dormant_death", "number", _SOIL.dormant_death, "death rate of dormant units "
           "(illustrative)", low=0, units="1/day"),
    Option("law", "choice", _ORGAN.law, "the growth law of its colonies ('hahnfeldt': "
           "Hahnfeldt et al. 1999 with its vascular capacity in quasi-steady state, a "
           "Gompertz law of rate 2a/3 towards capacity = (b/d)^(3/2))", choices=ORGAN_LAWS),
    Option("growth_rate", "number", _ORGAN.growth_rate, "a of the growth law (Iwata et "
           "al. 2000, hepatocellular carcinoma)", low=0, units="1/day"),
    Option("capacity", "number", _ORGAN.capacity, "K (b) of the logistic or Gompertz law "
           "(Iwata et al. 2000)", low=1, low_open=True, units="cells"),
    Option("colony_death", "number", _ORGAN.colony_death, "death rate of colonies of any "
           "size (immune control; off)", low=0, units="1/day"),
    Option("seeding_rate", "number", _ORGAN.seeding_rate, "m of the seeding of new "
           "colonies by colonies, m x^alpha per day (Iwata et al. 2000: 5.3e-8; 0: off)",
           low=0, units="1/day"),
    Option("seeding_exponent", "number", _ORGAN.seeding_exponent, "alpha of that seeding "
           "(Iwata et al. 2000: 0.663, about 2/3: cells on the colony's surface)", low=0,
           high=2),
    Option("plateau", "number", None, "avascular micrometastases: new colonies stop at "
           "this many cells until their angiogenic switch (Folkman: about 1e6 cells, "
           "1-2 mm; default: no switch, every colony grows by the law)", low=1,
           low_open=True, units="cells"),
    Option("angiogenic_switch", "number", 0.0, "rate at which an avascular colony "
           "switches to vascular growth (illustrative; needs plateau)", low=0,
           units="1/day"),
    Option("avascular_death", "number", 0.0, "extra death rate of avascular colonies "
           "(illustrative; needs plateau)", low=0, units="1/day"),
    Option("niche_uptake", "number", _NICHE.uptake, "niche level gained per unit of the "
           "primary's signal (a [[exchanges]] of kind 'niche'; 0: no niche; illustrative)",
           low=0),
    Option("niche_decay", "number", _NICHE.decay, "decay rate of the niche level "
           "(illustrative: a 7-day half-life)", low=0, units="1/day"),
    Option("niche_half", "number", _NICHE.half, "the level of half the niche's effect",
           low=0, low_open=True),
    Option("niche_arrest", "number", _NICHE.arrest, "gain g on arrest in the organ's bed: "
           "p -> 1 - (1 - p)^(1 + g h) (illustrative)", low=0),
    Option("niche_extravasation", "number", _NICHE.extravasation, "gain on extravasation, "
           "the same way (illustrative)", low=0),
    Option("niche_survival", "number", _NICHE.survival, "share of the death on arrival "
           "that a full niche prevents (illustrative)", low=0, high=1),
    Option("niche_dormancy", "number", _NICHE.dormancy, "share of the dormancy entry (of "
           "the survivors) that "
           "a full niche prevents (illustrative)", low=0, high=1),
)
INJECT_INTO = Option("organ", "string", REQUIRED, "the organ the cells are injected into")


EVENT_OPTIONS = (
    Option("start", "number", REQUIRED, "when the event begins (the run's time)", low=0,
           units="T"),
    Option("end", "number", REQUIRED, "when it ends", low=0, units="T"),
    Option("reactivation_factor", "number", REQUIRED, "the reactivation rate of dormant "
           "cells is multiplied by this while it lasts (e.g. the inflammation after "
           "surgery of the primary; illustrative)", low=0),
    Option("organ", "string", None, "the organ it acts in (default: every organ)"),
)


@dataclass(frozen=True)
class OrgansConfig:
    """A validated organs compartment."""

    name: str
    organs: tuple[OrganSoil, ...]
    options: tuple[tuple[str, Any], ...]
    hours: float
    events: tuple[tuple[float, float, float, str | None], ...] = ()
    #: (time, units, cells per unit, organ)
    injections: tuple[tuple[float, int, int, str], ...] = ()
    model: str = "organs"

    def option(self, key: str):
        return dict(self.options)[key]

    def to_dict(self) -> dict[str, Any]:
        d = {"model": self.model, **{k: v for k, v in self.options if v is not None},
             "organs": [o.to_dict() for o in self.organs]}
        if self.events:
            d["events"] = [{"start": a, "end": b, "reactivation_factor": x,
                            **({"organ": o} if o is not None else {})}
                           for a, b, x, o in self.events]
        if self.injections:
            d["injections"] = [{"time": t, "cells": n * z, "cluster_size": z, "organ": o}
                               for t, n, z, o in self.injections]
        return d


def read_organs_compartment(part: dict, name: str, prefix: str, units, problems: list[str]
                            ) -> OrgansConfig | None:
    """One ``[compartments.<name>]`` table of model ``organs``."""
    count = len(problems)
    own = ("model", "organs", "events", "injections")
    rest = {k: v for k, v in part.items() if k not in own}
    v = read_options(rest, ORGANS_OPTIONS, prefix, problems, also=own)
    injections = read_injections(part, prefix, INJECT_INTO, problems)
    events = []
    listed = part.get("events", [])
    if not isinstance(listed, list):
        problems.append(f"{prefix}events = {short(listed)} is not allowed; allowed: "
                        f"[[{prefix}events]] tables; fix: write each as one")
        listed = []
    for k, entry in enumerate(listed):
        where = f"{prefix}events[{k}]."
        e = read_options(entry if isinstance(entry, dict) else {}, EVENT_OPTIONS, where,
                         problems)
        if valid(*e.values()):
            if e["end"] <= e["start"]:
                problems.append(f"{where}end = {e['end']:g} is not after start = "
                                f"{e['start']:g}; fix: give a later end")
            events.append((float(e["start"]), float(e["end"]),
                           float(e["reactivation_factor"]), e["organ"]))
    entries = part.get("organs")
    organs = []
    if not isinstance(entries, list) or not entries:
        problems.append(f"{prefix}organs = {short(entries)} is not allowed; allowed: one or "
                        f"more [[{prefix}organs]] tables; fix: e.g. name = \"liver\"")
    else:
        for k, entry in enumerate(entries):
            where = f"{prefix}organs[{k}]."
            if not isinstance(entry, dict):
                problems.append(f"{where.rstrip('.')} = {short(entry)} is not a table; fix: "
                                f"write it as [[{prefix}organs]]")
                continue
            o = read_options(entry, ORGAN_SOIL_OPTIONS, where, problems)
            if not valid(*o.values()):
                continue
            try:
                soil = Soil(o["die"], o["dormant"], o["reactivation"], o["dormant_death"])
            except ValueError as exc:
                problems.append(f"{where}{exc}")
                continue
            if o["plateau"] is None and (o["angiogenic_switch"] or o["avascular_death"]):
                problems.append(f"{where}angiogenic_switch and avascular_death need a "
                                f"plateau; fix: add {where}plateau = ... (cells)")
                continue
            organs.append(OrganSoil(o["name"], soil, o["law"], o["growth_rate"],
                                    o["capacity"], o["colony_death"], o["seeding_rate"],
                                    o["seeding_exponent"], o["plateau"],
                                    o["angiogenic_switch"], o["avascular_death"],
                                    Niche(**{k[6:]: o[k] for k in o
                                             if k.startswith("niche_")})))
        names = [o.name for o in organs]
        for k, (*_, organ) in enumerate(events):
            if organ is not None and organ not in names:
                problems.append(f"{prefix}events[{k}].organ = {organ!r} is not one of the "
                                f"organs {names}; fix: name one of them")
        for k, (*_, size, organ) in enumerate(injections):
            if organ not in names:
                problems.append(f"{prefix}injections[{k}].organ = {organ!r} is not one of "
                                f"the organs {names}; fix: name one of them")
            if valid(v["max_cluster_size"]) and size > v["max_cluster_size"]:
                problems.append(f"{prefix}injections[{k}].cluster_size = {size} is larger "
                                f"than max_cluster_size = {v['max_cluster_size']}; fix: "
                                f"raise {prefix}max_cluster_size")
        for dup in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{prefix}organs: the name {dup!r} is used twice; fix: give "
                            f"each organ its own name")
    hours = hours_per_unit(v["time_unit_hours"], units, prefix, "the organs' rates are "
                           "per day", problems)
    if len(problems) > count:
        return None
    return OrgansConfig(name, tuple(organs), tuple(v.items()), float(hours), tuple(events),
                        injections)
