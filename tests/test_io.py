"""HDF5 run files: layout, loaders, checkpoints, damaged files, kills mid-write, and files
of the previous layout."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from pde_meta import FIELDS, Parameters, State, initial
from pde_meta import storage as io
from pde_meta.core.grid import Grid
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.compartment import Tissue
from pde_meta.models.invasion.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parents[1]
LAYOUT1 = ROOT / "tests" / "data" / "layout1.h5"


def make_state(t=0.0, step=0, value=None, shape=(12, 16)):
    grid = Grid(shape=shape, extent=(0.75, 1.0))
    if value is None:
        n = initial.gaussian(grid, (0.5, 0.4), 0.1)
        state = initial.build_state(grid, tumor=n, ecm=1 - 0.5 * n, mmp=0.5 * n, oxygen=1.0)
    else:
        state = State(grid, np.zeros((len(FIELDS), *shape)))
        state.data[:5] = float(value)
    state.t, state.step = t, step
    return state


class Run:
    """A writer for one tissue, fed states directly (the controller's job in a run)."""

    def __init__(self, path, state, *, fields=None, float32=False, metric_options=None,
                 **kw):
        self.tissue = Tissue("tissue", state, Parameters(), fields=fields, float32=float32,
                             metric_options=metric_options)
        self.diagnostics = Diagnostics(state, metric_options or {})
        options = {"attrs": {"config": "name = 'x'\n", "seed": 3, "units": "null"},
                   "t_end": 1.0, **kw}
        self.writer = io.RunWriter.create(path, {"tissue": self.tissue.layout()}, **options)

    def snapshot(self, state, dt=0.01, wall=0.0):
        fields = {name: state[name] for name in self.tissue.stored}
        self.writer.write_snapshot(state.t, {"tissue": (fields, self.diagnostics(state, dt,
                                                                                  wall))})

    def checkpoint(self, state, dt=0.01, rng=""):
        self.writer.write_checkpoint(
            {"tissue": {"data": state.data, "scalars": np.array([state.t, state.step, dt])}},
            t=state.t, rng_state=rng)

    def __getattr__(self, name):
        return getattr(self.writer, name)


def new_run(path, state=None, **kw):
    state = state if state is not None else make_state()
    run = Run(path, state, **kw)
    run.snapshot(state)
    run.checkpoint(state, rng='{"seed": 3}')
    run.publish(overwrite=False)
    return run


def test_layout_follows_the_design(tmp_path):
    path = tmp_path / "run.h5"
    writer = new_run(path, compression="gzip", compression_level=6)
    later = make_state(t=0.5, step=7)
    writer.snapshot(later, 0.02, 0.1)
    writer.set_status("complete")
    writer.close()
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == io.FORMAT and f.attrs["seed"] == 3
        assert f.attrs["format_version"] == io.FORMAT_VERSION == 2
        assert list(f.attrs["compartments"]) == ["tissue"]
        for key in ("config", "created", "pde_meta_version", "numba_version",
                    "numpy_version", "h5py_version", "hdf5_version", "units"):
            assert key in f.attrs, key
        g = f["tissue"]
        assert g.attrs["model"] == "invasion" and list(g.attrs["grid_shape"]) == [12, 16]
        np.testing.assert_array_equal(g["coords/time"][:], [0.0, 0.5])
        np.testing.assert_allclose(g["coords/x"][:], (np.arange(16) + 0.5) / 16)
        np.testing.assert_allclose(g["coords/y"][:], (np.arange(12) + 0.5) * 0.75 / 12)
        for name in FIELDS[:5]:  # the fields a run without phenotypes or vessels uses
            ds = g["fields"][name]
            assert ds.shape == (2, 12, 16) and ds.chunks == (1, 12, 16)
            assert ds.compression == "gzip" and ds.dtype == np.float64
            assert [d.label for d in ds.dims] == ["time", "y", "x"]
            assert ds.dims[0][0] == g["coords/time"] and ds.dims[2][0] == g["coords/x"]
            for key in ("units", "long_name", "symbol", "cmap"):
                assert key in ds.attrs, key
        for name in ("tumor_mass", "mmp_max", "membrane_min", "oxygen_min", "dt"):
            assert g["diagnostics"][name].shape == (2,)
            assert g["diagnostics"][name].dims[0][0] == g["coords/time"]
        assert g["diagnostics/dt"][1] == 0.02 and g["diagnostics/step"][1] == 7
        assert f["checkpoint/tissue/data"].shape == (2, len(FIELDS), 12, 16)
        assert f["run/status"][()] == io.STATUS_CODES["complete"]


def test_open_run_returns_a_labelled_dataset(tmp_path):
    path = tmp_path / "run.h5"
    state = make_state()
    writer = new_run(path, state, fields=("tumor", "oxygen"), float32=True)
    writer.close()
    ds = io.open_run(path)
    assert isinstance(ds, xr.Dataset)
    assert dict(ds.sizes) == {"time": 1, "y": 12, "x": 16}
    assert ds.tumor.dims == ("time", "y", "x") and ds.tumor.dtype == np.float32
    assert "ecm" not in ds and ds.tumor_mass.dims == ("time",)
    np.testing.assert_allclose(ds.tumor.values[0], state.tumor, rtol=1e-7)
    assert ds.tumor_mass.values[0] == pytest.approx(state.tumor_mass())
    assert ds.attrs["config"] == "name = 'x'\n" and ds.attrs["status"] == "stopped"
    assert list(io.open_run(path, fields="oxygen").data_vars)[0] == "oxygen"
    with pytest.raises(ConfigError, match="not stored"):
        io.open_run(path, fields=["ecm"])


def test_checkpoint_switches_slots_only_when_complete(tmp_path):
    path = tmp_path / "run.h5"
    writer = new_run(path, make_state(value=1.0))
    writer.checkpoint(make_state(t=0.5, step=5, value=2.0), 0.03, "r2")
    assert writer.f["checkpoint/slot"][()] == 1
    # a half-written checkpoint: data in the free slot, but the switch never happened
    writer.f["checkpoint/tissue/data"][0] = 9.0
    writer.f["checkpoint/tissue/scalars"][0] = [0.9, 9, 0.09]
    writer.f["checkpoint/scalars"][0] = [0.9, 1, 0, 0]
    writer.close()
    ck = io.read_checkpoint(path)
    assert ck.state.t == 0.5 and ck.state.step == 5 and ck.dt == 0.03
    assert ck.rng_state == "r2" and np.all(ck.state.data[:5] == 2.0)


def test_new_file_is_hidden_until_published(tmp_path):
    path = tmp_path / "run.h5"
    path.write_bytes(b"old")
    writer = Run(path, make_state(), attrs={}, t_end=1.0)
    assert path.read_bytes() == b"old" and writer.tmp.exists()
    writer.close()  # never published: the temporary file goes, the old one stays
    assert path.read_bytes() == b"old" and list(tmp_path.iterdir()) == [path]


def test_publish_refuses_to_clobber_without_overwrite(tmp_path):
    path = tmp_path / "run.h5"
    writer = Run(path, make_state(), attrs={}, t_end=1.0)
    path.write_bytes(b"appeared meanwhile")
    with pytest.raises(ConfigError, match="appeared"):
        writer.publish(overwrite=False)
    writer.close()
    assert path.read_bytes() == b"appeared meanwhile"


@pytest.mark.parametrize("content, expected", [
    (b"", "not a readable HDF5"),
    (b"just some text, not HDF5 at all" * 10, "not a readable HDF5"),
    (None, "not a pde-meta run"),
])
def test_files_that_are_not_runs(tmp_path, content, expected):
    path = tmp_path / "x.h5"
    if content is None:
        with h5py.File(path, "w") as f:
            f["data"] = np.arange(3)
    else:
        path.write_bytes(content)
    for reader in (io.open_run, io.read_info):
        with pytest.raises(ConfigError, match=expected) as info:
            reader(path)
        assert "\n" not in str(info.value)


def test_truncated_run_is_a_config_error(tmp_path):
    path = tmp_path / "run.h5"
    writer = new_run(path)
    for k in range(3):
        writer.snapshot(make_state(t=0.1 * (k + 1)))
    writer.set_status("complete")
    writer.close()
    data = path.read_bytes()
    for size in (len(data) // 2, 2000, 100):
        path.write_bytes(data[:size])
        with pytest.raises(ConfigError) as info:
            io.open_run(path)
        assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="does not exist"):
        io.open_run(tmp_path / "missing.h5")


def test_read_snapshot_field_by_time(tmp_path):
    path = tmp_path / "run.h5"
    writer = new_run(path, make_state(value=0.0))
    writer.snapshot(make_state(t=0.5, value=0.5))
    writer.close()
    values, t = io.read_snapshot_field(path, "ecm", 0.5)
    assert t == 0.5 and np.all(values == 0.5)
    values, t = io.read_snapshot_field(path, "ecm")
    assert t == 0.5
    with pytest.raises(ConfigError, match="not a snapshot"):
        io.read_snapshot_field(path, "ecm", 0.25)


WRITER = r"""
import sys, numpy as np
sys.path.insert(0, "tests")
from test_io import Run
from pde_meta.core.grid import Grid
from pde_meta import FIELDS, State
grid = Grid(shape=(48, 48))
def state(k):
    return State(grid, np.full((len(FIELDS), 48, 48), float(k)), t=float(k), step=k)
w = Run(sys.argv[1], state(0), attrs={"config": ""}, t_end=1e9)
w.snapshot(state(0), 1.0)
w.checkpoint(state(0), 1.0, "")
w.publish(overwrite=False)
print("published", flush=True)
k = 0
while True:
    k += 1
    w.snapshot(state(k), 1.0)
    if k % 3 == 0:
        w.checkpoint(state(k), 1.0, str(k))
"""


def test_killed_writer_leaves_a_readable_file_that_recovers(tmp_path):
    rng = random.Random(5)
    for trial in range(2):
        path = tmp_path / f"kill{trial}.h5"
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                                stdout=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout.readline().strip() == b"published"
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not io.is_clean(path)
        ds = io.open_run(path)  # opens despite the kill
        n = ds.sizes["time"]
        assert n >= 1
        np.testing.assert_array_equal(ds.time.values, np.arange(n))
        for k in range(n):  # every counted snapshot is complete
            assert np.all(ds.tumor.values[k] == k) and np.all(ds.oxygen.values[k] == k)
        ck = io.read_checkpoint(path)
        assert np.all(ck.state.data == ck.state.t) and ck.state.t % 3 == 0
        assert ck.rng_state == ("" if ck.state.t == 0 else str(int(ck.state.t)))
        cut = tmp_path / f"cut{trial}.h5"  # killed and then truncated: refused, not hung
        cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        with pytest.raises(ConfigError, match="truncated"):
            io.open_run(cut)
        cut.unlink()
        io.recover(path)
        assert io.is_clean(path)
        again = io.open_run(path)
        assert again.sizes["time"] == int(ck.state.t) + 1
        np.testing.assert_array_equal(again.tumor.values, ds.tumor.values[: int(ck.state.t) + 1])
        with h5py.File(path, "r") as f:  # dimension scales survive the copy
            assert f["tissue/fields/tumor"].dims[0][0] == f["tissue/coords/time"]
            assert f["tissue/diagnostics/dt"].dims[0][0] == f["tissue/coords/time"]
        assert not list(tmp_path.glob(".*.tmp"))


def test_root_attributes_are_plain_and_json(tmp_path):
    path = tmp_path / "run.h5"
    new_run(path, metric_options={"center": [0.5, 0.4]}).close()
    info = io.read_info(path)
    assert json.loads(info.compartments["tissue"]["metric_options"]) == {"center": [0.5, 0.4]}
    assert info.fields == FIELDS[:5] and len(info.times) == 1
    assert info.writer[1] == os.getpid() and not info.writer_alive()


def test_open_tree_has_a_node_per_compartment(tmp_path):
    path = tmp_path / "run.h5"
    new_run(path).close()
    tree = io.open_tree(path)
    assert isinstance(tree, xr.DataTree)
    assert list(tree.children) == ["tissue"] and tree.attrs["format_version"] == 2
    assert tree["tissue"].to_dataset().identical(io.open_run(path))
    with pytest.raises(ConfigError, match="no compartment 'blood'"):
        io.open_run(path, compartment="blood")


def test_files_of_layout_1_still_open():
    """A run written before compartments existed (tests/data/layout1.toml, written by
    pde-meta 0.1.0 with layout 1): every reader opens it as the compartment ``tissue``."""
    with h5py.File(LAYOUT1, "r") as f:
        assert f.attrs["format_version"] == 1 and "fields" in f
    ds = io.open_run(LAYOUT1)
    assert dict(ds.sizes) == {"time": 3, "y": 12, "x": 16}
    assert set(FIELDS[:5]) <= set(ds.data_vars) and "membrane_min_integrity" in ds
    assert ds.tumor.attrs["cmap"] == "magma"  # styles the file lacks come from the model
    np.testing.assert_allclose(ds.time.values, [0.0, 0.1, 0.2])
    assert ds.tumor_mass.values[0] == pytest.approx(float(ds.tumor[0].sum()) / 192 * 0.75)
    info = io.read_info(LAYOUT1)
    assert info.layout == 1 and info.status == "complete" and list(info.compartments) == [
        "tissue"]
    assert info.checkpoint.state.t == pytest.approx(0.2) and info.checkpoint.state.step == 2
    np.testing.assert_array_equal(info.checkpoint.state.data[0], ds.tumor.values[-1])
    values, t = io.read_snapshot_field(LAYOUT1, "membrane", 0.1)
    assert t == pytest.approx(0.1) and values.max() <= 1.0
    assert list(io.open_tree(LAYOUT1).children) == ["tissue"]


def test_a_file_of_layout_1_is_not_continued_and_not_touched(tmp_path):
    from pde_meta.runner.run import resume

    copy = tmp_path / "old.h5"
    copy.write_bytes(LAYOUT1.read_bytes())
    with pytest.raises(ConfigError, match="layout 1 .*continues layout 2 only"):
        resume(copy, t_end=1.0, progress="none")
    assert copy.read_bytes() == LAYOUT1.read_bytes()


def test_todays_solver_reproduces_the_layout_1_run(tmp_path):
    """The config of tests/data/layout1.h5, run today with the scheme it was written with
    (``euler``, the default then): the same fields and diagnostics (to round-off here;
    bit for bit on the machine that wrote it, which
    ``scripts/compare_runs.py`` checks for every shipped config), except the metrics of
    the invaded region, whose default threshold now follows the tumour's peak."""
    from pde_meta.config import load_config
    from pde_meta.runner.run import simulate

    config = load_config(ROOT / "tests" / "data" / "layout1.toml")
    config = replace(config, time=replace(config.time, scheme="euler"))
    new = io.open_run(simulate(config, output=tmp_path / "new.h5", progress="none").path)
    old = io.open_run(LAYOUT1)
    changed = ("front_", "invaded_area", "roughness", "cluster_")
    compared = [name for name in old.data_vars
                if name != "wall_seconds" and not name.startswith(changed)]
    assert set(FIELDS[:5]) <= set(compared) and "membrane_min_integrity" in compared
    for name in compared:
        np.testing.assert_allclose(new[name].values, old[name].values, rtol=1e-12, atol=0,
                                   err_msg=name)


def test_planes_are_matched_to_the_field_table_by_name():
    """A state stored when the model had other fields (fewer, more, or in another order)
    is read into today's table by name: new fields start at 0, dropped ones are left."""
    from pde_meta.core.fields import FieldSpec, FieldTable
    from pde_meta.storage.reader import planes_by_name

    table = FieldTable([FieldSpec(n, n, "1", 0, 1, n) for n in ("a", "b", "c")])
    data = np.stack([np.full((2, 2), v) for v in (1.0, 2.0, 3.0)])
    assert planes_by_name(data, ["a", "b", "c"], table) is data
    out = planes_by_name(data, ["c", "gone", "a"], table)
    assert out[:, 0, 0].tolist() == [3.0, 0.0, 1.0]
