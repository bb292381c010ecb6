"""Run files of compartments that are not grids: string coordinates, integer fields, and
tables of event rows that grow during the run and stay exact across restarts."""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from pde_meta import Parameters, initial
from pde_meta import storage as io
from pde_meta.core.compartment import Compartment, Coordinate, Layout, Variable
from pde_meta.core.grid import Grid
from pde_meta.coupling import Coupler
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.compartment import Tissue
from pde_meta.runner.controller import Controller
from pde_meta.runner.observers import FileObserver
from pde_meta.storage.reader import read_checkpoint_of

ORGANS = ["lung", "liver", "bone"]
CAUSES = np.array(["shear", "immune"], dtype=object)
SEGMENTS = ["artery", "capillary"]
ATTRS = {"config": "name = 'toy'\n", "seed": 1, "units": "null"}


class Counter(Compartment):
    """Cell counts per organ: step ``k`` adds ``k * (1, 2, 3)`` and records ``k % 3``
    event rows (0, 1 or 2) with the time, an organ and a size."""

    def __init__(self, name="toy", h=0.125):
        self.name, self.h = name, h
        self._t, self.steps = 0.0, 0
        self.counts = np.zeros(len(ORGANS), dtype=np.int64)
        self.rows = []

    @property
    def t(self):
        return self._t

    @property
    def step_count(self):
        return self.steps

    def advance(self, t_end, max_steps=None):
        taken = 0
        while self._t < t_end and (max_steps is None or taken < max_steps):
            dt = min(self.h, t_end - self._t)
            self._t = t_end if dt == t_end - self._t else self._t + dt
            self.steps += 1
            self.counts += self.steps * np.array([1, 2, 3], dtype=np.int64)
            for j in range(self.steps % 3):
                self.rows.append((self._t, ORGANS[(self.steps + j) % 3],
                                  10 * self.steps + j))
            taken += 1
        return taken

    def layout(self):
        coords = {"organ": Coordinate(np.array(ORGANS), {"long_name": "organ"}),
                  "cause": Coordinate(CAUSES), "segment": Coordinate(SEGMENTS)}
        fields = {"cells": Variable(("organ",), {"units": "cells"}, "i8"),
                  "share": Variable(("organ",), {"units": "1"}),
                  "losses": Variable(("cause", "segment"), {"units": "cells"}, "i8")}
        tables = {"events": {"t": ("f8", {"units": "T"}), "organ": ("U16", {}),
                             "size": ("i8", {"units": "cells"})},
                  "quiet": {"t": ("f8", {})}}
        return Layout("toy", coords, fields, {"total": {"units": "cells"}},
                      {"counts": ((len(ORGANS),), "i8"), "scalars": ((2,), "f8")},
                      {"kind": "counter"}, None, tables)

    def fields(self):
        losses = np.array([[self.steps, 2 * self.steps], [3, 2**40 + self.steps]],
                          dtype=np.int64)
        return {"cells": self.counts.copy(), "share": self.counts / max(1, self.counts.sum()),
                "losses": losses}

    def diagnostics(self, wall_seconds):
        return {"total": float(self.counts.sum())}

    def checkpoint(self):
        return {"counts": self.counts.copy(), "scalars": np.array([self._t, self.steps])}

    def restore(self, arrays):
        self.counts = np.array(arrays["counts"], dtype=np.int64)
        self._t, steps = (float(v) for v in arrays["scalars"])
        self.steps = int(steps)
        self.rows = []

    def take_rows(self):
        if not self.rows:
            return {}
        t, organ, size = zip(*self.rows, strict=True)
        self.rows = []
        return {"events": {"t": np.array(t), "organ": np.array(organ),
                           "size": np.array(size, dtype=np.int64)}}


def all_rows(t_end, h=0.125):
    """Every event row of a counter run straight to ``t_end``."""
    toy = Counter(h=h)
    toy.advance(t_end)
    return toy.rows


