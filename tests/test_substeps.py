"""Multirate stepping of the sprout tips (``[time] sprout_substeps``): the tips' transport
takes several substeps of one step where their positivity bound is tighter than every
other field's. Against the numpy twins, positivity and conservation, the bits of the
single-rate step, restarts, and the time error against a fine reference."""

import numpy as np
import pytest
from conftest import random_state_data

import pde_meta as pm
from pde_meta.errors import ConfigError
from pde_meta.models.invasion import reference
from pde_meta.models.invasion.kernels import driver
from pde_meta.models.invasion.kernels import layout as P
from pde_meta.models.invasion.parameters import Parameters
from pde_meta.models.invasion.stepper import Stepper

#: every vessel term on, and tips that outrun the tumour cells: a strong chemotaxis
FAST_TIPS = Parameters(growth_rate=0.7, hypoxic_death_rate=0.4, membrane_degradation=2.0,
                       taf_secretion=2.0, lymphangiogenesis_rate=0.6, sprout_decay=0.1,
                       leakiness_normalisation=0.3, lymph_diffusivity=3e-3,
                       sprout_chemotaxis=4.0, sprout_haptotaxis=0.2)
WALLS = (np.zeros(4), np.zeros(4))
ON = np.array([0.0, 1.0])
TOL = {"rtol": 1e-12, "atol": 1e-13}


def _tips_data(rng, shape=(23, 31)):
    data = random_state_data(rng, shape, extras=True)
    data[P.EPITHELIAL] = 0.0
    return data


def _fixed_step(data, dt, dx, dy, p, max_substeps):
    """One compiled first-order step of fixed ``dt``: the new state, its rate, substeps."""
    a, b = data.copy(), data.copy()
    t, steps, status, _, rate, in_b, _, most = driver.advance(
        a, b, 0.0, dt, dt, False, 1, dx, dy, p, *WALLS, 0.9, 0.5, 4, 8, ON, max_substeps, 1)
    assert (t, steps, status) == (dt, 1, driver.REACHED_END)
    return (b if in_b else a), rate, most


def test_a_step_with_substeps_equals_its_numpy_twin(rng):
    """A fixed step three times the tips' bound: the compiled step takes 3 (or 4) tip
    substeps and equals :func:`reference.take_step` with as many (1e-12); its rate is the
    twin's."""
    data = _tips_data(rng)
    p = FAST_TIPS.as_tuple()
    dx, dy = 1 / 31, 1.3 / 23
    tips_rate = float(reference.transport(data, dx, dy, p, P.SPROUTS)[1].max())
    dt = 2.5 * 0.9 / tips_rate
    k = reference.tip_substeps(data, dt, dx, dy, p, 0.9)
    assert k == 3
    out, rate, most = _fixed_step(data, dt, dx, dy, p, 8)
    twin, twin_rate, _ = reference.take_step(data, dt, dx, dy, p, *WALLS, ON, substeps=k)
    assert most == k
    np.testing.assert_allclose(out, twin, **TOL)
    mmp = 2 * FAST_TIPS.lymph_diffusivity * (1 / dx**2 + 1 / dy**2)
    assert rate == pytest.approx(max(twin_rate, mmp), rel=1e-13)
    assert out.min() >= 0.0


def test_a_fixed_step_beyond_the_substeps_is_refused(rng):
    data = _tips_data(rng)
    p = FAST_TIPS.as_tuple()
    tips_rate = float(reference.transport(data, 0.03, 0.03, p, P.SPROUTS)[1].max())
    a, b = data.copy(), data.copy()
    status = driver.advance(a, b, 0.0, 1.0, 5 / tips_rate, False, 1, 0.03, 0.03, p, *WALLS,
                            0.9, 0.5, 4, 8, ON, 4, 1)[2]
    assert status == driver.DT_TOO_LARGE


