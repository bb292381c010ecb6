"""The fields of the invasion model, in the order of the planes of its state array."""

from ...core.fields import FieldSpec, FieldTable
from ...core.parameters import INF

__all__ = ["FIELDS"]

#: name, symbol, units, allowed range, description, plot colour map, per-snapshot extreme
FIELDS = FieldTable((
    FieldSpec("tumor", "n", "n", 0.0, INF, "tumour cell density", "magma", "max"),
    FieldSpec("ecm", "f", "f", 0.0, INF, "extracellular matrix density", "viridis", "min"),
    FieldSpec("membrane", "b", "1", 0.0, 1.0, "basement membrane density", "Greys", "min"),
    FieldSpec("mmp", "m", "m", 0.0, INF, "matrix metalloproteinase concentration", "plasma",
              "max"),
    FieldSpec("oxygen", "c", "c", 0.0, INF, "oxygen concentration", "cividis", "min"),
))
