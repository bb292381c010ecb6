"""Sweeps: sweep files, members on a dask LocalCluster, resuming, failures, the summary."""

import hashlib
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pde_meta import storage as io
from pde_meta import sweep
from pde_meta.errors import ConfigError, SimulationError
from pde_meta.runner import run

ROOT = Path(__file__).resolve().parents[1]

#: a tiny run: a tumour in a closed membrane ring (3 cells thick) on a random ECM
BASE = """
name = "tiny"
seed = 3
[grid]
shape = [24, 24]
[parameters]
haptotaxis = 0.01
growth_rate = 0.5
membrane_degradation = 2.0
[initial.tumor]
type = "ellipse"
radii = [0.12, 0.12]
amplitude = 0.5
[initial.membrane]
type = "ring"
radius = 0.16
thickness = 0.12
[initial.ecm]
type = "random"
correlation_length = 0.1
[initial.mmp]
type = "scaled"
factor = 0.5
[initial.oxygen]
type = "uniform"
value = 1.0
[time]
t_end = 0.4
snapshot_interval = 0.1
[output]
checkpoint_seconds = 0
"""

SWEEP = """
base = "tiny.toml"
[vary]
"parameters.mmp_production" = {mu}
parameters.membrane_degradation = {{ log = [1.0, 4.0], count = 2 }}
"""


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes, shared by this module."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as local:
        yield local.scheduler_address


def write_sweep(tmp_path, mu="[1.0, 3.0]", extra="", name="tiny_sweep"):
    (tmp_path / "tiny.toml").write_text(BASE)
    path = tmp_path / f"{name}.toml"
    path.write_text(SWEEP.format(mu=mu) + extra)
    return path


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def same_run(a, b):
    """Two run files hold the same snapshots, diagnostics and checkpoint, bit for bit."""
    da, db = io.open_run(a), io.open_run(b)
    np.testing.assert_array_equal(da.time.values, db.time.values)
    assert set(da.data_vars) == set(db.data_vars)
    for name in da.data_vars:
        if name != "wall_seconds":
            np.testing.assert_array_equal(da[name].values, db[name].values, err_msg=name)
    ca, cb = io.read_checkpoint(a), io.read_checkpoint(b)
    np.testing.assert_array_equal(ca.state.data, cb.state.data)
    assert (ca.state.t, ca.state.step, ca.dt) == (cb.state.t, cb.state.step, cb.dt)


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def first(tmp_path_factory, cluster):
    """A 4-member sweep run once on the cluster, and each member run alone."""
    tmp = tmp_path_factory.mktemp("sweep")
    s = sweep.load_sweep(write_sweep(tmp))
    result = sweep.run_sweep(s, tmp / "out", scheduler=cluster, progress="none")
    alone = {}
    for m in s.members:
        alone[m.index] = run.simulate(m.config, output=tmp / "alone" / m.file,
                                      progress="none").path
    return s, result, alone


def test_every_member_runs_and_equals_the_member_run_alone(first):
    s, result, alone = first
    assert len(s.members) == 4 and result.ok and result.ran == 4
    assert sorted(p.name for p in result.output.glob("*.h5")) == sorted(
        [m.file for m in s.members] + [sweep.INDEX_FILE])
    for m in s.members:
        assert m.file.startswith(f"{m.index:04d}-") and m.name == f"tiny_sweep-{m.index:04d}"
        same_run(result.output / m.file, alone[m.index])
    assert [m.overrides for m in s.members] == [
        (("parameters.mmp_production", mu), ("parameters.membrane_degradation", delta))
        for mu in (1.0, 3.0) for delta in (1.0, 4.0)]


