"""The record of a run's treatments: each drug's plasma level, the amount given so far
and the size of each effect, at every snapshot. It takes no steps (the levels are exact
functions of time, :mod:`.pk`); it is a compartment so that the run file holds the
treatments' own group beside those they act on."""

from __future__ import annotations

import json
import math

import numpy as np

from ...core.compartment import Compartment, Coordinate, Layout, Variable
from ...core.options import did_you_mean
from ...errors import ConfigError
from . import HILL_EFFECTS, TISSUE_RATE_EFFECTS, hill, sensitivity_left

__all__ = ["TreatmentRecord"]


class TreatmentRecord(Compartment):
    """The treatments of a run (``treatments``: their configs, with ``name``, ``pk`` and
    ``effects``); ``hours`` in one unit of the run's time."""

    model = "treatments"

    def __init__(self, treatments, hours: float, name: str = "treatments",
                 by_name: dict | None = None) -> None:
        self.name, self.treatments, self.hours = name, tuple(treatments), float(hours)
        self._t = 0.0
        self.effects = [(f"{t.name}: {c}.{e}", t, e, rest)
                        for t in self.treatments for c, e, *rest in t.effects]
        #: the tissue grids whose drug level an effect takes (label -> compartment)
        by_name = by_name or {}
        self._grids = {f"{t.name}: {c}.{e}": by_name[c] for t in self.treatments
                       for c, e, *_ in t.effects if c in by_name
                       and getattr(by_name[c], "model", "") == "invasion"
                       and e not in TISSUE_RATE_EFFECTS}
        #: the schedules that start when a diagnostic of a compartment reaches a value:
        #: (treatment, compartment, diagnostic, threshold), checked at coupling times
        self.detections = [(t, by_name[c], d, x) for t in self.treatments
                           if getattr(t, "detection", None) is not None
                           for c, d, x in (t.detection,)]
        for t, c, d, _ in self.detections:
            known = list(c.layout().diagnostics)
            if d not in known:
                close = did_you_mean(d, known)
                raise ConfigError(f"treatments: {t.name}: start_detected = "
                                  f"'{c.name}.{d}': {c.name!r} has no diagnostic {d!r}; "
                                  f"allowed: one of {known}; fix: "
                                  f"{close if close.startswith('did') else 'name one'}")

    @property
    def watches(self) -> bool:
        """Whether the coupler must call :meth:`at_coupling` (a schedule waits for a
        detection)."""
        return bool(self.detections)

    def at_coupling(self, t: float) -> None:
        """At a coupling time, every compartment at ``t``: a schedule whose diagnostic
        has reached its threshold starts now (its days count from here)."""
        day = t * self.hours / 24.0
        for treatment, c, d, threshold in self.detections:
            if treatment.pk.day is None and c.diagnostics(0.0)[d] >= threshold:
                treatment.pk.fire(day)

    @property
    def t(self) -> float:
        return self._t

    @property
    def size(self) -> int:
        return len(self.treatments)

    @property
    def dt(self) -> float:
        """It takes no steps."""
        return math.inf

    def advance(self, t_end: float, max_steps: int | None = None) -> int:
        self._t = max(self._t, float(t_end))
        return 0

    def _day(self) -> float:
        return self._t * self.hours / 24.0

    def _given(self, t) -> float:
        day = self._day()
        total = 0.0
        for d in t.pk.doses:
            if d.duration == 0.0:
                total += d.amount if d.time <= day else 0.0
            else:
                total += d.amount * min(max(day - d.time, 0.0), d.duration)
        return total

    def _effect(self, t, effect: str, rest, grid=None) -> float:
        """The effect's size now; on a tissue grid (``grid``), E of the drug's level in
        the tumour there (cell-weighted), not of the plasma level."""
        day = self._day()
        g = t.pk.at(day)
        potency, emax, ec50, power, resistance, *pd = rest
        left = sensitivity_left(resistance, t.pk.first_dose, day)
        if grid is not None:
            g = grid.drug_level_in_tumour(t.name)
        elif effect in HILL_EFFECTS and pd and pd[0] == "damage":
            g = t.pk.damage_at(day, pd[1])
        if effect in HILL_EFFECTS:
            return hill(g, emax, ec50, power) * left
        return potency * g * left  # e g

    def layout(self) -> Layout:
        coords = {"drug": Coordinate(np.array([t.name for t in self.treatments]),
                                     {"long_name": "drug"}),
                  "effect": Coordinate(np.array([e[0] for e in self.effects]),
                                       {"long_name": "a drug's effect on a target"})}
        fields = {"level": Variable(("drug",), {"long_name": "plasma level g(t)",
                                                "units": "amount/volume"}, "f8"),
                  "given": Variable(("drug",), {"long_name": "amount given so far "
                                                "(cumulative)", "units": "amount"}, "f8"),
                  "started": Variable(("drug",), {
                      "long_name": "the day the schedule started (its first dose; NaN "
                                   "while it waits for a detection)", "units": "day"}, "f8"),
                  "effect_size": Variable(("effect",), {
                      "long_name": "the effect now: E(g) of a Hill effect (E(D) through "
                                   "the damage; on a tissue grid E of the drug's level in "
                                   "its tumour cells), e g of angiogenesis (1/day)",
                      "units": "1"}, "f8")}
        attrs = {"hours_per_time_unit": self.hours, "seed": 0,
                 "treatments": json.dumps([t.to_dict() for t in self.treatments])}
        checkpoint = {"scalars": ((3,), "f8")}
        if self.detections:
            checkpoint["detected"] = ((len(self.detections),), "f8")
        return Layout(self.model, coords, fields, {}, checkpoint, attrs, None)

    def fields(self) -> dict[str, np.ndarray]:
        day = self._day()
        return {"level": np.array([float(t.pk.at(day)) for t in self.treatments]),
                "given": np.array([self._given(t) for t in self.treatments]),
                "started": np.array([t.pk.first_dose if math.isfinite(t.pk.first_dose)
                                     else np.nan for t in self.treatments]),
                "effect_size": np.array([self._effect(t, e, rest, self._grids.get(label))
                                         for label, t, e, rest in self.effects])}

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        return {}

    def checkpoint(self) -> dict[str, np.ndarray]:
        out = {"scalars": np.array([self._t, 0.0, math.inf])}  # t, steps, dt
        if self.detections:
            out["detected"] = np.array([np.nan if t.pk.day is None else t.pk.day
                                        for t, *_ in self.detections])
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        t = float(np.asarray(arrays["scalars"])[0])
        self._t = t if math.isfinite(t) else 0.0
        for (treatment, *_), day in zip(self.detections, arrays.get("detected", ()),
                                        strict=True):
            if math.isfinite(day):
                treatment.pk.fire(float(day))
