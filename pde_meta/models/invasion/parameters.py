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
_FRANSSEN = "Franssen et al. 2019 / MetaSpread"
_AC98 = "Anderson & Chaplain 1998"
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
    # ---- two phenotypes: the cells above are mesenchymal, these epithelial
    _S("epithelial_diffusivity", "D_e", "L^2/T", 2.5e-4,
       "random motility of epithelial cells", _FRANSSEN + " (D_E / D_M = 1/2)"),
    _S("epithelial_haptotaxis", "chi_e", "L^2/(T f)", 0.01,
       "haptotactic sensitivity of epithelial cells", _FRANSSEN + " (the same Phi)"),
    _S("epithelial_mmp_production", "mu_e", "m/(T n)", 0.0,
       "MMP secretion by epithelial cells", _FRANSSEN + " (only M cells make MMP-2)"),
    _S("epithelial_growth_rate", "r_e", "1/T", 0.0,
       "logistic proliferation rate of epithelial cells (shared space 1-n-e-f-b)",
       "illustrative; E cells divide faster than M cells (Franssen 2019); off"),
    _S("emt_rate", "k_emt", "1/T", 0.0, "basal EMT rate (epithelial -> mesenchymal)",
       "illustrative; off"),
    _S("emt_hypoxia_rate", "k_hyp", "1/T", 0.0,
       "extra EMT rate in hypoxia, times the hypoxic switch s(c)",
       "illustrative (hypoxia induces EMT through HIF-1a); off"),
    _S("emt_signal_rate", "k_sig", "1/T", 0.0,
       "extra EMT rate induced by active TGF-beta, proxied by MMP as m/(K_sig+m)",
       "illustrative (MMP-2/9 release active TGF-beta from the matrix); off"),
    _S("emt_signal_saturation", "K_sig", "m", 0.5,
       "MMP level of half the signal-induced EMT rate", "illustrative",
       low_inclusive=False),
    _S("met_rate", "k_met", "1/T", 0.0, "MET rate (mesenchymal -> epithelial)",
       "illustrative; off"),
    # ---- vessels
    _S("vessel_oxygen_supply", "beta_v", "1/T", 10.0,
       "oxygen exchange of perfused vessels, beta_v v (c_b - c)", "illustrative"),
    _S("blood_oxygen", "c_b", "c", 1.0, "oxygen level of the blood", "illustrative: the "
       "level of healthy tissue"),
    _S("lymph_drainage", "kappa_l", "1/T", 1.0,
       "removal of MMP and TAF by lymph vessels (fluid drainage), kappa_l l",
       "illustrative"),
    _S("vessel_wall_degradation", "delta_w", "1/(T m)", 1.0,
       "rate at which MMP degrades the vessel basement membrane", "illustrative"),
    # ---- angiogenesis (Anderson & Chaplain 1998, continuum sprout tips)
    _S("taf_diffusivity", "D_a", "L^2/T", 0.05, "TAF diffusion",
       "illustrative (VEGF diffuses about ten times slower than oxygen)"),
    _S("taf_secretion", "sigma_a", "a/(T n)", 0.0,
       "TAF secretion by hypoxic tumour cells, sigma_a (n+e) s(c)", "illustrative; off"),
    _S("taf_decay", "lambda_a", "1/T", 1.0, "TAF decay", "illustrative"),
    _S("taf_uptake", "eta", "1/(T p)", 0.1, "TAF uptake by sprout tips, eta p a", _AC98),
    _S("taf_saturation", "K_a", "a", 0.5,
       "TAF level of half the sprouting, leakiness and lymphangiogenesis response",
       "illustrative", low_inclusive=False),
    _S("sprout_diffusivity", "D_p", "L^2/T", 3.5e-4, "random motility of sprout tips",
       _AC98),
    _S("sprout_chemotaxis", "chi_0", "L^2/(T a)", 0.38,
       "chemotactic sensitivity chi(a) = chi_0/(1 + alpha_a a) of tips up TAF", _AC98),
    _S("sprout_chemotaxis_saturation", "alpha_a", "1/a", 0.6,
       "receptor saturation of the tip chemotaxis", _AC98),
    _S("sprout_haptotaxis", "rho", "L^2/(T f)", 0.34, "haptotaxis of tips up the ECM", _AC98),
    _S("sprouting_rate", "sigma_p", "p/T", 1.0,
       "tip production by vessels, sigma_p (v+u) a/(K_a+a)", "illustrative"),
    _S("anastomosis_rate", "kappa_p", "1/(T p)", 1.0,
       "anastomosis: tips fuse with tips and vessels, kappa_p p (p + v + u)",
       "Byrne & Chaplain 1995 (form); illustrative value"),
    _S("sprout_decay", "d_p", "1/T", 0.0, "death of tips", "illustrative; off"),
    _S("vessel_trail", "lambda_t", "1/(T p)", 10.0,
       "new vessel laid behind tips, lambda_t p ((V - v)^+ - u)",
       "Balding & McElwain 1985 (snail trail); illustrative value"),
    _S("vessel_maturation_rate", "k_mat", "1/T", 0.5,
       "new vessels become perfused at this rate (maturation time 1/k_mat)",
       "illustrative"),
    _S("leakiness_induction", "rho_L", "1/T", 1.0,
       "rise of leakiness with TAF where there are vessels, rho_L a/(K_a+a) (1 - L)",
       "illustrative"),
    _S("leakiness_normalisation", "nu_L", "1/T", 0.0,
       "relaxation of leakiness towards normal vessels, nu_L L", "illustrative; off"),
    _S("lymph_diffusivity", "D_l", "L^2/T", 0.0,
       "spread of lymphatic endothelium (0: lymph vessels stay where they are)",
       "illustrative; off"),
    _S("lymphangiogenesis_rate", "r_l", "1/T", 0.0,
       "growth of lymph vessels with TAF, r_l a/(K_a+a) l (1 - l - v - u)",
       "illustrative (VEGF-C acts like the shared TAF with its own rate); off"),
    _S("vessel_capacity", "V", "1", 0.2,
       "largest blood-vessel density the trail of the tips builds up",
       "illustrative (vessels fill a few to 20 % of a tissue's volume)", high=1.0),
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
