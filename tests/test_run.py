"""The outer loop: runs, exact restarts, failures that keep the last good state, progress."""

import hashlib
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np
import pytest

from pde_meta import storage as io
from pde_meta.config import load_config, loads_config
from pde_meta.errors import ConfigError, SimulationError
from pde_meta.runner import progress, run

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
name = "small"
[grid]
shape = [24, 24]
[parameters]
haptotaxis = 0.02
growth_rate = 0.5
[initial.tumor]
type = "gaussian"
width = 0.1
[initial.ecm]
type = "anderson"
[initial.mmp]
type = "scaled"
factor = 0.5
[initial.oxygen]
type = "uniform"
value = 1.0
[time]
t_end = {t_end}
snapshot_interval = 0.25
[output]
path = "small.h5"
checkpoint_seconds = 0
"""


def small(tmp_path, t_end=1.0, **output):
    config = loads_config(SMALL.format(t_end=t_end), base_dir=tmp_path)
    if output:
        config = replace(config, output=replace(config.output, **output))
    return config


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def same_run(a, b, skip=("wall_seconds",)):
    """Two run files hold the same snapshots and diagnostics, bit for bit."""
    da, db = io.open_run(a), io.open_run(b)
    np.testing.assert_array_equal(da.time.values, db.time.values)
    for name in da.data_vars:
        if name not in skip:
            np.testing.assert_array_equal(da[name].values, db[name].values, err_msg=name)
    ca, cb = io.read_checkpoint(a), io.read_checkpoint(b)
    np.testing.assert_array_equal(ca.state.data, cb.state.data)
    assert (ca.state.t, ca.state.step, ca.dt) == (cb.state.t, cb.state.step, cb.dt)


def test_simulate_writes_every_snapshot_and_a_final_checkpoint(tmp_path):
    config = small(tmp_path)
    result = run.simulate(config, progress="none")
    assert result.status == "complete" and result.t == 1.0
    assert result.snapshots == 5 and result.steps > 0
    assert result.cell_updates_per_second > 0
    ds = io.open_run(result.path)
    np.testing.assert_array_equal(ds.time.values, [0, 0.25, 0.5, 0.75, 1.0])
    assert ds.attrs["status"] == "complete"
    ck = io.read_checkpoint(result.path)
    np.testing.assert_array_equal(ck.state.data[0], ds.tumor.values[-1])
    assert ck.state.step == result.step == int(ds.step.values[-1])
    assert loads_config(ds.attrs["config"]) == config


def test_restart_is_bit_for_bit(tmp_path):
    """Run to 2T == run to T, stop, resume to 2T."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    full = run.simulate(small(tmp_path / "a", t_end=2.0), progress="none")
    half = run.simulate(small(tmp_path / "b", t_end=1.0), progress="none")
    resumed = run.resume(half.path, t_end=2.0, progress="none")
    assert resumed.t == 2.0 and resumed.step == full.step
    same_run(full.path, half.path)
    assert io.read_info(half.path).t_end == 2.0


