"""The pde-meta command line: runs, batches, checks, info, resume, bad input, SIGKILL."""

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from pde_meta import storage as io
from pde_meta.cli import main
from pde_meta.runner import progress, run

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
name = "{name}"
[grid]
shape = [{n}, {n}]
[parameters]
haptotaxis = 0.02
growth_rate = 0.3
{extra}
[initial.tumor]
type = "gaussian"
width = 0.1
[initial.ecm]
type = "random"
[initial.mmp]
type = "scaled"
factor = 0.5
[initial.oxygen]
type = "uniform"
value = 1.0
[time]
t_end = {t_end}
snapshot_interval = {interval}
[output]
checkpoint_seconds = {checkpoint}
"""


def config_file(tmp_path, name="small", n=20, t_end=0.5, interval=0.25, extra="",
                checkpoint=60):
    path = tmp_path / f"{name}.toml"
    path.write_text(CONFIG.format(name=name, n=n, t_end=t_end, interval=interval, extra=extra,
                                  checkpoint=checkpoint))
    return path


def tree(root):
    """Every file under ``root`` with the hash of its content and its mtime."""
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_bad_input(code, err):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pde-meta: error: ")
    assert "Traceback" not in err


# --------------------------------------------------------------------------- help


def test_help_documents_exit_codes(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    for text in ("exit codes", "0  success", "1  a simulation failed", "2  bad input",
                 "run", "check", "resume", "info"):
        assert text in out
    code, out, _ = cli(capsys, "run", "--help")
    assert code == 0 and "--overwrite" in out and "exit codes" in out


def test_console_script_and_python_m(tmp_path):
    exe = shutil.which("pde-meta")
    commands = [[sys.executable, "-m", "pde_meta", "--help"]]
    if exe:
        commands.append([exe, "--help"])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0 and "exit codes" in result.stdout


# --------------------------------------------------------------------------- run


def test_run_one_config(tmp_path, capsys):
    path = config_file(tmp_path)
    code, out, err = cli(capsys, "run", path, "--quiet")
    assert code == 0, err
    assert "complete" in out and "cell-updates/s" in out
    ds = io.open_run(tmp_path / "small.h5")
    assert ds.sizes["time"] == 3 and ds.attrs["status"] == "complete"


def test_run_output_option_file_and_directory(tmp_path, capsys):
    path = config_file(tmp_path)
    code, _, _ = cli(capsys, "run", path, "--output", tmp_path / "o" / "x.h5", "-q")
    assert code == 0 and (tmp_path / "o" / "x.h5").is_file()
    code, _, _ = cli(capsys, "run", path, "--output", tmp_path / "o", "-q")
    assert code == 0 and (tmp_path / "o" / "small.h5").is_file()


def test_progress_lines_when_not_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    code, out, err = cli(capsys, "run", config_file(tmp_path))
    assert code == 0
    assert "ETA" in err and "cell-updates/s" in err and "ETA" not in out


def test_batch_runs_in_parallel_and_a_failure_does_not_stop_the_others(tmp_path, capsys):
    good = config_file(tmp_path, "good")
    _bad_config(tmp_path)
    code, out, err = cli(capsys, "run", tmp_path / "good.toml", tmp_path / "bad.toml",
                         "--output", tmp_path / "runs", "--jobs", 2, "--quiet")
    assert code == 1
    rows = out.strip().splitlines()
    assert rows[0].startswith("config") and len(rows) == 3
    assert "good.toml" in rows[1] and "complete" in rows[1]
    assert "bad.toml" in rows[2] and "failed" in rows[2]
    assert "non-finite" in err and "Traceback" not in err
    assert io.read_info(tmp_path / "runs" / "good.h5").status == "complete"
    assert io.read_info(tmp_path / "runs" / "bad.h5").status == "failed"
    assert good.exists()


def _bad_config(tmp_path, name="bad"):
    """A config whose run fails (non-finite values) after its first snapshot."""
    bad = config_file(tmp_path, name,
                      extra="mmp_production = 1e200\necm_degradation = 0").read_text()
    bad = bad.replace('type = "gaussian"\nwidth = 0.1',
                      'type = "uniform"\nvalue = 1e150').replace(
        'type = "random"', 'type = "uniform"\nvalue = 1.0')
    (tmp_path / f"{name}.toml").write_text(bad)
    return tmp_path / f"{name}.toml"


def test_jobs_run_on_the_sweep_layer_like_serial_runs(tmp_path, capsys, monkeypatch):
    """``run --jobs 2`` goes through :func:`pde_meta.sweep.batch.run_tasks` with the
    validated configs; its files equal serial runs' bit for bit; a failing run gives exit
    1 and the others complete; the workers' log lines reach this process."""
    from pde_meta.cli import run as cli_run
    from pde_meta.config import RunConfig
    from pde_meta.sweep import batch

    calls = []

    def spy(function, tasks, **kw):
        tasks = list(tasks)
        calls.append((function, tasks, kw))
        return batch.run_tasks(function, tasks, **kw)

    monkeypatch.setattr(cli_run, "run_tasks", spy)
    configs = [config_file(tmp_path, "one"), _bad_config(tmp_path),
               config_file(tmp_path, "two", extra="mmp_production = 2.0")]
    code, out, err = cli(capsys, "run", *configs, "--output", tmp_path / "jobs", "--jobs", 2)
    assert code == 1
    (function, tasks, kw), = calls
    assert function is cli_run.run_job and kw["workers"] == 2 and kw["forward_logs"]
    assert all(isinstance(t["config"], RunConfig) for t in tasks)  # nothing to re-parse
    rows = out.strip().splitlines()
    assert len(rows) == 4 and ["one.toml" in rows[1], "bad.toml" in rows[2],
                               "two.toml" in rows[3]] == [True] * 3
    assert "complete" in rows[1] and "failed" in rows[2] and "complete" in rows[3]
    assert "non-finite" in err and "Traceback" not in err
    for name in ("one", "two"):  # logged in the workers, printed here
        assert f"{name}: done: t = 0.5" in err
    assert "batch: 3/3 runs (100%)" in err
    assert "distributed" not in err  # no dask noise

    code, _, err = cli(capsys, "run", configs[0], configs[2], "--output", tmp_path / "serial",
                       "--jobs", 1, "-q")
    assert code == 0, err
    assert len(calls) == 1  # one job at a time runs here
    for name in ("one", "two"):
        a, b = io.open_run(tmp_path / "jobs" / f"{name}.h5"), \
            io.open_run(tmp_path / "serial" / f"{name}.h5")
        assert a.attrs["status"] == b.attrs["status"] == "complete"
        np.testing.assert_array_equal(a.time.values, b.time.values)
        for var in a.data_vars:
            if var != "wall_seconds":
                np.testing.assert_array_equal(a[var].values, b[var].values, err_msg=var)
    assert io.read_info(tmp_path / "jobs" / "bad.h5").status == "failed"


