r"""Diagnostics of the invasion model: the scalars stored with every snapshot.

* the per-snapshot extreme of each field its table marks (``tumor_max``, ``ecm_min``,
  ``membrane_min``, ``mmp_max``, ``oxygen_min``), the solver's ``dt`` and ``step`` and
  the stepping ``wall_seconds``;
* the invasion metrics of :func:`snapshot_metrics` (built from the measures of
  :mod:`pde_meta.metrics`): tumour mass, invaded area, front, clusters, roughness,
  hypoxic area, membrane integrity and breaches;
* :func:`time_metrics`: what needs a time series (front speeds, membrane breach time).

:class:`Diagnostics` binds them to one run's geometry (where the front is measured from)
and its initial state, and says the units and meaning of every name for the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ...core.grid import Grid
from ...errors import ConfigError
from ...metrics import (
    DEFAULT_BAND_THRESHOLD,
    DEFAULT_ESCAPE_THRESHOLD,
    DEFAULT_HYPOXIA_THRESHOLD,
    DEFAULT_MEMBRANE_THRESHOLD,
    DEFAULT_TUMOR_THRESHOLD,
    band_depth,
    breach_time,
    crossing_time,
    detached_clusters,
    field_array,
    front_radius,
    front_speed,
    hypoxic_area,
    invaded_area,
    mass_beyond_membrane,
    membrane_barrier,
    membrane_breaches,
    membrane_min_integrity,
    membrane_regions,
    roughness,
    tumor_mass,
)
from .fields import FIELDS

__all__ = ["METRIC_UNITS", "BASE_DIAGNOSTICS", "Diagnostics", "snapshot_metrics",
           "phenotype_metrics", "vessel_metrics", "PHENOTYPE_METRICS", "VESSEL_METRICS",
           "invasion_threshold", "RELATIVE_TUMOR_THRESHOLD", "metric_names",
           "time_metrics", "metric_options"]

#: Units of every value :func:`snapshot_metrics` and :func:`time_metrics` return, for the
#: ``units`` attribute of ``/diagnostics`` datasets (``L`` length, ``T`` time, ``n``
#: tumour density scale; "1" dimensionless).
METRIC_UNITS: dict[str, str] = {
    "tumor_mass": "n L^2", "invaded_area": "L^2",
    "front_max_radius": "L", "front_mean_radius": "L",
    "front_max_depth": "L", "front_mean_depth": "L",
    "roughness": "1", "cluster_count": "1", "cluster_area": "L^2", "cluster_mass": "n L^2",
    "hypoxic_area": "L^2", "membrane_min_integrity": "1", "membrane_barrier": "1",
    "membrane_breaches": "1",
    "tumor_mass_beyond_membrane": "n L^2", "invaded_area_beyond_membrane": "L^2",
    "tumor_max_beyond_membrane": "n",
    "front_max_speed": "L/T", "front_mean_speed": "L/T",
    "membrane_breach_time": "T", "membrane_opening_time": "T", "membrane_escape_time": "T",
    "epithelial_mass": "n L^2", "mesenchymal_fraction": "1",
    "blood_vessel_area": "L^2", "lymph_vessel_area": "L^2", "perfused_fraction": "1",
    "leaky_fraction": "1", "vessel_contact": "n L^2",
}

#: the metrics of the two phenotypes and of the vessels (with ``phenotypes`` / ``vessels``)
PHENOTYPE_METRICS = ("epithelial_mass", "mesenchymal_fraction")
VESSEL_METRICS = ("blood_vessel_area", "lymph_vessel_area", "perfused_fraction",
                  "leaky_fraction", "vessel_contact")


#: diagnostics written for every run besides the metrics: the field extremes its table
#: marks, then the solver's counters
BASE_DIAGNOSTICS: dict[str, tuple[str, str]] = {
    **{s.summary_name: (s.units, f"{'largest' if s.summary == 'max' else 'smallest'} "
                                 f"{s.description}") for s in FIELDS if s.summary},
    "dt": ("T", "time step the solver will try next"),
    "step": ("1", "time steps taken"),
    "wall_seconds": ("s", "wall-clock seconds of stepping so far"),
}


def metric_options(sources: dict) -> dict:
    """Arguments of :func:`snapshot_metrics` for the initial fields made from ``sources``
    (field name -> the ``(type, options)`` parts of its initial field), from the tumour's:
    depths from the wall of a band, radii from the centre of a disc or Gaussian, else from
    the centre of mass."""
    parts = tuple(sources.get("tumor", ()))
    if len(parts) == 1 and parts[0][0] == "band":
        return {"wall": dict(parts[0][1])["wall"]}
    if len(parts) == 1 and parts[0][0] in ("gaussian", "ellipse"):
        return {"center": list(dict(parts[0][1])["center"])}
    return {}


class Diagnostics:
    """The diagnostics of one run: the same names, in the same order, for every snapshot.

    Parameters
    ----------
    initial : State
        The run's initial state (membrane band, tumour side, default front centre).
    options : dict
        Keyword arguments of :func:`snapshot_metrics` (:func:`metric_options`).
    """

    def __init__(self, initial, options: dict) -> None:
        self.initial_state = initial
        self.initial = initial.fields()
        self.options = dict(options)

    def __call__(self, state, dt: float, wall_seconds: float) -> dict[str, float]:
        d = state.data
        out = {s.summary_name: float(getattr(d[k], s.summary)())
               for k, s in enumerate(FIELDS) if s.summary}
        out.update({"dt": float(dt), "step": float(state.step),
                    "wall_seconds": float(wall_seconds)})
        out.update(snapshot_metrics(state.fields(), state.grid, initial=self.initial,
                                    **self.options))
        return out

    def names(self) -> list[str]:
        """Every name this run stores: ``tumor_mass``, the base diagnostics, then the
        metrics in alphabetical order."""
        first = ["tumor_mass", *BASE_DIAGNOSTICS]
        found = [*BASE_DIAGNOSTICS, *metric_names(self.initial, **self.options)]
        return sorted(found, key=lambda n: (first.index(n), n) if n in first
                      else (len(first), n))

    @staticmethod
    def attrs(name: str) -> dict[str, str]:
        """``units`` and ``long_name`` of diagnostic ``name``."""
        if name in BASE_DIAGNOSTICS:
            units, long_name = BASE_DIAGNOSTICS[name]
        else:
            units, long_name = METRIC_UNITS.get(name, "1"), name.replace("_", " ")
        return {"units": units, "long_name": long_name}


#: the default invasion threshold is this fraction of the peak density, at most
#: :data:`~pde_meta.metrics.DEFAULT_TUMOR_THRESHOLD`
RELATIVE_TUMOR_THRESHOLD = 0.1


def invasion_threshold(tumor: np.ndarray) -> float:
    """The default invasion threshold of a snapshot: ``min(0.1, 0.1 * max(n))`` (0.1 for
    an empty one). A fixed density of 0.1 loses the Anderson (2005) tumour from t ~ 3 on,
    as its peak falls below 0.1 while it invades; a tenth of the peak follows its edge."""
    peak = float(np.max(tumor)) if tumor.size else 0.0
    if not peak > 0:
        return DEFAULT_TUMOR_THRESHOLD
    return min(DEFAULT_TUMOR_THRESHOLD, RELATIVE_TUMOR_THRESHOLD * peak)


_MEMBRANE_METRICS = ("membrane_min_integrity", "membrane_barrier", "membrane_breaches",
                     "tumor_mass_beyond_membrane", "invaded_area_beyond_membrane",
                     "tumor_max_beyond_membrane")


def metric_names(initial: Mapping[str, np.ndarray], *, wall: str | None = None,
                 band_threshold: float = DEFAULT_BAND_THRESHOLD, phenotypes: bool = False,
                 vessels: bool = False, **_options) -> list[str]:
    """The names :func:`snapshot_metrics` returns for a run with these ``initial`` fields
    (and its keyword arguments): known without measuring a snapshot. A test keeps the two
    equal."""
    names = ["tumor_mass", "invaded_area",
             *(("front_max_depth", "front_mean_depth") if wall is not None
               else ("front_max_radius", "front_mean_radius")),
             "roughness", "cluster_count", "cluster_area", "cluster_mass"]
    if "oxygen" in initial:
        names.append("hypoxic_area")
    if "membrane" in initial and np.any(np.asarray(initial["membrane"]) > band_threshold):
        names += _MEMBRANE_METRICS
    names += [*(PHENOTYPE_METRICS if phenotypes else ()), *(VESSEL_METRICS if vessels else ())]
    return names


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def phenotype_metrics(fields: Mapping[str, np.ndarray], grid: Grid) -> dict[str, float]:
    """``epithelial_mass`` [n L^2] and ``mesenchymal_fraction`` (of all tumour cells; NaN
    without cells)."""
    mass_e = tumor_mass(field_array(fields["epithelial"], grid, "epithelial"), grid)
    mass_m = tumor_mass(field_array(fields["tumor"], grid, "tumor"), grid)
    return {"epithelial_mass": mass_e, "mesenchymal_fraction": _ratio(mass_m, mass_m + mass_e)}


def vessel_metrics(fields: Mapping[str, np.ndarray], grid: Grid) -> dict[str, float]:
    """``blood_vessel_area`` (perfused and new) and ``lymph_vessel_area`` [L^2] (vessel
    density integrated), ``perfused_fraction`` of the blood-vessel area,
    ``leaky_fraction`` (the blood-vessel area weighted by leakiness, over that area; NaN
    without vessels) and ``vessel_contact`` [n L^2]: the tumour cells on vessels,
    ``int (n + e)(v + u + l)``, the cells that can intravasate."""
    v, u, lym, leak = (field_array(fields[k], grid, k) for k in
                       ("blood", "new_vessels", "lymph", "leakiness"))
    cells = field_array(fields["tumor"], grid, "tumor") + field_array(
        fields["epithelial"], grid, "epithelial")
    blood = v + u
    area = grid.integrate(blood)
    return {"blood_vessel_area": area, "lymph_vessel_area": grid.integrate(lym),
            "perfused_fraction": _ratio(grid.integrate(v), area),
            "leaky_fraction": _ratio(grid.integrate(leak * blood), area),
            "vessel_contact": grid.integrate(cells * (blood + lym))}


def snapshot_metrics(fields: Mapping[str, np.ndarray], grid: Grid, *,
                     initial: Mapping[str, np.ndarray] | None = None, center=None,
                     wall: str | None = None,
                     tumor_threshold: float | None = None,
                     membrane_threshold: float = DEFAULT_MEMBRANE_THRESHOLD,
                     band_threshold: float = DEFAULT_BAND_THRESHOLD,
                     hypoxia_threshold: float = DEFAULT_HYPOXIA_THRESHOLD,
                     connectivity: int = 1, phenotypes: bool = False,
                     vessels: bool = False) -> dict[str, float]:
    """Every scalar metric of one snapshot, to be stored in ``/diagnostics``.

    Parameters
    ----------
    fields : mapping of str to ndarray
        The snapshot's fields by name (``State.fields()``); ``tumor`` is required,
        ``oxygen`` and ``membrane`` are used when present.
    grid : Grid
    initial : mapping of str to ndarray, optional
        The initial fields. Its ``tumor`` gives the default front centre and the tumour's
        side of the membrane; its ``membrane`` defines the membrane band.
    center : (float, float), optional
        ``(x, y)`` from which front radii are measured [L]. Default: the centre of mass of
        the initial tumour, else the centre of the domain.
    wall : {"left", "right", "bottom", "top"}, optional
        For a band tumour growing from this wall: report depths instead of radii.
    tumor_threshold : float, optional
        Density above which tissue counts as invaded (areas, fronts, clusters, roughness).
        Default: relative, :func:`invasion_threshold`: 0.1, or a tenth of the snapshot's
        peak density when that is below 1, so that a tumour that spreads and thins out
        keeps a front.
    membrane_threshold : float, default 0.5
        Membrane density below which a band cell counts as breached.
    band_threshold : float, default 0.5
        Initial membrane density above which a cell belongs to the band.
    hypoxia_threshold : float, default 0.2
        Oxygen below which tissue is hypoxic.
    connectivity : {1, 2}, default 1
        Cell connectivity of regions (clusters, breaches).
    phenotypes, vessels : bool
        Add :func:`phenotype_metrics` and :func:`vessel_metrics` (runs that step those
        groups of fields).

    Returns
    -------
    dict of str to float
        Always: ``tumor_mass`` [n L^2], ``invaded_area`` [L^2], ``roughness`` [1],
        ``cluster_count``, ``cluster_area`` (total of the detached clusters) [L^2],
        ``cluster_mass`` [n L^2]; ``front_max_radius`` and ``front_mean_radius`` [L]
        (:func:`front_radius`), or with ``wall`` ``front_max_depth`` and
        ``front_mean_depth`` [L] (:func:`band_depth`). With ``oxygen`` in ``fields``:
        ``hypoxic_area`` [L^2]. With a non-empty initial membrane band and ``membrane`` in
        ``fields``: ``membrane_min_integrity`` [1], ``membrane_barrier`` [1]
        (:func:`membrane_barrier`), ``membrane_breaches`` (count of openings),
        ``tumor_mass_beyond_membrane`` [n L^2], ``invaded_area_beyond_membrane`` [L^2]
        and ``tumor_max_beyond_membrane`` [n].
        The keys depend only on the arguments, so they are the same for every snapshot of
        a run.
    """
    if "tumor" not in fields:
        raise ConfigError("metrics: the snapshot has no 'tumor' field; fix: pass "
                          "State.fields() or a dict with at least 'tumor'")
    n = field_array(fields["tumor"], grid, "tumor")
    initial = dict(initial or {})
    n0 = field_array(initial["tumor"], grid, "initial tumor") if "tumor" in initial else None

    if tumor_threshold is None:
        tumor_threshold = invasion_threshold(n)
    out: dict[str, float] = {
        "tumor_mass": tumor_mass(n, grid),
        "invaded_area": invaded_area(n, grid, threshold=tumor_threshold),
    }
    if wall is not None:
        depth = band_depth(n, grid, wall, threshold=tumor_threshold)
        out["front_max_depth"], out["front_mean_depth"] = depth.max, depth.mean
    else:
        if center is None:
            if n0 is not None and n0.sum() > 0:
                y, x = grid.meshgrid()
                center = (float(np.sum(x * n0) / n0.sum()), float(np.sum(y * n0) / n0.sum()))
            else:
                center = (0.5 * grid.extent[1], 0.5 * grid.extent[0])
        radius = front_radius(n, grid, center, threshold=tumor_threshold,
                              connectivity=connectivity)
        out["front_max_radius"], out["front_mean_radius"] = radius.max, radius.mean
    out["roughness"] = roughness(n, grid, threshold=tumor_threshold)
    clusters = detached_clusters(n, grid, threshold=tumor_threshold,
                                 connectivity=connectivity)
    out["cluster_count"] = float(clusters.count)
    out["cluster_area"] = float(clusters.areas.sum())
    out["cluster_mass"] = float(clusters.masses.sum())
    if "oxygen" in fields:
        out["hypoxic_area"] = hypoxic_area(fields["oxygen"], grid, threshold=hypoxia_threshold)

    if "membrane" in initial and "membrane" in fields:
        b0 = field_array(initial["membrane"], grid, "initial membrane")
        if np.any(b0 > band_threshold):
            regions = membrane_regions(b0, grid, initial_tumor=n0, center=center,
                                       band_threshold=band_threshold)
            b = field_array(fields["membrane"], grid, "membrane")
            out["membrane_min_integrity"] = membrane_min_integrity(b, regions.band)
            out["membrane_barrier"] = membrane_barrier(b, regions, connectivity=connectivity)
            out["membrane_breaches"] = float(membrane_breaches(
                b, regions, threshold=membrane_threshold, connectivity=connectivity))
            out["tumor_mass_beyond_membrane"] = mass_beyond_membrane(n, grid, regions)
            out["invaded_area_beyond_membrane"] = float(
                np.count_nonzero(regions.beyond & (n > tumor_threshold)) * grid.cell_area)
            out["tumor_max_beyond_membrane"] = (float(n[regions.beyond].max())
                                                if regions.beyond.any() else 0.0)
    if phenotypes:
        out.update(phenotype_metrics(fields, grid))
    if vessels:
        out.update(vessel_metrics(fields, grid))
    return {k: float(v) for k, v in out.items()}


def time_metrics(times, per_snapshot_values, *,
                 breach_threshold: float = DEFAULT_MEMBRANE_THRESHOLD,
                 escape_threshold: float = DEFAULT_ESCAPE_THRESHOLD
                 ) -> dict[str, float | np.ndarray]:
    """Metrics that need a time series of :func:`snapshot_metrics` values.

    Parameters
    ----------
    times : array_like, shape (k,)
        Strictly increasing snapshot times [T].
    per_snapshot_values : mapping of str to array_like, or sequence of mappings
        Either ``{name: values over time}`` (the ``/diagnostics`` group) or one
        :func:`snapshot_metrics` dict per snapshot.
    breach_threshold : float, default 0.5
        Membrane integrity that defines the breach time.
    escape_threshold : float, default 0.05
        Tumour density beyond the membrane that defines the escape time.

    Returns
    -------
    dict
        For the front positions present (``front_{max,mean}_{radius,depth}``):
        ``front_max_speed`` and ``front_mean_speed``, arrays of shape ``(k,)`` [L/T] from
        :func:`front_speed`. With ``membrane_min_integrity``: ``membrane_breach_time``
        [T] (:func:`breach_time`): the membrane first thins below ``breach_threshold``
        somewhere. With ``membrane_barrier``: ``membrane_opening_time`` [T], when an
        opening through the whole band first appears at that threshold. With
        ``tumor_max_beyond_membrane``:
        ``membrane_escape_time`` [T], the first time the tumour density beyond the
        membrane exceeds ``escape_threshold``. The times are NaN when it never happens.
    """
    if isinstance(per_snapshot_values, Mapping):
        series = {k: np.asarray(v, dtype=np.float64) for k, v in per_snapshot_values.items()}
    elif isinstance(per_snapshot_values, Sequence):
        names = list(per_snapshot_values[0]) if len(per_snapshot_values) else []
        series = {k: np.array([float(row.get(k, np.nan)) for row in per_snapshot_values])
                  for k in names}
    else:
        raise ConfigError("metrics: per_snapshot_values must be a mapping of series or a "
                          "list of per-snapshot dicts")
    out: dict[str, float | np.ndarray] = {}
    for kind in ("max", "mean"):
        for shape in ("radius", "depth"):
            name = f"front_{kind}_{shape}"
            if name in series:
                out[f"front_{kind}_speed"] = front_speed(times, series[name])
    if "membrane_min_integrity" in series:
        out["membrane_breach_time"] = breach_time(times, series["membrane_min_integrity"],
                                                  threshold=breach_threshold)
    if "membrane_barrier" in series:
        out["membrane_opening_time"] = breach_time(times, series["membrane_barrier"],
                                                   threshold=breach_threshold)
    if "tumor_max_beyond_membrane" in series:
        out["membrane_escape_time"] = crossing_time(
            times, series["tumor_max_beyond_membrane"], escape_threshold, direction="above")
    return out
