"""Plain-numpy twin of the compiled tridiagonal solves of :mod:`.tridiag`."""

import numpy as np

__all__ = ["solve_reference"]


def solve_reference(d, r, fixed_lo, fixed_hi, value_lo, value_hi):
    """Twin of the :mod:`.tridiag` solves: implicit diffusion along axis 0 by ``scipy.linalg``.

    ``d`` has shape ``(n,)`` or ``(n, k)`` (``k`` independent columns).
    """
    from scipy.linalg import solve_banded

    n = d.shape[0]
    ab = np.zeros((3, n))
    ab[0, 1:] = -r
    ab[2, :-1] = -r
    ab[1, :] = 1.0 + 2.0 * r
    ab[1, 0] = 1.0 + r + 2.0 * r * fixed_lo
    ab[1, -1] = 1.0 + r + 2.0 * r * fixed_hi
    rhs = np.array(d, dtype=float, copy=True)
    rhs[0] += 2.0 * r * fixed_lo * value_lo
    rhs[-1] += 2.0 * r * fixed_hi * value_hi
    return solve_banded((1, 1), ab, rhs)
