"""``[[treatments]]``: drugs, their schedules and pharmacokinetics, and their effects on
the run's compartments (``[[treatments.effects]]``, each a ``target =
"<compartment>.<effect>"``), or a drug ``class`` whose default effects
(:mod:`pde_meta.models.treatment.classes`) act on every compartment they fit. Times are
days from the start of the run; see :mod:`pde_meta.models.treatment`.

Stopping rules: ``stop`` is on the clock of the doses: a day of the run, or, for a
schedule triggered by a primary's size (``start_cells``), days from the trigger, as the
doses' times are; no bolus is given at or after it, an infusion or a constant level ends
there. ``max_total`` caps the cumulative amount: an infusion is cut when the cap is
reached, the bolus that would cross it is given in part (the rest up to the cap) and
later doses are dropped (:func:`pde_meta.models.treatment.pk.limited`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..core.options import REQUIRED, Option, read_options, short, valid
from ..models.invasion.drug import DRUG_OPTIONS
from ..models.treatment import EFFECTS, HILL_EFFECTS, PK, PK_MODELS, TISSUE_RATE_EFFECTS, Dose
from ..models.treatment.classes import CLASS_EFFECTS, CLASSES, kind_of
from ..models.treatment.pk import limited

__all__ = ["TreatmentConfig", "TREATMENT_OPTIONS", "EFFECT_OPTIONS", "read_treatments"]

TREATMENT_OPTIONS = (
    Option("name", "string", REQUIRED, "the drug (a label)"),
    Option("pk", "choice", "one", "its pharmacokinetics: 'one' or 'two' compartments, or "
           "'constant' (a fixed level from 'start')", choices=PK_MODELS),
    Option("elimination", "number", 1.0, "elimination rate (k10 for two compartments)",
           low=0, low_open=True, units="1/day"),
    Option("volume", "number", 1.0, "volume of distribution (level = amount / volume)",
           low=0, low_open=True),
    Option("k12", "number", 0.0, "central -> peripheral rate (two compartments)", low=0,
           units="1/day"),
    Option("k21", "number", 0.0, "peripheral -> central rate (two compartments)", low=0,
           units="1/day"),
    Option("level", "number", 0.0, "the level of the constant model", low=0),
    Option("start", "number", 0.0, "the first dose, or the start of the constant level",
           low=0, units="days"),
    Option("start_cells", "number", None, "instead of a start day: the schedule starts the "
           "day the growth-law primary 'start_compartment' first holds this many cells "
           "(its doses' times count from then)", low=0, low_open=True, units="cells"),
    Option("start_compartment", "string", None, "the primary whose size triggers it"),
    Option("start_detected", "string", None, "instead of a start day: the schedule starts "
           "at the first coupling time at which this diagnostic, '<compartment>.<name>', "
           "is at least start_threshold (a detection: its doses' times count from then; "
           "checked every [coupling] interval)"),
    Option("start_threshold", "number", None, "the value of start_detected that starts it"),
    Option("amount", "number", 0.0, "each regular bolus", low=0),
    Option("loading", "number", None, "the first bolus, when it differs (a loading dose)",
           low=0),
    Option("every", "number", None, "days between regular boluses (none: one bolus)",
           low=0, low_open=True, units="days"),
    Option("count", "integer", 1, "how many boluses", low=1, high=100000),
    Option("dose_times", "times", None, "boluses at these times instead (days; with "
           "dose_amounts)", low=0, units="days"),
    Option("dose_amounts", "times", None, "the amount of each of them", low=0),
    Option("infusion_rate", "number", 0.0, "a constant infusion, amount per day", low=0,
           units="1/day"),
    Option("infusion_days", "number", 0.0, "how long it runs from start", low=0,
           units="days"),
    Option("stop", "number", None, "no bolus at or after this day, an infusion or a "
           "constant level ends there (with start_cells: days from the trigger, as the "
           "doses' times)", low=0, units="days"),
    Option("max_total", "number", None, "a cap on the cumulative amount: an infusion is "
           "cut when it is reached, the bolus that would cross it is given in part (up to "
           "the cap), later doses are dropped", low=0, low_open=True),
    Option("class", "choice", None, "a drug class: its default effects act on every "
           "compartment they fit when the entry gives no [[treatments.effects]] (with "
           "effects given, the class only labels the drug)", choices=CLASSES),
    *DRUG_OPTIONS,
)
_DRUG_KEYS = {o.key for o in DRUG_OPTIONS}
EFFECT_OPTIONS = (
    Option("target", "string", REQUIRED, "what it acts on: '<compartment>.<effect>' with "
           f"the effects {', '.join(EFFECTS)}"),
    Option("potency", "number", 1.0, "angiogenesis: Hahnfeldt's e, per day per unit of "
           "level; killing, dormant_death: k of the added death rate k E per day (per "
           "unit of the tissue's time on a tissue grid); survival, immune, dormancy: k of "
           "1 + k E; priming: the niche gain k E", low=0),
    Option("emax", "number", 1.0, "the largest effect E of a Hill effect", low=0, high=1),
    Option("ec50", "number", 1.0, "the level of half the largest effect", low=0,
           low_open=True),
    Option("hill", "number", 1.0, "the Hill exponent", low=0, low_open=True, high=20),
    Option("resistance", "number", 0.0, "a drift in sensitivity: the effect (Hahnfeldt's e, "
           "a Hill effect's E, a tissue effect's potency) falls as exp(-rate (t - first "
           "dose)) (illustrative; 0: none)", low=0, units="1/day"),
    Option("through", "choice", "level", "a Hill effect acts through the level g, or "
           "through the damage D it accumulates, D' = g - repair D (E(D) then)",
           choices=("level", "damage")),
    Option("repair", "number", 0.0, "the damage's repair rate (through = \"damage\"; 0: "
           "the area under the level)", low=0, units="1/day"),
)

#: an effect: (compartment, effect, potency, emax, ec50, hill, resistance, through, repair)
Effect = tuple[str, str, float, float, float, float, float, str, float]


@dataclass(frozen=True)
class TreatmentConfig:
    """A validated treatment: its PK (with the doses, after the stopping rules) and its
    effects (:data:`Effect`)."""

    name: str
    pk: PK
    effects: tuple[Effect, ...]
    options: tuple[tuple[str, Any], ...] = ()
    #: (primary, cells): the schedule starts the day the primary holds that many cells
    trigger: tuple[str, float] | None = None
    #: (compartment, diagnostic, threshold): it starts when the diagnostic reaches it
    detection: tuple[str, str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.options if v is not None},
                "effects": [{"target": f"{c}.{e}", "potency": p, "emax": m, "ec50": h50,
                             "hill": n, "resistance": r,
                             **({"through": th, "repair": k} if th == "damage" else {})}
                            for c, e, p, m, h50, n, r, th, k in self.effects]}


def _models_of(effect: str) -> tuple[str, ...]:
    """The models whose compartments ``effect`` can target."""
    models = HILL_EFFECTS.get(effect, "primary")
    return (models,) if isinstance(models, str) else tuple(models)


def _doses(v: dict, where: str, problems: list[str]) -> tuple[Dose, ...]:
    out = []
    if v["dose_times"] is not None or v["dose_amounts"] is not None:
        times, amounts = v["dose_times"] or (), v["dose_amounts"] or ()
        if len(times) != len(amounts):
            problems.append(f"{where}dose_times has {len(times)} values and dose_amounts "
                            f"{len(amounts)}; allowed: one amount per time; fix: give both, "
                            f"of the same length")
        out.extend(Dose(float(t), float(a)) for t, a in zip(times, amounts, strict=False))
    elif v["amount"] > 0 or v["loading"]:
        every = v["every"] or 0.0
        for k in range(v["count"] if every else 1):
            amount = v["loading"] if (k == 0 and v["loading"] is not None) else v["amount"]
            out.append(Dose(v["start"] + k * every, float(amount)))
    if v["infusion_rate"] > 0:
        if v["infusion_days"] <= 0:
            problems.append(f"{where}infusion_days = {v['infusion_days']!r} is not allowed "
                            f"with an infusion_rate; allowed: > 0; fix: give its length")
        out.append(Dose(v["start"], v["infusion_rate"], v["infusion_days"]))
    return tuple(sorted(out, key=lambda d: d.time))


def read_treatments(data: dict, models: dict[str, str], problems: list[str],
                    laws: dict[str, str] | None = None) -> tuple[TreatmentConfig, ...]:
    """Every ``[[treatments]]`` entry; ``models``: compartment name -> model, ``laws``:
    growth-law primary -> its law (for the drug classes)."""
    entries = data.get("treatments", [])
    if not isinstance(entries, list):
        problems.append(f"treatments = {short(entries)} is not allowed; allowed: "
                        f"[[treatments]] tables; fix: write each as one")
        return ()
    if entries and "treatments" in models:
        problems.append("compartments.treatments: the name 'treatments' is the record of "
                        "the [[treatments]]; fix: give the compartment another name")
    out = []
    for k, entry in enumerate(entries):
        where = f"treatments[{k}]."
        if not isinstance(entry, dict):
            problems.append(f"treatments[{k}] = {short(entry)} is not a table; fix: write it "
                            f"as [[treatments]]")
            continue
        count = len(problems)
        rest = {key: x for key, x in entry.items() if key != "effects"}
        v = read_options(rest, TREATMENT_OPTIONS, where, problems, also=("effects",))
        if not valid(*v.values()):
            continue
        trigger = None
        if (v["start_cells"] is None) != (v["start_compartment"] is None):
            problems.append(f"{where}start_cells and start_compartment go together; fix: "
                            f"give both, or neither")
        elif v["start_cells"] is not None:
            if models.get(v["start_compartment"]) != "primary":
                problems.append(f"{where}start_compartment = {v['start_compartment']!r} is "
                                f"not a growth-law primary; fix: name one")
            if v["start"] != 0.0 or v["dose_times"] is not None:
                problems.append(f"{where}start_cells and a start day (start, dose_times) "
                                f"are two triggers; allowed: one; fix: keep one")
            trigger = (v["start_compartment"], float(v["start_cells"]))
        detection = _detection(v, models, trigger, where, problems)
        doses = _stopped(v, _doses(v, where, problems), where, problems)
        stop = math.inf if v["stop"] is None else float(v["stop"])
        try:
            pk = PK(v["pk"], doses, v["elimination"], v["volume"], v["k12"], v["k21"],
                    v["level"], v["start"], stop)
        except ValueError as exc:
            problems.append(f"{where}{exc}; fix: change it")
            continue
        listed = entry.get("effects", [])
        if v["class"] is not None and "effects" not in entry:
            effects = _class_effects(v["class"], models, laws or {}, where, problems)
        else:
            effects = _effects(listed, models, where, problems)
        if len(problems) == count:
            # the keys of a drug on a tissue grid only where it reaches one, or was given
            on_tissue = any(models[e[0]] == "invasion" for e in effects)
            kept = tuple((key, x) for key, x in v.items()
                         if on_tissue or key in entry or key not in _DRUG_KEYS)
            out.append(TreatmentConfig(v["name"], pk, tuple(effects), kept, trigger,
                                       detection))
    return tuple(out)


def _detection(v: dict, models: dict[str, str], trigger, where: str,
               problems: list[str]) -> tuple[str, str, float] | None:
    """``start_detected`` and ``start_threshold``, checked: (compartment, diagnostic,
    threshold), or None. The diagnostic's name is checked when the run is built."""
    if (v["start_detected"] is None) != (v["start_threshold"] is None):
        problems.append(f"{where}start_detected and start_threshold go together; fix: give "
                        f"both, or neither")
        return None
    if v["start_detected"] is None:
        return None
    name, _, diagnostic = str(v["start_detected"]).rpartition(".")
    if name not in models or not diagnostic:
        problems.append(f"{where}start_detected = {v['start_detected']!r} names no "
                        f"compartment's diagnostic; allowed: '<compartment>.<diagnostic>' "
                        f"with one of {sorted(models)}; fix: name one")
        return None
    if trigger is not None or v["start"] != 0.0 or v["dose_times"] is not None:
        problems.append(f"{where}start_detected and another start (start_cells, start, "
                        f"dose_times) are two triggers; allowed: one; fix: keep one")
    return name, diagnostic, float(v["start_threshold"])