def test_a_richardson_step_with_substeps_equals_its_numpy_twin(rng):
    data = _tips_data(rng)
    grid = pm.Grid(shape=(23, 31), extent=(1.0, 1.3))
    p = FAST_TIPS.as_tuple()
    tips_rate = float(reference.transport(data, grid.dx, grid.dy, p, P.SPROUTS)[1].max())
    dt = 3.5 * 0.9 / tips_rate
    k = reference.tip_substeps(data, dt, grid.dx, grid.dy, p, 0.9)
    assert k == 4
    stepper = Stepper(pm.State(grid, data), FAST_TIPS, dt=dt, threads=1)
    stepper.advance(dt)
    twin, theta = reference.richardson_step(data, dt, grid.dx, grid.dy, p, *WALLS, ON,
                                            substeps=k)
    assert stepper.stats.most_substeps == k
    np.testing.assert_allclose(stepper.state.data, twin, **TOL)
    assert theta == stepper.theta_min


def test_one_substep_gives_the_bits_of_the_single_rate_step(rng):
    """Where the tips do not limit the step, any ``sprout_substeps`` gives the bits of
    ``sprout_substeps = 1``; where they do, 1 takes more, shorter steps."""
    data = _tips_data(rng)
    grid = pm.Grid(shape=(23, 31), extent=(1.0, 1.3))
    slow = FAST_TIPS.replace(sprout_chemotaxis=0.0, sprout_haptotaxis=0.0,
                             sprout_diffusivity=1e-6)
    for scheme in ("euler", "richardson"):
        runs = [Stepper(pm.State(grid, data), slow, threads=1, scheme=scheme,
                        sprout_substeps=k) for k in (1, 8)]
        for s in runs:
            s.advance(0.01)
        np.testing.assert_array_equal(runs[0].state.data, runs[1].state.data)
        assert runs[1].stats.most_substeps == 1
        fast = [Stepper(pm.State(grid, data), FAST_TIPS, threads=1, scheme=scheme,
                        sprout_substeps=k) for k in (1, 8)]
        for s in fast:
            s.advance(0.01)
        assert fast[0].stats.steps > fast[1].stats.steps
        assert fast[1].stats.most_substeps > 1


