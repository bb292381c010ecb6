"""The second-order scheme (``scheme = "richardson"``, ``2 E(dt/2)^2 - E(dt)`` of the
first-order step ``E``): its observed order in time for the whole system and for each
piece, conservation and positivity on the hard cases, determinism and exact restarts."""

import numpy as np
import pytest
from test_stepping import ecm_step_state

import pde_meta as pm
from pde_meta import Stepper, initial
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.parameters import Parameters

#: the pieces on their own: transport alone, reactions alone, oxygen alone
PIECES = {
    "full": {"growth_rate": 0.5, "hypoxic_death_rate": 0.2},
    "transport": {"ecm_degradation": 0.0, "mmp_production": 0.0, "mmp_diffusivity": 0.0},
    "reactions": {"tumor_diffusivity": 0.0, "haptotaxis": 0.0, "mmp_diffusivity": 0.0,
                  "oxygen_diffusivity": 0.0, "growth_rate": 1.0, "hypoxic_death_rate": 0.5},
    "oxygen": {"tumor_diffusivity": 0.0, "haptotaxis": 0.0, "ecm_degradation": 0.0,
               "mmp_production": 0.0, "mmp_diffusivity": 0.0},
}


def _run(state, params, dt, t_end, scheme):
    stepper = Stepper(state, params, dt=dt, threads=1, scheme=scheme)
    stepper.advance(t_end)
    return stepper


@pytest.mark.parametrize("piece", ["full", "transport", "reactions"])
def test_the_observed_order_in_time_is_two(piece):
    """Anderson 2005 at N = 32 to t = 0.5 at fixed steps dt and dt/2 (half the first
    step's bound) against dt/16: the tumour, ECM and MMP errors fall by 2^p with
    p >= 1.8 (measured 2.0 to 2.1; Euler's about 1). The implicit oxygen step is stiff
    at these steps (dt D_c / h^2 = 20) and shows the order reduction of stiff problems,
    but its error is below 1e-4 of its norm."""
    state = initial.anderson2005(32)
    params = Parameters(**PIECES[piece])
    dt = 0.5 * Stepper(state, params).dt_bound().dt
    dt = 0.5 / np.ceil(0.5 / dt)
    ref = _run(state, params, dt / 16, 0.5, "richardson").state.data
    runs = [_run(state, params, h, 0.5, "richardson").state.data for h in (dt, dt / 2)]
    for k in (0, 1, 3):  # tumour, ECM, MMP (a frozen field is exact: no error to fall)
        e1, e2 = (np.linalg.norm(u[k] - ref[k]) for u in runs)
        if e1 == 0.0:
            continue
        assert np.log2(e1 / e2) >= 1.8, (piece, k, e1, e2)
    assert np.linalg.norm(runs[0][4] - ref[4]) < 1e-4 * np.linalg.norm(ref[4])
    e1, e2 = (np.linalg.norm(_run(state, params, h, 0.5, "euler").state.data[0] - ref[0])
              for h in (dt, dt / 2))
    assert 0.8 < np.log2(e1 / e2) < 1.3


def test_the_oxygen_step_alone_is_second_order_where_it_is_not_stiff():
    """Oxygen alone (cells, ECM frozen) on 16 x 16 at dt = 3.125e-4 and half that
    (dt D_c / h^2 = 0.04): order >= 1.8 (measured 1.92; 1.85 at twice the step, 1.73 at
    four times, 0.2 at the tumour's steps, 20: the order reduction of a stiff implicit
    step)."""
    state = initial.anderson2005(16)
    params = Parameters(**PIECES["oxygen"])
    dt = 3.125e-4
    ref = _run(state, params, dt / 16, 0.5, "richardson").state.data[4]
    e1, e2 = (np.linalg.norm(_run(state, params, h, 0.5, "richardson").state.data[4] - ref)
              for h in (dt, dt / 2))
    assert np.log2(e1 / e2) >= 1.8


def test_mass_is_conserved_and_no_field_is_negative_on_the_hard_cases():
    """A steep ECM step with 10x haptotaxis and a degrading membrane: 500 adaptive steps,
    the tumour mass to round-off (1e-12) with growth off, every field >= 0."""
    state = ecm_step_state(jump=1.0)
    state.ecm[:, :24] = 0.0
    stepper = Stepper(state, Parameters(haptotaxis=0.1, membrane_degradation=5.0),
                      scheme="richardson")
    stepper.state.membrane[:, 30:33] = 1.0
    mass0 = stepper.state.tumor.sum()
    lowest = np.inf
    for _ in range(50):
        stepper.advance(np.inf, max_steps=10)
        lowest = min(lowest, stepper.state.data.min())
    assert stepper.state.step == 500 and lowest >= 0.0
    assert abs(stepper.state.tumor.sum() - mass0) / mass0 < 1e-12
    assert stepper.state.tumor[:, 24:].sum() > 0  # the tumour did climb the step
    assert stepper.theta_min == 1.0  # the limiter never had to act (docs/numerics.md)


