"""Every compiled kernel equals its plain-numpy twin on random fields."""

import numpy as np
import pytest
from conftest import random_state_data

from pde_meta.core.parameters import symbol_table
from pde_meta.models import invasion
from pde_meta.models.invasion import reference
from pde_meta.models.invasion.fields import FIELDS
from pde_meta.models.invasion.kernels import driver, fluxes, step
from pde_meta.models.invasion.kernels import layout as params
from pde_meta.models.invasion.parameters import PARAMETER_SPECS, Parameters
from pde_meta.numerics import tridiag
from pde_meta.numerics.reference import solve_reference

ALL_TERMS = Parameters(growth_rate=0.7, growth_oxygen_saturation=0.3, hypoxic_death_rate=0.4,
                       membrane_degradation=3.0, membrane_leakiness=0.2, ecm_remodelling=0.5,
                       mmp_decay=0.3, haptotaxis=0.05)
#: every term of the phenotypes and the vessels on
ALL_NEW = ALL_TERMS.replace(
    epithelial_growth_rate=0.9, epithelial_mmp_production=0.4, epithelial_haptotaxis=0.03,
    emt_rate=0.3, emt_hypoxia_rate=0.5, emt_signal_rate=0.7, met_rate=0.2, taf_secretion=2.0,
    lymphangiogenesis_rate=0.6, sprout_decay=0.1, leakiness_normalisation=0.3,
    lymph_diffusivity=3e-3)
ON = np.array([1.0, 1.0])
OFF = np.zeros(2)
WALLS = ((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0))
DIRICHLET = ((1.0, 0.0, 1.0, 1.0), (0.8, 0.0, 1.2, 0.3))
TOL = {"rtol": 1e-12, "atol": 1e-13}


def one_step(data, dt, dx, dy, p, fixed, value, row_block, col_block, active=OFF):
    """One step of the compiled time loop with a fixed dt: the new state and its rate."""
    a, b = data.copy(), data.copy()  # both buffers hold the (possibly static) membrane
    t, steps, status, _, rate, in_b, _, _ = driver.advance(
        a, b, 0.0, dt, dt, False, 1, dx, dy, p, fixed, value, 0.9, 0.5, row_block, col_block,
        active, 1, 1)
    assert (t, steps, status) == (dt, 1, driver.REACHED_END)
    return (b if in_b else a), rate


def test_kernel_layout_matches_the_specs_and_the_field_table():
    """The kernels' integer positions are the order of the specs and of the field table."""
    assert list(params.PARAM_NAMES) == [s.name for s in PARAMETER_SPECS]
    assert len(Parameters().as_tuple()) == params.N_PARAMS
    for k, constant in enumerate(params.PARAM_CONSTANTS):
        assert getattr(params, constant) == k
    for spec in FIELDS:
        assert getattr(params, spec.name.upper()) == FIELDS.index(spec.name)
    assert Parameters(ecm_remodelling_form="relaxation").as_tuple()[params.PSI_FORM] == 1.0


def test_model_docstring_symbol_table_is_generated_from_the_specs():
    assert symbol_table(PARAMETER_SPECS) in invasion.__doc__
    for spec in PARAMETER_SPECS:
        assert f"{spec.name} :" in Parameters.__doc__
        assert spec.doc in Parameters.__doc__


@pytest.mark.parametrize("d_up", [-2.0, -0.3, 0.0, 0.4, 1.7])
def test_koren_slope_matches_twin_and_formula(d_up):
    for d_down in np.linspace(-3, 3, 25):
        compiled = fluxes.koren_slope(d_up, d_down)
        twin = float(reference.koren_slope(d_up, d_down))
        assert compiled == pytest.approx(twin, abs=1e-15)
        if d_up != 0:
            r = d_down / d_up
            phi = max(0.0, min(2 * r, (1 + 2 * r) / 3, 2.0))
            assert compiled == pytest.approx(phi * d_up, abs=1e-14)
            assert 0 <= compiled / d_up <= 2  # TVD: the face value stays in [0, 2 n_up]


def test_exponential_series_is_exact_to_round_off():
    x = np.linspace(0, step.SERIES_LIMIT, 2001)
    series = np.array([step.exp_neg_series(v) for v in x])
    np.testing.assert_allclose(series, np.exp(-x), rtol=4e-16, atol=0)


def test_decay_row_matches_exp_on_both_branches(rng):
    u = rng.uniform(0, 2, 200)
    m = np.concatenate([rng.uniform(0, 1e-3, 100), rng.uniform(0, 5, 100)])
    out = np.empty_like(u)
    step.decay_row(u, m, 10.0, out, 0.01)
    np.testing.assert_allclose(out, u * np.exp(-10.0 * m * 0.01), rtol=4e-16)


