"""The exchanges between kinds of compartments, registered for configs
(``[[exchanges]] kind = ...``): importing this package registers them.

* ``intravasation``: a tissue grid (model ``invasion``) -> a circulation (model
  ``circulation``): the cells that leave through the tissue's vessels.
"""

from .intravasation import Intravasation

__all__ = ["Intravasation"]
