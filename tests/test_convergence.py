"""Observed orders of convergence match docs/numerics.md: 2 in space, 1 in time."""

import numpy as np
import pytest

import pde_meta as pm
from pde_meta import initial
from pde_meta.core.grid import Grid
from pde_meta.models.invasion.parameters import Parameters


def restrict(fine, n):
    """Block averages of a fine cell-average field onto an ``n x n`` grid."""
    k = fine.shape[0] // n
    return fine.reshape(n, k, n, k).mean(axis=(1, 3))


def orders(errors):
    return [np.log2(a / b) for a, b in zip(errors, errors[1:], strict=False)]


def test_diffusion_operator_is_second_order_in_space():
    """n = 1 + e^{-2 pi^2 D t} cos(pi x) cos(pi y) solves the zero-flux heat equation."""
    d, t_end = 0.01, 2.0
    params = Parameters(tumor_diffusivity=d, haptotaxis=0.0, mmp_diffusivity=0.0,
                        mmp_production=0.0, ecm_degradation=0.0)
    errors = []
    for n in (16, 32, 64, 128):
        grid = Grid.square(n)
        y, x = grid.meshgrid()
        # cell averages of cos(pi x) cos(pi y): the sinc factor makes the IC exact
        avg = (np.sin(np.pi * grid.dx / 2) / (np.pi * grid.dx / 2)) ** 2
        shape = np.cos(np.pi * x) * np.cos(np.pi * y) * avg
        state = initial.build_state(grid, tumor=1 + shape, oxygen=1.0)
        dt = 0.1 * grid.dx**2 / d  # time error O(h^2) too
        final = pm.solve(state, params, t_end, dt=dt)[-1]
        exact = 1 + np.exp(-2 * np.pi**2 * d * t_end) * shape
        errors.append(np.abs(final.tumor - exact).max())
    assert min(orders(errors)) >= 1.9, errors


def test_the_euler_scheme_is_first_order_in_time():
    """``scheme = "euler"`` (the second-order default: ``test_richardson.py``)."""
    state = initial.anderson2005(32)
    params = Parameters(growth_rate=0.5, hypoxic_death_rate=0.3, hypoxia_threshold=0.5)
    dt0 = 0.5 * pm.Stepper(state, params).dt
    t_end = 40 * dt0

    def run(dt):
        return pm.solve(state, params, t_end, dt=dt, scheme="euler")[-1].data

    reference = run(dt0 / 32)
    errors = [np.abs(run(dt0 / k) - reference).max() for k in (1, 2, 4)]
    observed = orders(errors)
    assert all(0.9 <= p <= 1.25 for p in observed), (errors, observed)


@pytest.mark.slow
def test_anderson2005_converges_at_first_order_or_better():
    """The full benchmark problem to t = 10 on 64, 128, 256 against 512, with the
    first-order scheme (its time error, O(dt) = O(h^2) at the automatic step, falls with
    the grid; the default scheme, four times the cost here, at t = 1:
    ``test_richardson.py``)."""
    params = Parameters()
    grids = (64, 128, 256, 512)
    finals = {n: pm.solve(initial.anderson2005(n), params, 10.0, scheme="euler")[-1].tumor
              for n in grids}
    errors = [np.abs(finals[n] - restrict(finals[512], n)).mean() for n in grids[:-1]]
    observed = orders(errors)
    assert min(observed) >= 0.9, (errors, observed)
