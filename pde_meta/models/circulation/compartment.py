r"""The circulation as a compartment: counts of units in the vessel segments, the
arrested units of each organ, and the ledger of every cell that entered.

Its time is the run's (model units, ``hours`` hours each); it steps on the lattice
``k dt`` of its own step (:class:`~pde_meta.core.lattice.LatticeCompartment`), so units
that arrive at a coupling time between two lattice points join at the next one. The random
numbers of lattice step ``k`` come from stream ``(seed, name, "step")`` at counter ``k``
and those of the ``j``-th arrival from ``(seed, name, "enter")`` at ``j``
(:mod:`pde_meta.numerics.streams`), so a restart continues bit for bit.

Injections (experimental metastasis, as Luzzi et al. 1998 injected cells into the
mesenteric vein): ``count`` units of ``size`` cells enter the blood or the lymph at a time,
at the start of the first lattice step at or after it, by the route ``injected``, as
cells from a tissue would.

The niche of an organ (set by :meth:`Circulation.set_niche`, from its organs compartment)
raises the chance of arrest and of extravasation there: with gains :math:`g_a, g_e \ge 0`
the probabilities become :math:`1 - (1 - p)^{1 + g}`.

The ledger, in cells and exact: ``shed = circulating + dead + arrested + extravasated``
(``balance`` in the diagnostics is their difference, always 0).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace

import numpy as np

from ...core.compartment import Coordinate, Layout, Variable
from ...core.lattice import LatticeCompartment
from ...errors import ConfigError
from ...numerics.streams import stream, stream_key
from .dynamics import CAUSES, Accounts, Rates, enter, step
from .graph import SEGMENTS, Graph
from .organs import DEFAULT_ORGANS, Organ
from .parameters import CirculationParameters

__all__ = ["Circulation", "ROUTES_IN", "VESSELS", "KINDS", "EVENT_COLUMNS"]

log = logging.getLogger("pde_meta.models.circulation")

#: how units entered (the intravasation routes of a tissue, shedding by a growth-law
#: primary, an injection), through which vessels, and how they count
ROUTES_IN = ("active", "passive", "shed", "injected")
VESSELS = ("blood", "lymph")
KINDS = ("singles", "clusters", "cells_in_clusters")
#: the columns of the event table (one row per event: a cluster, or the singles of one
#: place, route and vessel)
EVENT_COLUMNS = {
    "t": ("f8", {"units": "T", "long_name": "time of intravasation"}),
    "x": ("f8", {"units": "L", "long_name": "x of the vessel cell"}),
    "y": ("f8", {"units": "L", "long_name": "y of the vessel cell"}),
    "size": ("i8", {"long_name": "cells per unit"}),
    "mesenchymal": ("i8", {"long_name": "mesenchymal cells per unit"}),
    "epithelial": ("i8", {"long_name": "epithelial cells per unit"}),
    "route": ("i8", {"long_name": "route", "legend": "0 active, 1 passive, 2 shed, "
                                                   "3 injected"}),
    "vessel": ("i8", {"long_name": "vessel", "legend": "0 blood, 1 lymph"}),
    "count": ("i8", {"long_name": "units of this row"}),
}
_LONG = {
    "circulating": "units and cells in each segment now",
    "shed": "cells that entered, by route, vessel and kind (cumulative)",
    "dead": "cells dead in circulation, by cause and place (cumulative)",
    "arrived": "cells that reached the organ's bed (cumulative, every pass)",
    "arrested": "cells arrested in the organ (cumulative)",
    "arrested_now": "cells arrested in the organ that have not extravasated or failed yet",
    "extravasated": "cells that extravasated into the organ (cumulative)",
    "extravasated_units": "extravasated units by their size in cells (cumulative)",
}


class Circulation(LatticeCompartment):
    """Circulating tumour cells in blood and lymph, as counts (see the module docstring).

    Parameters
    ----------
    name : str
    params : CirculationParameters
    organs : tuple of Organ
    route : {"systemic", "portal", "direct"}
    seed : int
    hours : float
        Hours in one unit of the run's time.
    max_cluster_size : int
        The largest unit tracked (a larger one entering is an error).
    """

    model = "circulation"

    def __init__(self, name: str, params: CirculationParameters | None = None,
                 organs: tuple[Organ, ...] = DEFAULT_ORGANS, route: str = "systemic",
                 seed: int = 0, hours: float = 1.0, max_cluster_size: int = 20,
                 injections: tuple[tuple[float, int, int, str], ...] = ()) -> None:
        if not (math.isfinite(hours) and hours > 0):
            raise ConfigError(f"{name}: hours = {hours!r} per time unit is not allowed; "
                              f"allowed: a finite number > 0; fix: set [units]")
        self.name = name
        self.params = params if params is not None else CirculationParameters()
        self.organs = tuple(organs)
        self.route = route
        self.seed = int(seed)
        self.hours = float(hours)
        self.max_size = int(max_cluster_size)
        self.graph = Graph.build(self.organs, route, self.params, self.params.dt)
        self.rates = Rates.of(self.params, self.graph, self.max_size, self.params.dt)
        self._base = (self.rates.p_arrest.copy(), self.rates.compatibility.copy())
        self._base_die = self.rates.p_die.copy()
        #: (effect, potency, t in days -> E) of the treatments, and their factors now
        self._treatments: list = []
        self._drug = (1.0, 1.0, 0.0, 1.0)
        self._base_split = self.rates.cause_split
        #: per organ, the niche's gains on arrest and on extravasation
        self.niche = np.zeros((len(self.organs), 2))
        g = self.graph
        last = g.first + g.stages - 1
        self._last = last
        self._inner = np.setdiff1d(np.arange(g.n_stages), last)
        self._certain = g.p_exit >= 1.0
        self._step_key = stream_key(self.seed, name, "step")
        self._enter_key = stream_key(self.seed, name, "enter")
        self.dt_model = self.params.dt / self.hours
        #: (time, units, cells per unit, vessel), and the lattice step each enters at
        self.injections = tuple(injections)
        for _, count, size, vessel in self.injections:
            if vessel not in VESSELS or not 1 <= size <= self.max_size or count < 0:
                raise ConfigError(f"{name}: an injection of {count} units of {size} cells "
                                  f"into {vessel!r} is not allowed; allowed: vessel one of "
                                  f"{VESSELS}, 1 <= size <= {self.max_size}; fix: change it")
        self._inject_at = {}
        for t, count, size, vessel in self.injections:
            self._inject_at.setdefault(self.lattice_step(t), []).append((count, size,
                                                                          vessel))
        self._scheduled_steps = tuple(sorted(self._inject_at))
        for segment, steps in zip(g.segments, g.transit_steps, strict=True):
            asked = getattr(self.params, SEGMENTS[segment])
            if abs(steps * self.params.dt - asked) > 0.5 * asked:
                log.debug("%s: the %s transit of %.3g h takes %.3g h on steps of %.3g h "
                          "(each stage takes at least one step; its hazard is scaled to "
                          "the %.3g h)", name, segment, asked, steps * self.params.dt,
                          self.params.dt, asked)
        self.n = np.zeros((g.n_stages, self.max_size, 2), dtype=np.int64)
        self.arrested_units = np.zeros((len(self.organs), self.max_size), dtype=np.int64)
        self.acc = Accounts.empty(g, self.max_size)
        self.shed = np.zeros((len(ROUTES_IN), len(VESSELS), len(KINDS)), dtype=np.int64)
        self._t = 0.0
        self.lattice = 0
        self.entries = 0
        self._rows: list[dict] = []
        #: cell-steps in circulation so far, in blood and in lymph (exact integers): the
        #: time integral of the CTC count, for means over any interval
        self.occupancy = np.zeros(2, dtype=np.int64)
        #: extravasated units already handed to an organ compartment, per organ and size
        self.handed = np.zeros((len(self.organs), self.max_size), dtype=np.int64)
        blood = g.blood_segments()[g.segment_of]
        self._cells_in = np.stack([blood, ~blood]).astype(np.int64)  # [2, stage]

    # ------------------------------------------------------------------ time
    @property
    def size(self) -> int:
        return int(self.n.size)

    def _busy(self) -> bool:
        return bool(self.n.any() or self.arrested_units.any())

    def _scheduled(self) -> tuple[int, ...]:
        return self._scheduled_steps

    def _inject(self, k: int) -> None:
        """The injections of lattice step ``k``, at its start."""
        given = self._inject_at.get(k, ())
        if not given:
            return
        count, size, vessel = (np.array(x) for x in zip(*given, strict=True))
        rows = len(given)
        self.receive(k * self.dt_model, {
            "x": np.full(rows, np.nan), "y": np.full(rows, np.nan), "size": size,
            "mesenchymal": np.zeros(rows, np.int64), "epithelial": np.zeros(rows, np.int64),
            "route": np.full(rows, ROUTES_IN.index("injected")),
            "vessel": np.array([VESSELS.index(v) for v in vessel]), "count": count})

    def add_treatment(self, effect: str, potency: float, effect_at) -> None:
        """A treatment's ``effect`` (``t`` in days -> ``E`` in [0, 1]):
        ``extravasation`` multiplies every organ's extravasation by ``1 - E``, ``survival``
        the death hazards in flight by ``1 + potency E``, ``immune`` only the immune
        hazard by ``1 + potency E`` (the total by ``1 + potency E h_i / H``, and the
        deaths' split among the causes follows), ``priming`` raises arrest and
        extravasation as a niche of gain ``potency E`` would (the vessels primed by a
        cytotoxic dose), at the start of each step."""
        allowed = ("extravasation", "survival", "priming", "immune")
        if effect not in allowed:
            raise ConfigError(f"{self.name}: a treatment's effect {effect!r} is not allowed "
                              f"on a circulation; allowed: {', '.join(allowed)}; fix: "
                              f"change the target")
        self._treatments.append((effect, float(potency), effect_at))

    def _apply_treatments(self, k: int) -> None:
        """The treatments' factors for lattice step ``k`` (from the time at its start)."""
        day = k * self.dt_model * self.hours / 24.0
        keep, hazard, prime, immune = 1.0, 1.0, 0.0, 1.0
        for effect, potency, effect_at in self._treatments:
            e = float(effect_at(day))
            if effect == "extravasation":
                keep *= 1.0 - e
            elif effect == "survival":
                hazard *= 1.0 + potency * e
            elif effect == "immune":
                immune *= 1.0 + potency * e
            else:
                prime += potency * e
        if immune != 1.0 and self.rates.total_hazard > 0.0:
            p = self.params
            total = p.shear + p.anoikis + p.immune * immune
            hazard *= total / self.rates.total_hazard
        if (keep, hazard, prime, immune) != self._drug:
            self._drug = (keep, hazard, prime, immune)
            self._refresh_rates()

    def _refresh_rates(self) -> None:
        """Arrest, extravasation and death from their base values, the niche's gains and
        the treatments' factors."""
        arrest, compatibility = self._base
        keep, hazard, prime, immune = self._drug
        power = 1.0 + self.niche + prime
        with np.errstate(divide="ignore"):  # p = 1 stays 1
            self.rates.p_arrest[...] = -np.expm1(power[:, :1] * np.log1p(-arrest))
            self.rates.compatibility[...] = keep * -np.expm1(
                power[:, 1] * np.log1p(-compatibility))
            self.rates.p_die[...] = (self._base_die if hazard == 1.0 else
                                     -np.expm1(hazard * np.log1p(-self._base_die)))
        split = self._base_split
        if immune != 1.0 and self.rates.total_hazard > 0.0:
            p = self.params
            total, rest = (p.shear + p.anoikis + p.immune * immune,
                           p.anoikis + p.immune * immune)
            split = (p.shear / total, p.anoikis / rest if rest > 0.0 else 0.0)
        if split != self.rates.cause_split:
            self.rates = replace(self.rates, cause_split=split)

    def set_niche(self, gains: np.ndarray) -> None:
        """``gains[o] = (g_arrest, g_extravasation)`` of each organ from its niche (see the
        module docstring), from the next step on."""
        gains = np.asarray(gains, dtype=float)
        if np.array_equal(gains, self.niche):
            return
        self.niche[...] = gains
        self._refresh_rates()

    def _step(self, k: int) -> None:
        self._inject(k)
        if self._treatments:
            self._apply_treatments(k)
        self.occupancy += self._cells_in @ (self.n.sum(axis=2) @ self.rates.sizes)
        step(self.n, self.arrested_units, self.graph, self.rates, self.acc,
             stream(self._step_key, k), self._certain, self._inner, self._last)

    # ------------------------------------------------------------------ input
    def receive(self, t: float, events: dict[str, np.ndarray]) -> int:
        """Units entering at time ``t``: ``events`` has the columns of
        :data:`EVENT_COLUMNS` but ``t`` (one row per cluster, or per group of equal
        singles: ``count`` units of ``size`` cells). Returns the cells received."""
        cols = {k: np.asarray(events[k]) for k in EVENT_COLUMNS if k != "t"}
        rows = int(cols["size"].size)
        if rows == 0:
            return 0
        size, count = cols["size"].astype(np.int64), cols["count"].astype(np.int64)
        if size.min() < 1 or size.max() > self.max_size or count.min() < 0:
            raise ConfigError(f"{self.name}: units of {size.min()}..{size.max()} cells "
                              f"arrived; allowed: 1..{self.max_size} (max_cluster_size); "
                              f"fix: raise max_cluster_size")
        route, vessel = cols["route"].astype(np.int64), cols["vessel"].astype(np.int64)
        single = size == 1
        for r in range(len(ROUTES_IN)):
            for v in range(len(VESSELS)):
                sel = (route == r) & (vessel == v)
                self.shed[r, v, 0] += int(count[sel & single].sum())
                self.shed[r, v, 1] += int(count[sel & ~single].sum())
                self.shed[r, v, 2] += int((count * size)[sel & ~single].sum())
        rng = stream(self._enter_key, self.entries)
        self.entries += 1
        for v, stage in ((0, self.graph.blood_entry), (1, self.graph.lymph_entry)):
            sel = vessel == v
            if sel.any():
                counts = np.bincount(size[sel] - 1, weights=count[sel],
                                     minlength=self.max_size).astype(np.int64)
                enter(self.n, counts, int(self.graph.first[stage]), self.rates, rng,
                      coat=v == 0)
        self._rows.append({"t": np.full(rows, float(t)), **cols})
        return int((size * count).sum())

    def hand_over(self) -> dict[str, np.ndarray]:
        """The units that extravasated since the last call, per organ name
        (``units[s]`` of ``s + 1`` cells); they count as handed over from then on."""
        new = self.acc.extravasated_units - self.handed
        self.handed += new
        return {o.name: new[k] for k, o in enumerate(self.organs)}

    def take_rows(self) -> dict:
        if not self._rows:
            return {}
        out = {k: np.concatenate([r[k] for r in self._rows]).astype(EVENT_COLUMNS[k][0])
               for k in EVENT_COLUMNS}
        self._rows = []
        return {"events": out}

    # ------------------------------------------------------------------ ledger
    def circulating(self) -> np.ndarray:
        """``[segment, kind]``: singles, clusters and cells in clusters in each segment."""
        g, sizes = self.graph, self.rates.sizes
        per_stage = self.n.sum(axis=2)  # [stage, size]
        out = np.zeros((len(g.segments), len(KINDS)), dtype=np.int64)
        for j in range(len(g.segments)):
            block = per_stage[g.first[j]:g.first[j] + g.stages[j]].sum(axis=0)
            out[j] = (block[0], block[1:].sum(), (block[1:] * sizes[1:]).sum())
        return out

    def ledger(self) -> dict[str, np.ndarray]:
        """Every count of the ledger (the snapshot variables)."""
        sizes = self.rates.sizes
        acc = self.acc
        return {"circulating": self.circulating(), "shed": self.shed.copy(),
                "dead": acc.dead(self.rates, len(self.graph.places)),
                "arrived": acc.arrived.copy(), "arrested": acc.arrested.copy(),
                "extravasated": acc.extravasated.copy(),
                "extravasated_units": acc.extravasated_units.copy(),
                "arrested_now": (self.arrested_units * sizes).sum(axis=1)}

    def balance(self) -> int:
        """Cells shed minus cells accounted for: 0."""
        led = self.ledger()
        shed = int(led["shed"][..., 0].sum() + led["shed"][..., 2].sum())
        circ = int(led["circulating"][:, 0].sum() + led["circulating"][:, 2].sum())
        return shed - circ - int(led["dead"].sum()) - int(led["arrested_now"].sum()) \
            - int(led["extravasated"].sum())

    # ------------------------------------------------------------------ output
    def layout(self) -> Layout:
        g = self.graph
        names = lambda xs: np.array(list(xs))  # noqa: E731
        coords = {"segment": Coordinate(names(g.segments), {"long_name": "vessel segment"}),
                  "organ": Coordinate(names(o.name for o in self.organs),
                                      {"long_name": "organ"}),
                  "cause": Coordinate(names(CAUSES), {"long_name": "cause of death"}),
                  "place": Coordinate(names(g.places), {"long_name": "where"}),
                  "route": Coordinate(names(ROUTES_IN), {"long_name": "intravasation"}),
                  "vessel": Coordinate(names(VESSELS), {"long_name": "vessel type"}),
                  "kind": Coordinate(names(KINDS), {"long_name": "what is counted"}),
                  "size": Coordinate(self.rates.sizes.copy(), {"long_name": "cells per unit",
                                                               "units": "cells"})}
        dims = {"circulating": ("segment", "kind"), "shed": ("route", "vessel", "kind"),
                "dead": ("cause", "place"), "arrived": ("organ",), "arrested": ("organ",),
                "extravasated": ("organ",), "extravasated_units": ("organ", "size"),
                "arrested_now": ("organ",)}
        fields = {k: Variable(d, {"units": "cells" if k != "extravasated_units"
                                  else "units", "long_name": _LONG[k]}, "i8")
                  for k, d in dims.items()}
        diagnostics = {k: {"units": u, "long_name": t} for k, (u, t) in _DIAGNOSTICS.items()}
        checkpoint = {"n": (self.n.shape, "i8"), "arrested_units":
                      (self.arrested_units.shape, "i8"), "shed": (self.shed.shape, "i8"),
                      **{k: (v.shape, "i8") for k, v in self.acc.arrays().items()},
                      "occupancy": ((2,), "i8"), "handed": (self.handed.shape, "i8"),
                      "niche": (self.niche.shape, "f8"), "scalars": ((5,), "f8")}
        attrs = {"route": self.route, "organs": json.dumps([o.to_dict() for o in self.organs]),
                 "parameters": json.dumps(self.params.to_dict()),
                 "hours_per_time_unit": self.hours, "max_cluster_size": self.max_size,
                 "segments": list(g.segments),
                 "transit_steps": [float(x) for x in g.transit_steps],
                 "seed": self.seed,
                 "injections": json.dumps([{"time": t, "units": c, "size": z, "vessel": v}
                                           for t, c, z, v in self.injections])}
        return Layout(self.model, coords, fields, diagnostics, checkpoint, attrs, None,
                      tables={"events": EVENT_COLUMNS})

    def fields(self) -> dict[str, np.ndarray]:
        return self.ledger()

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        led = self.ledger()
        blood = self.graph.blood_segments()
        circ = led["circulating"]
        cells = lambda rows: float(rows[:, 0].sum() + rows[:, 2].sum())  # noqa: E731
        shed = led["shed"]
        return {"shed_cells": float(shed[..., 0].sum() + shed[..., 2].sum()),
                "shed_clusters": float(shed[..., 1].sum()),
                "ctc_singles_blood": float(circ[blood, 0].sum()),
                "ctc_clusters_blood": float(circ[blood, 1].sum()),
                "ctc_cells_blood": cells(circ[blood]),
                "ctc_singles_lymph": float(circ[~blood, 0].sum()),
                "ctc_clusters_lymph": float(circ[~blood, 1].sum()),
                "ctc_cells_lymph": cells(circ[~blood]),
                "ctc_per_ml": cells(circ[blood]) / self.params.blood_volume,
                "dead_cells": float(led["dead"].sum()),
                "arrested_cells": float(led["arrested_now"].sum()),
                "extravasated_cells": float(led["extravasated"].sum()),
                "ctc_cell_hours_blood": float(self.occupancy[0]) * self.params.dt,
                "ctc_cell_hours_lymph": float(self.occupancy[1]) * self.params.dt,
                "balance": float(self.balance()),
                "wall_time": float(wall_seconds)}

    def checkpoint(self) -> dict[str, np.ndarray]:
        return {"n": self.n.copy(), "arrested_units": self.arrested_units.copy(),
                "shed": self.shed.copy(),
                **{k: v.copy() for k, v in self.acc.arrays().items()},
                "occupancy": self.occupancy.copy(), "handed": self.handed.copy(),
                "niche": self.niche.copy(),
                "scalars": np.array([self._t, self.lattice, self.dt_model, self.entries,
                                     0.0])}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        for key, target in (("n", self.n), ("arrested_units", self.arrested_units),
                            ("shed", self.shed), ("occupancy", self.occupancy),
                            ("handed", self.handed),
                            *self.acc.arrays().items()):
            if np.shape(arrays[key]) != target.shape:
                raise ConfigError(f"{self.name}: the checkpoint's {key} has shape "
                                  f"{np.shape(arrays[key])}, this config gives "
                                  f"{target.shape}; fix: run the config again")
            target[...] = np.asarray(arrays[key], dtype=np.int64)
        t, lattice, _, entries, _ = (float(v) for v in arrays["scalars"])
        self._t, self.lattice, self.entries = t, int(lattice), int(entries)
        if "niche" in arrays:
            self.set_niche(arrays["niche"])
        self._rows = []


_DIAGNOSTICS = {
    "shed_cells": ("cells", "cells that entered the circulation (cumulative)"),
    "shed_clusters": ("clusters", "clusters that entered (cumulative)"),
    "ctc_singles_blood": ("units", "single CTCs in the blood now"),
    "ctc_clusters_blood": ("units", "CTC clusters in the blood now"),
    "ctc_cells_blood": ("cells", "cells in the blood now"),
    "ctc_singles_lymph": ("units", "single cells in the lymph now"),
    "ctc_clusters_lymph": ("units", "clusters in the lymph now"),
    "ctc_cells_lymph": ("cells", "cells in the lymph now"),
    "ctc_per_ml": ("cells/mL", "CTCs per mL of blood (blood_volume)"),
    "dead_cells": ("cells", "cells dead in circulation (cumulative)"),
    "arrested_cells": ("cells", "cells arrested now, fate pending"),
    "extravasated_cells": ("cells", "cells that extravasated (cumulative)"),
    "ctc_cell_hours_blood": ("cell h", "cells in the blood integrated over time, counted at "
                             "the start of each step (cumulative: its rise over an interval "
                             "/ the interval's hours is the mean CTC count)"),
    "ctc_cell_hours_lymph": ("cell h", "the same in the lymph"),
    "balance": ("cells", "shed - circulating - dead - arrested - extravasated (always 0)"),
    "wall_time": ("s", "wall-clock seconds of the run"),
}
