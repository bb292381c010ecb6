"""The primary as a compartment: its size grows by its law (:mod:`.laws`) on a lattice of
days, it sheds whole cells at random, and it can be resected.

Its time is the run's (model units, ``hours`` hours each); it steps on the lattice
``k dt`` (:class:`~pde_meta.core.lattice.LatticeCompartment`), like the organs. Over step
``k`` it sheds ``Poisson(Lambda_k)`` cells, ``Lambda_k`` the exact integral of
``m x_p^alpha`` over the step, drawn from stream ``(seed, name, "shed")`` at counter ``k``
(:mod:`pde_meta.numerics.streams`), so a restart sheds what the uninterrupted run shed.
Shedding does not reduce ``x_p`` (as Iwata et al. 2000: the cells shed are few against
the tumour). The shed cells wait in the compartment until an exchange takes them
(:meth:`Primary.take_shed`, the ``shedding`` exchange); a resection at ``t_r`` splits its
step at ``t_r`` exactly and leaves ``residual`` of the cells (and, for Hahnfeldt, of the
vascular capacity), from which growth and shedding go on (0 stays 0).

The ledger of shed cells is exact: shed = waiting + taken (``balance`` = 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np

from ...core.compartment import Coordinate, Layout, Variable
from ...core.lattice import LatticeCompartment
from ...errors import ConfigError, SimulationError
from ...numerics.growth import time_to
from ...numerics.streams import stream, stream_key
from .laws import make_law
from .parameters import PrimaryParameters

__all__ = ["Primary", "NICHE_KINDS", "MAX_EXPECTED_SHED"]

#: the quantities :meth:`Primary.niche_measure` gives, for the signals of a
#: pre-metastatic niche
NICHE_KINDS = ("cells",)
#: the largest expected number of cells shed in one step (numpy's Poisson draws stop
#: near 1e19)
MAX_EXPECTED_SHED = 1e15


class Primary(LatticeCompartment):
    """A primary tumour that grows by a law and sheds cells (see the module docstring).

    Parameters
    ----------
    name : str
    params : PrimaryParameters
    seed : int
    hours : float
        Hours in one unit of the run's time.
    treatment : callable, optional
        ``u(t)`` of the hahnfeldt law (:class:`~.laws.Hahnfeldt`), per day, of the time in
        days.
    """

    model = "primary"

    def __init__(self, name: str, params: PrimaryParameters | None = None, seed: int = 0,
                 hours: float = 24.0,
                 treatment: Callable[[float], float] | None = None) -> None:
        if not (math.isfinite(hours) and hours > 0):
            raise ConfigError(f"{name}: hours = {hours!r} per time unit is not allowed; "
                              f"allowed: a finite number > 0; fix: set [units]")
        self.name, self.seed, self.hours = name, int(seed), float(hours)
        self.params = params if params is not None else PrimaryParameters(capacity=7.3e10)
        self.law = make_law(self.params, treatment)
        #: (potency, t -> level or effect) of the treatments that act on it
        self._terms: list = [] if treatment is None else [(1.0, treatment)]
        self._slowing: list = []  # (potency, E) of the cytostatic effects
        self.dt_days = self.params.dt
        self.dt_model = self.dt_days * 24.0 / self.hours
        self._shed_key = stream_key(self.seed, name, "shed")
        self.x, self.k = self.params.initial()
        self._t, self.lattice = 0.0, 0
        self.shed = 0            #: cells shed (cumulative)
        self.expected = 0.0      #: their expected number: the integral of m x^alpha
        self.waiting = 0         #: shed cells no exchange has taken yet
        self.taken = 0           #: shed cells taken by exchanges
        self.resected = 0.0      #: cells removed by the resection
        self.resected_at = math.nan  #: the time of the resection once it happened

    # ------------------------------------------------------------------ time
    @property
    def size(self) -> int:
        return 1 if self.params.scalar else 2

    def _busy(self) -> bool:
        return self.x > 0.0

    def _step(self, k: int) -> None:
        t0, day = k * self.dt_model, k * self.dt_days
        r = self.params.resection
        if r is not None and t0 <= r < t0 + self.dt_model:
            first = min(max((r - t0) * self.hours / 24.0, 0.0), self.dt_days)
            self.x, self.k, before = self.law.advance(self.x, self.k, day, first)
            kept = self.params.residual
            self.resected += self.x * (1.0 - kept)
            self.x *= kept
            if not self.params.scalar:
                self.k *= kept
            self.resected_at = float(r)
            if self.x > 0.0:
                self.x, self.k, after = self.law.advance(self.x, self.k, day + first,
                                                         self.dt_days - first)
            else:
                self.x, after = 0.0, 0.0
            expected = before + after
        else:
            self.x, self.k, expected = self.law.advance(self.x, self.k, day, self.dt_days)
        if expected > MAX_EXPECTED_SHED:
            raise SimulationError(f"{self.name}: {expected:.3g} cells are expected to be "
                                  f"shed in step {k}; allowed: at most "
                                  f"{MAX_EXPECTED_SHED:g} per step; fix: a smaller dt or "
                                  f"shedding_rate")
        self.expected += expected
        if expected > 0.0:
            n = int(stream(self._shed_key, k).poisson(expected))
            self.shed += n
            self.waiting += n

    # ------------------------------------------------------------------ output
    def take_shed(self) -> int:
        """The cells shed since the last call; they count as taken from then on."""
        n, self.waiting = self.waiting, 0
        self.taken += n
        return n

    #: what :meth:`niche_measure` can measure (the ``niche`` exchange); the first is the
    #: default
    NICHE_MEASURES = NICHE_KINDS

    def niche_measure(self, kind: str | None = None) -> float:
        """The current value of a quantity that drives the signals of a pre-metastatic
        niche: ``"cells"`` (the default), the primary's cells ``x_p`` (0 after a complete
        resection). Another ``kind`` raises :class:`~pde_meta.errors.ConfigError`."""
        if kind is None or kind == "cells":
            return float(self.x)
        raise ConfigError(f"{self.name}: niche_measure kind = {kind!r} is not allowed; "
                          f"allowed: {', '.join(map(repr, NICHE_KINDS))}; fix: use one of "
                          f"them")

    def resect(self, residual: float) -> float:
        """Surgery now (the ``surgery`` exchange): keep the fraction ``residual`` of the
        cells (and of Hahnfeldt's capacity); returns the cells removed."""
        if not 0.0 <= residual <= 1.0:
            raise ConfigError(f"{self.name}: residual = {residual!r}; allowed: a fraction "
                              f"in [0, 1]; fix: change it")
        removed = self.x * (1.0 - residual)
        self.resected += removed
        self.x *= residual
        if not self.params.scalar:
            self.k *= residual
        self.resected_at = float(self._t)
        return removed

    def shedding_rate(self) -> float:
        """beta(x_p) = m x_p^alpha now, cells per day."""
        p = self.params
        return p.shedding_rate * self.x**p.shedding_exponent if self.x > 0 else 0.0

    def day_of(self, cells: float) -> float:
        """The day this primary first holds ``cells`` cells, by its law from its start (a
        scalar law; the trigger of a treatment), ignoring any resection."""
        p = self.params
        if not p.scalar:
            raise ConfigError(f"{self.name}: a treatment triggered by its size needs a scalar "
                              f"law (exponential, logistic, gompertz), not {p.law!r}; fix: "
                              f"give the treatment a start day instead")
        day = time_to(p.law, p.cells, cells, p.growth_rate, p.capacity or math.inf)
        if not math.isfinite(day):
            raise ConfigError(f"{self.name}: it never reaches {cells:g} cells (its law "
                              f"stops below); allowed: a size it reaches; fix: a smaller "
                              f"start_cells")
        return float(day)

    def add_treatment(self, effect: str, potency: float, level) -> None:
        """A treatment's ``effect``: ``angiogenesis`` adds ``potency * level(t)`` (``t`` in
        days) to Hahnfeldt's ``-e K g`` (the hahnfeldt law only); ``killing`` (a scalar
        law) kills the primary's cells at ``potency * level(t)`` per day, ``level`` then
        being the Hill effect ``E(g(t))``; ``growth`` (a scalar law) takes the fraction
        ``potency * E`` (at most 1) of its growth rate away (cytostatic)."""
        allowed = ("killing", "growth") if self.params.scalar else ("angiogenesis",)
        if effect not in allowed:
            raise ConfigError(f"{self.name}: a treatment's effect {effect!r} on the "
                              f"{self.params.law} law is not allowed; allowed: "
                              f"'angiogenesis' on the hahnfeldt law, 'killing' or 'growth' "
                              f"on a scalar law; fix: change the target or the law")
        if effect == "growth":
            self._slowing.append((float(potency), level))
            terms = tuple(self._slowing)
            self.law.slowing = lambda t: min(sum(k * float(f(t)) for k, f in terms), 1.0)
            return
        self._terms.append((float(potency), level))
        terms = tuple(self._terms)
        total = lambda t: sum(k * float(f(t)) for k, f in terms)  # noqa: E731
        if self.params.scalar:
            self.law.killing = total
        else:
            self.law.treatment = total

    def volume_mm3(self) -> float:
        return self.x / self.params.cells_per_mm3

    def layout(self) -> Layout:
        coords = {"tumour": Coordinate(np.array([self.name]), {"long_name": "primary"})}
        fields = {"cells": Variable(("tumour",), {"long_name": "cells of the primary, x_p",
                                                  "units": "cells"}, "f8"),
                  "capacity": Variable(("tumour",), {
                      "long_name": "vascular carrying capacity K (hahnfeldt; NaN for the "
                                   "scalar laws)", "units": "mm^3"}, "f8"),
                  "volume_mm3": Variable(("tumour",), {"long_name": "volume of the primary",
                                                       "units": "mm^3"}, "f8")}
        diagnostics = {k: {"units": u, "long_name": t} for k, (u, t) in _DIAGNOSTICS.items()}
        checkpoint = {"scalars": ((8,), "f8"), "counts": ((3,), "i8")}
        p = self.params
        attrs = {"law": p.law, "parameters": json.dumps(p.to_dict()),
                 "hours_per_time_unit": self.hours, "dt_days": self.dt_days,
                 "resection": math.nan if p.resection is None else p.resection,
                 "residual": p.residual, "seed": self.seed}
        return Layout(self.model, coords, fields, diagnostics, checkpoint, attrs, None)

    def fields(self) -> dict[str, np.ndarray]:
        return {"cells": np.array([self.x]), "capacity": np.array([self.k]),
                "volume_mm3": np.array([self.volume_mm3()])}

    def diagnostics(self, wall_seconds: float) -> dict[str, float]:
        return {"primary_cells": float(self.x), "primary_volume_mm3": self.volume_mm3(),
                "shedding_rate": self.shedding_rate(), "shed_cells": float(self.shed),
                "expected_shed": float(self.expected), "waiting_cells": float(self.waiting),
                "taken_cells": float(self.taken), "resected_cells": float(self.resected),
                "resection_time": float(self.resected_at),
                "balance": float(self.shed - self.waiting - self.taken),
                "antiangiogenic_rate": self.antiangiogenic_rate()}

    def antiangiogenic_rate(self) -> float:
        """``e g(t)`` of the treatments now (0 without one)."""
        u = None if self.params.scalar else self.law.treatment
        return float(u(self._t * self.hours / 24.0)) if u is not None else 0.0

    def checkpoint(self) -> dict[str, np.ndarray]:
        return {"scalars": np.array([self._t, self.lattice, self.dt_model, self.x, self.k,
                                   self.expected, self.resected, self.resected_at]),
                "counts": np.array([self.shed, self.waiting, self.taken], dtype=np.int64)}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        state, counts = np.asarray(arrays["scalars"]), np.asarray(arrays["counts"])
        if state.shape != (8,) or counts.shape != (3,):
            raise ConfigError(f"{self.name}: the checkpoint is not that of a primary; fix: "
                              f"run the config again")
        t, lattice, _, x, k, expected, resected, at = (float(v) for v in state)
        self._t, self.lattice, self.x, self.k = t, int(lattice), x, k
        self.expected, self.resected, self.resected_at = expected, resected, at
        self.shed, self.waiting, self.taken = (int(v) for v in counts)


_DIAGNOSTICS = {
    "primary_cells": ("cells", "cells of the primary, x_p"),
    "primary_volume_mm3": ("mm^3", "volume of the primary"),
    "shedding_rate": ("cells/day", "beta(x_p) = m x_p^alpha now"),
    "shed_cells": ("cells", "cells shed (cumulative)"),
    "expected_shed": ("cells", "their expectation: the integral of beta(x_p) (cumulative)"),
    "waiting_cells": ("cells", "shed cells no exchange has taken yet"),
    "taken_cells": ("cells", "shed cells taken by exchanges (cumulative)"),
    "resected_cells": ("cells", "cells removed by the resection"),
    "resection_time": ("T", "the time of the resection (NaN: not yet)"),
    "balance": ("cells", "shed - waiting - taken (always 0)"),
    "antiangiogenic_rate": ("1/day", "e g(t) now: the treatments' anti-angiogenic rate on "
                            "the vascular capacity (hahnfeldt; 0 untreated)"),
}
