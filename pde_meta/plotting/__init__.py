"""Figures and movies of a run, read from an :class:`xarray.Dataset`.

The dataset is what :func:`pde_meta.storage.open_run` returns: dimensions ``(time, y, x)``;
one data variable per stored field over ``(time, y, x)``, in the model's order;
coordinates ``time``, ``y``, ``x`` (cell centres); scalar diagnostics as data variables
over ``time``. Any dataset of that shape works, whatever wrote it: this package never
imports the solver or a model. Labels, units and colour maps come from each variable's
``long_name``, ``units`` and ``cmap`` attributes (the run file stores them from the
model's field table), with generic fallbacks (the variable's name, ``viridis``).

Modules: :mod:`.fields` (:func:`plot_fields`), :mod:`.series` (:func:`plot_diagnostics`),
:mod:`.invasion` (:func:`plot_fronts`, :func:`plot_membrane_breach`: the figures that know
the invasion model's field names), :mod:`.vessels` (:func:`plot_vessels`,
:func:`plot_phenotypes`: the vessels over the tumour, leaders and followers),
:mod:`.circulation` (:func:`plot_ctc`, :func:`plot_funnel`: CTCs over time and the
funnel from shed to extravasated, from a circulation's dataset), :mod:`.organs`
(:func:`plot_colonies`, :func:`plot_fates`, :func:`plot_dormancy`, :func:`plot_niche`:
colony sizes, fates, dormancy durations and niches per organ), the whole cascade
(:func:`plot_cascade`: from shed to macrometastasis per organ),
:mod:`.primary` (:func:`plot_primary`: a growth-law primary's size and shed cells),
:mod:`.movie`
(:func:`make_movie`), :mod:`.style`
(labels, colour maps, limits, :func:`save_figure`), :mod:`.select` (which variables and
snapshots) and :mod:`.report` (:func:`run_figures`: the figures of ``pde-meta plot``).

Field panels and movies give every panel its own colour scale (the range of that field at
that time) and colour bar, so a field that fades by orders of magnitude stays visible;
fields that are zero throughout are left out unless asked for.

Every plotting function returns a :class:`matplotlib.figure.Figure` built without pyplot
(no global figure state, no display needed); write it with :func:`save_figure`.
:func:`make_movie` returns the path of the movie it wrote.
"""

from .cascade import plot_cascade
from .circulation import circulation_figures, is_circulation, plot_ctc, plot_funnel
from .fields import plot_fields
from .invasion import has_membrane_band, plot_fronts, plot_membrane_breach
from .movie import make_movie
from .organs import (
    is_organs,
    organs_figures,
    plot_colonies,
    plot_dormancy,
    plot_fates,
    plot_niche,
)
from .primary import is_primary, plot_primaries, plot_primary, primary_figures
from .report import run_figures
from .series import plot_diagnostics
from .style import save_figure
from .treatment import is_treatments, plot_treatments, treatment_figures
from .vessels import plot_phenotypes, plot_vessels

__all__ = ["plot_fields", "plot_diagnostics", "plot_fronts", "plot_membrane_breach",
           "has_membrane_band", "run_figures", "make_movie", "save_figure", "plot_vessels",
           "plot_phenotypes", "plot_ctc", "plot_funnel", "circulation_figures",
           "is_circulation", "plot_colonies", "plot_fates", "organs_figures", "is_organs",
           "plot_dormancy", "plot_niche", "plot_cascade", "is_primary", "plot_primary",
           "primary_figures", "plot_primaries", "is_treatments", "plot_treatments",
           "treatment_figures"]
