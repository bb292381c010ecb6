"""Limits that keep a bad input from exhausting the machine or running for ever: memory,
snapshots and steps (check, run, resume, the Python API), cell sizes, non-real fields,
non-finite times, and the output path (live writers, inputs, stale temporaries)."""

import hashlib
import logging
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

import pde_meta as pm
from pde_meta import storage as io
from pde_meta.cli import main
from pde_meta.config import load_config, loads_config
from pde_meta.core import grid as grid_module
from pde_meta.core.grid import Grid, available_memory, check_memory
from pde_meta.errors import ConfigError
from pde_meta.runner import run

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
name = "{name}"
[grid]
shape = [{n}, {n}]
extent = {extent}
[initial.tumor]
type = "gaussian"
width = 0.1
[initial.ecm]
type = "anderson"
[initial.oxygen]
type = "uniform"
value = 1.0
[time]
t_end = {t_end}
snapshot_interval = {interval}
[output]
path = "{name}.h5"
checkpoint_seconds = 0
"""


def text(name="small", n=16, extent="[1.0, 1.0]", t_end=0.5, interval=0.25):
    return CONFIG.format(name=name, n=n, extent=extent, t_end=t_end, interval=interval)


def config_file(tmp_path, **kw):
    path = tmp_path / f"{kw.get('name', 'small')}.toml"
    path.write_text(text(**kw))
    return path


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def little_memory(monkeypatch):
    """The machine has 64 MiB available (and the check is on)."""
    monkeypatch.delenv(grid_module.MEMORY_CHECK_ENV, raising=False)
    monkeypatch.setattr(grid_module, "available_memory", lambda: 64 * 2**20)


def one_line_error(message, *words):
    assert "\n" not in message and "fix:" in message and "allowed:" in message, message
    for w in words:
        assert w in message, (w, message)


# --------------------------------------------------------------------------- memory


def test_available_memory_is_memavailable_or_less():
    available = available_memory()
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    mem = int(info["MemAvailable"].split()[0]) * 1024
    assert available is not None and 0 < available <= mem * 1.1 + 2**30


def test_available_memory_respects_an_address_space_cap():
    code = textwrap.dedent("""
        import os, resource
        from pathlib import Path
        from pde_meta.core.grid import available_memory
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        cap = pages * os.sysconf("SC_PAGE_SIZE") + 256 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        print(available_memory())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert 200 * 2**20 < int(out.stdout) <= 256 * 2**20


def test_check_memory_message_and_override(little_memory, monkeypatch):
    with pytest.raises(ConfigError) as info:
        check_memory(2**40, "grid.shape = [9, 9]", "a smaller grid.shape")
    one_line_error(str(info.value), "grid.shape = [9, 9]", "1 TiB", "64 MiB",
                   "a smaller grid.shape", "PDE_META_MEMORY_CHECK=0")
    monkeypatch.setenv("PDE_META_MEMORY_CHECK", "0")
    check_memory(2**40, "grid.shape = [9, 9]", "a smaller grid.shape")  # switched off


def test_plan_simulate_and_resume_refuse_a_run_over_the_available_memory(
        tmp_path, monkeypatch):
    config = loads_config(text(name="big", n=600), base_dir=tmp_path)  # about 258 MiB
    done = run.simulate(loads_config(text(n=16), base_dir=tmp_path), progress="none")
    before = digest(done.path)
    monkeypatch.setattr(grid_module, "available_memory", lambda: 64 * 2**20)
    for attempt in (run.plan, lambda c: run.simulate(c, progress="none")):
        with pytest.raises(ConfigError) as info:
            attempt(config)
        one_line_error(str(info.value), "grid.shape = [600, 600]", "258 MiB", "64 MiB",
                       "PDE_META_MEMORY_CHECK=0")
    assert not config.output.path.exists()
    monkeypatch.setattr(grid_module, "available_memory", lambda: 50_000)  # 16 x 16: 188 KiB
    with pytest.raises(ConfigError, match="needs about 188 KiB of memory"):
        run.resume(done.path, t_end=1.0, progress="none")
    assert digest(done.path) == before
    monkeypatch.setenv("PDE_META_MEMORY_CHECK", "0")  # the override
    assert run.resume(done.path, t_end=1.0, progress="none").status == "complete"


