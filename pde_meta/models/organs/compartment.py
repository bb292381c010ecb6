"""The organs as a compartment: for each organ the fates of the units that arrive
(:mod:`.fates`) and its colonies (:mod:`.colonies`), stepped on a lattice of days.

Its time is the run's (model units, ``hours`` hours each); it steps on the lattice
``k dt`` (:class:`~pde_meta.core.lattice.LatticeCompartment`), like the circulation.
The random numbers of lattice step ``k`` come from stream ``(seed, name, "step")`` at
counter ``k``, those of the ``j``-th arrival from ``(seed, name, "arrive")`` at ``j``
(:mod:`pde_meta.numerics.streams`); while no organ holds a dormant cell or a colony, the
steps are skipped. Events (a time window, a factor, an organ or all) multiply the
reactivation rate of dormant cells while they last, for the steps that start within
them.

Injections (experimental metastasis straight into an organ): ``count`` units of
``size`` cells arrive in an organ at a time, at the start of the first lattice step at or
after it, and meet their fates as any arrival. The niche of each organ (:mod:`.niche`) is
primed by an exchange from the primary (:meth:`Organs.prime`) and sets the soil's
probabilities of death and dormancy on arrival, and the gains on arrest and extravasation
that the circulation's extravasation exchange passes on.

Per organ the ledger of cells is exact: arrived = died on arrival + dormant + died
dormant + reactivated + started at once (``balance`` = 0).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from ...core.compartment import Coordinate, Layout, Variable
from ...core.lattice import LatticeCompartment
from ...errors import ConfigError
from ...numerics.streams import stream, stream_key
from .colonies import GROWTH_LAWS, Colonies, SizeGrid
from .fates import Fates, Soil
from .niche import Niche
from .records import Records

__all__ = ["Organs", "OrganSoil", "LEDGER", "ORGAN_LAWS"]

#: the growth laws of an organ's colonies: those of :mod:`.colonies`, and ``hahnfeldt``,
#: the quasi-steady reduction of Hahnfeldt et al.'s (1999) tumour and vascular capacity
#: (K' = 0 gives K = (b/d) V^(1/3), so V' = -a V ln(V/K) = (2/3) a V ln(P/V) with the
#: plateau P = (b/d)^(3/2)): a Gompertz law of rate 2a/3 towards the ``capacity`` P
ORGAN_LAWS = (*GROWTH_LAWS, "hahnfeldt")

#: the integer ledger of each organ, in cells
LEDGER = ("arrived", "died", "dormant_died", "reactivated", "started")


@dataclass(frozen=True)
class OrganSoil:
    """One organ: its fates (a :class:`~.fates.Soil`) and the growth of its colonies."""

    name: str
    soil: Soil = Soil()
    law: str = "gompertz"
    growth_rate: float = 0.00286     # 1/day: Iwata et al. 2000
    capacity: float = 7.3e10         # cells: Iwata et al. 2000
    colony_death: float = 0.0        # 1/day
    seeding_rate: float = 0.0        # m of beta(x) = m x^alpha, per day (Iwata: 5.3e-8)
    seeding_exponent: float = 0.663  # alpha (Iwata et al. 2000)
    plateau: float | None = None     # cells: avascular colonies stop here (None: off)
    angiogenic_switch: float = 0.0   # 1/day
    avascular_death: float = 0.0     # 1/day
    niche: Niche = Niche()

    def colony_law(self) -> tuple[str, float]:
        """The law and rate its colonies grow by (``hahnfeldt``: Gompertz at 2a/3)."""
        if self.law == "hahnfeldt":
            return "gompertz", 2.0 * self.growth_rate / 3.0
        return self.law, self.growth_rate

    @property
    def seeding(self) -> tuple[float, float] | None:
        """``(m, alpha)`` of the colonies' own seeding (None: off)."""
        return (self.seeding_rate, self.seeding_exponent) if self.seeding_rate > 0 else None

    def to_dict(self) -> dict:
        s = self.soil
        return {"name": self.name, "die": s.die, "dormant": s.dormant,
                "reactivation": s.reactivation, "dormant_death": s.dormant_death,
                "law": self.law, "growth_rate": self.growth_rate, "capacity": self.capacity,
                "colony_death": self.colony_death, "seeding_rate": self.seeding_rate,
                "seeding_exponent": self.seeding_exponent,
                **({"plateau": self.plateau, "angiogenic_switch": self.angiogenic_switch,
                    "avascular_death": self.avascular_death} if self.plateau else {}),
                **(self.niche.to_dict() if self.niche.uptake > 0 else {})}


