"""The effects of treatments, handed to the compartments they act on: each effect names
a compartment and what it does there, and the compartment (``add_treatment``) turns the
drug's level :math:`g(t)` into its own term."""

from __future__ import annotations

__all__ = ["apply_treatments"]


def apply_treatments(treatments, compartments) -> None:
    """Give each compartment of ``compartments`` the effects of ``treatments`` (each with
    ``pk`` and ``effects``: ``(compartment, effect, potency)``) that target it."""
    by_name = {c.name: c for c in compartments}
    for t in treatments:
        for name, effect, potency in t.effects:
            by_name[name].add_treatment(effect, potency, t.pk.at)
