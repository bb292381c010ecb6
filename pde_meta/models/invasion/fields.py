"""The fields of the invasion model, in the order of the planes of its state array."""

from ...core.fields import FieldSpec, FieldTable
from ...core.parameters import INF

__all__ = ["FIELDS", "PHENOTYPE_FIELDS", "VESSEL_FIELDS"]

#: name, symbol, units, allowed range, description, plot colour map, per-snapshot extreme
FIELDS = FieldTable((
    FieldSpec("tumor", "n", "n", 0.0, INF, "tumour cell density (mesenchymal)", "magma",
              "max"),
    FieldSpec("ecm", "f", "f", 0.0, INF, "extracellular matrix density", "viridis", "min"),
    FieldSpec("membrane", "b", "1", 0.0, 1.0, "basement membrane density", "Greys", "min"),
    FieldSpec("mmp", "m", "m", 0.0, INF, "matrix metalloproteinase concentration", "plasma",
              "max"),
    FieldSpec("oxygen", "c", "c", 0.0, INF, "oxygen concentration", "cividis", "min"),
    FieldSpec("epithelial", "e", "n", 0.0, INF, "epithelial tumour cell density", "magma",
              "max"),
    FieldSpec("taf", "a", "a", 0.0, INF, "tumour angiogenic factor (VEGF-like) concentration",
              "inferno", "max"),
    FieldSpec("sprouts", "p", "p", 0.0, INF, "endothelial sprout-tip density", "Reds", "max"),
    FieldSpec("blood", "v", "1", 0.0, 1.0, "perfused blood-vessel density (area fraction)",
              "Reds"),
    FieldSpec("new_vessels", "u", "1", 0.0, 1.0, "new, not yet perfused blood-vessel density "
              "(area fraction)", "Oranges"),
    FieldSpec("lymph", "l", "1", 0.0, 1.0, "lymphatic-vessel density (area fraction)",
              "Greens"),
    FieldSpec("vessel_wall", "w", "1", 0.0, 1.0, "vessel basement membrane density", "Greys"),
    FieldSpec("leakiness", "L", "1", 0.0, 1.0, "leakiness of the vessels in a cell (0 normal, "
              "1 fully leaky)", "PuRd"),
))

#: the fields of the two phenotypes and of the vessels: constant (and not stepped) while
#: no cell, vessel or factor of their kind exists
PHENOTYPE_FIELDS = ("epithelial",)
VESSEL_FIELDS = ("taf", "sprouts", "blood", "new_vessels", "lymph", "vessel_wall",
                 "leakiness")
