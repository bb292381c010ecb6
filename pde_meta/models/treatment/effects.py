"""The effects of treatments, handed to the compartments they act on: each effect names
a compartment and what it does there, and the compartment (``add_treatment``) turns the
drug's level :math:`g(t)` into its own term."""

from __future__ import annotations

from . import HILL_EFFECTS, hill

__all__ = ["apply_treatments"]


def apply_treatments(treatments, compartments) -> None:
    """Give each compartment of ``compartments`` the effects of ``treatments`` (each with
    ``pk`` and ``effects``: ``(compartment, effect, potency, emax, ec50, hill)``) that
    target it: the level ``g(t)`` itself for ``angiogenesis``, ``E(g(t))`` for a Hill
    effect."""
    by_name = {c.name: c for c in compartments}
    for t in treatments:
        for name, effect, potency, *shape in t.effects:
            if effect in HILL_EFFECTS:
                emax, ec50, power = shape
                by_name[name].add_treatment(effect, potency, _hill_of(t.pk.at, emax, ec50,
                                                                      power))
            else:
                by_name[name].add_treatment(effect, potency, t.pk.at)


def _hill_of(level, emax: float, ec50: float, power: float):
    """``t -> E(g(t))``."""
    return lambda t: hill(level(t), emax, ec50, power)
