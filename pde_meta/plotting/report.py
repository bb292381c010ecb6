"""The set of figures ``pde-meta plot`` writes for a run."""

from __future__ import annotations

from matplotlib.figure import Figure

from .fields import plot_fields
from .invasion import invasion_figures
from .series import plot_diagnostics
from .vessels import vessel_figures

__all__ = ["run_figures"]


def run_figures(ds, times=None, fields=None) -> dict[str, Figure]:
    """Every figure of a run, by name (the file stem): ``fields`` (:func:`plot_fields` of
    ``times`` and ``fields``), ``diagnostics`` (:func:`plot_diagnostics`), then the
    model's (:func:`~pde_meta.plotting.invasion.invasion_figures`,
    :func:`~pde_meta.plotting.vessels.vessel_figures`)."""
    return {"fields": plot_fields(ds, times=times, fields=fields),
            "diagnostics": plot_diagnostics(ds), **invasion_figures(ds),
            **vessel_figures(ds)}