def write(writer, toy, snapshot=True):
    if snapshot:
        writer.write_snapshot(toy.t, {"toy": (toy.fields(), toy.diagnostics(0.0))})
    writer.write_rows({"toy": toy.take_rows()})
    writer.write_checkpoint({"toy": toy.checkpoint()}, t=toy.t, steps=toy.steps)


def new_file(path, toy, times):
    writer = io.RunWriter.create(path, {"toy": toy.layout()}, attrs=ATTRS, t_end=times[-1])
    write(writer, toy)
    writer.publish(overwrite=False)
    for t in times:
        toy.advance(t)
        write(writer, toy)
    return writer


def assert_rows(table, rows):
    t, organ, size = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    assert table.sizes["row"] == len(rows)
    assert table["t"].values.tolist() == t
    assert table["organ"].values.tolist() == organ
    assert table["size"].values.tolist() == size


def test_a_counter_compartment_is_written_and_read_back(tmp_path):
    path = tmp_path / "toy.h5"
    toy = Counter()
    new_file(path, toy, [0.5, 1.0]).close()
    ds = io.open_run(path, compartment="toy")
    assert ds["cells"].dims == ("time", "organ") and ds["cells"].dtype == np.int64
    assert ds["organ"].values.tolist() == ORGANS and ds["organ"].dtype.kind == "U"
    assert ds["cause"].values.tolist() == ["shear", "immune"]
    assert ds["segment"].values.tolist() == SEGMENTS
    assert ds["organ"].attrs == {"long_name": "organ"}
    ref, cells = Counter(), []
    for t in (0.0, 0.5, 1.0):
        ref.advance(t)
        cells.append(ref.counts.copy())
    assert np.array_equal(ds["cells"].values, np.array(cells))
    assert ds["losses"].dtype == np.int64 and ds["losses"].values[-1, 1, 1] == 2**40 + 8
    assert ds["share"].dtype == np.float64 and ds["cells"].attrs["units"] == "cells"
    assert ds["total"].values.tolist() == [float(c.sum()) for c in cells]
    assert ds["time"].values.tolist() == [0.0, 0.5, 1.0]
    assert ds.attrs["compartment_kind"] == "counter"
    assert ds.attrs["recorded_status"] == "running"
    assert io.open_run(path).identical(ds)  # its only compartment with fields

    table = io.read_table(path, "toy", "events")
    assert_rows(table, all_rows(1.0))
    assert table["size"].dtype == np.int64 and table["organ"].dtype.kind == "U"
    assert table["t"].attrs == {"units": "T"} and list(table) == ["t", "organ", "size"]
    assert io.read_table(path, "toy", "quiet").sizes.get("row", 0) == 0
    tree = io.open_tree(path)
    node = tree["toy"]["events"].to_dataset(inherit=False)
    assert node.drop_attrs().identical(table.drop_attrs())
    assert tree["toy"]["cells"].values.tolist() == ds["cells"].values.tolist()
    info = io.read_info(path)
    assert info.times.tolist() == [0.0, 0.5, 1.0] and info.checkpoint.state is None
    assert info.checkpoint.table_rows == {"toy": {"events": len(all_rows(1.0)), "quiet": 0}}
    with pytest.raises(ConfigError, match="no table 'nope'"):
        io.read_table(path, "toy", "nope")
    with h5py.File(path) as f:
        assert f["toy/coords/organ"].dtype.kind == "S"
        assert f["toy/tables/events/organ"].dtype == np.dtype("S64")
        assert f["toy/tables/events/size"].maxshape == (None,)
        assert f["toy/tables/events/size"].compression == "gzip"
        assert f["checkpoint/table_rows/toy/events"].shape == (2,)
        assert "initial" not in f["toy"] and "grid_shape" not in f["toy"].attrs


