"""Parameters of the invasion model: one :class:`~pde_meta.core.parameters.ParameterSpec`
each, the frozen :class:`Parameters` made from them, and the oxygen wall conditions.

The specs are the only place a parameter is written: the kernel tuple order
(:mod:`.kernels.layout`), the symbol table of the model docstring and the
``[parameters]`` section of ``docs/config.md`` are derived from them (tests keep the
generated texts equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.options import Option, check_option
from ...core.parameters import ParameterSpec, parameter_class
from ...errors import ConfigError

__all__ = ["PARAMETER_SPECS", "Parameters", "OxygenWalls", "ECM_REMODELLING_FORMS", "WALLS",
           "WALL_OPTIONS"]

ECM_REMODELLING_FORMS = ("logistic", "relaxation")
WALLS = ("left", "right", "bottom", "top")

_A05 = "Anderson 2005 (continuum model)"
_MODEL = ("chosen so that healthy tissue (f = 1, n = 0) sits at c = 1 (Anderson's "
          "alpha = 0.025 is unverified)")
_S = ParameterSpec

#: One row per parameter, in the order of the kernel tuple.
PARAMETER_SPECS: tuple[ParameterSpec, ...] = (
    _S("tumor_diffusivity", "D_n", "L^2/T", 5e-4, "random motility of tumour cells", _A05),
    _S("haptotaxis", "chi", "L^2/(T f)", 0.01,
       "haptotactic sensitivity: drift up ECM gradients", _A05),
    _S("ecm_degradation", "delta", "1/(T m)", 10.0, "rate at which MMP degrades ECM", _A05),
    _S("mmp_diffusivity", "D_m", "L^2/T", 5e-4, "MMP diffusion", _A05),
    _S("mmp_production", "mu", "m/(T n)", 1.0, "MMP secretion by tumour cells", _A05),
    _S("mmp_decay", "lambda", "1/T", 0.0, "MMP decay", _A05),
    _S("oxygen_diffusivity", "D_c", "L^2/T", 0.5, "oxygen diffusion", _A05),
    _S("oxygen_supply", "beta", "c/(T f)", 0.5,
       "oxygen supply by the tissue (proportional to ECM)", _MODEL),
    _S("oxygen_consumption", "gamma", "1/(T n)", 0.57,
       "oxygen consumption by tumour cells, as gamma n c", _A05),
    _S("oxygen_decay", "alpha", "1/T", 0.5, "oxygen decay", _MODEL),
    _S("membrane_degradation", "delta_b", "1/(T m)", 0.0,
       "rate at which MMP degrades the basement membrane", "Strobl et al. 2020; off"),
    _S("membrane_leakiness", "eps", "1", 0.0,
       "membrane permeability: mobility M(b) = 1 - b/(1+eps); 0 = impassable",
       "Martin et al. 2010"),
    _S("growth_rate", "r", "1/T", 0.0,
       "logistic proliferation rate, limited by free space 1-n-f-b",
       "Chaplain & Lolas 2005, Anderson et al. 2000 (extensions); off"),
    _S("growth_oxygen_saturation", "K_c", "c", 0.0,
       "oxygen half-saturation of growth, h(c) = c/(K_c+c); 0 = no limitation",
       "illustrative"),
    _S("hypoxic_death_rate", "d_h", "1/T", 0.0, "death rate of tumour cells in hypoxia",
       "Anderson 2005 (cells die below an oxygen threshold), smoothed; off"),
    _S("hypoxia_threshold", "c_h", "c", 0.2, "oxygen level below which cells die",
       "illustrative"),
    _S("hypoxia_width", "w", "c", 0.05,
       "width of the smooth hypoxic switch s(c) = (1 - tanh((c-c_h)/w))/2", "illustrative",
       low_inclusive=False),
    _S("ecm_remodelling", "psi", "1/T", 0.0, "ECM re-establishment rate",
       "Chaplain & Lolas 2006; off"),
    _S("ecm_remodelling_form", "psi_form", "", "logistic",
       "form of the ECM remodelling term: psi f (1-n-f) (logistic) or psi (1-f) (relaxation)",
       "Chaplain & Lolas 2006 (logistic), Chaplain & Anderson 2003 (relaxation)",
       choices=ECM_REMODELLING_FORMS),
)

Parameters = parameter_class("Parameters", PARAMETER_SPECS, """
Parameters of the invasion model (non-dimensional), frozen and validated on creation.

Each parameter carries its literature symbol, units (``L`` length, ``T`` time, and the
field scales ``n, f, m, c``), allowed range, default and source; see
:data:`PARAMETER_SPECS` and the model docstring. The defaults are the Anderson (2005)
continuum model; every extension term (growth, hypoxic death, ECM remodelling, membrane
degradation) is off.
""", __name__)


#: the rule of each wall: the ``[oxygen_walls]`` section of a config, and :class:`OxygenWalls`
WALL_OPTIONS = tuple(
    Option(side, "number", None, f"fixed oxygen level on the {side} wall (a vessel); "
           "omitted: zero flux", low=0) for side in WALLS)


@dataclass(frozen=True, kw_only=True)
class OxygenWalls:
    """Oxygen boundary condition on each wall: ``None`` = zero flux, a number = fixed value.

    A fixed value models a blood vessel running along that wall (Dirichlet condition on
    the wall face). Tumour, ECM, membrane and MMP always have zero-flux walls.
    """

    left: float | None = None
    right: float | None = None
    bottom: float | None = None
    top: float | None = None

    def __post_init__(self) -> None:
        for opt in WALL_OPTIONS:
            v = getattr(self, opt.key)
            if v is not None:
                v, problem = check_option(f"oxygen_walls.{opt.key}", v, opt)
                if problem:
                    raise ConfigError(problem)
                object.__setattr__(self, opt.key, v)

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(is_fixed[4], value[4])`` in the order left, right, bottom, top."""
        sides = (self.left, self.right, self.bottom, self.top)
        fixed = np.array([0.0 if v is None else 1.0 for v in sides])
        value = np.array([0.0 if v is None else float(v) for v in sides])
        return fixed, value
