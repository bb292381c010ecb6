"""The two phenotypes and the vessels against analytic solutions and invariants."""

import numpy as np
import pytest
from conftest import random_state_data, two_zone_steady

import pde_meta as pm
from pde_meta import initial
from pde_meta.core.grid import Grid
from pde_meta.models.invasion.kernels import layout
from pde_meta.models.invasion.stepper import active_groups, groups_on, stored_fields

#: a parameter set that moves nothing: each test switches on what it measures
STILL = dict(tumor_diffusivity=0.0, haptotaxis=0.0, epithelial_diffusivity=0.0,
             epithelial_haptotaxis=0.0, mmp_diffusivity=0.0, mmp_production=0.0,
             ecm_degradation=0.0, oxygen_supply=0.0, oxygen_consumption=0.0,
             oxygen_decay=0.0)


def strip(n, length=1.0, rows=3):
    """A grid of ``rows`` x ``n`` cells: the 1D problems along x."""
    return Grid(shape=(rows, n), extent=(length * rows / n, length))


def test_emt_and_met_alone_follow_the_two_state_solution():
    """No transport, constant oxygen and MMP: e' = -k_EM e + k_ME n exactly."""
    grid = strip(8)
    c, m = 0.15, 0.4
    params = pm.Parameters(**STILL, emt_rate=0.3, emt_hypoxia_rate=0.5, emt_signal_rate=0.7,
                           emt_signal_saturation=0.2, met_rate=0.2)
    state = initial.build_state(grid, tumor=0.1, epithelial=0.6, mmp=m, oxygen=c)
    s = 0.5 * (1 - np.tanh((c - params.hypoxia_threshold) / params.hypoxia_width))
    k_em = 0.3 + 0.5 * s + 0.7 * m / (0.2 + m)
    k = k_em + 0.2
    stepper = pm.Stepper(state, params, dt=0.01)
    for t in (0.05, 0.5, 2.0, 7.0):
        e = stepper.advance(t).epithelial
        e_inf = 0.7 * 0.2 / k
        exact = e_inf + (0.6 - e_inf) * np.exp(-k * t)
        np.testing.assert_allclose(e, exact, rtol=1e-12)
        np.testing.assert_allclose(stepper.state.tumor + e, 0.7, rtol=1e-14)


def hard_case(n=64):
    """A sharp ECM step, ten times the haptotaxis, fast switching, sprout tips under strong
    chemotaxis, vessels and lymph with TAF: every group on, growth and death off."""
    grid = Grid.square(n)
    y, x = grid.meshgrid()
    blob = initial.gaussian(grid, (0.4, 0.5), 0.08)
    ecm = np.where(x < 0.5, 0.2, 1.0)
    vessel = initial.vessel_line(grid, (0.85, 0.0), (0.85, 1.0), 0.04)
    lymph = initial.vessel_line(grid, (0.0, 0.2), (1.0, 0.2), 0.04)
    state = initial.build_state(
        grid, tumor=0.5 * blob, epithelial=0.5 * blob, ecm=ecm, mmp=0.3 * blob, oxygen=0.5,
        taf=initial.gaussian(grid, (0.3, 0.5), 0.2, 2.0), sprouts=0.2 * vessel, blood=vessel,
        lymph=lymph, vessel_wall=vessel, leakiness=0.5 * vessel)
    params = pm.Parameters(haptotaxis=0.1, epithelial_haptotaxis=0.1, emt_rate=20.0,
                           met_rate=30.0, emt_signal_rate=10.0, taf_secretion=5.0,
                           sprout_chemotaxis=2.0, lymphangiogenesis_rate=2.0,
                           lymph_diffusivity=1e-3, membrane_degradation=1.0)
    return state, params


def test_tumour_cells_are_conserved_and_every_field_stays_in_range_on_a_hard_case():
    state, params = hard_case()
    mass0 = state.grid.integrate(state.tumor + state.epithelial)
    stepper = pm.Stepper(state, params)
    assert stepper.active == {"phenotypes": True, "vessels": True}
    for t in (0.05, 0.2, 0.5):
        s = stepper.advance(t)
        assert s.grid.integrate(s.tumor + s.epithelial) == pytest.approx(mass0, rel=1e-12)
        assert s.data.min() >= 0.0
        assert (s.blood + s.new_vessels).max() <= 1.0 + 1e-12
        for name in ("membrane", "vessel_wall", "leakiness", "lymph"):
            assert s[name].max() <= 1.0 + 1e-12, name
    assert s.step > 50 and s.sprouts.max() > 0 and s.new_vessels.max() > 0