def test_rows_after_the_checkpoint_are_cut_when_the_run_continues(tmp_path):
    path = tmp_path / "toy.h5"
    toy = Counter()
    writer = new_file(path, toy, [0.5])
    kept = len(all_rows(0.5))
    toy.advance(0.75)  # rows written, but the writer dies before the checkpoint
    writer.write_rows({"toy": toy.take_rows()})
    writer.close()
    assert io.read_table(path, "toy", "events").sizes["row"] == len(all_rows(0.75)) > kept
    ck = io.read_checkpoint(path)
    assert ck.table_rows["toy"]["events"] == kept

    writer = io.RunWriter.reopen(path)
    assert writer.table_rows["toy"] == {"events": len(all_rows(0.75)), "quiet": 0}
    writer.truncate(2, ck.ledger_rows, ck.table_rows)
    assert writer.table_rows["toy"] == {"events": kept, "quiet": 0}
    again = Counter()
    again.restore(ck.arrays["toy"])
    for t in (0.75, 1.0):
        again.advance(t)
        write(writer, again)
    writer.close()
    assert_rows(io.read_table(path, "toy", "events"), all_rows(1.0))
    assert io.read_checkpoint(path).table_rows["toy"]["events"] == len(all_rows(1.0))
    assert io.open_run(path, compartment="toy")["time"].values.tolist() == [0.0, 0.5, 0.75,
                                                                          1.0]


def test_the_row_counts_come_from_the_valid_slot(tmp_path):
    path = tmp_path / "toy.h5"
    toy = Counter()
    new_file(path, toy, [0.5]).close()  # checkpoints at 0 (slot 0) and 0.5 (slot 1)
    with h5py.File(path, "r+") as f:
        assert f["checkpoint/slot"][()] == 1
        assert f["checkpoint/table_rows/toy/events"][:].tolist() == [0, len(all_rows(0.5))]
        assert read_checkpoint_of(f).table_rows["toy"]["events"] == len(all_rows(0.5))
        f["checkpoint/slot"][()] = 0  # as if the checkpoint at 0.5 had not been completed
        assert read_checkpoint_of(f).table_rows["toy"]["events"] == 0


def test_a_checkpoint_without_tables_counts_none(tmp_path):
    path = tmp_path / "plain.h5"

    class Plain(Counter):
        take_rows = Compartment.take_rows  # the default: no tables

        def layout(self):
            layout = super().layout()
            return Layout(layout.model, layout.coords, layout.fields, layout.diagnostics,
                          layout.checkpoint, layout.attrs)

    new_file(path, Plain(), [0.5]).close()
    assert io.read_checkpoint(path).table_rows == {}
    with h5py.File(path) as f:
        assert "tables" not in f["toy"] and "table_rows" not in f["checkpoint"]


def test_rows_that_do_not_fit_are_refused(tmp_path):
    toy = Counter()
    writer = io.RunWriter.create(tmp_path / "x.h5", {"toy": toy.layout()}, attrs=ATTRS,
                                 t_end=1.0)
    try:
        good = {"t": [0.0], "organ": ["lung"], "size": np.array([1])}
        with pytest.raises(ValueError, match="columns"):
            writer.write_rows({"toy": {"events": {"t": [0.0], "size": [1]}}})
        with pytest.raises(ValueError, match="no table"):
            writer.write_rows({"toy": {"other": good}})
        with pytest.raises(ValueError, match="lengths"):
            writer.write_rows({"toy": {"events": {**good, "size": np.array([1, 2])}}})
        with pytest.raises(ValueError, match="exactly"):
            writer.write_rows({"toy": {"events": {**good, "size": np.array([1.5])}}})
        with pytest.raises(ValueError, match="stored as float64, given int64"):
            writer.write_snapshot(0.0, {"toy": ({**toy.fields(), "share": toy.counts},
                                                toy.diagnostics(0.0))})
        with pytest.raises(ValueError, match="64 bytes"):
            writer.write_rows({"toy": {"events": {**good, "organ": ["x" * 65]}}})
        assert writer.table_rows["toy"]["events"] == 0
        writer.write_rows({"toy": {"events": {**good, "organ": ["lüng"]}}})
        assert writer.table_rows["toy"]["events"] == 1
    finally:
        writer.close()


