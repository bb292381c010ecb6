r"""A primary tumour as a growth law: its size in cells, the cells it sheds, its surgery.

The primary has :math:`x_p(t)` cells (a number, not a grid) that grow by one of

* ``exponential``: :math:`x_p' = a x_p`;
* ``logistic``: :math:`x_p' = a x_p (1 - x_p/K)`;
* ``gompertz``: :math:`x_p' = a x_p \ln(K/x_p)` (Iwata, Kawasaki & Shigesada 2000, with
  :math:`b = K`; hepatocellular carcinoma: :math:`a = 0.00286` /day,
  :math:`b = 7.3 \times 10^{10}` cells);
* ``hahnfeldt`` (Hahnfeldt et al. 1999): its volume :math:`V` and vascular carrying
  capacity :math:`K` in mm^3, :math:`V' = -\lambda_1 V \ln(V/K)`,
  :math:`K' = -\lambda_2 K + b V - d K V^{2/3}` (untreated; plateau
  :math:`V = K = (b/d)^{3/2}`), :math:`x_p = c V` with :math:`c` cells per mm^3;

and it sheds cells at the rate :math:`\beta(x_p) = m x_p^\alpha` per day (Iwata:
:math:`m = 5.3 \times 10^{-8}`, :math:`\alpha = 0.663`): over a step the number shed is
Poisson with mean :math:`\Lambda = \int m x_p(s)^\alpha ds`, and it does not reduce
:math:`x_p`. Without secondary seeding the expected number of metastases the cells
start is Iwata's :math:`N(t) = \int_0^t \beta(x_p(s))\, ds`. A resection at :math:`t_r`
leaves the fraction ``residual`` of the primary, which grows on by the same law.

Modules: :mod:`.parameters` (the options, :class:`PrimaryParameters`), :mod:`.laws` (a
step of each law: the exact solutions of the scalar ones, Runge-Kutta for Hahnfeldt's,
with the hook of a treatment), :mod:`.compartment` (:class:`Primary`: the lattice of
days, the random shedding, the resection, :meth:`Primary.niche_measure`),
:mod:`.diagnostics` (its events over a run). The ``shedding`` exchange
(:mod:`pde_meta.exchanges.shedding`) hands the shed cells to a circulation or straight
to an organ.
"""

from .compartment import NICHE_KINDS, Primary
from .laws import Hahnfeldt, ScalarLaw, make_law
from .parameters import LAW_KEYS, LAWS, PRIMARY_OPTIONS, PrimaryParameters, law_problems

__all__ = ["Primary", "PrimaryParameters", "PRIMARY_OPTIONS", "LAWS", "LAW_KEYS",
           "NICHE_KINDS", "law_problems", "Hahnfeldt", "ScalarLaw", "make_law"]
