"""The state of the invasion model: a :class:`~pde_meta.core.state.GridState` over
:data:`.fields.FIELDS`, with a view per field (``state.tumor``, ``state.ecm``, ...)."""

from ...core.state import state_class
from .fields import FIELDS

__all__ = ["State"]


def _tumor_mass(self) -> float:
    """The integral of the tumour density."""
    return self.grid.integrate(self.data[FIELDS.index("tumor")])


State = state_class("State", FIELDS, __name__, methods={"tumor_mass": _tumor_mass})