def test_ctrl_c_stops_parallel_runs_and_leaves_no_process(tmp_path):
    """SIGINT to the process group of ``pde-meta run a b --jobs 2``: exit 130 with one
    line, no traceback, no worker process left, files that can be resumed."""
    configs = [config_file(tmp_path, name, n=96, t_end=1000.0, interval=5.0)
               for name in ("left", "right")]
    out = tmp_path / "out"
    proc = subprocess.Popen([*_command(), "run", *map(str, configs), "--output", str(out),
                             "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    files = [out / "left.h5", out / "right.h5"]
    while not all(f.exists() for f in files) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    try:
        assert proc.poll() is None, proc.stderr.read()
        os.killpg(proc.pid, signal.SIGINT)
        # the workers may be compiling the kernels (cold cache, busy machine): they stop
        # when that is done, which can take a minute or two, not never
        _, err = proc.communicate(timeout=240)
    finally:  # a failure here must not leave two runs to t = 1000 behind for the suite
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.startswith("pde-meta: error:")]
    assert len(lines) == 1 and "interrupted" in lines[0]
    assert "Traceback" not in err and "distributed" not in err
    deadline = time.monotonic() + 10
    while _alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(proc.pid)
    for f in files:
        assert io.read_info(f).status != "complete"


def test_workers_exit_with_their_parent(tmp_path):
    """SIGKILL of ``pde-meta run a b --jobs 2`` itself (not its group): its workers must
    not go on without it."""
    configs = [config_file(tmp_path, name, n=96, t_end=1000.0, interval=5.0)
               for name in ("left", "right")]
    out = tmp_path / "out"
    proc = subprocess.Popen([*_command(), "run", *map(str, configs), "--output", str(out),
                             "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out / "left.h5").exists() and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None and _alive(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while _alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(proc.pid)


def _alive(group: int) -> list[str]:
    """The processes of the session (and process group) ``group`` that are not zombies."""
    found = subprocess.run(["ps", "-o", "stat=,pid=,args=", "-s", str(group)],
                           capture_output=True, text=True).stdout.splitlines()
    return [line for line in found if not line.strip().startswith("Z")]


# --------------------------------------------------------------------------- bad input


def _bad_configs(tmp_path):
    base = CONFIG.format(name="b", n=8, t_end=0.5, interval=0.25, extra="", checkpoint=60)
    return {
        "syntax": base.replace("shape = [8, 8]", "shape = [8, 8"),
        "wrong type": base.replace("haptotaxis = 0.02", 'haptotaxis = "strong"'),
        "negative diffusivity": base.replace("haptotaxis = 0.02", "tumor_diffusivity = -1"),
        "unknown key": base.replace("haptotaxis = 0.02", "haptotaxsi = 0.02"),
    }


@pytest.mark.parametrize("case", ["syntax", "wrong type", "negative diffusivity",
                                  "unknown key"])
def test_bad_configs_give_one_line_and_exit_2(tmp_path, capsys, case):
    path = tmp_path / "b.toml"
    path.write_text(_bad_configs(tmp_path)[case])
    (tmp_path / "b.h5").write_bytes(b"an earlier result")
    before = tree(tmp_path)
    for command in ("run", "check"):
        code, _, err = cli(capsys, command, path)
        assert_bad_input(code, err)
        assert str(path) in err
    assert tree(tmp_path) == before
    if case == "unknown key":
        assert "did you mean 'haptotaxis'?" in err


def test_missing_config(tmp_path, capsys):
    code, _, err = cli(capsys, "run", tmp_path / "nope.toml")
    assert_bad_input(code, err)
    assert "does not exist" in err and list(tmp_path.iterdir()) == []


def test_unwritable_output_directory(tmp_path, capsys):
    path = config_file(tmp_path)
    before = tree(tmp_path)
    code, _, err = cli(capsys, "run", path, "--output", "/proc/pde-meta/out.h5")
    assert_bad_input(code, err)
    assert "not writable" in err
    if os.geteuid() != 0:  # root may write anywhere: the permission bits do not stop it
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = cli(capsys, "run", path, "--output", locked / "out.h5")
        assert_bad_input(code, err)
    assert tree(tmp_path) == before


def test_existing_output_without_overwrite(tmp_path, capsys):
    path = config_file(tmp_path)
    (tmp_path / "small.h5").write_bytes(b"precious")
    before = tree(tmp_path)
    code, _, err = cli(capsys, "run", path)
    assert_bad_input(code, err)
    assert "--overwrite" in err and tree(tmp_path) == before
    code, _, _ = cli(capsys, "run", path, "--overwrite", "-q")
    assert code == 0 and io.read_info(tmp_path / "small.h5").status == "complete"


def test_a_bad_config_in_a_batch_stops_the_batch_before_it_starts(tmp_path, capsys):
    good = config_file(tmp_path, "good")
    (tmp_path / "bad.toml").write_text(_bad_configs(tmp_path)["unknown key"])
    code, _, err = cli(capsys, "run", good, tmp_path / "bad.toml", "--output", tmp_path)
    assert_bad_input(code, err)
    assert not (tmp_path / "good.h5").exists()


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["run"], ["run", "x.toml", "--jobs",
                                                                 "0"],
                                  ["resume", "x.h5", "--t-end", "soon"], ["info"]])
def test_usage_errors(tmp_path, capsys, argv, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, *argv)
    assert_bad_input(code, err)


def _damaged_runs(tmp_path, capsys):
    code, _, _ = cli(capsys, "run", config_file(tmp_path), "-q")
    assert code == 0
    data = (tmp_path / "small.h5").read_bytes()
    (tmp_path / "truncated.h5").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.h5").write_text("not a run\n")
    import h5py

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(4)
    return ["truncated.h5", "text.h5", "other.h5", "missing.h5"]


def test_resume_and_info_refuse_files_that_are_not_runs(tmp_path, capsys):
    names = _damaged_runs(tmp_path, capsys)
    before = tree(tmp_path)
    for name in names:
        for argv in (["resume", tmp_path / name], ["info", tmp_path / name],
                     ["resume", tmp_path / name, "--t-end", "2"]):
            code, _, err = cli(capsys, *argv)
            assert_bad_input(code, err)
    code, _, err = cli(capsys, "resume", tmp_path / "small.h5", "--t-end", "0.1")
    assert_bad_input(code, err)
    assert "before the checkpoint" in err
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- check, info


def test_check_prints_the_plan(tmp_path, capsys):
    code, out, err = cli(capsys, "check", config_file(tmp_path), ROOT / "configs" /
                         "hypoxia.toml")
    assert code == 0, err
    for text in ("grid        20 x 20", "limited by", "steps       about", "snapshots   3",
                 "output", "memory", "units       L = 0.1 cm"):
        assert text in out, text
    assert list(tmp_path.glob("*.h5")) == []


def test_info_shows_status_versions_snapshots_diagnostics_config(tmp_path, capsys):
    cli(capsys, "run", config_file(tmp_path), "-q")
    code, out, _ = cli(capsys, "info", tmp_path / "small.h5")
    assert code == 0
    for text in ("status       complete", "versions     pde-meta", "numba", "h5py",
                 "snapshots    3, t = 0 ... 0.5", "checkpoint", "cell-updates/s",
                 "diagnostics:", "tumor_mass", "config:", "[grid]"):
        assert text in out, text
    table = out.split("diagnostics:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[0].split() == ["diagnostic", "t", "=", "0", "t", "=", "0.25", "t", "=", "0.5"]
    stored = io.read_info(tmp_path / "small.h5").diagnostics
    assert [row.split()[0] for row in table[1:]] == list(stored)  # every one, in file order
    mass = next(row for row in table if row.startswith("  tumor_mass "))
    assert float(mass.split()[-1]) == pytest.approx(stored["tumor_mass"][-1], rel=1e-5)


def test_sweep_table_shows_keys_status_and_event_times_first():
    import pandas as pd

    from pde_meta.cli.sweep import summary

    table = pd.DataFrame({
        "member": [0, 1], "file": ["0-a.h5", "1-b.h5"],
        "parameters.mmp_production": [0.5, 2.0], "status": ["complete", "failed"],
        "action": ["ran", "ran"], "message": ["", "boom"], "wall_seconds": [1.25, 0.5],
        "tumor_mass": [0.1, 0.2], "invaded_area": [0.3, 0.4], "front_max_depth": [0.1, 0.2],
        "membrane_breach_time": [1.5, float("nan")], "roughness": [1.0, 1.1]})
    lines = summary(table).splitlines()
    assert lines[0].split() == ["member", "mmp_production", "status", "action", "stepping",
                                "s", "membrane_breach_time", "tumor_mass", "invaded_area",
                                "front_max_depth"]
    assert lines[1].split() == ["0", "0.5", "complete", "ran", "1.25", "1.5", "0.1", "0.3",
                                "0.1"]
    assert lines[2].split()[5] == "-"  # never breached


def test_resume_extends_a_finished_run(tmp_path, capsys):
    cli(capsys, "run", config_file(tmp_path), "-q")
    code, out, _ = cli(capsys, "resume", tmp_path / "small.h5", "--t-end", "1.0", "-q")
    assert code == 0 and "complete at t = 1" in out
    assert io.open_run(tmp_path / "small.h5").sizes["time"] == 5


# --------------------------------------------------------------------------- SIGKILL


def _command():
    exe = shutil.which("pde-meta")
    return [exe] if exe else [sys.executable, "-m", "pde_meta"]


def test_sigkill_at_random_moments_loses_nothing_flushed_and_resumes_exactly(tmp_path,
                                                                             capsys):
    """Kill a real ``pde-meta run``; the file opens, holds every snapshot written before
    the kill, and ``resume`` finishes it bit for bit like an uninterrupted run."""
    config = config_file(tmp_path, "kill", n=40, t_end=16.0, interval=0.4, checkpoint=0.02)
    reference = run.simulate(config, output=tmp_path / "reference.h5", progress="none")
    ref = io.open_run(reference.path)
    rng = random.Random(20051)
    killed_mid_run = 0
    for trial in range(3):
        out = tmp_path / f"killed{trial}.h5"
        proc = subprocess.Popen([*_command(), "run", str(config), "--output", str(out), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 1.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert out.exists(), proc.stderr.read().decode()
        ds = io.open_run(out)  # 1. the file opens
        n = ds.sizes["time"]
        assert n >= 1
        if ds.attrs["status"] == "stopped":  # killed while it ran, as info says
            killed_mid_run += 1
            assert ds.attrs["recorded_status"] == "running"
            assert io.read_info(out).state == "stopped"
            if killed_mid_run == 1:  # plain HDF5 refuses the file until it is repaired
                with pytest.raises(OSError):
                    h5py.File(out, "r").close()
                code, text, _ = cli(capsys, "repair", out)
                assert code == 0 and "repaired" in text
                h5py.File(out, "r").close()
        # 2. every snapshot written before the kill is there, intact and exact
        np.testing.assert_array_equal(ds.time.values, ref.time.values[:n])
        for name in ("tumor", "ecm", "membrane", "mmp", "oxygen", "tumor_mass", "step"):
            np.testing.assert_array_equal(ds[name].values, ref[name].values[:n], err_msg=name)
        # 3. resume continues it to the end, bit for bit
        code, _, err = cli(capsys, "resume", out, "-q")
        assert code == 0, err
        done = io.open_run(out)
        assert done.attrs["status"] == "complete"
        for name in ("tumor", "ecm", "mmp", "oxygen", "dt", "step", "tumor_mass"):
            np.testing.assert_array_equal(done[name].values, ref[name].values, err_msg=name)
        assert not list(tmp_path.glob(".*.tmp"))
    assert killed_mid_run >= 1


def test_output_into_a_closed_pipe_is_not_a_traceback():
    """``pde-meta info RUN.h5 | true``: nobody reads the pipe; exit 0, no traceback."""
    layout1 = ROOT / "tests" / "data" / "layout1.h5"
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m pde_meta "
                           f"info {layout1} | true"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_ctrl_c_always_stops_a_run_keeps_its_state_and_resumes_exactly(tmp_path, capsys):
    """SIGINT to ``pde-meta run`` at random moments while it steps: exit 130 at once with
    one line, the file ``interrupted`` with a checkpoint of the step it stopped at, and
    ``resume`` finishes it bit for bit like an uninterrupted run."""
    config = config_file(tmp_path, "ctrlc", n=128, t_end=20.0, interval=2.5, checkpoint=60)
    reference = run.simulate(config, output=tmp_path / "reference.h5", progress="none")
    stepping = reference.wall_seconds  # interrupt within its first half
    ref = io.open_run(reference.path)
    rng = random.Random(130)
    for trial in range(2):
        out = tmp_path / f"stopped{trial}.h5"
        proc = subprocess.Popen([*_command(), "run", str(config), "--output", str(out), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.1, 0.5) * stepping)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 130, err
        assert "Exception ignored" not in err and "Traceback" not in err, err
        info = io.read_info(out)
        assert info.status == "interrupted" and 0 < info.checkpoint.state.t < 20.0
        code, _, err = cli(capsys, "resume", out, "-q")
        assert code == 0, err
        done = io.open_run(out)
        for name in ("tumor", "ecm", "mmp", "oxygen", "dt", "step", "tumor_mass"):
            np.testing.assert_array_equal(done[name].values, ref[name].values, err_msg=name)
