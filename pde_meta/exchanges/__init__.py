"""The exchanges between kinds of compartments, registered for configs
(``[[exchanges]] kind = ...``): importing this package registers them.

* ``intravasation``: a tissue grid (model ``invasion``) -> a circulation (model
  ``circulation``): the cells that leave through the tissue's vessels;
* ``extravasation``: a circulation -> organs (model ``organs``): the units that
  extravasated, to the fates and colonies of their organ; it passes the organs' niche
  gains on arrest and extravasation back to the circulation;
* ``niche``: a primary -> organs: the signals that prime each organ's pre-metastatic
  niche;
* ``surgery``: a primary -> organs: the primary is resected at a time, and the
  inflammation wakes the organs' dormant cells faster for a while;
* ``colonisation``: organs -> a tissue grid: the colonies that start in one organ grow
  in space, placed at the grid's vessels;
* ``shedding``: a growth-law primary (model ``primary``) -> a circulation, or straight
  to one organ of organs: the cells it shed.
"""

from .colonisation import Colonisation
from .extravasation import Extravasation
from .intravasation import Intravasation
from .niche import NicheSignals
from .shedding import Shedding
from .surgery import Surgery

__all__ = ["Intravasation", "Extravasation", "NicheSignals", "Surgery", "Colonisation",
           "Shedding"]
