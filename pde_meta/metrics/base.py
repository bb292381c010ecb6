"""Shared pieces of the measures: default thresholds, array checks, connectivity."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..core.grid import Grid
from ..errors import ConfigError

__all__ = ["DEFAULT_TUMOR_THRESHOLD", "DEFAULT_MEMBRANE_THRESHOLD", "DEFAULT_BAND_THRESHOLD",
           "DEFAULT_HYPOXIA_THRESHOLD", "DEFAULT_ESCAPE_THRESHOLD", "WALLS", "field_array",
           "structure"]


DEFAULT_TUMOR_THRESHOLD = 0.1
#: membrane integrity below which a membrane cell counts as breached
DEFAULT_MEMBRANE_THRESHOLD = 0.5
#: initial membrane density above which a cell belongs to the membrane band
DEFAULT_BAND_THRESHOLD = 0.5
#: oxygen below which a cell is hypoxic (the model's default ``hypoxia_threshold`` c_h)
DEFAULT_HYPOXIA_THRESHOLD = 0.2
#: tumour density beyond the membrane that counts as an escape (Martin et al. 2010 style)
DEFAULT_ESCAPE_THRESHOLD = 0.05

WALLS = ("left", "right", "bottom", "top")


def field_array(values, grid: Grid, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.shape != grid.shape:
        raise ConfigError(f"metrics: {name} has shape {a.shape}, the grid is {grid.shape} "
                          f"(ny, nx); fix: pass one snapshot on this grid")
    return a


def structure(connectivity: int) -> np.ndarray:
    if connectivity not in (1, 2):
        raise ConfigError(f"metrics: connectivity = {connectivity!r}; allowed: 1 (cells "
                          f"sharing a face) or 2 (also cells sharing a corner)")
    return ndimage.generate_binary_structure(2, connectivity)
