"""Figures of a run's treatments: each drug's plasma level and each effect's size over
time; a module that knows the variable names of the treatments' record (``level``,
``effect_size``)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import style

__all__ = ["is_treatments", "plot_treatments", "treatment_figures"]


def is_treatments(ds) -> bool:
    """Whether ``ds`` is the dataset of a run's treatments."""
    return "level" in ds.data_vars and "drug" in ds.dims


def plot_treatments(ds, *, figsize=(9.0, 3.6)) -> Figure:
    """Left: each drug's plasma level g(t); right: each effect's size (E(g) of a Hill
    effect, E of the level in the tumour cells of a tissue grid, e g of angiogenesis),
    at the snapshots."""
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    t = np.asarray(ds.time.values, dtype=float)
    for k, drug in enumerate(ds.drug.values):
        left.plot(t, np.asarray(ds.level.sel(drug=drug).values, dtype=float), "-",
                  color=f"C{k}", label=str(drug))
    for k, effect in enumerate(ds.effect.values):
        right.plot(t, np.asarray(ds.effect_size.sel(effect=effect).values, dtype=float),
                   "-", color=f"C{k}", label=str(effect))
    left.set_ylabel("plasma level g(t)")
    right.set_ylabel("effect: E, or e g [1/day]")
    for ax in (left, right):
        ax.set_xlabel(style.axis_label(ds, "time"))
        ax.legend(fontsize="small")
    return fig


def treatment_figures(ds) -> dict[str, Figure]:
    """The figures of ``pde-meta plot`` for the treatments: ``treatments``."""
    return {"treatments": plot_treatments(ds)} if is_treatments(ds) else {}