def test_builders_and_stepper_refuse_grids_over_the_available_memory(little_memory):
    with pytest.raises(ConfigError, match=r"grid.shape = \(100000, 100000\) holds 100000"):
        pm.initial.anderson2005(100000)
    with pytest.raises(ConfigError) as info:
        pm.initial.anderson2005(2048)
    one_line_error(str(info.value), "anderson2005(2048)", "2048 x 2048", "64 MiB")
    state = pm.initial.anderson2005(16)
    big = pm.State(Grid.square(1024), np.zeros((len(pm.FIELDS), 1024, 1024)))
    with pytest.raises(ConfigError, match="a Stepper of a 1024 x 1024 grid needs"):
        pm.Stepper(big, pm.Parameters())
    assert pm.Stepper(state, pm.Parameters()).state.grid.shape == (16, 16)


def test_plan_of_a_large_grid_builds_no_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("PDE_META_MEMORY_CHECK", "0")
    config = loads_config(text(n=4096), base_dir=tmp_path)
    tracemalloc.start()
    try:
        plan = run.plan(config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # one field alone would be 128 MiB
    assert plan.state is None and plan.bound is None and plan.dt is None
    assert "are built only for runs up to" in plan.dt_note
    assert "at most" in plan.dt_note and 0 < plan.dt_max < 1e-4  # the grid's own bound
    assert plan.memory_bytes >= 4096**2 * 5 * 8 * 4 and plan.steps >= 1
    small = run.plan(loads_config(text(n=16), base_dir=tmp_path))
    assert small.state is not None and small.dt <= small.dt_max and small.dt_note == ""


CAPPED = """
import os, resource, sys
from pathlib import Path
from pde_meta.cli import main
from pde_meta.config import load_config
from pde_meta.runner import run
run.plan(load_config(sys.argv[2]))  # everything imported and warm
pages = int(Path("/proc/self/statm").read_text().split()[0])
cap = pages * os.sysconf("SC_PAGE_SIZE") + 2**30  # 1 GiB more than now
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
if sys.argv[1] == "check":
    sys.exit(main(["check", sys.argv[3]]))
plan = run.plan(load_config(sys.argv[3]))
print("planned", plan.dt, plan.memory_bytes)
"""


def test_check_of_a_huge_grid_is_refused_under_a_memory_cap(tmp_path):
    small = config_file(tmp_path, name="small")
    huge = config_file(tmp_path, name="huge", n=16384)
    env = {k: v for k, v in os.environ.items() if k != "PDE_META_MEMORY_CHECK"}
    out = subprocess.run([sys.executable, "-c", CAPPED, "check", small, huge], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    one_line_error(lines[0], "grid.shape = [16384, 16384]", "188 GiB", "PDE_META_MEMORY_CHECK")
    # with the check off, planning 4096^2 stays within the cap: no field is allocated
    big = config_file(tmp_path, name="big", n=4096)
    out = subprocess.run([sys.executable, "-c", CAPPED, "plan", small, big], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={**env, "PDE_META_MEMORY_CHECK": "0"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("planned ")


# --------------------------------------------------------------------------- snapshots, steps


def test_resume_applies_the_snapshot_and_step_limits(tmp_path):
    done = run.simulate(loads_config(text(), base_dir=tmp_path), progress="none")
    before = digest(done.path)
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        run.resume(done.path, t_end=1e300, progress="none")
    one_line_error(str(info.value), "--t-end = 1e+300", "at most 100000 snapshots")
    with pytest.raises(ConfigError) as info:
        run.resume(done.path, t_end=1e6, progress="none")
    one_line_error(str(info.value), "--t-end = 1e+06 gives about 4e+06 snapshots",
                   "--t-end <= 25000")
    assert time.perf_counter() - start < 10
    assert digest(done.path) == before
    code = main(["resume", str(done.path), "--t-end", "1e6"])
    assert code == 2 and digest(done.path) == before


def test_a_schedule_of_too_many_snapshots_is_refused_before_it_is_made():
    from pde_meta.config import output_times

    start = time.perf_counter()
    with pytest.raises(ConfigError, match="at most 100000 snapshots"):
        output_times(1e300, 1.0)
    config = loads_config(text(), base_dir=Path.cwd())
    with pytest.raises(ConfigError, match=r"t_end = 1e\+07 gives about 4e\+07 snapshots"):
        config.with_t_end(1e7)
    assert time.perf_counter() - start < 5
    assert len(config.with_t_end(10.0).output_times()) == 41


def test_extents_whose_cells_under_or_overflow_are_refused(tmp_path):
    for extent in ("[1e-300, 1.0]", "[1e300, 1e300]"):
        with pytest.raises(ConfigError) as info:
            loads_config(text(extent=extent), base_dir=tmp_path)
        one_line_error(str(info.value), "grid.extent = [", "cell size", "[1e-100, 1e+100]")
    with pytest.raises(ConfigError, match="cell size"):
        Grid(shape=(8, 8), extent=(1e-300, 1.0))
    assert Grid(shape=(8, 8), extent=(1e-90, 1e90)).dx == 1e90 / 8


def test_check_refuses_an_absurd_number_of_steps(tmp_path, capsys):
    path = config_file(tmp_path, extent="[1e-12, 1.0]")
    config = load_config(path)
    for attempt in (lambda c: run.plan(c, build=False), run.plan,
                    lambda c: run.simulate(c, progress="none")):
        with pytest.raises(ConfigError) as info:
            attempt(config)
        one_line_error(str(info.value), "time.t_end = 0.5 needs about", "at most 1e+12 steps",
                       "coarser cells")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "steps" in err and len(err.strip().splitlines()) == 1
    assert not config.output.path.exists()


# --------------------------------------------------------------------------- Python API


def test_complex_initial_fields_are_refused(tmp_path):
    np.save(tmp_path / "tumor.npy", np.full((16, 16), 0.5 + 0.1j))
    config = loads_config(text().replace('type = "gaussian"\nwidth = 0.1',
                                         'type = "file"\npath = "tumor.npy"'),
                          base_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw ComplexWarning
        with pytest.raises(ConfigError) as info:
            run.initial_state(config)
    one_line_error(str(info.value), "initial.tumor", "complex", "real")
    with pytest.raises(ConfigError, match="complex"):
        pm.initial.build_state(Grid.square(4), tumor=np.ones((4, 4), complex))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_non_finite_or_past_times_are_refused_at_once(bad):
    state = pm.initial.anderson2005(16)
    p = pm.Parameters()
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"times\[0\] = .* is not allowed"):
        list(pm.iterate(state, p, times=[bad]))
    with pytest.raises(ConfigError, match="t_end = .* is not allowed"):
        pm.solve(state, p, t_end=bad)
    with pytest.raises(ConfigError, match="t_end = .* is not allowed"):
        pm.Stepper(state, p).advance(bad)
    assert time.perf_counter() - start < 10


def test_an_absurd_advance_is_refused_and_steps_in_chunks_still_work():
    stepper = pm.Stepper(pm.initial.anderson2005(16), pm.Parameters())
    with pytest.raises(ConfigError, match="at most 1e\\+12 steps in one call"):
        stepper.advance(1e300)
    assert stepper.advance(np.inf, max_steps=3).step == 3


# --------------------------------------------------------------------------- resume, output


def test_resume_records_the_new_t_end_in_the_stored_config(tmp_path):
    done = run.simulate(loads_config(text(), base_dir=tmp_path), progress="none")
    run.resume(done.path, t_end=1.0, progress="none")
    info = io.read_info(done.path)
    assert info.t_end == 1.0
    assert loads_config(info.config_toml, check_files=False).time.t_end == 1.0
    assert len(info.times) == 5


def test_overwrite_of_a_run_a_live_process_writes_is_refused(tmp_path):
    from test_io import WRITER

    path = tmp_path / "live.h5"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                            stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == b"published"
        config = loads_config(text(), base_dir=tmp_path).with_output(path)
        with pytest.raises(ConfigError) as info:
            run.simulate(config, overwrite=True, progress="none")
        one_line_error(str(info.value), f"being written by process {proc.pid}")
        with pytest.raises(ConfigError, match="being written"):
            run.check_output(path, True)
    finally:
        proc.kill()
        proc.wait()
    run.check_output(path, True)  # dead now: replacing it is fine


def test_an_output_that_is_an_input_is_refused(tmp_path, capsys):
    victim = config_file(tmp_path, name="victim")
    before = digest(victim)
    assert main(["run", str(victim), "-o", str(victim), "--overwrite", "-q"]) == 2
    assert "is the config file of this run" in capsys.readouterr().err
    assert digest(victim) == before
    np.save(tmp_path / "tumor.npy", np.full((16, 16), 0.5))
    config = loads_config(text().replace('type = "gaussian"\nwidth = 0.1',
                                         'type = "file"\npath = "tumor.npy"'),
                          base_dir=tmp_path)
    with pytest.raises(ConfigError) as info:
        run.check_output(tmp_path / "tumor.npy", True, config)
    one_line_error(str(info.value), "is the input initial.tumor.path of this run")
    np.load(tmp_path / "tumor.npy")  # untouched


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_dead_writers_are_removed_and_reported(tmp_path, caplog):
    out = tmp_path / "run.h5"
    dead = _dead_pid()
    stale = [tmp_path / f".run.h5.new-{dead}.tmp", tmp_path / f".run.h5.recover-{dead}.tmp"]
    other = tmp_path / f".other.h5.new-{dead}.tmp"
    # a live PID that does not hold the file (a reused PID) does not keep it either
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    reused = tmp_path / f".run.h5.new-{sleeper.pid}.tmp"
    try:
        for p in (*stale, other, reused):
            p.write_bytes(b"partial")
        with caplog.at_level(logging.WARNING, logger="pde_meta.runner"):
            run.simulate(loads_config(text(name="run"), base_dir=tmp_path), progress="none")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not any(p.exists() for p in (*stale, reused)) and other.exists()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"removed .run.h5.new-{dead}.tmp, left by process {dead}" in logged
    assert "a run killed before its first snapshot" in logged
    assert f".run.h5.recover-{dead}.tmp" in logged
    assert out.exists()


HOLDER = textwrap.dedent("""
    import os, sys, time
    path = os.path.join(sys.argv[1], f".run.h5.new-{os.getpid()}.tmp")
    handle = open(path, "wb")
    print("ready", flush=True)
    time.sleep(60)
""")


def test_a_temporary_a_live_process_writes_blocks_the_output(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        with pytest.raises(ConfigError) as info:
            run.check_output(tmp_path / "run.h5", True)
        one_line_error(str(info.value), f"process {proc.pid} is writing it")
        assert (tmp_path / f".run.h5.new-{proc.pid}.tmp").exists()
    finally:
        proc.kill()
        proc.wait()


def test_check_counts_the_steps_by_a_pilot_not_from_the_initial_step(tmp_path):
    """With a large MMP production the reactions shorten the step as MMP accumulates: the
    initial step predicts about a hundredth of the steps; the pilot's estimate is within
    a factor of two of the real count (and exact when it gets through)."""
    from pde_meta.config import loads_config

    text = """
[grid]
shape = [24, 24]
[parameters]
mmp_production = 1e4
[initial.tumor]
type = "gaussian"
[initial.ecm]
type = "anderson"
[initial.mmp]
type = "scaled"
of = "tumor"
factor = 0.5
[initial.oxygen]
type = "uniform"
[time]
t_end = 1.0
"""
    config = loads_config(text, base_dir=tmp_path, name="mmp")
    plan = run.plan(config)
    naive = run.plan(config, estimate=False)
    taken = run.simulate(config, output=tmp_path / "mmp.h5", progress="none").step
    assert naive.steps < taken / 100
    assert taken / 2 < plan.steps < 2 * taken and "pilot" in plan.steps_basis
    short = loads_config(text.replace("t_end = 1.0", "t_end = 0.01"), base_dir=tmp_path,
                         name="short")
    exact = run.plan(short)
    assert exact.steps_basis.startswith("counted")
    assert exact.steps == run.simulate(short, output=tmp_path / "s.h5", progress="none").step