def _stopped(v: dict, doses: tuple[Dose, ...], where: str, problems: list[str]
             ) -> tuple[Dose, ...]:
    """``doses`` under the entry's ``stop`` and ``max_total`` (checked here)."""
    stop, cap = v["stop"], v["max_total"]
    first = min((d.time for d in doses), default=v["start"])
    if stop is not None and stop <= first:
        problems.append(f"{where}stop = {stop!r} is not after the first dose (day "
                        f"{first:g}); allowed: a day > {first:g}; fix: stop later, or "
                        f"remove it")
    if cap is not None and v["pk"] == "constant":
        problems.append(f"{where}max_total = {cap!r} caps the doses, and the constant model "
                        f"has none; fix: remove it, or give doses (pk = \"one\")")
    return limited(doses, math.inf if stop is None else float(stop),
                   math.inf if cap is None else float(cap))


def _class_effects(name: str, models: dict[str, str], laws: dict[str, str], where: str,
                   problems: list[str]) -> list:
    """The default effects of the drug class ``name`` on every compartment they fit."""
    out = []
    for compartment, model in models.items():
        kind = kind_of(model, laws.get(compartment))
        for at, effect, potency, emax, ec50, _ in CLASS_EFFECTS[name]:
            if at == kind and effect in EFFECTS and model in _models_of(effect):
                out.append((compartment, effect, potency, emax, ec50, 1.0, 0.0, "level",
                            0.0))
    if not out:
        kinds = sorted({e[0] for e in CLASS_EFFECTS[name]})
        problems.append(f"{where}class = {name!r} acts on no compartment of this run; "
                        f"allowed: a run with a compartment of the kinds {kinds}; fix: add "
                        f"[[{where}effects]], or such a compartment")
    return out


