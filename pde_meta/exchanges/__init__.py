"""The exchanges between kinds of compartments, registered for configs
(``[[exchanges]] kind = ...``): importing this package registers them.

* ``intravasation``: a tissue grid (model ``invasion``) -> a circulation (model
  ``circulation``): the cells that leave through the tissue's vessels;
* ``extravasation``: a circulation -> organs (model ``organs``): the units that
  extravasated, to the fates and colonies of their organ;
* ``shedding``: a growth-law primary (model ``primary``) -> a circulation, or straight
  to one organ of organs: the cells it shed.
"""

from .extravasation import Extravasation
from .intravasation import Intravasation
from .shedding import Shedding

__all__ = ["Intravasation", "Extravasation", "Shedding"]