def test_restart_from_a_checkpoint_between_snapshots_is_bit_for_bit(tmp_path):
    """A wall-clock checkpoint mid-interval continues exactly (chunks do not change steps)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ref = run.simulate(small(tmp_path / "a", t_end=1.0), progress="none")
    config = small(tmp_path / "b", t_end=1.0)
    cut = run.simulate(config.with_t_end(0.5), progress="none")
    # take a state between snapshots from a third run and plant it as the checkpoint
    (tissue,) = run.compartments(config, threads=1)
    tissue.advance(0.25)
    tissue.advance(0.5)
    tissue.advance(0.75, max_steps=3)
    assert 0.5 < tissue.t < 0.75
    with h5py.File(cut.path, "r+", libver="latest") as f:
        writer = io.RunWriter(f, cut.path, None)
        writer.write_checkpoint({"tissue": tissue.checkpoint()}, t=tissue.t,
                                steps=tissue.step_count)
    run.resume(cut.path, t_end=1.0, progress="none")
    same_run(ref.path, cut.path)


def test_existing_output_is_refused_untouched_and_replaced_with_overwrite(tmp_path):
    config = small(tmp_path)
    path = config.output.path
    path.write_bytes(b"precious")
    with pytest.raises(ConfigError, match="exists.*--overwrite"):
        run.simulate(config, progress="none")
    assert path.read_bytes() == b"precious"
    run.simulate(config, progress="none", overwrite=True)
    assert io.read_info(path).status == "complete"
    assert not list(tmp_path.glob(".*.tmp"))


def test_output_in_a_new_directory_is_created(tmp_path):
    result = run.simulate(small(tmp_path), output=tmp_path / "runs" / "x" / "r.h5",
                          progress="none")
    assert result.path.is_file()


@pytest.mark.parametrize("target", ["/proc/pde-meta-test/out.h5", "/proc/out.h5"])
def test_unwritable_output_directory(tmp_path, target):
    with pytest.raises(ConfigError, match="not writable|not a directory"):
        run.simulate(small(tmp_path), output=target, progress="none")


def test_output_that_is_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        run.simulate(small(tmp_path), output=tmp_path, progress="none")


def test_non_finite_values_stop_the_run_naming_time_step_field_and_place(tmp_path):
    # cells at 1e150 secreting MMP at 1e200 per unit time overflow in the first step (no
    # ECM degradation, so the reaction limit of the step does not shrink it to match)
    text = SMALL.format(t_end=1.0).replace(
        'type = "gaussian"\nwidth = 0.1', 'type = "ellipse"\ncenter = [0.3, 0.6]\n'
        'radii = [0.05, 0.05]\namplitude = 1e150').replace(
        "growth_rate = 0.5",
        "growth_rate = 0.5\nmmp_production = 1e200\necm_degradation = 0").replace(
        'type = "anderson"', 'type = "uniform"\nvalue = 1.0')
    config = loads_config(text, base_dir=tmp_path)
    with pytest.raises(SimulationError) as info:
        run.simulate(config, progress="none")
    message = str(info.value)
    assert "\n" not in message
    # the MMP overflows; the second half step of the default scheme then degrades the
    # ECM by it (0 x inf), and the first plane that is not finite, the ECM's, is named
    for part in ("field 'ecm'", "became non-finite", "(x, y) = (0.2", "cell (i, j) = (",
                 "in step 1 ", "t = ", "last good state (t = 0, step 0)", "fix:"):
        assert part in message, part
    result = info.value.result
    assert result.status == "failed"
    info_ = io.read_info(config.output.path)
    assert info_.status == "failed" and "non-finite" in info_.message
    ck = info_.checkpoint
    assert np.isfinite(ck.state.data).all()
    ds = io.open_run(config.output.path)
    assert np.isfinite(ds.mmp.values).all() and ds.sizes["time"] == 1


def _vanishing_step_config(tmp_path):
    # MMP near 1e300 makes the ECM reaction limit dt ~ 1e-301: 1e301 steps to t = 1
    text = SMALL.format(t_end=1.0).replace(
        'type = "gaussian"\nwidth = 0.1', 'type = "uniform"\nvalue = 1e300').replace(
        "growth_rate = 0.5", "growth_rate = 0.5\nmmp_production = 1e300").replace(
        'type = "anderson"', 'type = "uniform"\nvalue = 1.0')
    return loads_config(text, base_dir=tmp_path)


def test_a_vanishing_time_step_is_refused_before_the_run_starts(tmp_path):
    config = _vanishing_step_config(tmp_path)
    start = time.perf_counter()
    for attempt in (run.plan, lambda c: run.simulate(c, progress="none")):
        with pytest.raises(ConfigError) as info:
            attempt(config)
        message = str(info.value)
        assert "time.t_end = 1 needs about 1e+301 steps" in message
        assert "at most 1e+12 steps" in message and "fix:" in message and "\n" not in message
    assert time.perf_counter() - start < 30
    assert not config.output.path.exists()


def test_a_vanishing_time_step_fails_at_once_instead_of_running_for_ever(tmp_path):
    from pde_meta.models.invasion.compartment import Tissue

    config = _vanishing_step_config(tmp_path)
    c = config.tissues()[0]
    tissue = Tissue("tissue", run.initial_state(config), c.parameters)
    start = time.perf_counter()
    with pytest.raises(SimulationError) as info:
        tissue.advance(1.0, max_steps=10)
    assert time.perf_counter() - start < 30
    message = str(info.value)
    assert "time step fell to" in message and "more than 1e+12 steps" in message
    assert "\n" not in message


def test_initial_fields_from_a_snapshot_of_an_earlier_run(tmp_path):
    first = run.simulate(small(tmp_path), progress="none")
    text = """