def test_oxygen_from_one_straight_perfused_vessel_is_the_two_zone_profile():
    """A vessel band along the left wall in tissue that supplies no oxygen of its own:
    D c'' = (alpha + beta_v) c - beta_v c_b inside the band, alpha c outside."""
    n, x_b = 200, 0.1
    grid = strip(n)
    d, alpha, beta_v = 0.01, 1.0, 2.0
    band = (grid.x < x_b)[None, :] * np.ones(grid.shape)
    params = pm.Parameters(**{**STILL, "oxygen_diffusivity": d, "oxygen_decay": alpha},
                           vessel_oxygen_supply=beta_v, blood_oxygen=1.0)
    state = initial.build_state(grid, blood=band)
    final = pm.solve(state, params, 8.0, dt=2e-4)[-1]
    exact = two_zone_steady(grid.x, x_b, d, alpha + beta_v, beta_v, alpha)
    assert np.abs(final.oxygen[0] - exact).max() <= 1e-3 * exact.max()
    np.testing.assert_allclose(final.oxygen[0], final.oxygen[1], rtol=1e-13)


def test_taf_from_a_fixed_hypoxic_source_is_the_two_zone_profile():
    """Tumour cells that do not move in anoxic tissue (s(0) from the switch) secrete TAF,
    which diffuses and decays: the same two-zone profile with decay lambda_a everywhere."""
    n, x_b = 200, 0.2
    grid = strip(n)
    d, decay, sigma = 0.02, 2.0, 3.0
    band = (grid.x < x_b)[None, :] * np.ones(grid.shape)
    params = pm.Parameters(**STILL, taf_diffusivity=d, taf_decay=decay, taf_secretion=sigma,
                           taf_uptake=0.0)
    state = initial.build_state(grid, tumor=band)
    final = pm.solve(state, params, 6.0, dt=2e-4)[-1]
    s0 = 0.5 * (1 - np.tanh((0.0 - params.hypoxia_threshold) / params.hypoxia_width))
    exact = two_zone_steady(grid.x, x_b, d, decay, sigma * s0, decay)
    assert np.abs(final.taf[0] - exact).max() <= 1e-3 * exact.max()


def test_sprout_tips_drift_up_a_linear_taf_field_at_chi_of_a_times_the_gradient():
    """A = 1 + g x held fixed; the centroid of a blob of tips moves at
    chi(a) g = chi_0 g / (1 + alpha_a a) (Anderson & Chaplain 1998)."""
    grid = strip(400, rows=3)
    g, chi0, alpha = 0.5, 0.38, 0.6
    taf = 1.0 + g * grid.x[None, :] * np.ones(grid.shape)
    tips = np.exp(-((grid.x - 0.3) / 0.05) ** 2)[None, :] * np.ones(grid.shape)
    params = pm.Parameters(**STILL, taf_diffusivity=0.0, taf_decay=0.0, taf_uptake=0.0,
                           sprout_diffusivity=0.0, sprout_chemotaxis=chi0,
                           sprout_chemotaxis_saturation=alpha, sprout_haptotaxis=0.0,
                           anastomosis_rate=0.0, vessel_trail=0.0)
    state = initial.build_state(grid, taf=taf, sprouts=0.01 * tips)
    t_end = 1.0
    final = pm.solve(state, params, t_end)[-1]
    np.testing.assert_array_equal(final.taf, taf)

    def centroid(p):
        return float((p[0] * grid.x).sum() / p[0].sum())

    x0, x1 = centroid(state.sprouts), centroid(final.sprouts)
    speed = chi0 * g / (1 + alpha * (1 + g * 0.5 * (x0 + x1)))
    assert (x1 - x0) / t_end == pytest.approx(speed, rel=5e-3)
    assert final.grid.integrate(final.sprouts) == pytest.approx(
        state.grid.integrate(state.sprouts), rel=1e-12)


