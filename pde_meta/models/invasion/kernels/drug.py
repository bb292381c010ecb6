"""The compiled step of a drug's level on the tissue grid (:mod:`..drug`).

One implicit Euler step of ``d_t = D lap d + P s (g - d) - lambda d - u n d``: the
pointwise part ``d1 = (d + dt P s g) / (1 + dt (lambda + u n + P s))``, then the locally
one-dimensional implicit diffusion, rows (:func:`.tridiag.solve_rows`) then columns
(:func:`.tridiag.solve_columns`), with zero-flux walls. Every piece is positive for any
``dt``, so the drug never limits the tissue's step.
"""

from ....numerics.jit import jit
from ....numerics.tridiag import factorise, solve_columns, solve_rows
from . import layout as P


@jit
def drug_step(d, data, supply_plane, dt, dx, dy, diffusion, decay, uptake, permeability,
              level, block, cp_x, inv_x, cp_y, inv_y):
    """Advance the drug level ``d`` (ny, nx) by ``dt`` in place.

    ``data`` is the tissue's state array (its tumour and epithelial planes take the drug
    up); ``supply_plane`` is the plane whose density lets the drug in (the perfused blood
    vessels or the ECM), or -1 for a uniform supply; ``level`` is the plasma level at the
    end of the step. ``cp_*``, ``inv_*`` are scratch arrays of lengths nx and ny.
    """
    ny = d.shape[0]
    nx = d.shape[1]
    keep = 1.0 + dt * decay
    take = dt * uptake
    for i in range(ny):
        for j in range(nx):
            s = permeability
            if supply_plane >= 0:
                s = permeability * data[supply_plane, i, j]
            cells = data[P.TUMOR, i, j] + data[P.EPITHELIAL, i, j]
            d[i, j] = (d[i, j] + dt * s * level) / (keep + take * cells + dt * s)
    if diffusion > 0.0:
        r_x = dt * diffusion / (dx * dx)
        r_y = dt * diffusion / (dy * dy)
        factorise(r_x, 0.0, 0.0, cp_x, inv_x)
        factorise(r_y, 0.0, 0.0, cp_y, inv_y)
        solve_rows(d, r_x, cp_x, inv_x, 0.0, 0.0)
        solve_columns(d, r_y, cp_y, inv_y, 0.0, 0.0, block)
