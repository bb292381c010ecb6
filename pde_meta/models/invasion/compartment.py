"""The invasion model as a compartment of a run: a tissue grid advanced by its
:class:`~.stepper.Stepper`.

It stores every field of :data:`.fields.FIELDS` that the output asks for (attributes from
the field table), the diagnostics of :class:`.diagnostics.Diagnostics`, and checkpoints
its state array with the time, step count and the solver's next trial step, so that a
restart takes exactly the steps the uninterrupted run would have taken.

When a chunk of steps fails, the chunk is replayed one step at a time from the state it
started from, to report the first bad step (field, cell, time); the compartment is left
at the last good state.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.compartment import Compartment, Coordinate, Layout, Variable
from ...core.grid import Grid
from ...errors import ConfigError, SimulationError
from ...numerics.threads import ThreadChoice
from .colonisation import deposit_matrix, place
from .diagnostics import Diagnostics
from .drug import RATE_EFFECTS, DrugTransport, TissueDrug, field_name, rate_factors
from .fields import FIELDS
from .intravasation import catchments, intravasate
from .parameters import OxygenWalls, Parameters
from .state import State
from .stepper import (
    DEFAULT_SCHEME,
    DEFAULT_SPROUT_SUBSTEPS,
    MAX_STEPS_AHEAD,
    Stepper,
    stored_fields,
)

__all__ = ["Tissue", "MAX_STEPS_AHEAD"]

#: checkpoint entries besides the state array
_SCALARS = ("t", "step", "dt")


def _locate(grid: Grid, bad: tuple[str, int, int]) -> str:
    name, i, j = bad
    return (f"field {name!r} at (x, y) = ({grid.x[j]:.4g}, {grid.y[i]:.4g}), cell (i, j) = "
            f"({i}, {j})")


class Tissue(Compartment):
    """A tissue grid of the invasion model.

    Parameters
    ----------
    name : str
    state : State
        The initial state (copied).
    parameters : Parameters
    oxygen_walls : OxygenWalls, optional
    dt, safety, reaction_cfl, threads
        As for :class:`~.stepper.Stepper`. Without ``threads`` the count of each chunk of
        steps is chosen by timing them (:class:`~pde_meta.numerics.threads.ThreadChoice`):
        all threads on a quiet machine, one when other work slows the parallel regions.
    fields : sequence of str, optional
        The fields stored in snapshots (default: the fields the run uses,
        :func:`~.stepper.stored_fields` of the groups it steps).
    float32 : bool
        Store snapshots as float32.
    metric_options : dict
        Geometry of the diagnostics (:func:`.diagnostics.metric_options`).
    initial : State, optional
        The run's initial state, when ``state`` is a later one (a restart).
    """

    model = "invasion"

    def __init__(self, name: str, state: State, parameters: Parameters,
                 oxygen_walls: OxygenWalls | None = None, *, dt: float | None = None,
                 safety: float = 0.9, reaction_cfl: float = 0.5, threads: int | None = None,
                 fields=None, float32: bool = False, metric_options: dict | None = None,
                 initial: State | None = None, scheme: str = DEFAULT_SCHEME,
                 sprout_substeps: int = DEFAULT_SPROUT_SUBSTEPS) -> None:
        self.name = name
        self.stepper = Stepper(state, parameters, oxygen_walls, dt=dt, safety=safety,
                               reaction_cfl=reaction_cfl, threads=threads, scheme=scheme,
                               sprout_substeps=sprout_substeps)
        s = self.stepper
        if not (math.isfinite(s.dt) and s.dt > 0):
            bound = s.dt_bound()
            raise ConfigError(f"the time step of the state at t = {state.t:g} is {s.dt:g} "
                              f"(set by {bound.limiting}); allowed: a positive step; fix: "
                              f"check the initial fields and parameters for extreme values")
        self._settings = {"dt": dt, "safety": safety, "reaction_cfl": reaction_cfl,
                          "scheme": scheme, "sprout_substeps": sprout_substeps}
        #: with an automatic thread count, each chunk's count is chosen by timing
        self.thread_choice = ThreadChoice(s.threads) if threads is None else None
        self.stored = (FIELDS.ordered(fields) if fields is not None else
                       stored_fields(s.active))
        self.float32 = bool(float32)
        self.metric_options = dict(metric_options or {})
        for group, on in s.active.items():  # the metrics of the groups this run steps
            if on:
                self.metric_options.setdefault(group, True)
        self.initial = (initial or state).copy()
        #: the planes a step writes, and the buffer of the state before a chunk
        self._stepped = [FIELDS.index(n) for n in stored_fields(s.active)]
        self._before: np.ndarray | None = None
        self._diagnostics = Diagnostics(self.initial, self.metric_options)
        #: the vessel catchments of intravasation, kept while the vessels do not change
        self._catchments = None
        #: the drugs on this grid (:mod:`.drug`) and the index of their last step
        self._drugs: dict[str, TissueDrug] = {}
        self._drug_index = 0
        #: treatments on intravasation: t -> E, the fraction of every rate they block
        self._intravasation: list = []
        #: treatments on rates of the grid: (effect, t -> E), and their lattice's step
        self._rates: list = []
        self._rate_step = math.inf

    # ------------------------------------------------------------------ time

    @property
    def state(self) -> State:
        return self.stepper.state

    @property
    def t(self) -> float:
        return self.stepper.state.t

    @property
    def dt(self) -> float:
        return self.stepper.dt

    @property
    def step_count(self) -> int:
        return self.stepper.state.step

    @property
    def size(self) -> int:
        return self.stepper.state.grid.size

    @property
    def threads(self) -> int:
        return self.stepper.threads

    def advance(self, t_end: float, max_steps: int | None = None) -> int:
        s = self.stepper
        before, dt_before, k_before = self._keep(), s.dt, s.substeps
        drugs = ([d.d.copy() for d in self._drugs.values()], self._drug_index)
        choice = self.thread_choice
        if choice is not None:  # any count gives the same bits
            s.threads, max_steps = choice.next(max_steps)
        start = time.perf_counter()
        try:
            self._steps_to(float(t_end), max_steps)
        except SimulationError as exc:
            if self._drugs or self._rates:  # a replay without them would not be this run
                self._reset(before, dt_before, drugs, k_before)
                raise
            good, what = self._diagnose(before, dt_before, k_before, float(t_end), exc)
            self._reset(good, dt_before, substeps=k_before)
            raise SimulationError(what) from None
        taken = s.state.step - before.step
        if choice is not None:
            choice.record(s.threads, time.perf_counter() - start, taken)
        if s.state.t <= before.t and taken > 0:
            self._reset(before, dt_before, drugs, k_before)
            raise SimulationError(f"the time step fell to {s.dt:g} at t = {before.t:.6g} "
                                  f"(step {before.step}): time no longer advances")
        if (t_end - s.state.t) > MAX_STEPS_AHEAD * s.dt:
            self._reset(before, dt_before, drugs, k_before)
            raise SimulationError(f"the time step fell to {s.dt:g} at t = {s.state.t:.6g} "
                                  f"(step {s.state.step}): reaching t = {t_end:g} would take "
                                  f"more than {MAX_STEPS_AHEAD:.0e} steps")
        return taken

    def _steps_to(self, t_end: float, max_steps: int | None) -> None:
        """The stepper's steps to ``t_end``; with drugs, to each time of their lattice
        in turn, and there the drugs' step (:mod:`.drug`)."""
        s = self.stepper
        if not self._drugs and not self._rates:
            s.advance(t_end, max_steps=max_steps)
            return
        step, first = self.drug_step, s.state.step
        while s.state.t < t_end and (max_steps is None or s.state.step - first < max_steps):
            t_drug = (self._drug_index + 1) * step
            s.advance(min(t_end, t_drug),
                      max_steps=None if max_steps is None else max_steps - (s.state.step
                                                                           - first))
            if s.state.t >= t_drug:
                g = s.state.grid
                for drug in self._drugs.values():
                    drug.step(s.state.data, t_drug, step, g.dx, g.dy, s.kernel_parameters)
                self._drug_index += 1
                self._set_rates()
                s.refresh()

    def estimate_steps(self, times, seconds: float = 0.3) -> tuple[int, str]:
        """About how many steps a run through the output ``times`` takes, by a pilot: this
        compartment's own steps, stopping at each output time as a run does, for up to
        ``seconds`` of wall time (it is left where the pilot stopped), then the rest at the
        pilot's last step. Exact when the pilot gets through. Returns the count and how it
        was found. The step follows the state (MMP that accumulates shortens it), so the
        initial step alone can be off by orders of magnitude."""
        times = [float(x) for x in times if x > self.t]
        if not times:
            return 0, "nothing to do"
        steps0, t0, t_end = self.step_count, self.t, times[-1]
        self.advance(times[0], max_steps=1)  # the first call loads the compiled kernels
        start, chunk = time.perf_counter(), 16
        for t_out in times:
            while self.t < t_out and time.perf_counter() - start < seconds:
                self.advance(t_out, max_steps=chunk)
                chunk = min(2 * chunk, 4096)
            if self.t < t_out:
                break
        taken = self.step_count - steps0
        if self.t >= t_end:
            return taken, f"counted: a pilot ran the whole way in {taken} steps"
        left = sum(1 for x in times if x > self.t)  # each output time ends a step early
        rest = math.ceil((t_end - self.t) / self.dt) + left if self.dt > 0 else left
        return taken + rest, (f"a pilot of {taken} steps to t = {self.t:.4g} (from "
                              f"{t0:.4g}), then the rest at its last step {self.dt:.3g}; "
                              f"more if the step keeps shrinking")

    def _keep(self) -> State:
        """The state before a chunk of steps, to go back to if the chunk fails: only the
        planes the steps write are copied (those of the groups that are off are constant),
        into a buffer kept from chunk to chunk."""
        s = self.stepper.state
        if self._before is None:
            self._before = s.data.copy()
        else:
            for k in self._stepped:
                self._before[k] = s.data[k]
        return State(s.grid, self._before, t=s.t, step=s.step)

    def _reset(self, state: State, dt: float, drugs=None, substeps: int | None = None
               ) -> None:
        """Back to ``state`` (and the drugs' levels and index ``drugs``, and the tips'
        substeps of the next step, if given)."""
        if drugs is not None:
            for d, level in zip(self._drugs.values(), drugs[0], strict=True):
                d.d[...] = level
            self._drug_index = drugs[1]
            self._set_rates()
        if state.data is not self.stepper.state.data:
            self.stepper.state.data[...] = state.data
        self.stepper.state.t, self.stepper.state.step = state.t, state.step
        self.stepper.refresh()
        self._stepped = [FIELDS.index(n) for n in stored_fields(self.stepper.active)]
        self._before = None  # the constant planes may have changed: copy all next time
        if math.isfinite(dt) and dt > 0:
            self.stepper.dt = dt
        if substeps is not None:
            self.stepper.substeps = substeps

    def _diagnose(self, before: State, dt: float, substeps: int, t_out: float,
                  error: Exception) -> tuple[State, str]:
        """Replay a failed chunk one step at a time: the last good state and what went
        wrong."""
        p = self.stepper
        replay = Stepper(before, p.parameters, p.oxygen_walls, dt=self._settings["dt"],
                         safety=p.safety, reaction_cfl=p.reaction_cfl, scheme=p.scheme,
                         sprout_substeps=p.sprout_substeps)
        if math.isfinite(dt) and dt > 0:
            replay.dt = dt
        replay.substeps = substeps
        good = replay.state.copy()
        for _ in range(10_000_000):
            try:
                replay.advance(t_out, max_steps=1)
            except SimulationError as exc:
                bad = replay.state.check_finite()
                if bad is None:
                    return replay.state.copy(), " ".join(str(exc).split())
                s = replay.state
                return good, (f"{_locate(s.grid, bad)} became non-finite in step {s.step} "
                              f"(t = {s.t:.6g}, from t = {good.t:.6g} with dt = "
                              f"{s.t - good.t:.4g})")
            if replay.state.t >= t_out:
                break
            good = replay.state.copy()
        return good, " ".join(str(error).split())

    # ------------------------------------------------------------------ output

    def layout(self) -> Layout:
        g = self.stepper.state.grid
        coords = {"y": Coordinate(g.y, {"units": "L", "long_name": "y (cell centre)",
                                        "domain_length": g.extent[0]}),
                  "x": Coordinate(g.x, {"units": "L", "long_name": "x (cell centre)",
                                        "domain_length": g.extent[1]})}
        fields = {name: Variable(("y", "x"), FIELDS[name].attrs()) for name in self.stored}
        diagnostics = {name: Diagnostics.attrs(name) for name in self._diagnostics.names()}
        checkpoint = {"data": ((len(FIELDS), *g.shape), "f8"), "scalars": ((3,), "f8")}
        for name in self._drugs:
            key = field_name(name)
            fields[key] = Variable(("y", "x"), {
                "long_name": f"{name} in the tissue", "symbol": "d", "units": "g",
                "description": f"the level of the drug {name} in the tissue, in the units "
                               f"of its plasma level", "cmap": "YlGnBu"})
            diagnostics[f"{key}_mean"] = {"units": "g", "long_name": f"mean {name} level"}
            diagnostics[f"{key}_in_tumour"] = {
                "units": "g", "long_name": f"{name} level in the tumour (cell-weighted)"}
        if self._drugs:
            checkpoint["drugs"] = ((len(self._drugs), *g.shape), "f8")
        if self._drugs or self._rates:
            checkpoint["drug_index"] = ((1,), "f8")
        if self.stepper.sprout_substeps > 1:  # the tips' substeps of the next step
            checkpoint["substeps"] = ((1,), "f8")
        attrs = {"fields": list(self.stored), "all_fields": list(FIELDS.names),
                 "grid_shape": list(g.shape), "grid_extent": list(g.extent),
                 "float32": self.float32, "metric_options": self.metric_options}
        return Layout(self.model, coords, fields, diagnostics, checkpoint, attrs,
                      self.initial.data)

    def intravasate(self, rule, interval: float, max_size: int, rng) -> dict:
        """Cells that leave through the vessels in ``interval``, removed from the state
        (:func:`.intravasation.intravasate`: the event rows)."""
        self._catchments = catchments(self.stepper.state.data, self._catchments)
        for effect_at in self._intravasation:  # every rate times 1 - E(g(t))
            interval *= 1.0 - float(effect_at(self.t))
        events = intravasate(self.stepper.state, rule, interval, max_size, rng,
                             self._catchments)
        if events["size"].size:
            self.stepper.refresh()
        return events

    def resect(self, residual: float) -> float:
        """Surgery: the tumour cells (``tumor`` and ``epithelial``) are cut to the
        fraction ``residual`` everywhere; the matrix, MMP, oxygen and vessels stay.
        Returns the mass removed (density times L^2)."""
        if not 0.0 <= residual <= 1.0:
            raise ConfigError(f"{self.name}: residual = {residual!r}; allowed: a fraction "
                              f"in [0, 1]; fix: change it")
        before = self.niche_measure("mass")
        s = self.stepper.state
        for name in ("tumor", "epithelial"):
            s[name][...] *= residual
        self.stepper.refresh()
        return before - self.niche_measure("mass")

    def colonise(self, units: np.ndarray, cell_size: float, rng,
                 phenotype: str = "tumor") -> np.ndarray:
        """Units of cells that start colonies here (``units[s]`` of ``s + 1`` cells), at
        the perfused blood vessels (:mod:`.colonisation`); returns each one's flat grid
        index."""
        g = self.stepper.state.grid
        try:
            at = place(self.stepper.state.data, units, g.cell_area / cell_size**2, rng,
                       phenotype)
        except ValueError as exc:
            raise ConfigError(f"{self.name}: {exc}; fix: give it [initial.blood]") from None
        if at.size:
            self.stepper.refresh()
        return at

    def deposit_matrix(self, amount: float) -> float:
        """A niche's matrix around the vessels: the ECM at and next to every perfused
        vessel point rises by ``amount`` (up to 1); returns the ECM added, times the cell
        area."""
        if amount <= 0.0:
            return 0.0
        added = deposit_matrix(self.stepper.state.data, float(amount))
        self.stepper.refresh()
        return added * self.stepper.state.grid.cell_area

    # ------------------------------------------------------------------ drugs

    def add_drug(self, name: str, level, transport: DrugTransport | dict) -> None:
        """A drug on this grid (:mod:`.drug`): ``level(t)`` is its plasma level at time
        ``t`` of the run; ``transport`` how it moves (or the options of
        :data:`.drug.DRUG_OPTIONS` it is built from). Its step is the smallest
        ``transport.step`` of the grid's drugs. It starts at 0 in the tissue."""
        if isinstance(transport, dict):
            transport = DrugTransport.from_options(transport)
        s = self.stepper.state
        if transport.supply == "vessels" and not s["blood"].any():
            raise ConfigError(f"{self.name}: the drug {name!r} enters through the perfused "
                              f"blood vessels, and the grid has none; fix: give "
                              f"[initial.blood], or tissue_supply = 'ecm' or 'uniform'")
        if field_name(name) in {field_name(n) for n in self._drugs}:
            raise ConfigError(f"{self.name}: two drugs named like {name!r}; fix: give the "
                              f"treatments distinct names")
        self._drugs[name] = TissueDrug(name, level, transport, s.grid.shape)
        self._on_lattice()

    def add_drug_effect(self, name: str, effect: str, potency: float, emax: float,
                        ec50: float, power: float, sensitivity=None) -> None:
        """An effect of the drug ``name`` (added by :meth:`add_drug`) on this grid; its
        potency weighed by ``sensitivity(t)`` if given (resistance)."""
        self._drugs[name].add_effect(effect, potency, emax, ec50, power, sensitivity)

    def add_treatment(self, effect: str, potency: float, effect_at,
                      step: float | None = None) -> None:
        """A treatment's effect through the plasma level (``effect_at``: ``t`` of the
        run -> ``E`` in [0, 1]): ``intravasation`` (every intravasation rate times
        ``1 - E``), or one of :data:`.drug.RATE_EFFECTS` (those rates of the grid times
        ``1 - E``, set on the drugs' lattice, whose step is at most ``step``)."""
        if effect == "intravasation":
            self._intravasation.append(effect_at)
            return
        if effect not in RATE_EFFECTS:
            raise ConfigError(f"{self.name}: a treatment's effect {effect!r} acts through "
                              f"the drug's level on the grid; allowed here: intravasation, "
                              f"{', '.join(RATE_EFFECTS)}; fix: use add_drug_effect")
        if not (step is not None and math.isfinite(step) and step > 0):
            raise ConfigError(f"{self.name}: the effect {effect} needs a positive step of "
                              f"the drugs' lattice, got {step!r}; fix: give tissue_step")
        self._rates.append((effect, effect_at))
        self._rate_step = min(self._rate_step, float(step))
        self._on_lattice()

    def _on_lattice(self) -> None:
        """The lattice index of the current time, and the rates of the interval that
        starts at the last lattice time."""
        t = self.stepper.state.t
        self._drug_index = int(math.floor(t / self.drug_step + 1e-9))
        self._set_rates()

    def _set_rates(self) -> None:
        if self._rates:
            self.stepper.scale_rates(rate_factors(self._rates,
                                                  self._drug_index * self.drug_step))

    def drug_level_in_tumour(self, name: str) -> float:
        """The level of the drug ``name`` in the tumour cells (weighted by density)."""
        return self._drugs[name].in_tumour(self.stepper.state.data)

    @property
    def drugs(self) -> tuple[str, ...]:
        """The names of the drugs on this grid."""
        return tuple(self._drugs)

    @property
    def drug_step(self) -> float:
        """The step of the drugs' lattice (inf without drugs or effects on rates)."""
        return min((d.transport.step for d in self._drugs.values()),
                   default=self._rate_step)

    #: what :meth:`niche_measure` can measure; the first is the default
    NICHE_MEASURES = ("mass", "hypoxic_mass")

    def niche_measure(self, kind: str | None = None) -> float:
        """What drives the primary's niche signals (:mod:`pde_meta.exchanges.niche`):
        ``mass``, the tumour cells (``tumor + epithelial``) integrated over the grid, or
        ``hypoxic_mass``, the same where the oxygen is below ``hypoxia_threshold``; in
        density times L^2."""
        kind = kind or self.NICHE_MEASURES[0]
        if kind not in self.NICHE_MEASURES:
            raise ConfigError(f"{self.name}: niche measure {kind!r} is not known; allowed: "
                              f"{', '.join(self.NICHE_MEASURES)}; fix: use one of them")
        s = self.stepper.state
        cells = s["tumor"] + s["epithelial"]
        if kind == "hypoxic_mass":
            cells = cells * (s["oxygen"] < self.stepper.parameters.hypoxia_threshold)
        return float(cells.sum() * s.grid.cell_area)

    def fields(self) -> dict[str, np.ndarray]:
        s = self.stepper.state
        out = {name: s[name] for name in self.stored}
        out.update((field_name(n), d.d) for n, d in self._drugs.items())
        return out

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        out = self._diagnostics(self.stepper.state, self.stepper.dt, wall_seconds)
        for d in self._drugs.values():
            out.update(d.diagnostics(self.stepper.state.data))
        return out

    def checkpoint(self) -> dict[str, np.ndarray]:
        s = self.stepper.state
        out = {"data": s.data, "scalars": np.array([s.t, s.step, self.stepper.dt])}
        if self._drugs:
            out["drugs"] = np.stack([d.d for d in self._drugs.values()])
        if self._drugs or self._rates:
            out["drug_index"] = np.array([float(self._drug_index)])
        if self.stepper.sprout_substeps > 1:
            out["substeps"] = np.array([float(self.stepper.substeps)])
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        t, step, dt = (float(v) for v in arrays["scalars"])
        drugs = None
        if self._drugs or self._rates:
            drugs = (arrays.get("drugs", ()), int(np.asarray(arrays["drug_index"])[0]))
        substeps = int(np.asarray(arrays["substeps"])[0]) if "substeps" in arrays else 1
        self._reset(State(self.stepper.state.grid, arrays["data"], t=t, step=int(step)), dt,
                    drugs, substeps)
