r"""The pre-metastatic niche of an organ: primed by the primary's signals before cells
arrive, it makes the soil kinder to them.

The primary secretes niche signals (exosomes, soluble factors) at the rate
:math:`S(t) = \sigma\, M(t)` per day, :math:`M` a measure of the primary (its cells, its
mass or its hypoxic mass: :mod:`pde_meta.exchanges.niche`). The niche level
:math:`\nu` of an organ takes them up and decays,

.. math::

    \frac{d\nu}{dt} = u\, S(t) - \lambda\, \nu,

solved exactly over each coupling interval :math:`\Delta` with :math:`S` held at its
value at the interval's end: :math:`\nu \leftarrow \nu e^{-\lambda \Delta} + u S
(1 - e^{-\lambda \Delta}) / \lambda`. Once the primary is gone (:math:`S = 0`) the level
decays as :math:`e^{-\lambda t}` exactly. Its effect saturates, :math:`h = \nu / (\nu +
\nu_{1/2}) \in [0, 1)`, and acts on

* arrest and extravasation in the organ's bed (the circulation): probabilities
  :math:`p \to 1 - (1 - p)^{1 + g h}` with gains :math:`g_a, g_e \ge 0`;
* early survival: an arriving unit dies with :math:`p_{die} (1 - s_s h)`, and the
  survivors split between dormancy and division as the soil's do;
* dormancy entry: the share of the survivors that go dormant,
  :math:`p_{dormant} / (1 - p_{die})`, is multiplied by :math:`1 - s_d h`, and the rest
  start to divide.

Sources: the niche is described (Kaplan et al. 2005; Peinado et al. 2017) but no open
model gives its rates: every default here is illustrative, and the niche is off unless
an organ's ``niche_uptake`` is above 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Niche"]


@dataclass(frozen=True)
class Niche:
    """One organ's niche: uptake, decay, half-effect level and the effects' sizes."""

    uptake: float = 0.0          # u: niche level per unit of signal (0: no niche)
    decay: float = 0.1           # lambda, 1/day (illustrative: a 7-day half-life)
    half: float = 1.0            # nu_1/2
    arrest: float = 0.0          # g_a
    extravasation: float = 0.0   # g_e
    survival: float = 0.0        # s_s in [0, 1]
    dormancy: float = 0.0        # s_d in [0, 1]

    def __post_init__(self) -> None:
        for name in ("uptake", "decay", "arrest", "extravasation"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"niche {name} = {v!r}; allowed: a number >= 0")
        if not (isinstance(self.half, int | float) and self.half > 0):
            raise ValueError(f"niche half = {self.half!r}; allowed: a level > 0")
        for name in ("survival", "dormancy"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 <= v <= 1.0):
                raise ValueError(f"niche {name} = {v!r}; allowed: a fraction in [0, 1]")

    def level(self, nu: float, signal: float, days: float) -> float:
        """The level after ``days`` of the constant signal rate ``signal`` from ``nu``."""
        if self.decay == 0.0:
            return nu + self.uptake * signal * days
        kept = math.exp(-self.decay * days)
        return nu * kept + self.uptake * signal * (-math.expm1(-self.decay * days)) / self.decay

    def effect(self, nu: float) -> float:
        """``h = nu / (nu + nu_1/2)``."""
        return nu / (nu + self.half) if nu > 0 else 0.0

    def to_dict(self) -> dict:
        return {f"niche_{k}": getattr(self, k) for k in (
            "uptake", "decay", "half", "arrest", "extravasation", "survival", "dormancy")}
