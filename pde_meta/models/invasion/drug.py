r"""A drug on the tissue grid: its level in each cell and what it does there.

The plasma level :math:`g(t)` (:mod:`pde_meta.models.treatment.pk`) enters the tissue
where it is supplied (through the perfused blood vessels, or through the ECM as
Anderson's oxygen does, or uniformly), diffuses, decays and is taken up by the tumour
cells:

.. math::

    \partial_t d = D_d \nabla^2 d + P\, s(x) \,(g(t) - d) - \lambda_d d
                   - u_d (n + e)\, d ,

with zero-flux walls; :math:`s` is the density of the perfused blood vessels ``v``, the
ECM ``f``, or 1. The step is implicit, split by direction with the supply and the losses
inside each direction's solve (:mod:`.kernels.drug`): positive and stable for any step,
and it does not starve the tissue at steps far above the explicit limit.

It acts on amounts in each cell through a Hill effect of the local level,
:math:`E(d) = E_{max} d^h / (EC_{50}^h + d^h)`, as a loss at the rate :math:`k E(d)`
(``k``, the effect's potency, per unit of the tissue's time), applied exactly,
:math:`x \to x\, e^{-k E \Delta t}`:

* ``killing``: the tumour cells, both phenotypes (a cytotoxic drug);
* ``growth``: the tumour cells at ``k E(d)`` times their proliferation rate there (the
  gain of the model's kinetics, :func:`.reference.kinetic_rates`), so that their net
  proliferation is :math:`(1 - k E)` times the untreated one, to the first order of the
  splitting (a cytostatic drug);
* ``mmp``: the active MMP (an MMP inhibitor);
* ``taf``: the angiogenic factor (a VEGF-neutralising antibody);
* ``sprouts``: the endothelial sprout tips (an anti-angiogenic drug);
* ``normalisation``: the leakiness of the vessels (vessel normalisation).

Three effects act on rates of the whole grid instead, through the plasma level (they are
rates inside the fused step, which reads no drug plane), each rate times
:math:`1 - E(g(t))`, set at every time of the drugs' lattice for the interval that
follows (:data:`RATE_EFFECTS`):

* ``motility``: the random motility and haptotaxis of both phenotypes;
* ``emt``: the EMT rates (basal, hypoxic and signal-driven);
* ``mmp_production``: the MMP secretion of both phenotypes.

The drug is advanced by Lie splitting on its own lattice of times :math:`k\,\Delta t_d`
(``tissue_step``): the tissue takes its own steps to each lattice time, then the drug and
its effects take one step of :math:`\Delta t_d` with the plasma level at its end. The
lattice does not depend on how a run is cut into chunks or restarted. A tissue that no
treatment targets has no drug and runs as before, bit for bit.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np

from ...core.options import Option, check_option
from ...errors import ConfigError
from .kernels import layout as P
from .reference import kinetic_rates

__all__ = ["DRUG_OPTIONS", "SUPPLIES", "TISSUE_EFFECTS", "RATE_EFFECTS", "DrugTransport",
           "TissueDrug", "apply_effects", "field_name", "rate_factors"]

#: where the drug enters the tissue: the plane whose density lets it in (None: everywhere)
SUPPLIES = {"vessels": P.BLOOD, "ecm": P.ECM, "uniform": None}

#: the effects on a tissue: effect -> the planes the drug removes at rate k E(d)
TISSUE_EFFECTS = {"killing": (P.TUMOR, P.EPITHELIAL), "growth": (P.TUMOR, P.EPITHELIAL),
                  "mmp": (P.MMP,), "taf": (P.TAF,),
                  "sprouts": (P.SPROUTS,), "normalisation": (P.LEAKINESS,)}

#: the effects on rates of the grid: effect -> the kernel parameters scaled by 1 - E(g)
RATE_EFFECTS = {"motility": (P.D_N, P.CHI, P.D_E, P.CHI_E),
                "emt": (P.K_EMT, P.K_HYP, P.K_SIG), "mmp_production": (P.MU, P.MU_E)}


def rate_factors(effects, t: float) -> dict[int, float]:
    """The factor of each scaled kernel parameter at time ``t``: the product of
    ``1 - E(t)`` over the ``(effect, E)`` pairs of ``effects`` that scale it."""
    out: dict[int, float] = {}
    for effect, effect_at in effects:
        x = 1.0 - float(effect_at(t))
        for k in RATE_EFFECTS[effect]:
            out[k] = out.get(k, 1.0) * min(max(x, 0.0), 1.0)
    return out


#: the keys of ``[[treatments]]`` that describe the drug in a tissue (used when an effect
#: targets a tissue); in the tissue's units of length L and time T, illustrative
DRUG_OPTIONS = (
    Option("tissue_supply", "choice", "vessels", "where the drug enters a tissue grid: "
           "through its perfused blood vessels, through the ECM (as Anderson's oxygen), or "
           "uniformly", choices=tuple(SUPPLIES)),
    Option("permeability", "number", 1.0, "the rate at which the drug crosses into the "
           "tissue, per unit of supply density (illustrative)", low=0, low_open=True,
           units="1/T"),
    Option("tissue_diffusion", "number", 0.05, "the drug's diffusion coefficient in the "
           "tissue (illustrative: a tenth of Anderson's oxygen)", low=0, units="L^2/T"),
    Option("tissue_decay", "number", 0.1, "its decay in the tissue (illustrative)", low=0,
           units="1/T"),
    Option("tissue_uptake", "number", 1.0, "its uptake by tumour cells, per unit of density "
           "(illustrative)", low=0, units="1/T"),
    Option("tissue_step", "number", 0.01, "the drug's step on the tissue (Lie splitting; "
           "with several drugs on one grid, the smallest of their steps)",
           low=0, low_open=True, units="T"),
)


@dataclass(frozen=True)
class DrugTransport:
    """How a drug moves in a tissue (:data:`DRUG_OPTIONS`)."""

    supply: str = "vessels"
    permeability: float = 1.0
    diffusion: float = 0.05
    decay: float = 0.1
    uptake: float = 1.0
    step: float = 0.01

    @classmethod
    def from_options(cls, options: dict) -> DrugTransport:
        o = {opt.key: options.get(opt.key, opt.default) for opt in DRUG_OPTIONS}
        return cls(o["tissue_supply"], float(o["permeability"]), float(o["tissue_diffusion"]),
                   float(o["tissue_decay"]), float(o["tissue_uptake"]), float(o["tissue_step"]))

    def __post_init__(self) -> None:
        """Each value checked by its key's rule in :data:`DRUG_OPTIONS` (in field order)."""
        for opt, value in zip(DRUG_OPTIONS, astuple(self), strict=True):
            problem = check_option(f"treatments[].{opt.key}", value, opt)[1]
            if problem:
                raise ConfigError(problem)


