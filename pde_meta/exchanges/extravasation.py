"""Extravasation: the units that a circulation's organs took in (its
``extravasated_units``) are handed to the organs compartment of the same names, at each
coupling time; organs the organs compartment does not model keep them in the
circulation's count. The cells handed over are the cells the organs receive, exactly.
Then the organs' niches set the circulation's gains on arrest and extravasation in their
beds for the next interval (:meth:`Organs.niche_gains`).
"""

from __future__ import annotations

from ..coupling import Exchange, register_exchange
from ..errors import ConfigError
from ..models.circulation import Circulation
from ..models.organs.compartment import Organs

__all__ = ["Extravasation"]


@register_exchange("extravasation")
class Extravasation(Exchange):
    """From a circulation (model ``circulation``) to organs (model ``organs``)."""

    #: the models it connects (checked in the config)
    ENDS = (("circulation",), ("organs",))
    OPTIONS = ()

    def check(self, source, target) -> None:
        """Refuse compartments of the wrong kinds, and organs the circulation lacks."""
        if not isinstance(source, Circulation) or not isinstance(target, Organs):
            raise ConfigError(f"exchange {self.name!r} (extravasation): from = "
                              f"{self.source!r} is a {source.model!r} and to = "
                              f"{self.target!r} a {target.model!r}; allowed: from a "
                              f"circulation to organs (model 'organs'); fix: swap or "
                              f"rename them")
        known = {o.name for o in source.organs}
        missing = [n for n in target.names if n not in known]
        if missing:
            raise ConfigError(f"exchange {self.name!r}: the organs {missing} of {self.target!r}"
                              f" are not organs of the circulation {self.source!r} (it has "
                              f"{sorted(known)}); fix: use its organ names")
        if target.max_size < source.max_size:
            raise ConfigError(f"exchange {self.name!r}: {self.target!r} takes units of at "
                              f"most {target.max_size} cells, {self.source!r} carries "
                              f"{source.max_size}; fix: give them the same max_cluster_size")

    def apply(self, source: Circulation, target: Organs, t: float, interval: float) -> int:
        units = source.hand_over()
        cells = target.receive({name: units[name] for name in target.names})
        source.set_niche(target.niche_gains([o.name for o in source.organs]))
        return cells
