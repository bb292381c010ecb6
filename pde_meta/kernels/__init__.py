"""Compiled kernels: plain arrays and a parameter tuple in, arithmetic out.

Nothing here imports from the rest of the package. Each compiled kernel has a plain-numpy
twin (in :mod:`.reference` or next to it) and a test that proves they agree.

The compiled modules load (or compile) their machine code when first imported, so
``advance`` is imported on first use: reading results needs no compiled code.
"""

from . import params
from .params import DT_TOO_LARGE, MAX_STEPS, NOT_FINITE, REACHED_END

__all__ = ["params", "advance", "REACHED_END", "MAX_STEPS", "DT_TOO_LARGE",
           "NOT_FINITE"]


def __getattr__(name):
    if name == "advance":
        from .driver import advance

        return advance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