def test_the_same_bits_on_one_and_two_threads_and_after_a_restart():
    state = initial.anderson2005(48)
    params = Parameters(growth_rate=0.5, hypoxic_death_rate=0.2)
    runs = [pm.solve(state, params, 1.0, threads=k, scheme="richardson")[-1] for k in (1, 2)]
    assert runs[0].step == runs[1].step > 10
    np.testing.assert_array_equal(runs[0].data, runs[1].data)
    first = Stepper(state, params, scheme="richardson")
    first.advance(0.4)
    again = Stepper(first.state, params, scheme="richardson")
    again.dt = first.dt
    again.advance(1.0)
    whole = Stepper(state, params, scheme="richardson")
    whole.advance(0.4)
    whole.advance(1.0)
    np.testing.assert_array_equal(again.state.data, whole.state.data)


def test_the_scheme_is_a_time_key_and_a_bad_one_is_refused():
    text = ('[grid]\nshape = [16, 16]\nextent = [1.0, 1.0]\n[initial.tumor]\n'
            'type = "gaussian"\n[time]\nt_end = 0.1\nscheme = "{}"\n')
    assert pm.loads_config(text.format("richardson")).time.scheme == "richardson"
    with pytest.raises(ConfigError, match=r"time.scheme.*did you mean 'richardson'"):
        pm.loads_config(text.format("richardsn"))


def test_a_step_and_the_limiter_equal_their_numpy_twins(rng):
    """One compiled step against :func:`reference.richardson_step` (1e-12) on random
    fields with every term on; and :func:`driver.combine` where the extrapolation goes
    negative: theta is the largest that keeps every value >= 0, the same as the twin's."""
    from conftest import random_state_data

    from pde_meta.core.grid import Grid
    from pde_meta.models.invasion import reference
    from pde_meta.models.invasion.kernels.driver import combine

    data = random_state_data(rng, (23, 31))
    grid = Grid(shape=(23, 31), extent=(1.3, 1.0))
    params = Parameters(growth_rate=0.7, hypoxic_death_rate=0.4, membrane_degradation=2.0)
    stepper = Stepper(pm.State(grid, data), params, dt=1e-4, threads=1, scheme="richardson")
    stepper.advance(1e-4)
    twin, theta = reference.richardson_step(data, 1e-4, grid.dx, grid.dy,
                                            params.as_tuple())
    np.testing.assert_allclose(stepper.state.data[:5], twin[:5], rtol=1e-12, atol=1e-13)
    assert theta == 1.0 == stepper.theta_min
    half, full = rng.uniform(0, 1, (2, 13, 6, 7))
    full[0, 2, 3] = 3 * half[0, 2, 3]  # r = 2 h - f = -h there
    full[3, 1, 1] = 2.5 * half[3, 1, 1]
    out = np.zeros_like(half)
    theta = combine(out, half, full, np.arange(5, dtype=np.int64), np.empty(6))
    r = 2 * half - full
    neg = r[:5] < 0
    assert theta == pytest.approx(np.min(half[:5][neg] / (half[:5][neg] - r[:5][neg])))
    np.testing.assert_allclose(out[:5], half[:5] + theta * (r[:5] - half[:5]), rtol=1e-14)
    assert out[:5].min() >= -1e-16 and np.all(out[5:] == 0.0)


@pytest.mark.slow
def test_at_the_default_settings_the_time_error_is_below_half_the_spatial_error():
    """Anderson 2005 on 256 x 256 to t = 1 at the default settings (about 13 s): the
    time error (against an eighth of the step, ``safety`` and ``reaction_cfl`` scaled
    together) is at most half the spatial error (against 512 x 512, averaged onto the
    256 grid): measured 1.98e-4 against 2.02e-3 (0.098). Euler's is 2.2e-2, eleven
    times the spatial error."""
    def tumour(n, scheme=None, q=1.0):
        stepper = Stepper(initial.anderson2005(n), Parameters(), safety=0.9 * q,
                          reaction_cfl=0.5 * q, **({"scheme": scheme} if scheme else {}))
        stepper.advance(1.0)
        return stepper.state.tumor

    def rel(a, b):
        return np.linalg.norm(a - b) / np.linalg.norm(b)

    u, big = tumour(256), tumour(512)
    coarse = 0.25 * (big[0::2, 0::2] + big[1::2, 0::2] + big[0::2, 1::2] + big[1::2, 1::2])
    space = rel(u, coarse)
    assert 1e-3 < space < 4e-3
    assert rel(u, tumour(256, q=1 / 8)) <= 0.5 * space
    assert rel(tumour(256, "euler"), tumour(256, "euler", 1 / 8)) > 5 * space