class Organs(LatticeCompartment):
    """The organs that the cells of a circulation reach (see the module docstring).

    Parameters
    ----------
    name : str
    organs : tuple of OrganSoil
    seed : int
    hours : float
        Hours in one unit of the run's time.
    dt : float
        The step in days.
    bins, x_max : the colony-size grid.
    micro, macro : float
        Colonies of at least ``micro`` cells are micrometastases, of at least ``macro``
        macrometastases (Luzzi et al. 1998; 1e6 cells ~ 1 mm^3).
    max_size : int
        The largest unit that arrives.
    ages : int
        Dormancy ages kept, in steps.
    """

    model = "organs"

    def __init__(self, name: str, organs: tuple[OrganSoil, ...], seed: int = 0,
                 hours: float = 24.0, dt: float = 1.0, bins: int = 240, x_max: float = 1e12,
                 micro: float = 4.0, macro: float = 1e6, max_size: int = 20,
                 ages: int = 3650, records: int = 50,
                 events: tuple[tuple[float, float, float, str | None], ...] = (),
                 injections: tuple[tuple[float, int, int, str], ...] = ()) -> None:
        if not organs:
            raise ConfigError(f"{name}: no organ; allowed: one or more; fix: add "
                              f"[[compartments.{name}.organs]]")
        if not (math.isfinite(hours) and hours > 0):
            raise ConfigError(f"{name}: hours = {hours!r} per time unit is not allowed; "
                              f"allowed: a finite number > 0; fix: set [units]")
        self.name, self.organs, self.seed, self.hours = name, tuple(organs), int(seed), hours
        self.dt_days, self.micro, self.macro = float(dt), float(micro), float(macro)
        self.grid = SizeGrid(bins, x_max)
        self.fates = [Fates(o.soil, Colonies(self.grid, *o.colony_law(),
                                             capacity=o.capacity, death=o.colony_death,
                                             plateau=o.plateau, switch=o.angiogenic_switch,
                                             avascular_death=o.avascular_death),
                            dt=self.dt_days, max_size=max_size, ages=ages,
                            seeding=o.seeding,
                            records=Records(records, *o.colony_law(), o.capacity,
                                            o.colony_death, o.plateau, o.angiogenic_switch,
                                            o.avascular_death) if records else None)
                      for o in self.organs]
        self.records = int(records)
        #: (start, end, reactivation factor, organ or None for all), in the run's time
        self.events = tuple(events)
        for *_, organ in self.events:
            if organ is not None and organ not in self.names:
                raise ConfigError(f"{name}: an event names the organ {organ!r}; allowed: "
                                  f"one of {list(self.names)}; fix: use one of them")
        self.max_size, self.ages = int(max_size), int(ages)
        self.dt_model = self.dt_days * 24.0 / self.hours
        #: (time, units, cells per unit, organ)
        self.injections = tuple(injections)
        self._inject_at: dict[int, list] = {}
        for t, count, size, organ in self.injections:
            if organ not in self.names or not 1 <= size <= self.max_size or count < 0:
                raise ConfigError(f"{name}: an injection of {count} units of {size} cells "
                                  f"into {organ!r} is not allowed; allowed: an organ of "
                                  f"{list(self.names)}, 1 <= size <= {self.max_size}; fix: "
                                  f"change it")
            self._inject_at.setdefault(self.lattice_step(t), []).append((count, size, organ))
        self._scheduled_steps = tuple(sorted(self._inject_at))
        #: the niche level of each organ
        self.niche = np.zeros(len(self.organs))
        #: t in days -> E of the treatments on reactivation, and (potency, that) of those
        #: that kill colonies
        self._treatments: list = []
        self._killing: list = []
        #: (effect, potency, t in days -> E) of dormant_death and dormancy, and the
        #: factor on dormancy at arrival now
        self._immune: list = []
        self._dormancy = 1.0
        self._step_key = stream_key(self.seed, name, "step")
        self._arrive_key = stream_key(self.seed, name, "arrive")
        self._t, self.lattice, self.arrivals = 0.0, 0, 0
        #: per organ, the first lattice time at which it held one macrometastasis or more
        #: (an expected count of at least 1; NaN before)
        self.first_macro = np.full(len(self.organs), np.nan)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.organs)

    # ------------------------------------------------------------------ time
    @property
    def size(self) -> int:
        return len(self.organs) * self.grid.bins

    def _busy(self) -> bool:
        return any(f.dormant.any() or f.colonies.total > 0.0
                   or (f.records is not None and f.records.alive.size) for f in self.fates)

    def _scheduled(self) -> tuple[int, ...]:
        return self._scheduled_steps

    def _step(self, k: int) -> None:
        for count, size, organ in self._inject_at.get(k, ()):
            units = np.zeros(self.max_size, dtype=np.int64)
            units[size - 1] = count
            self.receive({organ: units}, at=k * self.dt_model)
        rng = stream(self._step_key, k)
        start = k * self.dt_model
        self._apply_events(start)
        for j, f in enumerate(self.fates):
            crossed = f.advance(rng, macro=self.macro)  # a record: the exact time
            if np.isnan(self.first_macro[j]) and math.isfinite(crossed):
                self.first_macro[j] = start + crossed * 24.0 / self.hours
        for j, f in enumerate(self.fates):
            if np.isnan(self.first_macro[j]) and f.colonies.at_least(self.macro) >= 1.0:
                self.first_macro[j] = (k + 1) * self.dt_model

    def add_event(self, start: float, end: float, factor: float, organ: str | None = None
                  ) -> None:
        """One more event (the inflammation after a surgery), as those of the config."""
        if organ is not None and organ not in self.names:
            raise ConfigError(f"{self.name}: an event names the organ {organ!r}; allowed: "
                              f"one of {list(self.names)}; fix: use one of them")
        self.events = (*self.events, (float(start), float(end), float(factor), organ))

    def add_treatment(self, effect: str, potency: float, effect_at) -> None:
        """A treatment's ``effect`` (``t`` in days -> ``E`` in [0, 1]): ``reactivation``
        multiplies every organ's reactivation rate by ``1 - E``, ``killing`` adds
        ``potency E`` per day to the death rate of every colony (a cytotoxic drug or an
        immunotherapy; dormant cells, which do not divide, are spared), ``dormant_death``
        adds ``potency E`` per day to the death rate of dormant cells (immune clearance),
        at the start of each step; ``dormancy`` multiplies the share of the surviving
        arrivals that go dormant by ``1 + potency E`` (at most all of them), with ``E``
        at the time they arrive."""
        allowed = ("reactivation", "killing", "dormant_death", "dormancy")
        if effect not in allowed:
            raise ConfigError(f"{self.name}: a treatment's effect {effect!r} is not allowed "
                              f"on organs; allowed: {', '.join(allowed)}; fix: change the "
                              f"target")
        if effect == "reactivation":
            self._treatments.append(effect_at)
        elif effect == "killing":
            self._killing.append((float(potency), effect_at))
        else:
            self._immune.append((effect, float(potency), effect_at))

    def _apply_events(self, t: float) -> None:
        """The reactivation factor of each organ for the step that starts at ``t``: the
        product of the factors of the events under way (start <= t < end) and of the
        treatments' ``1 - E``; the treatments' killing of colonies and of dormant
        cells."""
        day = t * self.hours / 24.0
        drug = math.prod(1.0 - float(e(day)) for e in self._treatments)
        if self._killing:
            kill = sum(k * float(e(day)) for k, e in self._killing)
            for o, f in zip(self.organs, self.fates, strict=True):
                f.colonies.death = o.colony_death + kill
                if f.records is not None:
                    f.records.death = o.colony_death + kill
        dormant_kill = sum(k * float(e(day)) for x, k, e in self._immune
                           if x == "dormant_death")
        for name, f in zip(self.names, self.fates, strict=True):
            factor = drug
            for start, end, x, organ in self.events:
                if start <= t < end and organ in (None, name):
                    factor *= x
            f.set_reactivation_factor(factor, dormant_kill)

    def _apply_dormancy(self, t: float) -> None:
        """The treatments' factor ``prod (1 + potency E)`` on dormancy at arrival, at
        ``t``."""
        day = t * self.hours / 24.0
        factor = math.prod(1.0 + k * float(e(day)) for x, k, e in self._immune
                           if x == "dormancy")
        if factor != self._dormancy:
            self._dormancy = factor
            self._apply_niche()

    # ------------------------------------------------------------------ grids
    def give_colonies_to_grid(self, organ: str) -> None:
        """From now on the colonies that start in ``organ`` go to its tissue grid (a
        ``colonisation`` exchange), not to its size density."""
        if organ not in self.names:
            raise ConfigError(f"{self.name}: no organ {organ!r}; allowed: one of "
                              f"{list(self.names)}; fix: name one of them")
        self.fates[self.names.index(organ)].spatial = True

    def take_colonies(self, organ: str) -> np.ndarray:
        """The units that started colonies in ``organ`` since the last call
        (``units[s]`` of ``s + 1`` cells)."""
        return self.fates[self.names.index(organ)].take_colonies()

    # ------------------------------------------------------------------ niche
    def prime(self, signal: float, days: float) -> None:
        """``days`` of the primary's niche signal at the rate ``signal`` per day: each
        organ's level rises by its uptake and decays (:mod:`.niche`)."""
        for k, o in enumerate(self.organs):
            self.niche[k] = o.niche.level(float(self.niche[k]), float(signal), days)
        self._apply_niche()

    def _apply_niche(self) -> None:
        for k, (o, f) in enumerate(zip(self.organs, self.fates, strict=True)):
            h = o.niche.effect(float(self.niche[k]))
            f.set_soil_factors(1.0 - o.niche.survival * h,
                               (1.0 - o.niche.dormancy * h) * self._dormancy)

    def niche_effect(self, organ: str) -> float:
        """``h = nu / (nu + nu_1/2)`` of ``organ``'s niche now."""
        k = self.names.index(organ)
        return self.organs[k].niche.effect(float(self.niche[k]))

    def niche_gains(self, names) -> np.ndarray:
        """``[organ, (g_arrest h, g_extravasation h)]`` for the organs ``names`` (zero for
        those not modelled here), for :meth:`Circulation.set_niche`."""
        out = np.zeros((len(names), 2))
        for j, name in enumerate(names):
            if name in self.names:
                k = self.names.index(name)
                o = self.organs[k]
                h = o.niche.effect(float(self.niche[k]))
                out[j] = (o.niche.arrest * h, o.niche.extravasation * h)
        return out

    def receive(self, units: dict[str, np.ndarray], at: float | None = None) -> int:
        """Units that arrived (at the time ``at``, default now): organ name ->
        ``units[s]`` of ``s + 1`` cells. Returns the cells received."""
        if self._immune:
            self._apply_dormancy(self._t if at is None else at)
        rng = stream(self._arrive_key, self.arrivals)
        self.arrivals += 1
        cells = 0
        for k, name in enumerate(self.names):
            u = np.zeros(self.max_size, dtype=np.int64)
            given = np.asarray(units.get(name, ()), dtype=np.int64)
            if given.size > self.max_size and given[self.max_size:].any():
                raise ConfigError(f"{self.name}: units of more than {self.max_size} cells "
                                  f"arrived in {name!r}; fix: raise its max_cluster_size")
            u[:min(given.size, self.max_size)] = given[:self.max_size]
            if u.any():
                self.fates[k].receive(u, rng)
                cells += int(u @ self.fates[k].sizes)
        return cells

    # ------------------------------------------------------------------ output
    def layout(self) -> Layout:
        n = lambda xs: np.array(list(xs))  # noqa: E731
        coords = {"organ": Coordinate(n(self.names), {"long_name": "organ"}),
                  "colony_size": Coordinate(self.grid.sizes, {
                      "long_name": "colony size (geometric centre of its cell)",
                      "units": "cells"}),
                  "dormancy": Coordinate((np.arange(self.ages) + 1) * self.dt_days, {
                      "long_name": "dormancy duration", "units": "days"}),
                  "record": Coordinate(np.arange(max(self.records, 1)), {
                      "long_name": "record of a colony"})}
        fields = {"colonies": Variable(("organ", "colony_size"), {
                      "long_name": "colonies of each size", "units": "colonies"}, "f8"),
                  "records": Variable(("organ", "record"), {
                      "long_name": "the first colonies, one each (NaN: none)",
                      "units": "cells"}, "f8"),
                  "dormant": Variable(("organ",), {"long_name": "dormant cells now",
                                                   "units": "cells"}, "i8"),
                  "niche": Variable(("organ",), {"long_name": "niche level (its effect "
                                                 "is level / (level + niche_half))",
                                                 "units": "1"}, "f8"),
                  "durations": Variable(("organ", "dormancy"), {
                      "long_name": "cells that reactivated after each duration "
                                   "(cumulative)", "units": "cells"}, "i8"),
                  **{k: Variable(("organ",), {"long_name": f"cells {k.replace('_', ' ')} "
                                                           f"(cumulative)",
                                              "units": "cells"}, "i8") for k in LEDGER}}
        diagnostics = {"arrived_cells": {"units": "cells", "long_name": "cells arrived"},
                       "dormant_cells": {"units": "cells", "long_name": "dormant cells"},
                       "micrometastases": {"units": "colonies", "long_name":
                                           f"colonies of at least {self.micro:g} cells"},
                       "macrometastases": {"units": "colonies", "long_name":
                                           f"colonies of at least {self.macro:g} cells"},
                       "colony_cells": {"units": "cells", "long_name": "cells in colonies"},
                       "balance": {"units": "cells", "long_name": "arrived - accounted "
                                   "(always 0)"}}
        for o in self.names:
            diagnostics[f"{o}_solitary"] = {"units": "cells", "long_name": f"solitary "
                                            f"cells in {o}: dormant single cells and "
                                            f"colonies of under 2 cells"}
            diagnostics[f"{o}_micrometastases"] = {"units": "colonies", "long_name":
                                                   f"micrometastases in {o}"}
            diagnostics[f"{o}_macrometastases"] = {"units": "colonies", "long_name":
                                                   f"macrometastases in {o}"}
            diagnostics[f"{o}_niche"] = {"units": "1", "long_name": f"niche level of {o}"}
            diagnostics[f"{o}_first_macrometastasis"] = {
                "units": "T", "long_name": f"the first time {o} held a macrometastasis "
                                          f"(an expected count of at least 1; NaN: not yet)"}
        o, a, b = len(self.organs), self.ages, self.grid.bins
        checkpoint = {"dormant_units": ((o, self.max_size, a), "i8"),
                      "durations": ((o, a), "i8"), "ledger": ((o, len(LEDGER)), "i8"),
                      "colonies": ((o, b), "f8"), "avascular": ((o, b), "f8"),
                      "colony_account": ((o, 4), "f8"),
                      "first_macro": ((o,), "f8"), "niche": ((o,), "f8"),
                      "queued": ((o, self.max_size), "i8"),
                      "records": ((o, max(self.records, 1)), "f8"),
                      "record_counts": ((o, 2), "i8"), "age_offset": ((o,), "i8"),
                      "record_vascular": ((o, max(self.records, 1)), "i8"),
                      "scalars": ((4,), "f8")}
        attrs = {"organs": json.dumps([x.to_dict() for x in self.organs]),
                 "hours_per_time_unit": self.hours, "dt_days": self.dt_days,
                 "micro": self.micro, "macro": self.macro, "seed": self.seed,
                 "injections": json.dumps([{"time": t, "units": c, "size": z, "organ": o}
                                           for t, c, z, o in self.injections])}
        return Layout(self.model, coords, fields, diagnostics, checkpoint, attrs, None)

    def fields(self) -> dict[str, np.ndarray]:
        out = {"colonies": np.array([f.colony_counts() for f in self.fates]),
               "records": np.array([f.records.sizes if f.records is not None
                                    else np.full(self.records, np.nan) for f in self.fates]),
               "dormant": np.array([f.dormant_cells() for f in self.fates], dtype=np.int64),
               "niche": self.niche.copy(),
               "durations": np.array([f.durations for f in self.fates])}
        for k in LEDGER:
            out[k] = np.array([getattr(f, k) for f in self.fates], dtype=np.int64)
        return out

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        out = {"arrived_cells": float(sum(f.arrived for f in self.fates)),
               "dormant_cells": float(sum(f.dormant_cells() for f in self.fates)),
               "micrometastases": sum(f.at_least(self.micro) for f in self.fates),
               "macrometastases": sum(f.at_least(self.macro) for f in self.fates),
               "colony_cells": sum(f.colonies.cells() + (float(f.records.alive.sum())
                                                         if f.records is not None else 0.0)
                                   for f in self.fates),
               "balance": float(sum(f.balance() for f in self.fates))}
        for k, (o, f) in enumerate(zip(self.names, self.fates, strict=True)):
            out[f"{o}_solitary"] = float(f.dormant[0].sum()) + f.total_colonies() \
                - f.at_least(2.0)
            out[f"{o}_micrometastases"] = f.at_least(self.micro)
            out[f"{o}_macrometastases"] = f.at_least(self.macro)
            out[f"{o}_niche"] = float(self.niche[k])
            out[f"{o}_first_macrometastasis"] = float(self.first_macro[k])
        return out

    def checkpoint(self) -> dict[str, np.ndarray]:
        fs = self.fates
        return {"dormant_units": np.array([f.dormant for f in fs]),
                "age_offset": np.array([f.offset for f in fs], dtype=np.int64),
                "durations": np.array([f.durations for f in fs]),
                "ledger": np.array([[getattr(f, k) for k in LEDGER] for f in fs],
                                   dtype=np.int64),
                "colonies": np.array([f.colonies.counts for f in fs]),
                "avascular": np.array([f.colonies.avascular for f in fs]),
                "colony_account": np.array([[f.colonies.entered, f.colonies.died,
                                             f.colonies.beyond, f.colonies.below]
                                            for f in fs]),
                "first_macro": self.first_macro.copy(), "niche": self.niche.copy(),
                "queued": np.array([f.queued for f in fs]),
                "records": np.array([f.records.sizes if f.records is not None
                                     else np.full(1, np.nan) for f in fs]),
                "record_vascular": np.array([f.records.vascular if f.records is not None
                                             else np.ones(1, bool) for f in fs],
                                            dtype=np.int64),
                "record_counts": np.array([[f.records.started, f.records.died]
                                           if f.records is not None else [0, 0]
                                           for f in fs], dtype=np.int64),
                "scalars": np.array([self._t, self.lattice, self.dt_model, self.arrivals])}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        shape = (len(self.organs), self.max_size, self.ages)
        if np.shape(arrays["dormant_units"]) != shape:
            raise ConfigError(f"{self.name}: the checkpoint's organs do not match this "
                              f"config; fix: run the config again")
        for k, f in enumerate(self.fates):
            f.dormant[...] = arrays["dormant_units"][k]
            f.offset = int(arrays["age_offset"][k]) if "age_offset" in arrays else 0
            f.durations[...] = arrays["durations"][k]
            for j, key in enumerate(LEDGER):
                setattr(f, key, int(arrays["ledger"][k, j]))
            f.colonies.counts = np.array(arrays["colonies"][k], dtype=float)
            f.colonies.avascular = np.array(arrays["avascular"][k], dtype=float)
            (f.colonies.entered, f.colonies.died, f.colonies.beyond,
             f.colonies.below) = (float(v) for v in arrays["colony_account"][k])
        self.first_macro[...] = arrays["first_macro"]
        if "niche" in arrays:
            self.niche[...] = arrays["niche"]
            self._apply_niche()
        for k, f in enumerate(self.fates):
            if "queued" in arrays:
                f.queued[...] = arrays["queued"][k]
        for k, f in enumerate(self.fates):
            if f.records is not None:
                f.records.sizes[...] = arrays["records"][k]
                f.records.vascular[...] = np.asarray(arrays["record_vascular"][k]) != 0
                f.records.started, f.records.died = (int(v) for v in
                                                     arrays["record_counts"][k])
        t, lattice, _, arrivals = (float(v) for v in arrays["scalars"])
        self._t, self.lattice, self.arrivals = t, int(lattice), int(arrivals)
