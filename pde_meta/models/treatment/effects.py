"""The effects of treatments, handed to the compartments they act on: each effect names
a compartment and what it does there, and the compartment (``add_treatment``) turns the
drug's level :math:`g(t)` into its own term."""

from __future__ import annotations

from dataclasses import replace

from . import HILL_EFFECTS, TISSUE_RATE_EFFECTS, hill, sensitivity_left
from .compartment import TreatmentRecord
from .pk import Delayed, shifted

__all__ = ["apply_treatments", "hours_of", "driver"]


def hours_of(config, compartments) -> float:
    """Hours in one unit of the run's time: from ``[units]``, else the first compartment
    that says (a primary, circulation or organs: their ``hours``)."""
    if config.units is not None:
        return config.units.time_scale / 3600.0
    return next((float(c.hours) for c in compartments if hasattr(c, "hours")), 24.0)


def apply_treatments(config, compartments: list) -> None:
    """Give each compartment of ``compartments`` the effects of ``config.treatments``
    (each with ``pk`` and ``effects``: ``(compartment, effect, potency, emax, ec50,
    hill, resistance, through, repair)``) that target it: the level ``g(t)`` itself for
    ``angiogenesis``, ``E(g(t))`` for a Hill effect, or ``E(D(t))`` through the damage
    (:meth:`.pk.PK.damage_at`); and append their record
    (:class:`.compartment.TreatmentRecord`)."""
    treatments = config.treatments
    if not treatments:
        return
    by_name = {c.name: c for c in compartments}
    treatments = [_triggered(t, by_name) for t in treatments]
    hours = hours_of(config, compartments)
    for t in treatments:
        for name, effect, potency, emax, ec50, power, resistance, *pd in t.effects:
            target = by_name[name]
            # a drift in sensitivity: the effect times exp(-rate (day - first dose))
            left = None if resistance == 0.0 else _sensitivity(resistance, t.pk)
            if target.model == "invasion" and effect in TISSUE_RATE_EFFECTS:
                e_at = _weighed(_hill_of(driver(t.pk, *pd), emax, ec50, power), left)
                target.add_treatment(effect, potency, _in_run_time(e_at, hours),
                                     step=dict(t.options).get("tissue_step"))
            elif target.model == "invasion":  # a drug field on a tissue grid
                _on_tissue(target, t, hours, effect, potency, emax, ec50, power,
                           None if left is None else _in_run_time(left, hours))
            elif effect in HILL_EFFECTS:
                target.add_treatment(effect, potency, _weighed(
                    _hill_of(driver(t.pk, *pd), emax, ec50, power), left))
            else:  # the level itself (angiogenesis)
                target.add_treatment(effect, potency, _weighed(t.pk.at, left))
    compartments.append(TreatmentRecord(treatments, hours, by_name=by_name))


def _on_tissue(tissue, treatment, hours: float, effect: str, potency, emax, ec50, power,
               sensitivity) -> None:
    """The drug of ``treatment`` on a tissue grid (once), and its ``effect`` there, whose
    potency is weighed by ``sensitivity(t)`` (None: 1); the tissue's clock is the run's,
    in units of ``hours``."""
    if treatment.name not in tissue.drugs:
        tissue.add_drug(treatment.name, _in_run_time(treatment.pk.at, hours),
                        dict(treatment.options))
    tissue.add_drug_effect(treatment.name, effect, potency, emax, ec50, power, sensitivity)


def _in_run_time(f, hours: float):
    """``t -> f(day)`` for ``t`` in the run's time unit of ``hours``."""
    return lambda t: f(t * hours / 24.0)


def _weighed(f, left):
    """``f``, or ``t -> f(t) left(t)`` with a sensitivity ``left``."""
    return f if left is None else (lambda t: f(t) * left(t))


def _sensitivity(rate: float, pk):
    """``day ->`` :func:`.sensitivity_left` of the schedule ``pk`` (whose first dose a
    schedule started by a detection learns late, so it is read at each call)."""
    return lambda day: sensitivity_left(rate, pk.first_dose, day)


def _triggered(treatment, by_name):
    """``treatment`` with its schedule moved to the day its trigger fires (a primary's
    size, by the primary's own law), or waiting for a detection (a :class:`.pk.Delayed`
    schedule that the record fires), or as it is without a trigger."""
    if treatment.detection is not None:
        return replace(treatment, pk=Delayed(treatment.pk))
    if treatment.trigger is None:
        return treatment
    name, cells = treatment.trigger
    return replace(treatment, pk=shifted(treatment.pk, by_name[name].day_of(cells)))


def driver(pk, through: str = "level", repair: float = 0.0):
    """``t -> g(t)``, or ``t -> D(t)`` with ``through = "damage"``: what a Hill effect
    takes."""
    if through == "damage":
        return lambda t: pk.damage_at(t, repair)
    return pk.at


def _hill_of(level, emax: float, ec50: float, power: float):
    """``t -> E(g(t))``."""
    return lambda t: hill(level(t), emax, ec50, power)
