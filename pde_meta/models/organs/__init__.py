r"""Distant organs: what becomes of the cells that reach them.

This package holds, so far, the size-structured population of colonies of an organ
(:mod:`.colonies`): the transport equation of Iwata et al. (2000) and Benzekry et al. in
colony size,

.. math::

    \rho_t + (g(x)\, \rho)_x = -d(x)\, \rho, \qquad g(1)\, \rho(t, 1) = \beta(t),

solved by a conservative, positive upwind finite-volume scheme on a logarithmic size grid
(1 to :math:`10^{12}` cells in a few hundred bins), with exponential, logistic or
Gompertz growth, the first colonies as discrete records with exact growth and their own
stochastic death (:mod:`.records`), and the fates of the cells that arrive
(:mod:`.fates`: death, dormancy by age with reactivation, or a colony), with an exact
ledger of cells. The organ
compartment (its config, the exchange from the circulation, the niche, the hand-over
from single colonies to the density) builds on them.
"""

from .colonies import GROWTH_LAWS, Colonies, SizeGrid, velocity
from .fates import Fates, Soil
from .records import Records

__all__ = ["Colonies", "SizeGrid", "GROWTH_LAWS", "velocity", "Fates", "Soil", "Records"]
