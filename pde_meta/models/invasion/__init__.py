r"""The tumour-invasion model: the owner of its equations, fields, parameters, kernels and
their numpy twins, initial conditions and diagnostics.

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
=========  ==============================  =========
symbol     parameter                       default
=========  ==============================  =========
D_n        ``tumor_diffusivity``           0.0005
chi        ``haptotaxis``                  0.01
delta      ``ecm_degradation``             10
D_m        ``mmp_diffusivity``             0.0005
mu         ``mmp_production``              1
lambda     ``mmp_decay``                   0
D_c        ``oxygen_diffusivity``          0.5
beta       ``oxygen_supply``               0.5
gamma      ``oxygen_consumption``          0.57
alpha      ``oxygen_decay``                0.5
delta_b    ``membrane_degradation``        0 (off)
eps        ``membrane_leakiness``          0
r          ``growth_rate``                 0 (off)
K_c        ``growth_oxygen_saturation``    0
d_h        ``hypoxic_death_rate``          0 (off)
c_h        ``hypoxia_threshold``           0.2
w          ``hypoxia_width``               0.05
psi        ``ecm_remodelling``             0 (off)
=========  ==============================  =========

Modules: :mod:`.fields` (the field table), :mod:`.parameters` (the parameter specs),
:mod:`.kernels` (numba) and :mod:`.reference` (their numpy twins), :mod:`.stepper`,
:mod:`.initial`, :mod:`.diagnostics`, :mod:`.compartment`.

Discretisation (see ``docs/numerics.md``): cell-centred finite volumes; tumour fluxes on
faces, haptotaxis upwinded with the Koren limiter; explicit Euler for tumour and MMP
transport; exact exponentials for ECM and membrane; Patankar (production explicit,
destruction implicit) for growth, death and oxygen consumption; locally one-dimensional
implicit Euler for oxygen diffusion. First order in time, second order in space where the
solution is smooth.
"""


from .fields import FIELDS
from .parameters import PARAMETER_SPECS, OxygenWalls, Parameters
from .state import State

__all__ = ["FIELDS", "PARAMETER_SPECS", "Parameters", "OxygenWalls", "State", "NAME"]

#: the name of the model in configs and files
NAME = "invasion"