def test_the_second_order_scheme_is_the_default_and_every_new_file_names_its_scheme():
    text = ('[grid]\nshape = [16, 16]\nextent = [1.0, 1.0]\n[initial.tumor]\n'
            'type = "gaussian"\n[time]\nt_end = 0.1\n')
    config = pm.loads_config(text)
    assert config.time.scheme == "richardson" == Stepper.__init__.__kwdefaults__["scheme"]
    assert config.to_dict()["time"]["scheme"] == "richardson"
    euler = pm.loads_config(text + 'scheme = "euler"\n')
    assert pm.loads_config(euler.to_toml()).time.scheme == "euler"


def test_a_file_written_before_the_default_changed_resumes_with_euler(tmp_path):
    """A run file whose stored config names no scheme was written while ``euler`` was the
    default: ``resume`` continues it with ``euler``, to the bits of an uninterrupted
    ``euler`` run (and not to those of the default scheme)."""
    import h5py

    text = ('[grid]\nshape = [24, 24]\nextent = [1.0, 1.0]\n[initial.tumor]\n'
            'type = "gaussian"\n[time]\nt_end = 0.4\nsnapshot_interval = 0.2\n'
            'scheme = "euler"\n')
    config = pm.loads_config(text)
    pm.simulate(config, tmp_path / "whole.h5", progress="none")
    pm.simulate(config.with_t_end(0.2), tmp_path / "old.h5", progress="none")
    with h5py.File(tmp_path / "old.h5", "r+") as f:
        stored = f.attrs["config"]
        assert 'scheme = "euler"' in stored
        f.attrs["config"] = stored.replace('scheme = "euler"\n', "")
    from pde_meta import storage
    from pde_meta.cli.info import describe

    assert "time scheme  euler" in describe(storage.read_info(tmp_path / "old.h5"), None)
    pm.resume(tmp_path / "old.h5", t_end=0.4, progress="none")
    old, whole = pm.open_run(tmp_path / "old.h5"), pm.open_run(tmp_path / "whole.h5")
    np.testing.assert_array_equal(old.tumor.values, whole.tumor.values)
    default = pm.open_run(pm.simulate(pm.loads_config(text.replace('scheme = "euler"\n', "")),
                                      tmp_path / "new.h5", progress="none").path)
    assert not np.array_equal(default.tumor.values[-1], whole.tumor.values[-1])
    assert "time scheme  richardson" in describe(storage.read_info(tmp_path / "new.h5"), None)


def test_every_group_on_the_hard_case_conserves_stays_in_range_and_is_thread_blind():
    """The vessels' hard case (a sharp ECM step, 10x haptotaxis, fast switching, strong
    tip chemotaxis; growth and death off) with every group on: n + e conserved to 1e-12
    over 200 steps, every field >= 0 and v + u <= 1, the same bits on 1 and 2 threads."""
    from test_vessels import hard_case

    state, params = hard_case(48)
    runs = []
    for threads in (1, 2):
        stepper = Stepper(state, params, threads=threads, scheme="richardson")
        assert stepper.active == {"phenotypes": True, "vessels": True}
        cells0 = stepper.state.tumor.sum() + stepper.state.epithelial.sum()
        for _ in range(20):
            stepper.advance(np.inf, max_steps=10)
            s = stepper.state
            assert s.data.min() >= 0.0 and (s.blood + s.new_vessels).max() <= 1.0 + 1e-12
        cells = s.tumor.sum() + s.epithelial.sum()
        assert abs(cells - cells0) / cells0 < 1e-12
        runs.append(s.data.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_a_run_with_the_second_order_scheme_resumes_bit_for_bit(tmp_path):
    """``scheme = "richardson"`` goes into the run file's config; a run stopped at t = 0.2
    and resumed to 0.4 has the bits of the run straight to 0.4 (the same snapshots)."""
    text = ('name = "r"\n[grid]\nshape = [24, 24]\nextent = [1.0, 1.0]\n[parameters]\n'
            'growth_rate = 0.5\n[initial.tumor]\ntype = "gaussian"\nwidth = 0.1\n'
            '[initial.ecm]\ntype = "anderson"\n[time]\nt_end = 0.4\nsnapshot_interval = 0.1\n'
            'scheme = "richardson"\n')
    config = pm.loads_config(text)
    pm.simulate(config, tmp_path / "whole.h5", progress="none")
    pm.simulate(config.with_t_end(0.2), tmp_path / "part.h5", progress="none")
    pm.resume(tmp_path / "part.h5", t_end=0.4, progress="none")
    whole, part = pm.open_run(tmp_path / "whole.h5"), pm.open_run(tmp_path / "part.h5")
    assert 'scheme = "richardson"' in whole.attrs["config"]
    np.testing.assert_array_equal(part.tumor.values, whole.tumor.values)
    euler = pm.open_run(pm.simulate(pm.loads_config(text.replace(
        'scheme = "richardson"', 'scheme = "euler"')), tmp_path / "e.h5", progress="none").path)
    assert not np.array_equal(euler.tumor.values[-1], whole.tumor.values[-1])
