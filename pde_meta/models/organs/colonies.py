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
    counts: np.ndarray = field(default=None)  # type: ignore[assignment]
    entered: float = 0.0
    died: float = 0.0
    beyond: float = 0.0
    below: float = 0.0

    def __post_init__(self) -> None:
        if self.law not in GROWTH_LAWS:
            raise ValueError(f"law = {self.law!r}; allowed: one of {', '.join(GROWTH_LAWS)}")
        for name in ("rate", "capacity", "death"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value >= 0 and not math.isnan(value)):
                raise ValueError(f"{name} = {value!r}; allowed: a number >= 0")
        if self.law != "exponential" and not (1.0 < self.capacity < math.inf):
            raise ValueError(f"capacity = {self.capacity!r}; allowed: a finite size > 1 "
                             f"cell for the {self.law} law")
        if self.counts is None:
            self.counts = np.zeros(self.grid.bins)
        self._v = velocity(self.law, self.grid.faces, self.rate, self.capacity)

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    def cells(self) -> float:
        """Cells in all colonies (each at its cell's geometric centre)."""
        return float(self.counts @ self.grid.sizes)

    def at_least(self, x: float) -> float:
        """Colonies of at least ``x`` cells (those of the cells whose lower face is at
        or above ``x``, and the share of the cell ``x`` falls in, by ``ln x``)."""
        if x <= 1.0:
            return self.total + 0.0
        pos = math.log(x) / self.grid.width
        k = int(pos)
        if k >= self.grid.bins:
            return 0.0
        return float(self.counts[k + 1:].sum() + (1.0 - (pos - k)) * self.counts[k])

    def max_step(self) -> float:
        """The longest step that keeps every count non-negative (Courant number 1)."""
        fastest = float(np.max(np.abs(self._v)))
        return math.inf if fastest == 0.0 else self.grid.width / fastest

    def seeding(self, m: float, alpha: float) -> float:
        r"""New colonies per unit time that the colonies themselves seed, Iwata's
        :math:`\int \beta(x) \rho\, dx` with :math:`\beta(x) = m x^\alpha` (each cell
        of the grid at its geometric centre)."""
        return float(m * (self.counts @ self.grid.sizes**alpha))

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

    def _step(self, h: float, inflow: float) -> None:
        n, v, w = self.counts, self._v, self.grid.width
        c = h / w
        up = np.maximum(v, 0.0) * c      # fraction of the left cell crossing each face
        down = np.maximum(-v, 0.0) * c   # fraction of the right cell crossing back
        flux = np.zeros(n.size + 1)      # colonies through each face, left to right
        flux[1:-1] = up[1:-1] * n[:-1] - down[1:-1] * n[1:]
        flux[-1] = up[-1] * n[-1]        # past x_max
        flux[0] = -down[0] * n[0]        # shrinking below one cell
        new = n - (flux[1:] - flux[:-1])
        new[0] += inflow * h
        kept = math.exp(-self.death * h)
        self.died += float(new.sum()) * (1.0 - kept)
        self.beyond += float(flux[-1])
        self.below += float(-flux[0])
        self.entered += inflow * h
        self.counts = new * kept
