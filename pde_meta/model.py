r"""The tumour-invasion model: equations, parameters and the stable time-step bound.

Equations
---------
Five fields on a rectangle with zero-flux walls (non-dimensional; Anderson 2005, with the
basement membrane of Martin et al. 2010 / Strobl et al. 2020 and the growth terms of
Chaplain & Lolas 2005/06):

.. math::

    n_t &= \nabla\cdot\big( D_n M(b) \nabla n - \chi M(b)\, n \nabla f \big)
           + r\, h(c)\, n\,(1 - n - f - b) - d_h\, s(c)\, n \\
    f_t &= -\delta\, m f + R(n, f) \\
    b_t &= -\delta_b\, m b \\
    m_t &= D_m \nabla^2 m + \mu n - \lambda m \\
    c_t &= D_c \nabla^2 c + \beta f - \gamma n c - \alpha c

with

* membrane mobility :math:`M(b) = 1 - b/(1+\varepsilon)`: an intact membrane (b = 1) is a
  wall for tumour cells when :math:`\varepsilon = 0`; on a cell face M is the mean of the
  two cells' values and multiplies both the diffusive and the haptotactic flux;
* oxygen-limited growth :math:`h(c) = c/(K_c + c)` (:math:`h = 1` when :math:`K_c = 0`);
* smooth hypoxic death switch :math:`s(c) = \tfrac12\,(1 - \tanh((c - c_h)/w))`;
* ECM remodelling :math:`R = \psi f (1 - n - f)` ("logistic", Chaplain & Lolas 2006) or
  :math:`R = \psi (1 - f)` ("relaxation", Chaplain & Anderson 2003).

With :math:`r = d_h = \psi = \delta_b = 0` and no membrane this is the continuum model of
Anderson (2005), oxygen consumption written :math:`\gamma n c` so that oxygen cannot become
negative, and :math:`\alpha = \beta = 0.5` so that healthy tissue (f = 1, n = 0) sits at
c = 1 (Anderson's :math:`\alpha = 0.025` is unverified and would let oxygen climb to 20).

Symbols
-------
=========  ==================================  =====================
symbol     parameter                           default
=========  ==================================  =====================
D_n        ``tumor_diffusivity``               5e-4
chi        ``haptotaxis``                      0.01
delta      ``ecm_degradation``                 10
D_m        ``mmp_diffusivity``                 5e-4
mu         ``mmp_production``                  1
lambda     ``mmp_decay``                       0
D_c        ``oxygen_diffusivity``              0.5
beta       ``oxygen_supply``                   0.5
gamma      ``oxygen_consumption``              0.57
alpha      ``oxygen_decay``                    0.5
delta_b    ``membrane_degradation``            0 (off)
eps        ``membrane_leakiness``              0
r          ``growth_rate``                     0 (off)
K_c        ``growth_oxygen_saturation``        0
d_h        ``hypoxic_death_rate``              0 (off)
c_h        ``hypoxia_threshold``               0.2
w          ``hypoxia_width``                   0.05
psi        ``ecm_remodelling``                 0 (off)
=========  ==================================  =====================

Discretisation (see ``docs/numerics.md``): cell-centred finite volumes; tumour fluxes on
faces, haptotaxis upwinded with the Koren limiter; explicit Euler for tumour and MMP
transport; exact exponentials for ECM and membrane; Patankar (production explicit,
destruction implicit) for growth, death and oxygen consumption; locally one-dimensional
implicit Euler for oxygen diffusion. First order in time, second order in space where the
solution is smooth.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .errors import ConfigError
from .kernels import reference
from .state import State

__all__ = [
    "PARAMETER_SPECS",
    "ParameterSpec",
    "Parameters",
    "OxygenWalls",
    "DtBound",
    "stable_dt",
    "rhs",
]

ECM_REMODELLING_FORMS = ("logistic", "relaxation")


class ParameterSpec(NamedTuple):
    name: str
    symbol: str
    units: str
    low: float
    high: float
    low_inclusive: bool
    doc: str


INF = math.inf

#: One row per numeric parameter: name, symbol, units, allowed range, meaning.
PARAMETER_SPECS: tuple[ParameterSpec, ...] = (
    ParameterSpec("tumor_diffusivity", "D_n", "L^2/T", 0, INF, True,
                  "random motility of tumour cells"),
    ParameterSpec("haptotaxis", "chi", "L^2/(T f)", 0, INF, True,
                  "haptotactic sensitivity: drift up ECM gradients"),
    ParameterSpec("ecm_degradation", "delta", "1/(T m)", 0, INF, True,
                  "rate at which MMP degrades ECM"),
    ParameterSpec("mmp_diffusivity", "D_m", "L^2/T", 0, INF, True, "MMP diffusion"),
    ParameterSpec("mmp_production", "mu", "m/(T n)", 0, INF, True,
                  "MMP secretion by tumour cells"),
    ParameterSpec("mmp_decay", "lambda", "1/T", 0, INF, True, "MMP decay"),
    ParameterSpec("oxygen_diffusivity", "D_c", "L^2/T", 0, INF, True, "oxygen diffusion"),
    ParameterSpec("oxygen_supply", "beta", "c/(T f)", 0, INF, True,
                  "oxygen supply by the tissue (proportional to ECM)"),
    ParameterSpec("oxygen_consumption", "gamma", "1/(T n)", 0, INF, True,
                  "oxygen consumption by tumour cells, as gamma n c"),
    ParameterSpec("oxygen_decay", "alpha", "1/T", 0, INF, True, "oxygen decay"),
    ParameterSpec("membrane_degradation", "delta_b", "1/(T m)", 0, INF, True,
                  "rate at which MMP degrades the basement membrane"),
    ParameterSpec("membrane_leakiness", "eps", "1", 0, INF, True,
                  "membrane permeability: mobility M(b) = 1 - b/(1+eps); 0 = impassable"),
    ParameterSpec("growth_rate", "r", "1/T", 0, INF, True,
                  "logistic proliferation rate, limited by free space 1-n-f-b"),
    ParameterSpec("growth_oxygen_saturation", "K_c", "c", 0, INF, True,
                  "oxygen half-saturation of growth, h(c) = c/(K_c+c); 0 = no limitation"),
    ParameterSpec("hypoxic_death_rate", "d_h", "1/T", 0, INF, True,
                  "death rate of tumour cells in hypoxia"),
    ParameterSpec("hypoxia_threshold", "c_h", "c", 0, INF, True,
                  "oxygen level below which cells die"),
    ParameterSpec("hypoxia_width", "w", "c", 0, INF, False,
                  "width of the smooth hypoxic switch s(c) = (1 - tanh((c-c_h)/w))/2"),
    ParameterSpec("ecm_remodelling", "psi", "1/T", 0, INF, True,
                  "ECM re-establishment rate"),
)
_SPEC = {s.name: s for s in PARAMETER_SPECS}


def _check_number(key: str, value, spec: ParameterSpec) -> str | None:
    """One problem message, or ``None`` if ``value`` is allowed for ``spec``."""
    lo = "[" if spec.low_inclusive else "("
    allowed = f"a finite number in {lo}{spec.low:g}, {spec.high:g}]".replace("inf]", "inf)")
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return (f"{key} = {value!r} is a {type(value).__name__}; allowed: {allowed} "
                f"({spec.doc}); fix: write a number, e.g. {key.split('.')[-1]} = 0.1")
    v = float(value)
    ok = math.isfinite(v) and (v >= spec.low if spec.low_inclusive else v > spec.low)
    ok = ok and v <= spec.high
    if not ok:
        return (f"{key} = {value!r} is out of range; allowed: {allowed} ({spec.doc}); "
                f"fix: give a value in that range")
    return None


@dataclass(frozen=True, kw_only=True)
class Parameters:
    """Model parameters (non-dimensional), frozen and validated on creation.

    Each parameter carries its literature symbol, units (``L`` length, ``T`` time, and the
    field scales ``n, f, m, c``) and allowed range; see :data:`PARAMETER_SPECS` and the
    module docstring. The defaults are the Anderson (2005) continuum model; every extension
    term (growth, hypoxic death, ECM remodelling, membrane degradation) is off.

    Parameters
    ----------
    tumor_diffusivity : float
        D_n, random motility of tumour cells [L^2/T], >= 0. Default 5e-4.
    haptotaxis : float
        chi, haptotactic sensitivity [L^2/(T f)], >= 0. Default 0.01.
    ecm_degradation : float
        delta, ECM degradation by MMP [1/(T m)], >= 0. Default 10.
    mmp_diffusivity : float
        D_m, MMP diffusion [L^2/T], >= 0. Default 5e-4.
    mmp_production : float
        mu, MMP secretion by tumour cells [m/(T n)], >= 0. Default 1.
    mmp_decay : float
        lambda, MMP decay [1/T], >= 0. Default 0.
    oxygen_diffusivity : float
        D_c, oxygen diffusion [L^2/T], >= 0. Default 0.5.
    oxygen_supply : float
        beta, oxygen supply proportional to ECM [c/(T f)], >= 0. Default 0.5.
    oxygen_consumption : float
        gamma, consumption gamma n c [1/(T n)], >= 0. Default 0.57.
    oxygen_decay : float
        alpha, oxygen decay [1/T], >= 0. Default 0.5.
    membrane_degradation : float
        delta_b, membrane degradation by MMP, b_t = -delta_b m b [1/(T m)], >= 0.
        Default 0 (off). Source: Strobl et al. 2020.
    membrane_leakiness : float
        eps in M(b) = 1 - b/(1+eps), >= 0; 0 makes an intact membrane impassable.
        Default 0. Source: Martin et al. 2010.
    growth_rate : float
        r, logistic growth r h(c) n (1-n-f-b) [1/T], >= 0. Default 0 (off).
        Source: Chaplain & Lolas 2005, Anderson et al. 2000 (extensions).
    growth_oxygen_saturation : float
        K_c in h(c) = c/(K_c+c) [c], >= 0; 0 means growth is not oxygen-limited.
    hypoxic_death_rate : float
        d_h [1/T], >= 0. Default 0 (off). Source: Anderson 2005 (cells die below an
        oxygen threshold), smoothed.
    hypoxia_threshold : float
        c_h [c], >= 0. Default 0.2.
    hypoxia_width : float
        w [c], > 0, width of the smooth switch. Default 0.05.
    ecm_remodelling : float
        psi [1/T], >= 0. Default 0 (off).
    ecm_remodelling_form : str
        ``"logistic"``: psi f (1-n-f) (Chaplain & Lolas 2006); ``"relaxation"``:
        psi (1-f) (Chaplain & Anderson 2003).
    """

    tumor_diffusivity: float = 5e-4
    haptotaxis: float = 0.01
    ecm_degradation: float = 10.0
    mmp_diffusivity: float = 5e-4
    mmp_production: float = 1.0
    mmp_decay: float = 0.0
    oxygen_diffusivity: float = 0.5
    oxygen_supply: float = 0.5
    oxygen_consumption: float = 0.57
    oxygen_decay: float = 0.5
    membrane_degradation: float = 0.0
    membrane_leakiness: float = 0.0
    growth_rate: float = 0.0
    growth_oxygen_saturation: float = 0.0
    hypoxic_death_rate: float = 0.0
    hypoxia_threshold: float = 0.2
    hypoxia_width: float = 0.05
    ecm_remodelling: float = 0.0
    ecm_remodelling_form: str = "logistic"

    def __post_init__(self) -> None:
        problems = self.problems(dataclasses.asdict(self))
        if problems:
            raise ConfigError("invalid parameters: " + "; ".join(problems))
        for spec in PARAMETER_SPECS:
            object.__setattr__(self, spec.name, float(getattr(self, spec.name)))

    @staticmethod
    def problems(values: dict, prefix: str = "parameters.") -> list[str]:
        """Every problem with a mapping of parameter values, each naming its key."""
        out = []
        for name, value in values.items():
            key = prefix + name
            if name in _SPEC:
                msg = _check_number(key, value, _SPEC[name])
                if msg:
                    out.append(msg)
            elif name == "ecm_remodelling_form":
                if value not in ECM_REMODELLING_FORMS:
                    out.append(f"{key} = {value!r} is not allowed; allowed: "
                               f"{' or '.join(map(repr, ECM_REMODELLING_FORMS))}; "
                               f"fix: pick one of them")
        return out

    def replace(self, **changes) -> Parameters:
        """A copy with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def as_tuple(self) -> tuple[float, ...]:
        """The flat float tuple the compiled kernels take (order: ``kernels.PARAM_INDEX``)."""
        values = [float(getattr(self, s.name)) for s in PARAMETER_SPECS]
        values.append(float(ECM_REMODELLING_FORMS.index(self.ecm_remodelling_form)))
        return tuple(values)


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
        for side in ("left", "right", "bottom", "top"):
            v = getattr(self, side)
            if v is not None and not (
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                and v >= 0
            ):
                raise ConfigError(
                    f"oxygen_walls.{side} = {v!r} is not allowed; allowed: omit it (zero flux) "
                    f"or a finite oxygen level >= 0; fix: e.g. oxygen_walls.{side} = 1.0")

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(is_fixed[4], value[4])`` in the order left, right, bottom, top."""
        sides = (self.left, self.right, self.bottom, self.top)
        fixed = np.array([0.0 if v is None else 1.0 for v in sides])
        value = np.array([0.0 if v is None else float(v) for v in sides])
        return fixed, value


class DtBound(NamedTuple):
    """The largest admissible time step and which term sets it."""

    dt: float
    limiting: str
    limits: dict


def stable_dt(state: State, parameters: Parameters, safety: float = 0.9,
              reaction_limit: float = 1.0) -> DtBound:
    """The automatic time step for ``state`` and which term limits it.

    * ``tumour transport``: positivity of the explicit diffusion + limited-upwind taxis
      update, ``dt * R <= 1`` with ``R`` the largest outflow rate of any cell;
    * ``MMP diffusion``: ``dt * 2 D_m (1/dx^2 + 1/dy^2) <= 1``;
    * ``reactions``: ``dt * (fastest reaction rate) <= reaction_limit`` (accuracy).

    Oxygen is implicit and never limits the step. ``safety`` scales the stability limits.
    """
    p = parameters
    g = state.grid
    rate = reference.transport_rate(state.data, g.dx, g.dy, p.as_tuple())
    mmp_rate = 2 * p.mmp_diffusivity * (1 / g.dx**2 + 1 / g.dy**2)
    reaction = reference.reaction_rate(state.data, p.as_tuple())
    limits = {
        "tumour transport": safety / rate if rate > 0 else INF,
        "MMP diffusion": safety / mmp_rate if mmp_rate > 0 else INF,
        "reactions": reaction_limit / reaction if reaction > 0 else INF,
    }
    name = min(limits, key=limits.get)
    return DtBound(limits[name], name, limits)


def rhs(state: State, parameters: Parameters,
        oxygen_walls: OxygenWalls | None = None) -> dict[str, np.ndarray]:
    """The semi-discrete right-hand side of every field, in plain numpy.

    This is the readable reference of the spatial discretisation the solver uses
    (finite-volume fluxes, Koren-limited upwind haptotaxis); tests compare the compiled
    stepper against it.
    """
    g = state.grid
    fixed, value = (oxygen_walls or OxygenWalls()).as_arrays()
    rates = reference.rhs(state.data, g.dx, g.dy, parameters.as_tuple(), fixed, value)
    return dict(zip(("tumor", "ecm", "membrane", "mmp", "oxygen"), rates, strict=True))