@pytest.mark.parametrize("walls", [WALLS, DIRICHLET])
def test_tridiagonal_solves_match_scipy(rng, walls):
    (fl, fh, fb, ft), (vl, vh, vb, vt) = walls
    u = rng.uniform(0, 1, (17, 29))
    r = 3.7
    cp, inv = np.empty(29), np.empty(29)
    tridiag.factorise(r, fl, fh, cp, inv)
    rows = u.copy()
    for i in range(rows.shape[0]):
        tridiag.solve_row(rows[i], r, cp, inv, 2 * r * fl * vl, 2 * r * fh * vh)
    np.testing.assert_allclose(rows, solve_reference(u.T, r, fl, fh, vl, vh).T, **TOL)
    cp, inv = np.empty(17), np.empty(17)
    tridiag.factorise(r, fb, ft, cp, inv)
    cols = u.copy()
    tridiag.solve_columns(cols, r, cp, inv, 2 * r * fb * vb, 2 * r * ft * vt, 8)
    np.testing.assert_allclose(cols, solve_reference(u, r, fb, ft, vb, vt), **TOL)


@pytest.mark.parametrize("walls", [WALLS, DIRICHLET])
@pytest.mark.parametrize("parameters", [Parameters(), ALL_TERMS,
                                        ALL_TERMS.replace(ecm_remodelling_form="relaxation")])
def test_full_step_matches_twin(rng, parameters, walls):
    data = random_state_data(rng)
    fixed, value = (np.array(w) for w in walls)
    p = parameters.as_tuple()
    dx, dy, dt = 1 / 31, 1.3 / 23, 2e-3
    ny, nx = data.shape[1:]
    out, rate = one_step(data, dt, dx, dy, p, fixed, value, 4, 8)
    twin, twin_rate, _ = reference.take_step(data, dt, dx, dy, p, fixed, value)
    np.testing.assert_allclose(out, twin, **TOL)
    mmp_rate = 2 * parameters.mmp_diffusivity * (1 / dx**2 + 1 / dy**2)
    assert rate == pytest.approx(max(twin_rate, mmp_rate), rel=1e-13)


def test_explicit_step_row_outputs_match_twin(rng):
    data = random_state_data(rng, (12, 40))
    p = ALL_TERMS.as_tuple()
    rate_rows, mmp_rows = np.empty(12), np.empty(12)
    cp, inv = np.empty(40), np.empty(40)
    tridiag.factorise(1e-3 * ALL_TERMS.oxygen_diffusivity / 0.025**2, 0, 0, cp, inv)
    dst = data.copy()
    step.explicit_step(data, dst, 1e-3, 0.025, 0.025, p, cp, inv, 0.0, 0.0, rate_rows,
                       mmp_rows, 5, OFF, cp, inv, np.empty(12), 1.0)
    twin, twin_rates, twin_mmp, _ = reference.explicit_step(data, 1e-3, 0.025, 0.025, p)
    np.testing.assert_allclose(rate_rows, twin_rates, rtol=1e-13)
    np.testing.assert_array_equal(mmp_rows, twin_mmp)
    np.testing.assert_allclose(dst, twin, **TOL)


def test_free_face_flux_is_face_flux_without_membrane_to_the_bit(rng):
    for _ in range(200):
        n = rng.uniform(0, 1, 4) ** 3
        f_l, f_r = rng.uniform(0, 1.2, 2)
        h = rng.uniform(0.01, 0.1)
        args = (5e-4, rng.uniform(0, 0.1), 1.0 / h)
        free = fluxes.free_face_flux(*n, f_l, f_r, *args)
        full = fluxes.face_flux(*n, f_l, f_r, 0.0, 0.0, args[0], args[1], 1.0 / 1.3, args[2])
        assert free == full


@pytest.mark.parametrize("parameters", [Parameters(), ALL_TERMS])
def test_rows_with_and_without_membrane_match_twin(rng, parameters):
    """Membrane-free rows take the fast face loops; mixed blocks stay exact and conservative."""
    data = random_state_data(rng, (29, 31))
    data[2, :9] = 0.0      # free rows, then a membrane band, then free rows again
    data[2, 14:] = 0.0
    fixed, value = (np.array(w) for w in WALLS)
    p = parameters.as_tuple()
    twin, _, _ = reference.take_step(data, 2e-3, 1 / 31, 1 / 29, p, fixed, value)
    results = [one_step(data, 2e-3, 1 / 31, 1 / 29, p, fixed, value, rb, 8)[0]
               for rb in (1, 4, 16)]
    np.testing.assert_allclose(results[0], twin, **TOL)
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