def test_a_tissue_and_a_counter_share_a_file(tmp_path):
    grid = Grid(shape=(8, 10), extent=(0.8, 1.0))
    n = initial.gaussian(grid, (0.5, 0.5), 0.1)
    state = initial.build_state(grid, tumor=n, ecm=1 - 0.5 * n, mmp=0.5 * n, oxygen=1.0)
    tissue, toy = Tissue("tissue", state, Parameters()), Counter()
    path = tmp_path / "both.h5"
    writer = io.RunWriter.create(path, {"tissue": tissue.layout(), "toy": toy.layout()},
                                 attrs=ATTRS, t_end=1.0)
    files = FileObserver(writer, "", 0.0)
    start = Controller(Coupler([tissue, toy]), [0.0])
    files.write_snapshot(start)
    files.write_checkpoint(start)
    writer.publish(overwrite=False)
    Controller(Coupler([tissue, toy]), [0.25], [files], done=0.0).run()
    writer.close()
    assert set(io.open_run(path).data_vars) >= {"tumor", "ecm"}  # the grid one
    assert io.open_run(path, compartment="toy")["cells"].dtype == np.int64
    tree = io.open_tree(path)
    assert set(tree.children) == {"tissue", "toy"} and set(tree["toy"].children) == {
        "events", "quiet"}
    assert not tree["tissue"].children
    info = io.read_info(path)
    assert set(info.compartments) == {"tissue", "toy"}
    assert info.checkpoint.state.t == 0.25
    assert_rows(io.read_table(path, "toy", "events"), all_rows(0.25))


def test_the_controller_writes_the_rows_with_every_checkpoint(tmp_path):
    path = tmp_path / "run.h5"
    toy = Counter(h=1 / 64)
    coupler = Coupler([toy])
    writer = io.RunWriter.create(path, {"toy": toy.layout()}, attrs=ATTRS, t_end=1.0)
    seen = []
    write_checkpoint = writer.write_checkpoint

    def spy(arrays, **kw):  # what each checkpoint counts, and at which time
        seen.append((kw["t"], writer.table_rows["toy"]["events"]))
        write_checkpoint(arrays, **kw)

    writer.write_checkpoint = spy
    files = FileObserver(writer, "", 1e-9)  # a wall-clock checkpoint after every chunk
    start = Controller(coupler, [0.0])
    files.write_snapshot(start)
    files.write_checkpoint(start)
    writer.publish(overwrite=False)
    assert Controller(coupler, [0.5, 1.0], [files], done=0.0).run()[0] == "complete"
    writer.close()
    rows = all_rows(1.0, h=1 / 64)
    assert len(seen) > 4  # more checkpoints than output times
    for t, count in seen:
        assert count == sum(1 for r in rows if r[0] <= t + 1e-12)
    assert_rows(io.read_table(path, "toy", "events"), rows)
    assert io.read_checkpoint(path).table_rows["toy"]["events"] == len(rows)


KILLED = """
import os, sys
sys.path.insert(0, sys.argv[2])
from test_storage_tables import Counter, new_file
toy = Counter()
writer = new_file(sys.argv[1], toy, [0.5])
toy.advance(0.75)
writer.write_rows({"toy": toy.take_rows()})
os._exit(0)  # killed: the file is never closed
"""


def test_recovery_keeps_the_rows_its_checkpoint_counts(tmp_path):
    path = tmp_path / "killed.h5"
    subprocess.run([sys.executable, "-c", KILLED, str(path), str(Path(__file__).parent)],
                   check=True)
    assert not io.is_clean(path)
    assert io.read_table(path, "toy", "events").sizes["row"] == len(all_rows(0.75))
    io.recover(path)
    assert io.is_clean(path)
    assert_rows(io.read_table(path, "toy", "events"), all_rows(0.5))
    ds = io.open_run(path, compartment="toy")
    assert ds["organ"].values.tolist() == ORGANS and ds.sizes["time"] == 2
    assert io.read_checkpoint(path).table_rows["toy"] == {"events": len(all_rows(0.5)),
                                                         "quiet": 0}