[grid]
shape = [24, 24]
[time]
t_end = 0.5
[initial.tumor]
type = "snapshot"
path = "small.h5"
time = 0.75
[initial.oxygen]
type = "snapshot"
path = "small.h5"
[initial.mmp]
type = "snapshot"
path = "small.h5"
field = "tumor"
time = 0.5
"""
    (tmp_path / "next.toml").write_text(text)
    config = load_config(tmp_path / "next.toml")
    state = run.initial_state(config)
    ds = io.open_run(first.path)
    np.testing.assert_array_equal(state.tumor, ds.tumor.sel(time=0.75).values)
    np.testing.assert_array_equal(state.oxygen, ds.oxygen.values[-1])
    np.testing.assert_array_equal(state.mmp, ds.tumor.sel(time=0.5).values)
    bad = config.to_toml().replace("time = 0.75", "time = 0.7")
    with pytest.raises(ConfigError, match=r"time = 0.7 is not a snapshot.*0.75"):
        run.initial_state(loads_config(bad))


def test_resume_refuses_bad_t_end_and_leaves_the_file_alone(tmp_path):
    result = run.simulate(small(tmp_path), progress="none")
    before = digest(result.path)
    for t_end in (0.5, float("nan"), -1.0):
        with pytest.raises(ConfigError, match="t-end"):
            run.resume(result.path, t_end=t_end, progress="none")
    assert digest(result.path) == before


def test_resume_of_a_finished_run_is_a_no_op(tmp_path):
    result = run.simulate(small(tmp_path), progress="none")
    again = run.resume(result.path, progress="none")
    assert again.status == "complete" and again.steps == 0 and again.snapshots == 5


def test_units_and_physical_parameters_are_stored(tmp_path):
    text = SMALL.format(t_end=0.25) + """
[units]
length_scale = 0.1
diffusivity_scale = 1e-6
[physical_parameters]
mmp_decay = 1e-4
"""
    result = run.simulate(loads_config(text, base_dir=tmp_path), progress="none")
    ds = io.open_run(result.path)
    units = json.loads(ds.attrs["units"])
    assert units["time_scale"] == pytest.approx(1e4)
    physical = json.loads(ds.attrs["physical_parameters"])
    assert physical["mmp_decay"] == {"value": 1e-4, "units": "1/s",
                                     "non_dimensional": pytest.approx(1.0)}
    assert json.loads(ds.attrs["parameters"])["mmp_decay"] == pytest.approx(1.0)
    np.testing.assert_allclose(ds.time_s.values, ds.time.values * 1e4)
    np.testing.assert_allclose(ds.x_cm.values, ds.x.values * 0.1)


def test_progress_log_lines_and_silence(tmp_path, caplog, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    with caplog.at_level(logging.INFO, logger="pde_meta"):
        run.simulate(small(tmp_path), progress="log", overwrite=True)
    lines = [r.getMessage() for r in caplog.records]
    assert any("ETA" in m and "dt = " in m and "snapshots" in m for m in lines)
    assert any("cell-updates/s" in m and "done" in m for m in lines)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pde_meta"):
        run.simulate(small(tmp_path), progress="none", overwrite=True)
    assert not caplog.records
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # the library never prints


def test_plan_reports_bound_and_sizes(tmp_path):
    plan = run.plan(small(tmp_path))
    assert plan.bound.limiting in plan.bound.limits
    assert plan.snapshots == 5 and plan.steps >= 1
    assert plan.output_bytes >= 5 * 5 * 24 * 24 * 8


# configs/sweep_*.toml are sweep files (docs/sweeps.md), not run configs
CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.toml")
                 if not p.name.startswith("sweep_"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_runs_briefly(tmp_path, path):
    config = load_config(path)
    t = config.time
    config = replace(config, time=replace(t, t_end=3 * (t.dt or run.plan(config).dt),
                                          snapshot_interval=None, snapshot_times=()))
    result = run.simulate(config, output=tmp_path / "out.h5", progress="none")
    assert result.status == "complete" and result.step >= 1
    for tissue in config.tissues():
        ds = io.open_run(result.path, compartment=tissue.name)
        assert ds.sizes["time"] == 2
        for name in config.output.fields:
            assert np.isfinite(ds[name].values).all()


def test_progress_bar_goes_to_stderr(tmp_path, capsys):
    run.simulate(small(tmp_path), progress="bar")
    out = capsys.readouterr()
    assert out.out == ""
    assert "snapshots 5/5" in out.err and "t=1/1" in out.err and "dt=" in out.err


def test_resume_refuses_a_run_that_is_still_being_written(tmp_path):
    import subprocess
    import sys

    from test_io import WRITER

    path = tmp_path / "live.h5"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == b"published"
        before = digest(path)
        with pytest.raises(ConfigError, match=f"being written by process {proc.pid}"):
            run.resume(path, progress="none")
        assert io.open_run(path).sizes["time"] >= 1  # readable while it is written
    finally:
        proc.kill()
        proc.wait()
    assert before  # the refusal wrote nothing (the writer itself keeps appending)
