"""The circulation as a graph: vessel segments that hold cells for a transit time, and
capillary beds (the organs) that cells cross in no time, arresting on the way.

Blood (route ``systemic``): primary -> ``venous`` (veins, right heart) -> the pulmonary
bed -> ``arterial`` (left heart, arteries) -> every arterial-fed organ by its share of
the flow -> ``venous`` again. Route ``portal`` (a gut primary): primary -> ``portal`` ->
the portal bed (liver) -> ``venous`` -> ...; route ``direct`` (MetaSpread): primary ->
``venous`` -> the organs by their shares, no lung pass. Lymph: primary -> ``lymph`` ->
the lymphatic bed (regional node) -> ``efferent`` (thoracic duct) -> ``venous``.

A segment of mean transit ``T`` is a chain of stages on the step lattice ``dt``:
``fixed``: ``M = max(1, round(T/dt))`` stages that every cell crosses one per step (the
time in the segment is exactly ``M dt``); ``exponential``: one stage left with
probability ``1 - exp(-dt/T)`` per step; ``gamma``: ``k`` such stages of rate ``k/T``
(Erlang, the linear chain trick). A stage takes at least one step, so a segment
shorter than its stages' steps is slow on the lattice; :mod:`.dynamics` scales its hazard
so that a cell still meets the hazard of the segment's own mean transit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .organs import Organ, flow_shares

__all__ = ["Graph", "ROUTES", "SEGMENTS"]

ROUTES = ("systemic", "portal", "direct")
#: every segment there can be, with its transit parameter
SEGMENTS = {"venous": "venous_time", "arterial": "arterial_time", "portal": "portal_time",
            "lymph": "lymph_time", "efferent": "efferent_time"}


@dataclass(frozen=True)
class Graph:
    """The segments, stages and routes of one circulation (see the module docstring).

    ``targets[j]`` is where cells leaving segment ``j`` go: ``("bed", o)``, ``("split",
    None)`` (the arterial shares) or ``("segment", j2)``; ``downstream[o]`` is the
    segment a unit that passes (or leaves) bed ``o`` enters.
    """

    segments: tuple[str, ...]
    organs: tuple[Organ, ...]
    first: np.ndarray          # first stage of each segment
    stages: np.ndarray         # stages of each segment
    p_exit: np.ndarray         # per stage: probability to move on in one step
    segment_of: np.ndarray     # per stage: its segment
    targets: tuple
    downstream: np.ndarray
    shares: tuple               # (organ, share) of the arterial blood
    blood_entry: int
    lymph_entry: int
    transit_steps: np.ndarray  # mean steps in each segment (fixed: exact)

    @property
    def n_stages(self) -> int:
        return int(self.p_exit.size)

    @property
    def places(self) -> tuple[str, ...]:
        """Where a cell can die: the segments, then the organs (arrested cells)."""
        return (*self.segments, *(o.name for o in self.organs))

    def blood_segments(self) -> np.ndarray:
        return np.array([s not in ("lymph", "efferent") for s in self.segments])

    @classmethod
    def build(cls, organs: tuple[Organ, ...], route: str, params, dt: float) -> Graph:
        """``dt`` and the transit times in hours (``params``: the circulation's)."""
        sites = {o.site: k for k, o in enumerate(organs)}
        names = ["venous"]
        if route != "direct":
            names.append("arterial")
        if "portal" in sites:
            names.append("portal")
        names += ["lymph", "efferent"]
        index = {s: j for j, s in enumerate(names)}
        targets = []
        for s in names:
            if s == "venous":
                if route == "direct" or "pulmonary" not in sites:
                    targets.append(("split", None) if route == "direct"
                                   else ("segment", index["arterial"]))
                else:
                    targets.append(("bed", sites["pulmonary"]))
            elif s == "arterial":
                targets.append(("split", None))
            elif s == "portal":
                targets.append(("bed", sites["portal"]))
            elif s == "lymph":
                targets.append(("bed", sites["lymphatic"]) if "lymphatic" in sites
                               else ("segment", index["efferent"]))
            else:
                targets.append(("segment", index["venous"]))
        down = np.array([index["arterial"] if o.site == "pulmonary" else
                         index["efferent"] if o.site == "lymphatic" else index["venous"]
                         for o in organs], dtype=np.int64)
        form, shape = params.transit, int(round(params.transit_shape))
        counts, probs, mean_steps = [], [], []
        for s in names:
            T = float(getattr(params, SEGMENTS[s]))
            if form == "fixed":
                m = max(1, int(round(T / dt)))
                counts.append(m)
                probs.append(np.ones(m))
                mean_steps.append(float(m))
            else:
                k = 1 if form == "exponential" else shape
                p = -math.expm1(-k * dt / T)
                counts.append(k)
                probs.append(np.full(k, p))
                mean_steps.append(k / p)
        stages = np.array(counts, dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(stages)[:-1]]).astype(np.int64)
        segment_of = np.repeat(np.arange(len(names)), stages)
        blood = index["portal"] if route == "portal" else index["venous"]
        return cls(tuple(names), tuple(organs), first, stages, np.concatenate(probs),
                   segment_of, tuple(targets), down, tuple(flow_shares(organs)), blood,
                   index["lymph"], np.array(mean_steps))
