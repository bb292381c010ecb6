r"""Colonies of every size: a size-structured population on a logarithmic size grid.

The number density :math:`\rho(t, x)` of colonies of :math:`x` cells obeys
(Iwata, Kawasaki & Shigesada 2000; Benzekry et al.)

.. math::

    \rho_t + (g(x)\, \rho)_x = -d(x)\, \rho, \qquad g(1)\, \rho(t, 1) = \beta(t),

with a growth law :math:`g` and a boundary flux :math:`\beta` of new colonies of one
cell (cells that start to divide, reactivated dormant cells, seeding). In
:math:`\xi = \ln x` the density :math:`n = x \rho` moves at :math:`v(\xi) = g(x)/x`:

* ``exponential``: :math:`g = a x`, :math:`v = a`;
* ``logistic``: :math:`g = a x (1 - x/K)`, :math:`v = a (1 - x/K)`;
* ``gompertz``: :math:`g = a x \ln(K/x)`, :math:`v = a \ln(K/x)` (Iwata's form, with
  :math:`b = K`).

Numerics: cells of equal width :math:`\Delta\xi` from :math:`x = 1` to ``x_max``, each
holding the number of colonies :math:`N_i` whose size lies in it (1 to :math:`10^{12}`
cells in a few hundred bins). A step is first-order upwind in flux form: the flux through
face :math:`f` is :math:`v_f^+ N_{\mathrm{left}}/\Delta\xi - v_f^- N_{\mathrm{right}}/
\Delta\xi`; new colonies enter the first cell, colonies that grow past ``x_max`` or
shrink below one cell leave through the end faces (and are counted), death removes the
fraction :math:`1 - e^{-d\, dt}` exactly. With :math:`\max|v|\, dt \le \Delta\xi` (the
solver takes as many sub-steps as that needs) every :math:`N_i` stays non-negative, and
the colonies are conserved exactly: what is in the grid equals what entered minus what
died and what left, to round-off. Metastases may seed metastases: :math:`\beta` then
includes :math:`\int m x^\alpha \rho\, dx` (Iwata's secondary seeding). At Courant
number 1 and constant :math:`v` (exponential growth) the step is an exact shift by one
cell.

Avascular micrometastases (an angiogenic switch): with a ``plateau`` :math:`P`, new
colonies start avascular and grow by the same law with their capacity replaced by
:math:`P` (the exponential law becomes logistic with :math:`K = P`), so they stop at
:math:`P` cells (above it their velocity is 0, so none passes it); each switches to the
vascular density (the organ's law) at the rate ``switch`` per unit time, at the size it
has, and dies at ``avascular_death`` on top of the death rate of all colonies. Over a
sub-step :math:`h` the avascular colonies of each cell die with probability :math:`1 -
e^{-(d + d_a) h}` and the survivors switch with :math:`1 - e^{-s h}`: the two densities
together are conserved exactly as above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["GROWTH_LAWS", "SizeGrid", "Colonies", "velocity"]

GROWTH_LAWS = ("exponential", "logistic", "gompertz")


@dataclass(frozen=True)
class SizeGrid:
    """``bins`` cells of equal width in ``ln x``, from 1 cell to ``x_max`` cells."""

    bins: int = 240
    x_max: float = 1e12

    def __post_init__(self) -> None:
        if not (isinstance(self.bins, int) and 1 <= self.bins <= 100_000):
            raise ValueError(f"bins = {self.bins!r}; allowed: an integer in [1, 100000]")
        if not (math.isfinite(self.x_max) and self.x_max > 1.0):
            raise ValueError(f"x_max = {self.x_max!r}; allowed: a finite size > 1 cell")

    @property
    def width(self) -> float:
        """``Delta xi``."""
        return math.log(self.x_max) / self.bins

    @property
    def faces(self) -> np.ndarray:
        """``ln x`` of the ``bins + 1`` faces."""
        return np.linspace(0.0, math.log(self.x_max), self.bins + 1)

    @property
    def sizes(self) -> np.ndarray:
        """The geometric centre of each cell, in cells."""
        f = self.faces
        return np.exp(0.5 * (f[1:] + f[:-1]))

    def index(self, x: float) -> int:
        """The cell that holds colonies of ``x`` cells (``bins`` beyond ``x_max``)."""
        if x < 1.0:
            return 0
        return min(int(math.log(x) / self.width), self.bins)


def velocity(law: str, xi: np.ndarray, rate: float, capacity: float = math.inf
             ) -> np.ndarray:
    """``v = g(x)/x`` at ``xi = ln x`` (see the module docstring)."""
    if law == "exponential":
        return np.full_like(xi, rate, dtype=float)
    if law == "logistic":
        return rate * (1.0 - np.exp(xi) / capacity)
    if law == "gompertz":
        return rate * (math.log(capacity) - xi)
    raise ValueError(f"law = {law!r}; allowed: one of {', '.join(GROWTH_LAWS)}")


@dataclass
class Colonies:
    """The colonies of one organ on a :class:`SizeGrid`, with their own account.

    ``counts[i]`` is the number of colonies in cell ``i`` (a float: the density of many
    colonies); ``entered``, ``died``, ``beyond`` (grew past ``x_max``) and ``below``
    (shrank under one cell) are cumulative, so that ``counts.sum() == entered - died -
    beyond - below`` to round-off.
    """

    grid: SizeGrid
    law: str = "gompertz"
    rate: float = 0.00286        # 1/day: Iwata et al. 2000 (hepatocellular carcinoma)
    capacity: float = 7.3e10     # cells: Iwata's b
    death: float = 0.0           # 1/time, for every size
    plateau: float | None = None  # cells: avascular colonies stop here (None: no switch)
    switch: float = 0.0          # 1/time: the angiogenic switch of avascular colonies
    avascular_death: float = 0.0  # 1/time: extra death of avascular colonies
    counts: np.ndarray = field(default=None)  # type: ignore[assignment]
    avascular: np.ndarray = field(default=None)  # type: ignore[assignment]
    entered: float = 0.0
    died: float = 0.0
    beyond: float = 0.0
    below: float = 0.0

    def __post_init__(self) -> None:
        if self.law not in GROWTH_LAWS:
            raise ValueError(f"law = {self.law!r}; allowed: one of {', '.join(GROWTH_LAWS)}")
        for name in ("rate", "capacity", "death", "switch", "avascular_death"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value >= 0 and not math.isnan(value)):
                raise ValueError(f"{name} = {value!r}; allowed: a number >= 0")
        if self.law != "exponential" and not (1.0 < self.capacity < math.inf):
            raise ValueError(f"capacity = {self.capacity!r}; allowed: a finite size > 1 "
                             f"cell for the {self.law} law")
        if self.plateau is not None and not (1.0 < self.plateau < math.inf):
            raise ValueError(f"plateau = {self.plateau!r}; allowed: a finite size > 1 "
                             f"cell, or None")
        if self.counts is None:
            self.counts = np.zeros(self.grid.bins)
        if self.avascular is None:
            self.avascular = np.zeros(self.grid.bins)
        self._v = velocity(self.law, self.grid.faces, self.rate, self.capacity)
        # avascular colonies start at one cell and never pass the plateau: the faces
        # above it carry nothing (v = 0 there, not the steep return of the law)
        self._va = None if self.plateau is None else np.maximum(
            velocity(*self.avascular_law, self.grid.faces, self.rate, self.plateau), 0.0)

    @property
    def avascular_law(self) -> tuple[str]:
        """The law of avascular colonies (capacity: the plateau)."""
        return ("logistic",) if self.law == "exponential" else (self.law,)

    @property
    def all(self) -> np.ndarray:
        """Colonies in each cell, vascular and avascular."""
        return self.counts + self.avascular

    @property
    def total(self) -> float:
        return float(self.counts.sum() + self.avascular.sum())

    def cells(self) -> float:
        """Cells in all colonies (each at its cell's geometric centre)."""
        return float(self.all @ self.grid.sizes)

    def at_least(self, x: float) -> float:
        """Colonies of at least ``x`` cells (those of the cells whose lower face is at
        or above ``x``, and the share of the cell ``x`` falls in, by ``ln x``)."""
        if x <= 1.0:
            return self.total + 0.0
        pos = math.log(x) / self.grid.width
        k = int(pos)
        if k >= self.grid.bins:
            return 0.0
        n = self.all
        return float(n[k + 1:].sum() + (1.0 - (pos - k)) * n[k])

    def add(self, x: float, count: float) -> None:
        """``count`` new colonies of ``x`` cells (avascular when there is a plateau)."""
        k = min(self.grid.index(float(x)), self.grid.bins - 1)
        (self.counts if self._va is None else self.avascular)[k] += float(count)
        self.entered += float(count)

    def max_step(self) -> float:
        """The longest step that keeps every count non-negative (Courant number 1)."""
        fastest = float(np.max(np.abs(self._v)))
        if self._va is not None:
            fastest = max(fastest, float(np.max(np.abs(self._va))))
        return math.inf if fastest == 0.0 else self.grid.width / fastest

    def seeding(self, m: float, alpha: float) -> float:
        r"""New colonies per unit time that the colonies themselves seed, Iwata's
        :math:`\int \beta(x) \rho\, dx` with :math:`\beta(x) = m x^\alpha` (each cell
        of the grid at its geometric centre)."""
        return float(m * (self.all @ self.grid.sizes**alpha))

    def advance(self, dt: float, inflow: float = 0.0, seeding: tuple[float, float] | None
                = None) -> int:
        """Advance by ``dt``, with ``inflow`` new colonies of one cell per unit time
        (constant over the step), and, with ``seeding = (m, alpha)``, those the colonies
        seed (:meth:`seeding`, from the counts at the start of each sub-step); returns the
        sub-steps taken."""
        if not (math.isfinite(dt) and dt >= 0):
            raise ValueError(f"dt = {dt!r}; allowed: a finite time >= 0")
        if dt == 0.0:
            return 0
        limit = self.max_step()
        steps = 1 if math.isinf(limit) else max(1, math.ceil(dt / limit * (1 - 1e-12)))
        h = dt / steps
        for _ in range(steps):
            self._step(h, inflow + (self.seeding(*seeding) if seeding else 0.0))
        return steps

    def _transport(self, n: np.ndarray, v: np.ndarray, h: float) -> np.ndarray:
        """``n`` moved by the upwind fluxes of ``v`` over ``h``; what leaves through the
        end faces is counted."""
        c = h / self.grid.width
        up = np.maximum(v, 0.0) * c      # fraction of the left cell crossing each face
        down = np.maximum(-v, 0.0) * c   # fraction of the right cell crossing back
        flux = np.zeros(n.size + 1)      # colonies through each face, left to right
        flux[1:-1] = up[1:-1] * n[:-1] - down[1:-1] * n[1:]
        flux[-1] = up[-1] * n[-1]        # past x_max
        flux[0] = -down[0] * n[0]        # shrinking below one cell
        self.beyond += float(flux[-1])
        self.below += float(-flux[0])
        return n - (flux[1:] - flux[:-1])

    def _step(self, h: float, inflow: float) -> None:
        new = self._transport(self.counts, self._v, h)
        kept = math.exp(-self.death * h)
        self.entered += inflow * h
        if self._va is None:
            new[0] += inflow * h
            self.died += float(new.sum()) * (1.0 - kept)
            self.counts = new * kept
            return
        young = self._transport(self.avascular, self._va, h)
        young[0] += inflow * h
        live = math.exp(-(self.death + self.avascular_death) * h)
        switched = young * (live * -math.expm1(-self.switch * h))
        self.died += float(new.sum()) * (1.0 - kept) + float(young.sum()) * (1.0 - live)
        self.avascular = young * live - switched
        self.counts = new * kept + switched
