r"""The tumour-invasion model: the owner of its equations, fields, parameters, kernels and
their numpy twins, initial conditions and diagnostics.

Equations
---------
Thirteen fields on a rectangle with zero-flux walls (non-dimensional). The first five are
the invasion model of Anderson (2005), with the basement membrane of Martin et al. 2010 /
Strobl et al. 2020 and the growth terms of Chaplain & Lolas 2005/06; the tumour cells
``n`` are the mesenchymal (invasive) phenotype once epithelial cells ``e`` are modelled
(Franssen et al. 2019):

.. math::

    n_t &= \nabla\cdot\big( D_n M(b) \nabla n - \chi M(b)\, n \nabla f \big)
           + r\, h(c)\, n\,(1 - n - e - f - b) - d_h\, s(c)\, n + k_{EM} e - k_{ME} n \\
    e_t &= \nabla\cdot\big( D_e M(b) \nabla e - \chi_e M(b)\, e \nabla f \big)
           + r_e\, h(c)\, e\,(1 - n - e - f - b) - d_h\, s(c)\, e - k_{EM} e + k_{ME} n \\
    f_t &= -\delta\, m f + R(n + e, f) \\
    b_t &= -\delta_b\, m b \\
    m_t &= D_m \nabla^2 m + \mu n + \mu_e e - (\lambda + \kappa_l l)\, m \\
    c_t &= D_c \nabla^2 c + \beta f + \beta_v v\, (c_b - c) - \gamma (n + e) c - \alpha c

and the vessels: TAF ``a`` (VEGF-like), sprout tips ``p``, perfused blood vessels ``v``,
new (not yet perfused) vessels ``u``, lymph vessels ``l``, the vessel wall ``w`` (the
vessels' basement membrane) and the leakiness ``L`` of the vessels in a cell
(Anderson & Chaplain 1998 for the tips; the snail trail of Balding & McElwain 1985 and the
tip-tip and tip-vessel anastomosis of Byrne & Chaplain 1995):

.. math::

    a_t &= D_a \nabla^2 a + \sigma_a (n + e)\, s(c)
           - (\lambda_a + \eta\, p + \kappa_l l)\, a \\
    p_t &= \nabla\cdot\big( D_p \nabla p - \chi_p(a)\, p \nabla a - \rho\, p \nabla f \big)
           + \sigma_p (v + u)\, \phi(a) - \kappa_p p\, (p + v + u) - d_p\, p \\
    u_t &= \lambda_t\, p\, \big((V - v)^+ - u\big) - k_{mat} u, \qquad v_t = k_{mat} u \\
    l_t &= D_l \nabla^2 l + r_l\, \phi(a)\, l\, (1 - l - v - u) \\
    w_t &= -\delta_w\, m w, \qquad L_t = \rho_L \phi(a)\, [v + u + l > 0]\, (1 - L) - \nu_L L

with

* membrane mobility :math:`M(b) = 1 - b/(1+\varepsilon)`: an intact membrane (b = 1) is a
  wall for tumour cells when :math:`\varepsilon = 0`; on a cell face M is the mean of the
  two cells' values and multiplies both the diffusive and the haptotactic flux;
* oxygen-limited growth :math:`h(c) = c/(K_c + c)` (:math:`h = 1` when :math:`K_c = 0`);
* smooth hypoxic switch :math:`s(c) = \tfrac12\,(1 - \tanh((c - c_h)/w))`, for death, for
  hypoxia-induced EMT and for TAF secretion;
* ECM remodelling :math:`R = \psi f (1 - n - e - f)` ("logistic", Chaplain & Lolas 2006) or
  :math:`R = \psi (1 - f)` ("relaxation", Chaplain & Anderson 2003);
* EMT :math:`k_{EM} = k_{emt} + k_{hyp} s(c) + k_{sig} m/(K_{sig} + m)`: basal, induced by
  hypoxia, and by active TGF-beta, for which MMP stands in (MMP-2/9 release latent
  TGF-beta from the matrix); MET :math:`k_{ME} = k_{met}`;
* tip chemotaxis with receptor saturation :math:`\chi_p(a) = \chi_0/(1 + \alpha_a a)`, and
  :math:`\phi(a) = a/(K_a + a)` for sprouting, leakiness and lymphangiogenesis.

Perfusion rule: a new vessel is laid down unperfused behind a moving tip and becomes
perfused at the maturation rate :math:`k_{mat}` (maturation time :math:`1/k_{mat}`); only
perfused vessels supply oxygen. Lymph vessels supply none; they drain MMP and TAF with the
interstitial fluid. New vessels have no wall (``w`` is only degraded), and their cells
grow leaky where TAF is high.

With :math:`r = d_h = \psi = \delta_b = 0`, no epithelial cells and no vessels this is the
continuum model of Anderson (2005), oxygen consumption written :math:`\gamma n c` so that
oxygen cannot become negative, and :math:`\alpha = \beta = 0.5` so that healthy tissue
(f = 1, n = 0) sits at c = 1 (Anderson's :math:`\alpha = 0.025` is unverified and would
let oxygen climb to 20).

Symbols
-------
==========  ==================================  =========
symbol      parameter                           default
==========  ==================================  =========
D_n         ``tumor_diffusivity``               0.0005
chi         ``haptotaxis``                      0.01
delta       ``ecm_degradation``                 10
D_m         ``mmp_diffusivity``                 0.0005
mu          ``mmp_production``                  1
lambda      ``mmp_decay``                       0
D_c         ``oxygen_diffusivity``              0.5
beta        ``oxygen_supply``                   0.5
gamma       ``oxygen_consumption``              0.57
alpha       ``oxygen_decay``                    0.5
delta_b     ``membrane_degradation``            0 (off)
eps         ``membrane_leakiness``              0
r           ``growth_rate``                     0 (off)
K_c         ``growth_oxygen_saturation``        0
d_h         ``hypoxic_death_rate``              0 (off)
c_h         ``hypoxia_threshold``               0.2
w           ``hypoxia_width``                   0.05
psi         ``ecm_remodelling``                 0 (off)
D_e         ``epithelial_diffusivity``          0.00025
chi_e       ``epithelial_haptotaxis``           0.01
mu_e        ``epithelial_mmp_production``       0
r_e         ``epithelial_growth_rate``          0 (off)
k_emt       ``emt_rate``                        0 (off)
k_hyp       ``emt_hypoxia_rate``                0 (off)
k_sig       ``emt_signal_rate``                 0 (off)
K_sig       ``emt_signal_saturation``           0.5
k_met       ``met_rate``                        0 (off)
beta_v      ``vessel_oxygen_supply``            10
c_b         ``blood_oxygen``                    1
kappa_l     ``lymph_drainage``                  1
delta_w     ``vessel_wall_degradation``         1
D_a         ``taf_diffusivity``                 0.05
sigma_a     ``taf_secretion``                   0 (off)
lambda_a    ``taf_decay``                       1
eta         ``taf_uptake``                      0.1
K_a         ``taf_saturation``                  0.5
D_p         ``sprout_diffusivity``              0.00035
chi_0       ``sprout_chemotaxis``               0.38
alpha_a     ``sprout_chemotaxis_saturation``    0.6
rho         ``sprout_haptotaxis``               0.34
sigma_p     ``sprouting_rate``                  1
kappa_p     ``anastomosis_rate``                1
d_p         ``sprout_decay``                    0 (off)
lambda_t    ``vessel_trail``                    10
k_mat       ``vessel_maturation_rate``          0.5
rho_L       ``leakiness_induction``             1
nu_L        ``leakiness_normalisation``         0 (off)
D_l         ``lymph_diffusivity``               0 (off)
r_l         ``lymphangiogenesis_rate``          0 (off)
V           ``vessel_capacity``                 0.2
==========  ==================================  =========

Modules: :mod:`.fields` (the field table), :mod:`.parameters` (the parameter specs),
:mod:`.kernels` (numba) and :mod:`.reference` (their numpy twins), :mod:`.stepper`,
:mod:`.initial`, :mod:`.diagnostics`, :mod:`.compartment`.

Discretisation (see ``docs/numerics.md``): cell-centred finite volumes; tumour, epithelial
and tip fluxes on faces, taxis upwinded with the Koren limiter; explicit Euler for their
transport and for MMP and lymph diffusion; exact exponentials for ECM, membrane, vessel
wall, leakiness, vessel maturation and the EMT/MET exchange; Patankar (production
explicit, destruction implicit) for growth, death, sprouting, anastomosis, the vessel
trail and oxygen consumption; locally one-dimensional implicit Euler for oxygen and TAF
diffusion. The phenotype group (``e``) and the vessel group (``a`` .. ``L``) are skipped
while they are empty and have no source. First order in time, second order in space where
the solution is smooth.
"""


from .fields import FIELDS
from .parameters import PARAMETER_SPECS, OxygenWalls, Parameters
from .state import State

__all__ = ["FIELDS", "PARAMETER_SPECS", "Parameters", "OxygenWalls", "State", "NAME"]

#: the name of the model in configs and files
NAME = "invasion"
