"""The record of a run's treatments: each drug's plasma level, the amount given so far
and the size of each effect, at every snapshot. It takes no steps (the levels are exact
functions of time, :mod:`.pk`); it is a compartment so that the run file holds the
treatments' own group beside those they act on."""

from __future__ import annotations

import json
import math

import numpy as np

from ...core.compartment import Compartment, Coordinate, Layout, Variable
from . import HILL_EFFECTS, hill

__all__ = ["TreatmentRecord"]


class TreatmentRecord(Compartment):
    """The treatments of a run (``treatments``: their configs, with ``name``, ``pk`` and
    ``effects``); ``hours`` in one unit of the run's time."""

    model = "treatments"

    def __init__(self, treatments, hours: float, name: str = "treatments") -> None:
        self.name, self.treatments, self.hours = name, tuple(treatments), float(hours)
        self._t = 0.0
        self.effects = [(f"{t.name}: {c}.{e}", t, e, rest)
                        for t in self.treatments for c, e, *rest in t.effects]

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

    def _effect(self, t, effect: str, rest) -> float:
        day = self._day()
        g = t.pk.at(day)
        potency, emax, ec50, power, resistance, *pd = rest
        left = math.exp(-resistance * max(day - t.pk.first_dose, 0.0))
        if effect in HILL_EFFECTS:
            if pd and pd[0] == "damage":
                g = t.pk.damage_at(day, pd[1])
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
                  "effect_size": Variable(("effect",), {
                      "long_name": "the effect now: E(g) of a Hill effect (E(D) through "
                                   "the damage), e g of angiogenesis (1/day)",
                      "units": "1"}, "f8")}
        attrs = {"hours_per_time_unit": self.hours, "seed": 0,
                 "treatments": json.dumps([t.to_dict() for t in self.treatments])}
        return Layout(self.model, coords, fields, {}, {"scalars": ((3,), "f8")}, attrs,
                      None)

    def fields(self) -> dict[str, np.ndarray]:
        day = self._day()
        return {"level": np.array([float(t.pk.at(day)) for t in self.treatments]),
                "given": np.array([self._given(t) for t in self.treatments]),
                "effect_size": np.array([self._effect(t, e, rest)
                                         for _, t, e, rest in self.effects])}

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        return {}

    def checkpoint(self) -> dict[str, np.ndarray]:
        return {"scalars": np.array([self._t, 0.0, math.inf])}  # t, steps, dt

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        t = float(np.asarray(arrays["scalars"])[0])
        self._t = t if math.isfinite(t) else 0.0