def test_sprout_transport_is_second_order_in_space_on_a_smooth_case():
    """Tips under diffusion and chemotaxis up a smooth, fixed TAF field: the error against
    a fine grid falls at second order (Koren-limited upwind where the solution is
    smooth)."""
    params = pm.Parameters(**STILL, taf_diffusivity=0.0, taf_decay=0.0, taf_uptake=0.0,
                           sprout_diffusivity=2e-3, sprout_chemotaxis=0.1,
                           sprout_chemotaxis_saturation=0.6, sprout_haptotaxis=0.0,
                           anastomosis_rate=0.0, vessel_trail=0.0)

    def run(n):
        grid = Grid.square(n)
        taf = initial.gaussian(grid, (0.6, 0.55), 0.35, 2.0)
        tips = initial.gaussian(grid, (0.4, 0.45), 0.15)
        state = initial.build_state(grid, taf=taf, sprouts=tips)
        return pm.solve(state, params, 0.5, dt=0.025 / (n * n) / 2e-3)[-1].sprouts

    from test_convergence import orders, restrict

    fine = run(192)
    errors = [np.abs(run(n) - restrict(fine, n)).mean() for n in (24, 48, 96)]
    assert min(orders(errors)) >= 1.8, errors


def test_a_one_phenotype_run_without_vessels_steps_the_same_bits_with_the_groups_on(rng):
    """Skipping the empty groups is exact: forced on, every field gets the same bits."""
    state = pm.initial.anderson2005(48)
    params = pm.Parameters(growth_rate=0.5, hypoxic_death_rate=0.3, hypoxia_threshold=0.5,
                           membrane_degradation=1.0, ecm_remodelling=0.2)
    off = pm.Stepper(state, params)
    on = pm.Stepper(state, params)
    assert off.active == {"phenotypes": False, "vessels": False}
    on._active[:] = 1.0
    off.advance(1.0)
    on.advance(1.0)
    assert on.state.step == off.state.step > 10
    np.testing.assert_array_equal(on.state.data, off.state.data)


def test_groups_are_on_only_with_cells_vessels_or_sources(rng):
    data = random_state_data(rng)
    p = pm.Parameters()
    assert list(active_groups(data, p)) == [0.0, 0.0]
    assert list(active_groups(data, p.replace(met_rate=0.1))) == [1.0, 0.0]
    assert list(active_groups(data, p.replace(taf_secretion=0.1))) == [0.0, 1.0]
    for plane in range(layout.EPITHELIAL, layout.N_FIELDS):
        d = data.copy()
        d[plane, 3, 4] = 1e-300
        assert active_groups(d, p)[int(plane != layout.EPITHELIAL)] == 1.0
    core = ("tumor", "ecm", "membrane", "mmp", "oxygen")
    assert stored_fields(groups_on(["tumor", "ecm"], p)) == core
    assert stored_fields(groups_on(["epithelial"], p)) == (*core, "epithelial")
    assert stored_fields(groups_on([], p.replace(taf_secretion=1.0)))[5:] == (
        "taf", "sprouts", "blood", "new_vessels", "lymph", "vessel_wall", "leakiness")
    assert groups_on(["leakiness"], p) == {"phenotypes": False, "vessels": True}


def test_random_vessels_avoid_the_tumour_and_the_border_and_are_seeded():
    grid = Grid.square(100)
    a = initial.random_vessels(grid, 10, 7, (0.5, 0.5), 0.2, 0.05)
    b = initial.random_vessels(grid, 10, 7, (0.5, 0.5), 0.2, 0.05)
    np.testing.assert_array_equal(a, b)
    assert np.count_nonzero(a) == 10  # one cell each (a collision is unlikely here)
    y, x = grid.meshgrid()
    r = np.hypot(x - 0.5, y - 0.5)
    assert r[a > 0].min() > 0.2 - grid.dx and x[a > 0].min() > 0.05 - grid.dx
    assert not np.array_equal(a, initial.random_vessels(grid, 10, 8))
    discs = initial.random_vessels(grid, 3, 1, radius=0.03, value=0.7)
    assert set(np.unique(discs)) == {0.0, 0.7} and np.count_nonzero(discs) > 3 * 20
    with pytest.raises(pm.ConfigError, match="no room for 5 vessels"):
        initial.random_vessels(grid, 5, 1, avoid_radius=2.0)


def test_a_straight_vessel_covers_the_cells_along_its_segment():
    grid = Grid.square(50)
    v = initial.vessel_line(grid, (0.11, 0.0), (0.11, 1.0), 0.0)  # through cell centres
    assert np.count_nonzero(v) == 50 and np.all(v[:, 5] == 1.0)
    wide = initial.vessel_line(grid, (0.0, 0.51), (1.0, 0.51), 0.1)
    assert wide.sum(axis=0).min() == 5 and wide.sum(axis=0).max() == 5


def test_every_group_gives_the_same_bits_on_one_and_two_threads():
    state, params = hard_case(48)
    runs = [pm.Stepper(state, params, threads=k).advance(0.1).data.copy() for k in (1, 2)]
    np.testing.assert_array_equal(runs[0], runs[1])