def test_summary_is_one_row_per_member_in_csv_and_hdf5(first):
    s, result, _ = first
    table = sweep.open_sweep(result.output)
    assert list(table.index) == [0, 1, 2, 3]
    assert list(table.columns[:3]) == ["file", "parameters.mmp_production",
                                       "parameters.membrane_degradation"]
    assert (table.status == "complete").all() and (table.action == "ran").all()
    assert (table.t == 0.4).all() and (table.wall_seconds > 0).all()
    for name in ("tumor_mass", "invaded_area", "front_max_radius", "cluster_count",
                 "membrane_min_integrity", "membrane_breach_time", "membrane_escape_time"):
        assert name in table.columns, name
    final = io.open_run(result.output / table.file[3])
    assert table.tumor_mass[3] == final.tumor_mass.values[-1]
    assert table.membrane_min_integrity[3] < table.membrane_min_integrity[0]  # faster MMP
    csv = pd.read_csv(result.output / sweep.SUMMARY_FILE).set_index("member")
    pd.testing.assert_frame_equal(csv.drop(columns=["message", "warnings"]),
                                  table.drop(columns=["message", "warnings"]),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(result.table.set_index("member"), table, check_dtype=False)
    assert table.attrs["name"] == "tiny_sweep" and "tiny.toml" in table.attrs["sweep"]


def test_rerun_after_deleting_one_file_runs_only_that_member(first, tmp_path, cluster):
    s, result, alone = first
    out = tmp_path / "out"
    shutil.copytree(result.output, out)
    before = {m.file: (digest(out / m.file), (out / m.file).stat().st_mtime_ns)
              for m in s.members}
    (out / s.members[2].file).unlink()
    again = sweep.run_sweep(s, out, scheduler=cluster, progress="none")
    assert again.ok and (again.ran, again.resumed, again.skipped) == (1, 0, 3)
    assert list(again.table.action) == ["skipped", "skipped", "ran", "skipped"]
    for m in s.members:
        if m.index != 2:
            assert (digest(out / m.file), (out / m.file).stat().st_mtime_ns) == before[m.file]
    same_run(out / s.members[2].file, alone[2])
    # nothing left to do: no cluster is started at all
    third = sweep.run_sweep(s, out, scheduler="tcp://192.0.2.1:1", progress="none")
    assert third.skipped == 4 and third.ok


def test_incomplete_member_is_resumed_to_the_same_result(first, tmp_path, cluster):
    s, _, alone = first
    m = s.members[1]
    out = tmp_path / "out"
    run.simulate(m.config.with_t_end(0.2), output=out / m.file, progress="none")
    result = sweep.run_sweep(s, out, scheduler=cluster, progress="none")
    assert result.ok and (result.ran, result.resumed) == (3, 1)
    assert result.table.action[1] == "resumed"
    same_run(out / m.file, alone[1])


def test_member_file_of_another_config_is_refused_untouched(first, tmp_path):
    s, result, _ = first
    out = tmp_path / "out"
    shutil.copytree(result.output, out)
    other = sweep.load_sweep(write_sweep(tmp_path, extra='[set]\n"parameters.haptotaxis" = '
                                                         '0.02\n'))
    changed = [m for m in other.members if (out / m.file).exists()]
    assert changed  # the hash is over the overrides only: [set] changes keep the names
    before = digest(out / changed[0].file)
    with pytest.raises(ConfigError, match=r"different config: parameters.haptotaxis") as err:
        sweep.run_sweep(other, out, progress="none")
    assert "\n" not in str(err.value)
    assert digest(out / changed[0].file) == before


def test_a_member_file_written_under_the_first_order_default_is_not_taken_as_the_new(
        first, tmp_path):
    """A member file whose stored config names no scheme was written when ``euler`` was
    the default: a sweep under the second-order default refuses it, naming the key."""
    import h5py

    s, result, _ = first
    out = tmp_path / "out"
    shutil.copytree(result.output, out)
    for m in s.members:
        if (out / m.file).exists():
            with h5py.File(out / m.file, "r+") as f:
                text = f.attrs["config"]
                assert 'scheme = "richardson"' in text
                f.attrs["config"] = text.replace('scheme = "richardson"\n', "")
    with pytest.raises(ConfigError, match=r"time.scheme \(file 'euler', sweep 'richardson'\)"
                       r".*give the sweep the file's values"):
        sweep.run_sweep(s, out, progress="none")


def test_invalid_member_is_reported_and_the_others_finish(tmp_path, cluster, caplog):
    s = sweep.load_sweep(write_sweep(tmp_path, mu="[1.0, -2.0]"))
    assert [m.valid for m in s.members] == [True, True, False, False]
    logger = logging.getLogger("pde_meta")  # the CLI may have stopped its propagation
    logger.addHandler(caplog.handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with caplog.at_level(logging.WARNING, logger="pde_meta"):
            result = sweep.run_sweep(s, tmp_path / "out", scheduler=cluster, progress="none")
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate
    assert not result.ok and result.counts == {"complete": 2, "invalid": 2}
    table = sweep.open_sweep(tmp_path / "out")
    assert list(table.status) == ["complete", "complete", "invalid", "invalid"]
    assert table.message[2].startswith("parameters.mmp_production = -2.0 is out of range")
    assert np.isnan(table.tumor_mass[2]) and table.tumor_mass[0] > 0
    assert not (tmp_path / "out" / s.members[2].file).exists()
    assert sum("member 2 (" in r.message and "is invalid" in r.message
               for r in caplog.records) == 1


def test_members_go_through_the_shared_layer_with_progress(tmp_path, cluster, caplog,
                                                            monkeypatch):
    """Sweeps and ``pde-meta run --jobs N`` share :func:`pde_meta.sweep.batch.run_tasks`
    and :class:`pde_meta.runner.progress.Progress` (a log line per member here)."""
    from pde_meta.config import RunConfig
    from pde_meta.sweep import batch, schedule

    calls = []

    def spy(function, tasks, **kw):
        tasks = list(tasks)
        calls.append((function, tasks))
        return batch.run_tasks(function, tasks, **kw)

    monkeypatch.setattr(schedule, "run_tasks", spy)
    s = sweep.load_sweep(write_sweep(tmp_path, mu="[1.0]"))
    logger = logging.getLogger("pde_meta")
    logger.addHandler(caplog.handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with caplog.at_level(logging.INFO, logger="pde_meta"):
            result = sweep.run_sweep(s, tmp_path / "out", scheduler=cluster, progress="log")
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate
    assert result.ok and result.ran == 2
    (function, tasks), = calls
    assert function is sweep.run_member
    assert all(isinstance(t["config"], RunConfig) for t in tasks)
    lines = [r.getMessage() for r in caplog.records if " members (" in r.getMessage()]
    assert [line.split(",")[0] for line in lines] == ["tiny_sweep: 1/2 members (50%)",
                                                       "tiny_sweep: 2/2 members (100%)"]
    assert all(" complete in " in line and "ETA" in line for line in lines)


def test_failing_member_is_recorded_with_its_error(tmp_path, monkeypatch):
    s = sweep.load_sweep(write_sweep(tmp_path))
    m = s.members[0]

    def blow_up(config, output=None, **kw):
        raise SimulationError("field 'tumor' became non-finite in step 7")

    monkeypatch.setattr(run, "simulate", blow_up)
    row = sweep.run_member({"config": m.config, "path": str(tmp_path / m.file),
                            "action": "run"})
    assert row["status"] == "failed" and "non-finite in step 7" in row["message"]
    assert row["action"] == "ran" and row["task_seconds"] >= 0


def test_no_valid_member_and_bad_arguments_are_refused(tmp_path):
    path = write_sweep(tmp_path, mu="[-1.0]")
    with pytest.raises(ConfigError, match="no member is valid: member 0"):
        sweep.run_sweep(path, tmp_path / "out")
    path = write_sweep(tmp_path)
    for kw, match in (({"workers": 0}, "workers = 0 is not allowed"),
                      ({"workers": 2, "scheduler": "tcp://x:1"}, "workers is for the local"),
                      ({"progress": "loud"}, "progress = 'loud'")):
        with pytest.raises(ConfigError, match=match):
            sweep.run_sweep(path, tmp_path / "out", **kw)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- sweep files


def test_ranges_samples_and_replicates(tmp_path):
    (tmp_path / "tiny.toml").write_text(BASE)
    text = """
base = "tiny.toml"
replicates = 2
[vary]
"parameters.mmp_production" = { log = [0.25, 4.0], count = 5 }
[sample]
count = 4
seed = 11
"parameters.haptotaxis" = { log = [0.001, 0.1] }
"parameters.growth_rate" = { linear = [0.0, 1.0] }
"""
    s = sweep.loads_sweep(text, base_dir=tmp_path, name="lhs")
    assert len(s.members) == 5 * 4 * 2 and all(m.valid for m in s.members)
    assert s.keys == ("parameters.mmp_production", "parameters.haptotaxis",
                      "parameters.growth_rate", "seed")
    mus = sorted({dict(m.overrides)["parameters.mmp_production"] for m in s.members})
    assert mus == [0.25, 0.5, 1.0, 2.0, 4.0]
    first_point = s.members[:8]
    growth = [dict(m.overrides)["parameters.growth_rate"] for m in first_point[::2]]
    assert sorted(int(g * 4) for g in growth) == [0, 1, 2, 3]  # one sample per stratum
    chi = [dict(m.overrides)["parameters.haptotaxis"] for m in first_point[::2]]
    assert sorted(int(np.log10(c / 0.001) * 2) for c in chi) == [0, 1, 2, 3]
    assert [m.config.seed for m in s.members[:4]] == [3, 4, 3, 4]
    assert [m.replicate for m in s.members[:4]] == [0, 1, 0, 1]
    assert s.members[0].config.parameters.haptotaxis == chi[0]
    again = sweep.loads_sweep(text, base_dir=tmp_path, name="lhs")
    assert [m.file for m in again.members] == [m.file for m in s.members]
    assert len({m.file for m in s.members}) == len(s.members)


def test_inline_base_set_and_initial_key_paths(tmp_path):
    text = ("[base]\n" + re.sub(r"^\[", "[base.", BASE, flags=re.M) + """
[set]
"grid.shape" = [16, 16]
initial.membrane.radius = 0.2
initial.oxygen = { type = "gaussian", width = 0.3 }
[vary]
"initial.tumor.radii" = [[0.1, 0.1], [0.1, 0.05]]
""")
    s = sweep.loads_sweep(text, base_dir=tmp_path, name="inline")
    assert s.output == tmp_path / "inline"
    a, b = (m.config for m in s.members)
    assert a.grid.shape == (16, 16) and a.initial_sources()["membrane"][0]["radius"] == 0.2
    assert b.initial_sources()["tumor"][0]["radii"] == (0.1, 0.05)
    assert b.initial_sources()["oxygen"][0].as_dict() == {
        "type": "gaussian", "center": (0.5, 0.5), "width": 0.3, "amplitude": 1.0}
    assert b.output.path == tmp_path / "inline" / s.members[1].file


MISTAKES = [
    ('base = "tiny.toml"\nreplicate = 2\n', "replicate is not a known key",
     "did you mean 'replicates'?"),
    ('base = "tiny.toml"\n[vary]\n"parameters.mmp_prodution" = [1.0]\n',
     "vary.parameters.mmp_prodution is not a known key", "did you mean 'mmp_production'?"),
    ('base = "tiny.toml"\n[vary.parameters]\nhaptotaxs = [1.0]\n',
     "vary.parameters.haptotaxs is not a known key", "did you mean 'haptotaxis'?"),
    ('base = "tiny.toml"\n[vary]\n"initial.tumor.radius" = [[0.1, 0.1]]\n',
     "vary.initial.tumor.radius is not a known key", "did you mean 'radii'?"),
    ('base = "tiny.toml"\n[vary]\n"parameters.haptotaxis" = { log = [0.0, 1.0], count = 3 }\n',
     "vary.parameters.haptotaxis.log = [0.0, 1.0] has a value <= 0", "positive ends"),
    ('base = "tiny.toml"\n[vary]\n"parameters.haptotaxis" = { linear = [0.0, 1.0] }\n',
     "vary.parameters.haptotaxis.count", "is missing"),
    ('base = "tiny.toml"\n[vary]\n"parameters.haptotaxis" = { linear = [0, 1], cont = 3 }\n',
     "vary.parameters.haptotaxis.cont is not a known key", "did you mean 'count'?"),
    ('base = "tiny.toml"\n[vary]\n"parameters.haptotaxis" = 0.1\n',
     "vary.parameters.haptotaxis = 0.1 is a float", "put a fixed value in [set]"),
    ('base = "tiny.toml"\n[vary]\n"initial.tumor.center" = { linear = [0, 1], count = 2 }\n',
     "vary.initial.tumor.center = { linear = ... } needs a numeric key", "list the values"),
    ('base = "tiny.toml"\n[sample]\n"parameters.haptotaxis" = { log = [0.01, 0.1] }\n',
     "sample.count is missing", "fix: add count"),
    ('base = "tiny.toml"\n[sample]\ncount = 3\n', "[sample] has no key paths", "fix:"),
    ('[vary]\n"parameters.haptotaxis" = [0.1]\n', "base is missing", "fix: add base"),
    ('base = "nope.toml"\n', "base = 'nope.toml': base config", "does not exist"),
    ('base = "tiny.toml"\n[set]\n"output.path" = "x.h5"\n',
     "set.output.path is set by the sweep", "fix: remove it"),
    ('base = "tiny.toml"\n[set]\n"grid.shape" = [2, 2]\n',
     "the base config tiny.toml with [set] is not valid", "grid.shape = [2, 2]"),
    ('base = "tiny.toml"\n[set]\n"parameters.haptotaxis" = 0.1\n[vary]\n'
     '"parameters.haptotaxis" = [0.1, 0.2]\n', "vary.parameters.haptotaxis is also in [set]",
     "fix: remove one"),
    ('base = "tiny.toml"\nreplicates = 2\n[vary]\nseed = [1, 2]\n',
     "vary.seed is given with replicates = 2", "fix:"),
    ('base = "tiny.toml"\nreplicates = 0\n', "replicates = 0 is out of range", "fix:"),
    ('base = "tiny.toml"\n[vary]\n"parameters" = [1]\n', "vary.parameters is a section",
     "fix: name the key"),
    ('base = "tiny.toml"\n[vary\n', "TOML syntax error", "fix: correct the syntax"),
]


@pytest.mark.parametrize("text, first, second", MISTAKES, ids=[m[1][:40] for m in MISTAKES])
def test_sweep_file_mistakes_get_one_line_errors_naming_the_key(tmp_path, text, first, second):
    (tmp_path / "tiny.toml").write_text(BASE)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        sweep.load_sweep(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path))
    assert first in message and second in message, message


def test_every_problem_of_a_sweep_file_at_once(tmp_path):
    (tmp_path / "tiny.toml").write_text(BASE)
    text = ('base = "tiny.toml"\nreplicas = 2\n[vary]\n"parameters.mu" = [1]\n'
            '"time.t_ed" = [1.0]\n')
    with pytest.raises(ConfigError, match=r"^3 problems: .*replicas.*parameters\.mu.*t_ed"):
        sweep.loads_sweep(text, base_dir=tmp_path)


def test_replicates_need_a_random_initial_field(tmp_path):
    (tmp_path / "tiny.toml").write_text(BASE.replace('"random"', '"uniform"').replace(
        "correlation_length = 0.1", "value = 1.0"))
    with pytest.raises(ConfigError, match="every replicate would be the same run"):
        sweep.loads_sweep('base = "tiny.toml"\nreplicates = 3\n', base_dir=tmp_path)


def test_shipped_sweep_file_is_valid():
    s = sweep.load_sweep(ROOT / "configs" / "sweep_membrane.toml")
    assert len(s.members) == 25 and all(m.valid for m in s.members)
    assert s.keys == ("parameters.mmp_production", "parameters.membrane_degradation")
    assert s.base.grid.shape == (96, 96) and s.output == ROOT / "runs" / "sweep_membrane"
    assert "#" in s.text


def test_open_sweep_of_a_directory_without_one(tmp_path):
    with pytest.raises(ConfigError, match="holds no sweep.h5"):
        sweep.open_sweep(tmp_path)


# --------------------------------------------------------------------------- command line


def main(argv):
    from pde_meta.cli import main as cli_main

    return cli_main(argv)


def test_cli_sweep_runs_on_a_local_cluster(tmp_path, capsys):
    path = write_sweep(tmp_path)
    code = main(["sweep", str(path), "--workers", "2", "--output", str(tmp_path / "o"),
                 "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "4 complete" in out and "summary.csv" in out
    assert len(sweep.open_sweep(tmp_path / "o")) == 4


def test_cli_sweep_exit_code_says_some_failed(tmp_path, capsys, cluster):
    path = write_sweep(tmp_path, mu="[1.0, -2.0]")
    code = main(["sweep", str(path), "--scheduler", cluster, "--output",
                 str(tmp_path / "o"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "2 complete, 2 invalid" in out
    lines = [line for line in err.splitlines() if line.startswith("pde-meta: error:")]
    assert len(lines) == 2 and all("parameters.mmp_production = -2.0" in x for x in lines)


@pytest.mark.parametrize("args, expected", [
    (["--workers", "0"], "workers = 0 is not allowed"),
    (["--workers", "two"], "invalid int value"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "workers is for the local"),
])
def test_cli_sweep_bad_arguments_exit_2(tmp_path, capsys, args, expected):
    path = write_sweep(tmp_path)
    assert main(["sweep", str(path), "--output", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pde-meta: error:") and expected in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_cli_sweep_bad_file_exit_2(tmp_path, capsys):
    (tmp_path / "tiny.toml").write_text(BASE)
    path = tmp_path / "bad.toml"
    path.write_text('base = "tiny.toml"\n[vary]\n"parameters.mmp_prodution" = [1.0]\n')
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'mmp_production'?" in err
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_later_t_end_extends_finished_members(first, tmp_path, cluster):
    s, result, _ = first
    out = tmp_path / "out"
    shutil.copytree(result.output, out)
    longer = sweep.load_sweep(write_sweep(tmp_path, extra='[set]\n"time.t_end" = 0.6\n'))
    assert [m.file for m in longer.members] == [m.file for m in s.members]
    again = sweep.run_sweep(longer, out, scheduler=cluster, progress="none")
    assert again.ok and again.resumed == 4 and (again.table.t == 0.6).all()
    m = longer.members[3]
    alone = run.simulate(m.config, output=tmp_path / "alone.h5", progress="none").path
    same_run(out / m.file, alone)
    with pytest.raises(ConfigError, match="runs to t_end = 0.6, the sweep asks for 0.4"):
        sweep.run_sweep(s, out, progress="none")


def test_docs_describe_every_key_and_status():
    text = (ROOT / "docs" / "sweeps.md").read_text()
    for key in [o.key for o in sweep.SWEEP_OPTIONS + sweep.SAMPLE_OPTIONS] + ["base", "[set]",
                                                                            "[vary]"]:
        assert f"`{key}`" in text, key
    for status in sweep.STATUSES:
        assert f"`{status}`" in text, status
