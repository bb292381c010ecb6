"""The solver against mathematics: conservation, positivity, analytic solutions, orders."""

import numpy as np
import pytest

import pde_meta as pm
from pde_meta import Stepper, initial
from pde_meta.core.grid import Grid
from pde_meta.errors import ConfigError, SimulationError
from pde_meta.models.invasion.parameters import OxygenWalls, Parameters

NO_KINETICS = dict(ecm_degradation=0.0, mmp_production=0.0, mmp_diffusivity=0.0)


def ecm_step_state(n=48, jump=0.9):
    """A tumour blob beside a steep ECM step: the hard case for taxis schemes."""
    grid = Grid.square(n)
    y, x = grid.meshgrid()
    tumor = initial.gaussian(grid, (0.4, 0.5), 0.08)
    ecm = np.where(x > 0.5, 1.0, 1.0 - jump)
    return initial.build_state(grid, tumor=tumor, ecm=ecm, mmp=0.5 * tumor, oxygen=1.0)


def test_tumour_mass_is_conserved_to_round_off():
    state = ecm_step_state()
    stepper = Stepper(state, Parameters())
    stepper.advance(np.inf, max_steps=1000)
    assert stepper.state.step == 1000
    mass0 = state.tumor.sum()
    assert abs(stepper.state.tumor.sum() - mass0) / mass0 < 1e-12


def test_no_field_ever_negative_on_a_hard_case():
    state = ecm_step_state(jump=1.0)
    state.ecm[:, :24] = 0.0
    stepper = Stepper(state, Parameters(haptotaxis=0.1, membrane_degradation=5.0))
    stepper.state.membrane[:, 30:33] = 1.0
    lowest = np.inf
    for _ in range(100):
        stepper.advance(np.inf, max_steps=10)
        lowest = min(lowest, stepper.state.data.min())
    assert stepper.state.step == 1000
    assert lowest >= 0.0
    assert stepper.state.tumor[:, 24:].sum() > 0  # the tumour did climb the step


def front_position(u, x, level=0.5):
    """x where a decreasing profile crosses ``level`` (linear interpolation)."""
    k = np.argmax(u < level)
    return x[k - 1] + (u[k - 1] - level) / (u[k - 1] - u[k]) * (x[k] - x[k - 1])


def test_fisher_kpp_front_speed():
    d, r = 1e-4, 1.0
    grid = Grid(shape=(3, 900), extent=(3 * 2.5 / 900, 2.5))
    tumor = initial.band(grid, "left", depth=0.05)
    state = initial.build_state(grid, tumor=tumor, oxygen=1.0)
    params = Parameters(tumor_diffusivity=d, haptotaxis=0.0, growth_rate=r, mmp_production=0.0,
                        ecm_degradation=0.0)
    times = np.linspace(20, 80, 13)
    fronts = [front_position(s.tumor[1], grid.x) for s in pm.iterate(state, params, times)]
    # x(t) = c t - a ln t + b (Bramson): fit c
    design = np.column_stack([times, np.log(times), np.ones_like(times)])
    speed = np.linalg.lstsq(design, np.array(fronts), rcond=None)[0][0]
    exact = 2 * np.sqrt(d * r)
    assert abs(speed - exact) / exact < 0.02


def test_haptotaxis_drift_and_spread_on_a_fixed_linear_ecm():
    d, chi, slope = 2e-4, 0.01, 1.0
    grid = Grid(shape=(3, 400), extent=(3 / 400, 1.0))
    x = grid.x
    tumor = np.broadcast_to(np.exp(-((x - 0.3) ** 2) / (2 * 0.03**2)), grid.shape)
    state = initial.build_state(grid, tumor=tumor, ecm=slope * x[None, :] + 0 * tumor)
    params = Parameters(tumor_diffusivity=d, haptotaxis=chi, **NO_KINETICS)
    t_end = 20.0
    s0, s1 = state, pm.solve(state, params, t_end)[-1]

    def moments(s):
        w = s.tumor[1] / s.tumor[1].sum()
        mean = (w * x).sum()
        return mean, (w * (x - mean) ** 2).sum()

    (m0, v0), (m1, v1) = moments(s0), moments(s1)
    assert abs((m1 - m0) / t_end - chi * slope) / (chi * slope) < 0.02
    assert abs((v1 - v0) - 2 * d * t_end) / (2 * d * t_end) < 0.05


def test_oxygen_slab_reaches_the_cosh_profile():
    """c(0) = 1, c'(L) = 0, uptake k: c = cosh((L - x)/l) / cosh(L/l), l = sqrt(D_c / k).

    The operator splitting gives the steady state an O(dt) error (an effective diffusivity
    D_c (1 + k dt)), so the step is kept at 2e-3: about 2.5e-4 in the profile.
    """
    d_c, k, length = 0.5, 0.5, 1.0
    grid = Grid(shape=(3, 200), extent=(3 / 200, length))
    state = initial.build_state(grid, oxygen=0.0)
    params = Parameters(oxygen_diffusivity=d_c, oxygen_decay=k, oxygen_supply=0.0,
                        mmp_diffusivity=0.0)
    final = pm.solve(state, params, 25.0, oxygen_walls=OxygenWalls(left=1.0), dt=2e-3)[-1]
    ell = np.sqrt(d_c / k)
    exact = np.cosh((length - grid.x) / ell) / np.cosh(length / ell)
    assert np.abs(final.oxygen[1] - exact).max() < 1e-3


