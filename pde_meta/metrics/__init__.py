r"""Measures of fields on a grid: scalar numbers that describe one snapshot or a time series.

Every function here works on plain ``(ny, nx)`` numpy arrays laid out on a
:class:`~pde_meta.core.grid.Grid` (row ``i`` is y, column ``j`` is x, values are cell averages
sampled at cell centres). Which of them a model stores in ``/diagnostics`` is the
model's choice (the invasion model's: :mod:`pde_meta.models.invasion.diagnostics`).

Units
-----
The model is non-dimensional. Lengths are in the units of ``Grid.extent`` (``L``), areas
in ``L^2``, times in the simulation's time unit ``T``. A "mass" is the integral of a
density, ``sum(n) * dx * dy``, in units of ``n L^2``. Integrity, roughness and counts are
pure numbers.

Conventions
-----------
* A cell is *above* a threshold when its value is strictly greater than the threshold, and
  *below* it when strictly smaller. Areas are cell counts times the cell area (error at
  most half a cell per boundary cell).
* Connected regions are labelled with :func:`scipy.ndimage.label`. ``connectivity=1``
  (the default) joins cells that share a face, the neighbours the finite-volume solver
  couples; ``connectivity=2`` also joins cells that touch at a corner.
* Fronts, perimeters and contour areas use marching squares on the cell-centre grid
  (``contourpy``, the contour generator behind matplotlib): the threshold contour is the
  polygon through the points where the linear interpolation between neighbouring cell
  centres equals the threshold. On a smooth field this polygon is inscribed in the true
  level set, so lengths and radii converge at second order in the cell size (a perimeter
  is short by a relative ``O((h/R)^2)``). On a field that jumps from 0 to 1 between two
  cells the contour is a chamfered staircase: its length behaves like the 8-direction
  chain code and overestimates a curved boundary by about 5 % on average (Kulpa's factor
  0.948), exactly 0 for boundaries along the axes or the diagonals. Contours stop at the
  outermost cell centres: a region that touches a wall has no front along that wall.
* Points are ``(x, y)``, as in :mod:`pde_meta.initial`.
"""

from .areas import Clusters, detached_clusters, hypoxic_area, invaded_area, tumor_mass
from .base import (
    DEFAULT_BAND_THRESHOLD,
    DEFAULT_ESCAPE_THRESHOLD,
    DEFAULT_HYPOXIA_THRESHOLD,
    DEFAULT_MEMBRANE_THRESHOLD,
    DEFAULT_TUMOR_THRESHOLD,
    field_array,
)
from .fronts import (
    Front,
    band_depth,
    contour_area,
    front_radius,
    perimeter,
    roughness,
    threshold_contours,
)
from .membrane import (
    MembraneRegions,
    mass_beyond_membrane,
    membrane_barrier,
    membrane_breaches,
    membrane_min_integrity,
    membrane_regions,
)
from .series import breach_time, crossing_time, front_speed

__all__ = [
    "DEFAULT_TUMOR_THRESHOLD", "DEFAULT_MEMBRANE_THRESHOLD", "DEFAULT_BAND_THRESHOLD",
    "DEFAULT_HYPOXIA_THRESHOLD", "DEFAULT_ESCAPE_THRESHOLD",
    "Front", "Clusters", "MembraneRegions", "field_array",
    "tumor_mass", "invaded_area", "hypoxic_area", "threshold_contours", "perimeter",
    "contour_area", "roughness", "front_radius", "band_depth", "front_speed",
    "detached_clusters", "membrane_regions", "membrane_min_integrity", "membrane_breaches",
    "membrane_barrier", "mass_beyond_membrane", "crossing_time", "breach_time",
]
