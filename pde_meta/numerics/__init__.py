"""Numerics shared by every grid model: the numba policy and C-call boundary
(:mod:`.jit`), tridiagonal implicit solves (:mod:`.tridiag`) and their numpy twin
(:mod:`.reference`). Nothing here imports from the rest of the package."""