def test_oxygen_is_stable_and_positive_far_beyond_the_explicit_bound(rng):
    grid = Grid.square(64)
    explicit_bound = 1 / (2 * 0.5 * (1 / grid.dx**2 + 1 / grid.dy**2))
    state = initial.build_state(grid, ecm=rng.uniform(0, 1, grid.shape),
                                oxygen=rng.uniform(0, 3, grid.shape))
    params = Parameters(mmp_diffusivity=0.0, ecm_degradation=0.0)
    stepper = Stepper(state, params, OxygenWalls(bottom=2.0), dt=1000 * explicit_bound)
    ceiling = 3.0  # max(initial, supply / decay, wall value): the maximum principle
    for _ in range(20):
        c = stepper.advance(np.inf, max_steps=1).oxygen
        assert c.min() >= 0.0 and c.max() <= ceiling


def test_ecm_decays_exactly_under_a_fixed_mmp(rng):
    grid = Grid.square(16)
    m = rng.uniform(0, 2, grid.shape)
    state = initial.build_state(grid, ecm=rng.uniform(0.5, 1, grid.shape), mmp=m)
    params = Parameters(mmp_diffusivity=0.0, mmp_production=0.0, ecm_degradation=10.0)
    final = pm.solve(state, params, 0.7)[-1]
    assert final.step > 10
    np.testing.assert_allclose(final.ecm, state.ecm * np.exp(-10.0 * m * 0.7), rtol=1e-12,
                               atol=0)


def membrane_state(n=64):
    grid = Grid.square(n)
    tumor = initial.ellipse(grid, radii=(0.18, 0.18))
    membrane = initial.membrane_ring(grid, radius=0.2, thickness=3.5 * grid.dx)
    state = initial.build_state(grid, tumor=tumor, ecm=initial.anderson_ecm(tumor),
                                membrane=membrane, mmp=0.5 * tumor, oxygen=1.0)
    y, x = grid.meshgrid()
    outside = np.hypot(x - 0.5, y - 0.5) > 0.2 + 3.5 * grid.dx
    return state, outside


def test_intact_membrane_stops_every_cell():
    state, outside = membrane_state()
    stepper = Stepper(state, Parameters(membrane_leakiness=0.0, membrane_degradation=0.0))
    stepper.advance(np.inf, max_steps=2000)
    assert stepper.state.step == 2000
    assert state.tumor[outside].sum() == 0.0
    assert stepper.state.tumor[outside].sum() < 1e-300
    assert stepper.state.membrane.max() == 1.0


def test_degraded_membrane_breaks_and_cells_cross():
    state, outside = membrane_state()
    stepper = Stepper(state, Parameters(membrane_degradation=5.0))
    stepper.advance(3.0)
    assert stepper.state.membrane.max() < 0.5
    assert stepper.state.tumor[outside].sum() > 1e-3 * state.tumor.sum()


def test_fixed_dt_above_the_bound_is_refused_with_the_bound():
    state = initial.anderson2005(32)
    bound = Stepper(state, Parameters()).dt_bound()
    stable = min(v for k, v in bound.limits.items() if k != "reactions") / 0.9
    with pytest.raises(ConfigError, match=f"{stable:.6g}"):
        Stepper(state, Parameters(), dt=1.01 * stable)
    Stepper(state, Parameters(), dt=0.99 * stable)  # accepted


def test_fixed_dt_that_becomes_unstable_stops_with_a_simulation_error():
    state = ecm_step_state(32)
    state.tumor[:] = 0.0
    state.tumor[10:20, 10:14] = 1.0
    stepper = Stepper(state, Parameters(haptotaxis=0.2), dt=None)
    dt = 0.99 * stepper.dt / 0.9
    fixed = Stepper(state, Parameters(haptotaxis=0.2), dt=dt)
    with pytest.raises(SimulationError, match="positivity bound"):
        fixed.advance(50.0)
    assert fixed.state.data.min() >= 0.0


def test_deterministic_across_thread_counts():
    state = initial.anderson2005(48)
    results = []
    for threads in (1, 2):
        results.append(pm.solve(state, Parameters(growth_rate=0.5, hypoxic_death_rate=0.2),
                                1.0, threads=threads)[-1])
    assert results[0].step == results[1].step
    np.testing.assert_array_equal(results[0].data, results[1].data)


def test_solve_returns_requested_times_and_calls_back():
    seen = []
    out = pm.solve(initial.anderson2005(16), Parameters(), 1.0, times=[0.25, 0.5],
                   callback=lambda s: seen.append(s.t))
    assert [s.t for s in out] == [0.25, 0.5, 1.0] == seen