def test_row_blocking_does_not_change_a_bit(rng):
    """Each face flux is the same number whichever parallel task computes it."""
    data = random_state_data(rng, (37, 19))
    fixed, value = (np.array(w) for w in DIRICHLET)
    results = []
    for row_block, col_block in ((1, 1), (4, 8), (37, 19), (8, 3)):
        results.append(one_step(data, 1e-3, 0.05, 0.03, ALL_TERMS.as_tuple(), fixed, value,
                                row_block, col_block)[0])
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


def test_rhs_twin_is_the_limit_of_the_step(rng):
    """(step(dt) - u) / dt tends to the semi-discrete right-hand side, error O(dt)."""
    data = random_state_data(rng, (16, 16))
    fixed, value = (np.array(w) for w in DIRICHLET)
    p = ALL_TERMS.as_tuple()
    rhs = np.array(reference.rhs(data, 0.06, 0.06, p, fixed, value))
    errors = []
    for dt in (1e-5, 1e-6):
        new, _, _ = reference.take_step(data, dt, 0.06, 0.06, p, fixed, value)
        errors.append(np.abs((new - data) / dt - rhs).max())
    assert errors[1] < 0.2 * errors[0]
    assert errors[1] < 1e-3 * np.abs(rhs).max()


def test_blocked_row_solves_equal_single_row_solves_bitwise(rng):
    u = rng.uniform(0, 1, (7, 33))
    cp, inv = np.empty(33), np.empty(33)
    tridiag.factorise(2.5, 1.0, 0.0, cp, inv)
    single = u.copy()
    for row in single:
        tridiag.solve_row(row, 2.5, cp, inv, 0.4, 0.0)
    blocked = u.copy()
    tridiag.solve_rows(blocked, 2.5, cp, inv, 0.4, 0.0)
    np.testing.assert_array_equal(blocked, single)


def test_native_calls_refuse_arrays_that_are_not_contiguous(rng):
    from numba.core.errors import TypingError

    data = random_state_data(rng, (8, 12))
    strided = np.empty((13, 8, 24))[:, :, ::2]
    strided[...] = data
    cp, inv = np.empty(12), np.empty(12)
    with pytest.raises(TypingError, match="pde_meta_step_rows: argument 0 must be"):
        step.explicit_step(strided, data.copy(), 1e-3, 0.1, 0.1, Parameters().as_tuple(), cp,
                           inv, 0.0, 0.0, np.empty(8), np.empty(8), 4, OFF, cp, inv,
                           np.empty(8), 1.0)


def test_importing_the_package_loads_no_compiled_kernel():
    import subprocess
    import sys

    code = ("import sys, pde_meta, pde_meta.storage, pde_meta.plotting, pde_meta.cli\n"
            "print(any(m in sys.modules for m in ('pde_meta.models.invasion.kernels.step', "
            "'pde_meta.numerics.tridiag', 'pde_meta.models.invasion.kernels.driver')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize("plane", [params.TUMOR, params.MMP])
@pytest.mark.parametrize("nan", [np.nan, -np.nan])
def test_a_nan_of_either_sign_stops_the_time_loop(rng, plane, nan):
    """The row maxima read bit patterns: a NaN must still be seen, whatever its sign bit."""
    data = random_state_data(rng, (20, 24), membrane=False)
    data[plane, 13, 5] = nan
    a, b = data.copy(), data.copy()
    fixed, value = (np.array(w) for w in WALLS)
    _, steps, status, _, _, _, _, _ = driver.advance(
        a, b, 0.0, 1.0, 1e-6, True, 5, 0.05, 0.05, Parameters().as_tuple(), fixed, value, 0.9,
        0.5, 8, 8, OFF, 1, 1)
    assert (steps, status) == (0, driver.NOT_FINITE)


# ---------------------------------------------------------------- phenotypes and vessels


@pytest.mark.parametrize("walls", [WALLS, DIRICHLET])
@pytest.mark.parametrize("active", [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0)])
def test_step_with_phenotypes_and_vessels_matches_twin(rng, walls, active):
    data = random_state_data(rng, extras=True)
    fixed, value = (np.array(w) for w in walls)
    p = ALL_NEW.as_tuple()
    dx, dy, dt = 1 / 31, 1.3 / 23, 2e-4
    active = np.array(active)
    out, rate = one_step(data, dt, dx, dy, p, fixed, value, 4, 8, active)
    twin, twin_rate, _ = reference.take_step(data, dt, dx, dy, p, fixed, value, active)
    np.testing.assert_allclose(out, twin, **TOL)
    d = max(ALL_NEW.mmp_diffusivity, ALL_NEW.lymph_diffusivity if active[1] else 0.0)
    assert rate == pytest.approx(max(twin_rate, 2 * d * (1 / dx**2 + 1 / dy**2)), rel=1e-13)


