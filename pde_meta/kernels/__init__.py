"""Compiled kernels: plain arrays and a parameter tuple in, arithmetic out.

Nothing here imports from the rest of the package. Each compiled kernel has a plain-numpy
twin (in :mod:`.reference` or next to it) and a test that proves they agree.
"""

from . import params
from .driver import DT_TOO_LARGE, MAX_STEPS, NOT_FINITE, REACHED_END, advance

__all__ = ["params", "advance", "REACHED_END", "MAX_STEPS", "DT_TOO_LARGE",
           "NOT_FINITE"]