def field_name(drug: str) -> str:
    """The name of a drug's field in the run file: ``drug_<name>``, with every character
    that is not a letter, digit or underscore replaced by ``_``."""
    return "drug_" + "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in drug)


def hill_field(d: np.ndarray, emax: float, ec50: float, power: float) -> np.ndarray:
    """``E(d) = emax d^h / (ec50^h + d^h)`` cell by cell (0 where ``d <= 0``)."""
    x = np.power(np.maximum(d, 0.0) / ec50, power)
    return emax * x / (1.0 + x)


def apply_effects(data: np.ndarray, d: np.ndarray, effects, dt: float, p=None) -> None:
    """Each effect ``(effect, potency, emax, ec50, hill)`` of one drug at level ``d``
    removes its planes of the state ``data`` at the rate ``potency E(d)`` for ``dt``
    (``growth``: times each phenotype's proliferation rate under the parameters ``p``, a
    kernel tuple), exactly (in place)."""
    for effect, potency, emax, ec50, power in effects:
        rate = dt * potency * hill_field(d, emax, ec50, power)
        if effect == "growth":
            n, f, b, c, e = (data[k] for k in (P.TUMOR, P.ECM, P.MEMBRANE, P.OXYGEN,
                                               P.EPITHELIAL))
            gain_n = kinetic_rates(n, f, b, c, p, other=e)[0]
            gain_e = kinetic_rates(e, f, b, c, p, other=n, growth=p[P.GROWTH_E])[0]
            data[P.TUMOR] *= np.exp(-rate * gain_n)
            data[P.EPITHELIAL] *= np.exp(-rate * gain_e)
            continue
        keep = np.exp(-rate)
        for plane in TISSUE_EFFECTS[effect]:
            data[plane] *= keep


class TissueDrug:
    """One drug on a tissue grid: its level ``d`` (ny, nx), how it moves, the plasma
    level ``level(t)`` in the tissue's time, and its effects."""

    def __init__(self, name: str, level, transport: DrugTransport, shape) -> None:
        self.name, self.level, self.transport = name, level, transport
        self.d = np.zeros(shape)
        self.effects: list[tuple[str, float, float, float, float]] = []
        self.sensitivity: list = []

    def add_effect(self, effect: str, potency: float, emax: float, ec50: float,
                   power: float, sensitivity=None) -> None:
        """An effect; ``sensitivity(t)`` (default 1) weighs its potency at time ``t``
        (a drift in sensitivity: resistance)."""
        if effect not in TISSUE_EFFECTS:
            raise ConfigError(f"a treatment's effect {effect!r} is not allowed on a tissue; "
                              f"allowed: {', '.join(TISSUE_EFFECTS)}; fix: change the target")
        self.effects.append((effect, float(potency), float(emax), float(ec50), float(power)))
        self.sensitivity.append(sensitivity)

    def step(self, data: np.ndarray, t_end: float, dt: float, dx: float, dy: float,
             p=None) -> None:
        """One step ``dt`` of the drug to ``t_end`` and of its effects on ``data``
        (``p``: the tissue's kernel parameters, which the ``growth`` effect needs)."""
        from .kernels.drug import drug_step  # compiled on first use

        tr = self.transport
        plane = SUPPLIES[tr.supply]
        drug_step(self.d, data, -1 if plane is None else plane, dt, dx, dy, tr.diffusion,
                  tr.decay, tr.uptake, tr.permeability, float(self.level(t_end)))
        effects = [(e, k * (1.0 if w is None else float(w(t_end))), *rest)
                   for (e, k, *rest), w in zip(self.effects, self.sensitivity, strict=True)]
        apply_effects(data, self.d, effects, dt, p)

    def in_tumour(self, data: np.ndarray) -> float:
        """The mean level over the tumour cells of ``data`` (weighted by density)."""
        cells = data[P.TUMOR] + data[P.EPITHELIAL]
        mass = float(cells.sum())
        return float((cells * self.d).sum() / mass) if mass > 0 else 0.0

    def diagnostics(self, data: np.ndarray) -> dict[str, float]:
        """The mean level over the grid and over the tumour cells (weighted by density)."""
        key = field_name(self.name)
        return {f"{key}_mean": float(self.d.mean()), f"{key}_in_tumour": self.in_tumour(data)}