def test_groups_on_with_nothing_in_them_change_no_bit(rng):
    """Stepping empty phenotype and vessel groups adds exact zeros: the one-phenotype model
    without vessels gives the same bits either way (this is what lets a group be skipped)."""
    data = random_state_data(rng, (29, 31))
    fixed, value = (np.array(w) for w in DIRICHLET)
    p = ALL_TERMS.replace(epithelial_growth_rate=0.9, emt_rate=0.0).as_tuple()
    off = one_step(data, 1e-3, 1 / 31, 1 / 29, p, fixed, value, 4, 8, OFF)
    on = one_step(data, 1e-3, 1 / 31, 1 / 29, p, fixed, value, 4, 8, ON)
    np.testing.assert_array_equal(off[0][:5], on[0][:5])
    assert off[1] == on[1]
    assert not on[0][5:].any()


def test_row_blocking_does_not_change_a_bit_with_every_group_on(rng):
    data = random_state_data(rng, (37, 19), extras=True)
    fixed, value = (np.array(w) for w in DIRICHLET)
    results = [one_step(data, 2e-4, 0.05, 0.03, ALL_NEW.as_tuple(), fixed, value, rb, cb,
                        ON)[0] for rb, cb in ((1, 1), (4, 8), (37, 19), (8, 3))]
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


def test_rhs_twin_is_the_limit_of_the_step_with_every_group_on(rng):
    data = random_state_data(rng, (16, 16), extras=True)
    fixed, value = (np.array(w) for w in DIRICHLET)
    p = ALL_NEW.as_tuple()
    rhs = np.array(reference.rhs(data, 0.06, 0.06, p, fixed, value))
    errors = []
    for dt in (1e-5, 1e-6):
        new, _, _ = reference.take_step(data, dt, 0.06, 0.06, p, fixed, value, ON)
        errors.append(np.abs((new - data) / dt - rhs).max())
    assert errors[1] < 0.2 * errors[0]
    assert errors[1] < 1e-3 * np.abs(rhs).max()


def test_drift_face_flux_is_free_face_flux_for_the_haptotactic_velocity(rng):
    for _ in range(200):
        n = rng.uniform(0, 1, 4) ** 3
        f_l, f_r = rng.uniform(0, 1.2, 2)
        h = rng.uniform(0.01, 0.1)
        chi = rng.uniform(0, 0.1)
        v = (f_r - f_l) * (chi * (1.0 / h))
        assert fluxes.drift_face_flux(*n, v, 5e-4, 1.0 / h) == fluxes.free_face_flux(
            *n, f_l, f_r, 5e-4, chi, 1.0 / h)


def test_tip_velocity_is_the_saturating_chemotaxis_plus_haptotaxis():
    v = fluxes.tip_velocity(0.2, 0.6, 1.0, 0.5, 0.38, 0.6, 0.34, 1 / 0.01)
    assert v == pytest.approx((0.38 / (1 + 0.6 * 0.4) * 0.4 - 0.34 * 0.5) / 0.01, rel=1e-14)


def test_fast_exchanges_take_the_full_exponential_and_match_twin(rng):
    """EMT/MET and leakiness rates beyond the series range of the step (k dt > 0.01) in
    some cells: the kernels switch to the full exponential there."""
    data = random_state_data(rng, extras=True)
    fixed, value = (np.array(w) for w in WALLS)
    fast = ALL_NEW.replace(emt_rate=40.0, met_rate=10.0, leakiness_induction=100.0,
                           vessel_wall_degradation=30.0)
    dt = 2e-4  # k dt from 0.002 (MET alone) to 0.01-0.03
    out, _ = one_step(data, dt, 1 / 31, 1.3 / 23, fast.as_tuple(), fixed, value, 4, 8, ON)
    twin, _, _ = reference.take_step(data, dt, 1 / 31, 1.3 / 23, fast.as_tuple(), fixed,
                                     value, ON)
    np.testing.assert_allclose(out, twin, **TOL)