def _angiogenesis(n: int, t_end: float = 2.0, **time) -> str:
    """``configs/angiogenesis.toml`` on an n x n grid to ``t_end``, with ``[time]`` keys."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "configs" / "angiogenesis.toml").read_text()
    text = text.replace("shape = [256, 256]", f"shape = [{n}, {n}]")
    text = text.replace("t_end = 9.0", f"t_end = {t_end}" + "".join(
        f"\n{k} = {v!r}".replace("'", '"') for k, v in time.items()))
    return text.replace("snapshot_interval = 1.0", f"snapshot_interval = {t_end / 2}")


def test_the_substeps_are_a_time_key_refused_when_bad_and_stored_for_vessel_runs():
    config = pm.loads_config(_angiogenesis(32), check_files=False)
    assert config.time.sprout_substeps == 8
    assert config.to_dict()["time"]["sprout_substeps"] == 8
    for bad in (0, 2000, 2.5, '"many"'):
        text = _angiogenesis(32).replace("t_end = 2.0", f"t_end = 2.0\nsprout_substeps = {bad}")
        with pytest.raises(ConfigError, match="time.sprout_substeps"):
            pm.loads_config(text, check_files=False)
    # a run without sprout tips does not store the setting: it changes nothing there
    five = pm.loads_config('[grid]\nshape = [16, 16]\nextent = [1.0, 1.0]\n[initial.tumor]\n'
                           'type = "gaussian"\n[time]\nt_end = 0.1\n')
    assert not five.has_vessels and "sprout_substeps" not in five.to_dict()["time"]


def test_a_stored_config_without_the_substeps_is_continued_with_one():
    """Files written before the option store none: they were stepped at one rate, and
    ``loads_stored_config`` continues them so (a resume keeps their bits)."""
    from pde_meta.config import dump_toml, loads_stored_config, stored_step_settings

    text = dump_toml(pm.loads_config(_angiogenesis(32), check_files=False).to_dict())
    assert loads_stored_config(text).time.sprout_substeps == 8
    old = "\n".join(line for line in text.splitlines() if "sprout_substeps" not in line)
    assert loads_stored_config(old).time.sprout_substeps == 1
    assert stored_step_settings(old) == {"scheme": "richardson", "sprout_substeps": 1}


def test_a_run_with_substeps_resumes_to_the_same_bits(tmp_path):
    """The substeps the next step tries are in the checkpoint with the step, so a run
    extended from its checkpoint gives the bits of one that was not stopped (here they
    are used: the tips outrun everything else on this grid)."""
    from pde_meta.runner.run import initial_state, resume, simulate

    def config(t_end):
        text = _angiogenesis(48, t_end).replace(f"snapshot_interval = {t_end / 2}",
                                                "snapshot_interval = 1.0")
        return pm.loads_config(text, check_files=False)

    full = pm.open_run(simulate(config(2.0), output=tmp_path / "full.h5",
                                progress="none").path)
    path = simulate(config(1.0), output=tmp_path / "half.h5", progress="none").path
    ds = pm.open_run(resume(path, t_end=2.0, progress="none").path)
    np.testing.assert_array_equal(ds.time, full.time)
    for name in ("sprouts", "new_vessels", "blood", "taf", "tumor", "oxygen"):
        np.testing.assert_array_equal(ds[name].values, full[name].values, err_msg=name)
    from pde_meta import storage
    from pde_meta.cli.info import describe

    assert "time scheme  richardson, sprout tips in up to 8 substeps a step" in describe(
        storage.read_info(path), None)
    stepper = Stepper(initial_state(config(2.0), 0), config(2.0).parameters, threads=1)
    stepper.advance(2.0)
    assert stepper.stats.most_substeps > 1


def test_tips_transported_alone_are_conserved_and_stay_positive(rng):
    """With every tip reaction off, the subcycled step conserves the tips to round-off and
    keeps them >= 0, on random fields with steep TAF and ECM (the hard case)."""
    data = _tips_data(rng, (29, 33))
    data[P.TAF] = np.where(rng.uniform(size=data[P.TAF].shape) < 0.5, 2.0, 0.0)
    grid = pm.Grid(shape=(29, 33), extent=(1.0, 1.0))
    alone = FAST_TIPS.replace(sprouting_rate=0.0, anastomosis_rate=0.0, sprout_decay=0.0,
                              sprout_chemotaxis=20.0, sprout_haptotaxis=2.0)
    for scheme in ("euler", "richardson"):
        stepper = Stepper(pm.State(grid, data), alone, threads=1, scheme=scheme)
        stepper.advance(0.01)
        tips = stepper.state.data[P.SPROUTS]
        assert stepper.stats.most_substeps > 2
        assert tips.sum() == pytest.approx(data[P.SPROUTS].sum(), rel=1e-12)
        assert tips.min() >= 0.0


@pytest.mark.slow
def test_subcycled_steps_are_second_order_and_far_more_accurate_than_euler():
    """``configs/angiogenesis.toml`` on 128 x 128 to t = 2 (about 6 s): the error of the
    sprout tips, new vessels, TAF and oxygen (largest over the four, relative to each
    field's maximum) against a quarter of the step. The subcycled default takes a third
    of the single-rate steps; its error falls by 3.6 when the step is halved (second
    order) and is a sixth of Euler's. Measured: 8.4e-2 (73 steps), 2.3e-2 at half the
    step; one rate 5.7e-2 (222 steps); Euler 0.50."""
    from pde_meta.runner.run import initial_state

    config = pm.loads_config(_angiogenesis(128), check_files=False)
    start, p = initial_state(config, 0), config.parameters
    planes = [P.SPROUTS, P.NEW_VESSELS, P.TAF, P.OXYGEN]

    def run(**kw):
        stepper = Stepper(start, p, threads=1, **kw)
        stepper.advance(2.0)
        return stepper

    ref = run(sprout_substeps=1, safety=0.9 / 4, reaction_cfl=0.5 / 4).state.data

    def error(s):
        return max(np.abs(s.state.data[k] - ref[k]).max() / np.abs(ref[k]).max()
                   for k in planes)

    sub, finer, euler = run(), run(safety=0.45, reaction_cfl=0.25), run(scheme="euler",
                                                                         sprout_substeps=1)
    one = run(sprout_substeps=1)
    assert sub.stats.most_substeps > 1 and sub.stats.steps < 0.5 * one.stats.steps
    assert error(sub) / error(finer) > 3.0
    assert error(sub) < 0.25 * error(euler)