def _effects(listed, models: dict[str, str], where: str, problems: list[str]) -> list:
    """The entry's own ``[[treatments.effects]]``."""
    effects: list = []
    if not isinstance(listed, list) or not listed:
        problems.append(f"{where}effects = {short(listed)} is not allowed; allowed: one or "
                        f"more [[{where}effects]] tables, or a class; fix: add one, e.g. "
                        f"target = \"primary.angiogenesis\"")
        return effects
    for j, e in enumerate(listed):
        at = f"{where}effects[{j}]."
        o = read_options(e if isinstance(e, dict) else {}, EFFECT_OPTIONS, at, problems)
        if not valid(*o.values()):
            continue
        compartment, _, effect = str(o["target"]).rpartition(".")
        if compartment not in models:
            problems.append(f"{at}target = {o['target']!r} names no compartment; allowed: "
                            f"'<compartment>.<effect>' with one of {sorted(models)}; fix: "
                            f"name one of them")
        elif effect not in EFFECTS:
            problems.append(f"{at}target = {o['target']!r}: {effect!r} is not an effect; "
                            f"allowed: {', '.join(EFFECTS)}; fix: use one of them")
        elif models[compartment] not in _models_of(effect):
            problems.append(f"{at}target = {o['target']!r}: {effect} acts on a "
                            f"{' or '.join(map(repr, _models_of(effect)))} compartment, "
                            f"{compartment!r} is a {models[compartment]!r}; fix: name "
                            f"one of that model")
        else:
            if o["through"] == "damage" and effect not in HILL_EFFECTS:
                problems.append(f"{at}through = 'damage' acts on a Hill effect, {effect} "
                                f"takes the level; fix: remove it")
            elif (o["through"] == "damage" and models[compartment] == "invasion"
                  and effect not in TISSUE_RATE_EFFECTS):
                problems.append(f"{at}through = 'damage': on a tissue grid an effect acts "
                                f"through the drug's level in each cell; fix: remove it")
            if o["repair"] and o["through"] != "damage":
                problems.append(f"{at}repair = {o['repair']!r} acts through the damage "
                                f"only; allowed: with through = 'damage'; fix: add it, or "
                                f"remove repair")
            effects.append((compartment, effect, float(o["potency"]), float(o["emax"]),
                            float(o["ec50"]), float(o["hill"]), float(o["resistance"]),
                            str(o["through"]), float(o["repair"])))
    return effects
