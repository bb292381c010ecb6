"""Compiled kernels of the invasion model: plain arrays and a parameter tuple in,
arithmetic out.

Nothing here imports from the package outside :mod:`pde_meta.numerics` (the numba policy
and the shared tridiagonal solves). Each compiled kernel has a plain-numpy twin in
:mod:`..reference` and a test that proves they agree; the plane and parameter positions
of :mod:`.layout` are asserted against the model's field table and parameter specs.

The compiled modules load (or compile) their machine code when first imported, so
``advance`` is imported on first use: reading results needs no compiled code.
"""

from . import layout
from .layout import DT_TOO_LARGE, MAX_STEPS, NOT_FINITE, REACHED_END

__all__ = ["layout", "advance", "advance_richardson", "REACHED_END", "MAX_STEPS", "DT_TOO_LARGE",
           "NOT_FINITE"]


def __getattr__(name):
    if name in ("advance", "advance_richardson"):
        from . import driver

        return getattr(driver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
