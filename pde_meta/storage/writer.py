"""The crash-safe writer of a run file.

Every object is created when the file is made; then the file switches to HDF5's
single-writer/multiple-reader mode (SWMR, ``libver="latest"``), in which the library
writes its metadata in an order that keeps the file consistent on disk at every moment,
and from then on the writer only resizes and writes existing datasets. A snapshot writes
the fields and diagnostics of every compartment first and their times last, then
flushes: the number of valid snapshots is the shortest time axis, so a snapshot cut short
by a kill is simply not counted. A checkpoint goes to the slot that is *not* valid, for
every compartment, is flushed, and only then is ``/checkpoint/slot`` switched to it (and
flushed again): a kill leaves either the old or the new checkpoint valid, never a
half-written one. The rows of the compartments' tables are appended to their columns
(:meth:`RunWriter.write_rows`, before each checkpoint in a run), and every checkpoint
records how many rows of each table it covers, as it does for the ledger: rows written
after the valid checkpoint are cut off when the run continues (:meth:`RunWriter.truncate`).
A new file is built under a hidden name and takes its real name only in
:meth:`RunWriter.publish`, after its first snapshot and checkpoint.

The writer writes what it is given: the layouts of the compartments
(:class:`~pde_meta.core.compartment.Layout`), then their values. It knows no model.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import h5py
import numpy as np

from ..errors import ConfigError
from .layout import (
    FORMAT_VERSION,
    MESSAGE_BYTES,
    RNG_BYTES,
    STATUS_CODES,
    STRING_BYTES,
    TABLE_ROWS,
    compression_options,
    create_compartment,
    create_run_groups,
    encode_strings,
    is_string,
    root_attrs,
    table_columns,
    table_groups,
)

__all__ = ["RunWriter", "temporary_path", "first_line"]


def temporary_path(path: Path, purpose: str) -> Path:
    return path.with_name(f".{path.name}.{purpose}-{os.getpid()}.tmp")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _no_clobber_rename(src: Path, dst: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(src, dst)
        return
    try:
        os.link(src, dst)  # atomic, and fails if dst exists
    except FileExistsError:
        raise ConfigError(f"output {str(dst)!r} appeared while the run started; fix: pass "
                          f"--overwrite or choose another path") from None
    except OSError:  # a file system without hard links
        if dst.exists():
            raise ConfigError(f"output {str(dst)!r} exists; fix: pass --overwrite") from None
        os.replace(src, dst)
        return
    os.unlink(src)


class RunWriter:
    """Writes one run file. Use :meth:`create` for a new run, :meth:`reopen` to continue one.

    An existing file at ``path`` is untouched until the new run has really started
    (:meth:`publish`).
    """

    def __init__(self, f: h5py.File, path: Path, tmp: Path | None) -> None:
        self.f = f
        self.path = path
        self.tmp = tmp
        self.names = [str(n) for n in f.attrs["compartments"]]
        self._cache: dict[str, tuple] = {}
        first = f[self.names[0]]["coords/time"]
        self.count = int(min(f[n]["coords/time"].shape[0] for n in self.names))
        self.last_time = float(first[self.count - 1]) if self.count else -np.inf
        self.ledger_rows = int(f["ledger/t"].shape[0]) if "ledger" in f else 0
        #: compartment -> table -> rows in the file (the shortest column)
        self.table_rows = {name: {table: table_columns(tg)[1]
                                  for table, tg in table_groups(f[name]).items()}
                           for name in self.names}

    @classmethod
    def create(cls, path, layouts: dict, *, attrs: dict, t_end: float, ledger: bool = False,
               compression: str = "gzip", compression_level: int = 4) -> RunWriter:
        """A new run file for compartments ``{name: Layout}`` under a hidden name."""
        path = Path(path)
        tmp = temporary_path(path, "new")
        path.parent.mkdir(parents=True, exist_ok=True)
        f = h5py.File(tmp, "w", libver="latest")
        try:
            for k, v in {**root_attrs(layouts), **attrs}.items():
                f.attrs[k] = v
            for name, layout in layouts.items():
                create_compartment(f, name, layout,
                                   compression=compression_options(compression,
                                                                   compression_level))
            create_run_groups(f, t_end, ledger)
            f.flush()
            f.swmr_mode = True
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise
        return cls(f, path, tmp)

    @classmethod
    def reopen(cls, path, attrs: dict | None = None) -> RunWriter:
        """Open a cleanly closed run file to continue writing it: set the root ``attrs``
        given (e.g. the config of an extended run), then switch to SWMR mode (attributes
        are not changed in SWMR mode, where readers may be looking)."""
        path = Path(path)
        try:
            f = h5py.File(path, "r+", libver="latest")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot open for writing ({first_line(exc)})") from None
        version = int(f.attrs.get("format_version", 1))
        if version != FORMAT_VERSION:
            f.close()
            raise ConfigError(f"{path} was written with layout {version} of the run file; "
                              f"this version continues layout {FORMAT_VERSION} only (it "
                              f"still reads it: info, plot, open_run); fix: run the config "
                              f"again to extend it")
        try:
            for key, value in (attrs or {}).items():
                f.attrs[key] = value
            f.swmr_mode = True
            return cls(f, path, None)
        except BaseException:
            f.close()
            raise

    def publish(self, overwrite: bool) -> None:
        """Give the new file its real name (atomically); before this it is hidden."""
        if self.tmp is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _no_clobber_rename(self.tmp, self.path, overwrite)
        self.tmp = None

    def write_snapshot(self, t: float, values: dict) -> None:
        """Append one snapshot: ``values`` maps each compartment to ``(fields,
        diagnostics)``; the fields and diagnostics go first, the times last; then flush."""
        f = self.f
        k = self.count
        for name in self.names:
            fields, diagnostics = values[name]
            field_sets, diagnostic_sets, _ = self._handles(name)
            for fname, ds in field_sets:
                value = np.asarray(fields[fname])
                if value.dtype.kind in "iuf" and (value.dtype.kind == "f") != (
                        ds.dtype.kind == "f"):  # counts as floats, or floats cut to counts
                    raise ValueError(f"{name}/fields/{fname} is stored as {ds.dtype}, given "
                                     f"{value.dtype}; fix: give the Variable the dtype of "
                                     f"its values (Variable(dims, attrs, dtype))")
                ds.resize(k + 1, axis=0)
                ds[k] = value
            for dname, ds in diagnostic_sets:
                ds.resize(k + 1, axis=0)
                ds[k] = diagnostics.get(dname, np.nan)
        for name in self.names:
            tds = self._handles(name)[2]
            tds.resize(k + 1, axis=0)
            tds[k] = t
        f.flush()
        self.count = k + 1
        self.last_time = float(t)

    def _handles(self, name: str) -> tuple[list, list, h5py.Dataset]:
        """The field and diagnostic datasets and the time axis of compartment ``name``,
        looked up once (an HDF5 lookup by name costs more than writing a diagnostic)."""
        found = self._cache.get(name)
        if found is None:
            g = self.f[name]
            found = (list(g["fields"].items()), list(g["diagnostics"].items()),
                     g["coords/time"])
            self._cache[name] = found
        return found

    def write_ledger(self, rows) -> None:
        """Append ledger rows (``Transfer`` tuples) that are not in the file yet."""
        new = list(rows)[self.ledger_rows:]
        if not new:
            return
        g = self.f["ledger"]
        n = self.ledger_rows
        columns = list(zip(*new, strict=True))
        for col, data in zip(("t", "exchange", "source", "target", "amount"), columns,
                             strict=True):
            g[col].resize(n + len(new), axis=0)
            g[col][n:] = np.array(data, dtype=g[col].dtype)
        self.ledger_rows = n + len(new)
        self.f.flush()

    def write_rows(self, rows: dict) -> None:
        """Append table rows: ``{compartment: {table: {column: 1-D array}}}`` (what each
        compartment's ``take_rows`` returned). Every column of a table must be there, all
        of the same length, and fit its column's dtype exactly (no value is cast or cut).
        Rows of a compartment or table not given stay as they are."""
        written = False
        for name, tables in rows.items():
            for table, columns in tables.items():
                written |= self._append(name, table, columns)
        if written:
            self.f.flush()

    def _append(self, name: str, table: str, columns: dict) -> bool:
        groups = table_groups(self.f[name]) if name in self.names else {}
        if table not in groups:
            raise ValueError(f"write_rows: compartment {name!r} has no table {table!r} in "
                             f"{self.path} (it has {sorted(groups)})")
        tg = groups[table]
        if set(columns) != set(tg):
            raise ValueError(f"write_rows: table {name}/{table} has the columns "
                             f"{sorted(tg)}, given {sorted(columns)}")
        data = {c: _column(tg[c], values, f"{name}/{table}/{c}")
                for c, values in columns.items()}
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            raise ValueError(f"write_rows: the columns of {name}/{table} have different "
                             f"lengths {sorted(lengths)}")
        added = lengths.pop() if lengths else 0
        if not added:
            return False
        n = self.table_rows[name][table]
        for c, values in data.items():
            tg[c].resize(n + added, axis=0)
            tg[c][n:] = values
        self.table_rows[name][table] = n + added
        return True

    def write_checkpoint(self, arrays: dict, *, t: float, wall_seconds: float = 0.0,
                         steps: int = 0, rng_state: str = "") -> None:
        """Write every compartment's checkpoint to the free slot, flush, then switch."""
        ck = self.f["checkpoint"]
        current = int(ck["slot"][()])
        slot = 1 - current if current in (0, 1) else 0
        for name in self.names:
            for cname, value in arrays[name].items():
                ck[name][cname][slot] = value
        ck["scalars"][slot] = [t, self.count, wall_seconds, steps]
        ck["rng"][slot] = np.bytes_(rng_state.encode()[:RNG_BYTES])
        if "ledger_rows" in ck:
            ck["ledger_rows"][slot] = self.ledger_rows
        for name, tables in self.table_rows.items():
            for table, count in tables.items():
                ck[TABLE_ROWS][name][table][slot] = count
        self.f.flush()
        ck["slot"][()] = slot
        self.f.flush()

    def set_status(self, status: str, message: str = "") -> None:
        self.f["run/status"][()] = np.int8(STATUS_CODES[status])
        self.f["run/message"][()] = np.bytes_(message.encode()[:MESSAGE_BYTES])
        self.f.flush()

    def set_t_end(self, t_end: float) -> None:
        self.f["run/t_end"][()] = float(t_end)
        self.f["run/pid"][()] = os.getpid()
        self.f["run/host"][()] = np.bytes_(socket.gethostname().encode()[:256])
        self.f.flush()

    def truncate(self, count: int, ledger_rows: int | None = None,
                 table_rows: dict | None = None) -> None:
        """Keep the first ``count`` snapshots (and ``ledger_rows`` ledger rows, and the
        rows ``table_rows`` gives as ``{compartment: {table: rows}}``, e.g. a
        :class:`~pde_meta.storage.reader.Checkpoint`'s ``table_rows``): drop what was
        written after the checkpoint. With ``table_rows``, a table it does not name is
        cut to no rows (the checkpoint counted none); ``None`` leaves the tables alone."""
        f = self.f
        for name in self.names:
            g = f[name]
            for ds in (*g["fields"].values(), *g["diagnostics"].values(), g["coords/time"]):
                if ds.shape[0] > count:
                    ds.resize(count, axis=0)
        if ledger_rows is not None and "ledger" in f:
            for ds in f["ledger"].values():
                ds.resize(min(ds.shape[0], ledger_rows), axis=0)
            self.ledger_rows = min(self.ledger_rows, ledger_rows)
        if table_rows is not None:
            for name, tables in self.table_rows.items():
                for table, tg in table_groups(f[name]).items():
                    keep = int(table_rows.get(name, {}).get(table, 0))
                    for ds in tg.values():
                        ds.resize(min(ds.shape[0], keep), axis=0)
                    tables[table] = min(tables[table], keep)
        f.flush()
        self.count = count
        times = f[self.names[0]]["coords/time"]
        self.last_time = float(times[count - 1]) if count else -np.inf

    def close(self) -> None:
        """Close the file; a file never published is deleted."""
        if self.f:
            self.f.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


def _column(ds: h5py.Dataset, values, where: str) -> np.ndarray:
    """``values`` as the dtype of column ``ds``; a value the dtype would change is a
    :class:`ValueError`."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"write_rows: {where} must be 1-D, got the shape {values.shape}")
    if ds.dtype.kind == "S":
        if values.size and not is_string(values.dtype):
            raise ValueError(f"write_rows: {where} is a column of strings, given "
                             f"{values.dtype}")
        return encode_strings(values, STRING_BYTES)
    out = values.astype(ds.dtype)
    floats = out.dtype.kind == "f" and values.dtype.kind == "f"
    if not np.array_equal(out, values, equal_nan=floats):
        raise ValueError(f"write_rows: {where} holds values that its dtype {ds.dtype} "
                         f"does not keep exactly (given {values.dtype})")
    return out
