"""The layout of a run file (``docs/hdf5.md`` has the full table)::

    /                                attrs: format, format_version (2), compartments,
                                     config (TOML text), units, parameters, versions,
                                     seed, creation time, ...
    /<compartment>/                  attrs: model, and what the model stores (a grid
                                     compartment: grid_shape, grid_extent, fields, ...)
    /<compartment>/coords/time (k,)  output times, a dimension scale; grows by one per
                                     snapshot
    /<compartment>/coords/<dim>      e.g. y, x: cell centres, dimension scales; string
                                     values (organ names, ...) as UTF-8 bytes, with the
                                     attribute string_encoding = "utf-8"
    /<compartment>/fields/<name>     (k, *dims), one chunk per snapshot, compressed;
                                     float (f8, or f4), or the Variable's own dtype
    /<compartment>/diagnostics/<name> (k,) one value per snapshot
    /<compartment>/initial           the initial state, float64 (when it has one)
    /<compartment>/tables/<table>/<column>
                                     (rows,) the event rows of a table, appended at each
                                     checkpoint, compressed; strings as S64 (with
                                     string_encoding); the table group's attribute
                                     columns gives their order
    /checkpoint/slot                 which of the two slots is valid
    /checkpoint/scalars (2, 4)       t, snapshots, wall seconds, steps
    /checkpoint/rng (2,)             random generator state (JSON)
    /checkpoint/<compartment>/<name> (2, ...) each array of the compartment's checkpoint
    /checkpoint/ledger_rows (2,)     the ledger rows each slot counts (with a ledger)
    /checkpoint/table_rows/<compartment>/<table> (2,)
                                     the rows of each table each slot counts
    /ledger/<column>                 the transfers of the exchanges (t, exchange, source,
                                     target, amount), when the run has exchanges
    /run/status, /run/message, /run/t_end, /run/pid, /run/host

Only a grid compartment has the grid attributes and an initial state; a compartment of
another kind (counts over organs, ...) has coordinates, fields, diagnostics and tables
only, and the readers need nothing else.

Layout 1 (files written before compartments existed) is the same with one compartment
whose groups sit at the root (``/coords``, ``/fields``, ``/diagnostics``, ``/initial``)
and a checkpoint of ``/checkpoint/fields`` and six scalars; the readers open both.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
import sys
from importlib.metadata import PackageNotFoundError, version

import h5py
import numpy as np

__all__ = ["FORMAT", "FORMAT_VERSION", "STATUS_NAMES", "STATUS_CODES", "RUN_SCALARS",
           "SCALE_ATTRS", "MESSAGE_BYTES", "RNG_BYTES", "versions", "compression_options",
           "create_run_groups", "create_compartment", "root_attrs", "plain", "TABLE_ROWS",
           "STRING_ATTR", "STRING_BYTES", "is_string", "encode_strings", "decode_strings",
           "read_column", "table_groups", "table_columns"]

FORMAT = "pde-meta run"
#: 1: one tissue at the root; 2: one group per compartment
FORMAT_VERSION = 2
STATUS_NAMES = {0: "running", 1: "complete", 2: "failed", 3: "interrupted"}
STATUS_CODES = {v: k for k, v in STATUS_NAMES.items()}
#: columns of /checkpoint/scalars
RUN_SCALARS = ("t", "snapshots", "wall_seconds", "steps")
MESSAGE_BYTES = 4096
RNG_BYTES = 4096
SCALE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "DIMENSION_LABELS"}
#: the group of /checkpoint that holds the row counts of the tables
TABLE_ROWS = "table_rows"
#: the attribute of a dataset of strings stored as bytes (its value: the encoding)
STRING_ATTR = "string_encoding"
#: the width of a string column of a table
STRING_BYTES = 64
TABLE_CHUNK = 1024


def versions() -> dict[str, str]:
    import numba

    try:
        own = version("pde-meta")
    except PackageNotFoundError:  # pragma: no cover - source tree without install
        own = "0.0.0+unknown"
    return {"pde_meta_version": own, "numba_version": numba.__version__,
            "numpy_version": np.__version__, "h5py_version": h5py.__version__,
            "hdf5_version": h5py.version.hdf5_version, "python_version": sys.version.split()[0],
            "platform": platform.platform()}


def root_attrs(names) -> dict:
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "host": socket.gethostname(), **versions(), "compartments": list(names)}


def compression_options(kind: str, level: int) -> dict:
    if kind == "gzip":
        return {"compression": "gzip", "compression_opts": int(level), "shuffle": True}
    if kind == "lzf":
        return {"compression": "lzf", "shuffle": True}
    return {}


def plain(value):
    """An attribute value as plain Python (str, list, number)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_string(dtype) -> bool:
    return np.dtype(dtype).kind in "USO"


def encode_strings(values, width: int | None = None) -> np.ndarray:
    """``values`` (str, bytes) as fixed-width UTF-8 bytes, ``width`` bytes (default: the
    longest); a longer value is a :class:`ValueError`, never cut."""
    values = np.asarray(values)
    if values.dtype.kind == "O":
        if not all(isinstance(v, str | bytes) for v in values.flat):
            raise ValueError(f"an object array of strings holds other values: {values!r}")
        values = np.array([v if isinstance(v, bytes) else v.encode() for v in values.flat],
                          dtype=bytes).reshape(values.shape)
    elif values.dtype.kind == "U":
        values = np.char.encode(values, "utf-8")
    longest = max((len(v) for v in values.flat), default=0)
    if width is not None and longest > width:
        raise ValueError(f"a string of {longest} bytes does not fit the {width} bytes of "
                         f"its column")
    return values.astype(f"S{width or max(longest, 1)}")


def decode_strings(values: np.ndarray) -> np.ndarray:
    """Bytes written by :func:`encode_strings` as ``str`` again."""
    return np.char.decode(values, "utf-8")


def read_column(ds: h5py.Dataset, n: int | None = None) -> np.ndarray:
    """The first ``n`` rows of ``ds`` (all if None); strings stored as bytes (with the
    attribute :data:`STRING_ATTR`) decoded to ``str``."""
    data = ds[:n]
    return decode_strings(data) if STRING_ATTR in ds.attrs else data


def table_groups(g: h5py.Group) -> dict[str, h5py.Group]:
    """The tables of a compartment's group (none in layout 1 or without tables)."""
    return dict(g["tables"].items()) if "tables" in g else {}


def table_columns(tg: h5py.Group) -> tuple[list[str], int]:
    """A table's column names in their order, and its rows: those every column has (a
    killed writer can leave some columns longer)."""
    order = [str(c) for c in plain(tg.attrs.get("columns", []))]
    names = [c for c in order if c in tg] + sorted(c for c in tg if c not in order)
    return names, min((tg[c].shape[0] for c in names), default=0)


def _attr(value):
    return json.dumps(value) if isinstance(value, dict) else value


def create_compartment(f: h5py.File, name: str, layout, *, compression: dict) -> None:
    """Create every group and dataset of one compartment (see the module docstring)."""
    g = f.create_group(name)
    g.attrs["model"] = layout.model
    for k, v in layout.attrs.items():
        g.attrs[k] = _attr(v)
    coords = g.create_group("coords")
    tds = coords.create_dataset("time", shape=(0,), maxshape=(None,), chunks=(256,),
                                dtype="f8")
    tds.attrs.update({"units": "T", "long_name": "time"})
    tds.make_scale("time")
    for dim, coord in layout.coords.items():
        values = np.asarray(coord.values)
        strings = is_string(values.dtype)
        ds = coords.create_dataset(dim, data=encode_strings(values) if strings else values)
        ds.attrs.update(coord.attrs)
        if strings:
            ds.attrs[STRING_ATTR] = "utf-8"
        ds.make_scale(dim)
    default = "f4" if layout.attrs.get("float32") else "f8"
    fields = g.create_group("fields")
    for fname, var in layout.fields.items():
        shape = tuple(len(layout.coords[d].values) for d in var.dims)
        dtype = np.dtype(var.dtype or default)
        fill = {"fillvalue": np.nan} if dtype.kind == "f" else {}
        ds = fields.create_dataset(fname, shape=(0, *shape), maxshape=(None, *shape),
                                   chunks=(1, *shape), dtype=dtype, **fill, **compression)
        ds.attrs.update(var.attrs)
        for axis, dim in enumerate(("time", *var.dims)):
            ds.dims[axis].attach_scale(coords[dim])
            ds.dims[axis].label = dim
    diags = g.create_group("diagnostics")
    for dname, attrs in layout.diagnostics.items():
        ds = diags.create_dataset(dname, shape=(0,), maxshape=(None,), chunks=(256,),
                                  dtype="f8", fillvalue=np.nan)
        ds.attrs.update(attrs)
        ds.dims[0].attach_scale(coords["time"])
        ds.dims[0].label = "time"
    if layout.initial is not None:
        g.create_dataset("initial", data=layout.initial, dtype="f8",
                         chunks=(1, *layout.initial.shape[1:]) if layout.initial.ndim > 1
                         else None, **compression_options("gzip", 4))
    ck = f.require_group("checkpoint").create_group(name)
    for cname, (shape, ctype) in layout.checkpoint.items():
        # uncompressed: rewritten in place, fast
        ck.create_dataset(cname, shape=(2, *shape), dtype=ctype,
                          chunks=(1, *shape) if shape else None)
    _create_tables(f, g, name, layout.tables, compression)


def _create_tables(f: h5py.File, g: h5py.Group, name: str, tables: dict,
                   compression: dict) -> None:
    if not tables:
        return
    group = g.create_group("tables")
    counts = f.require_group("checkpoint").require_group(TABLE_ROWS).create_group(name)
    for table, columns in tables.items():
        tg = group.create_group(table)
        tg.attrs["columns"] = list(columns)
        for column, (dtype, attrs) in columns.items():
            strings = is_string(dtype)
            ds = tg.create_dataset(column, shape=(0,), maxshape=(None,),
                                   chunks=(TABLE_CHUNK,),
                                   dtype=f"S{STRING_BYTES}" if strings else np.dtype(dtype),
                                   **compression)
            ds.attrs.update(attrs)
            if strings:
                ds.attrs[STRING_ATTR] = "utf-8"
        counts.create_dataset(table, shape=(2,), dtype="i8")


def create_run_groups(f: h5py.File, t_end: float, ledger: bool) -> None:
    """The run-level groups: checkpoint slot and scalars, status, and the ledger."""
    ck = f.require_group("checkpoint")
    ck.create_dataset("scalars", shape=(2, len(RUN_SCALARS)), dtype="f8")
    ck["scalars"].attrs["columns"] = list(RUN_SCALARS)
    ck.create_dataset("rng", shape=(2,), dtype=f"S{RNG_BYTES}")
    ck.create_dataset("slot", data=np.int64(-1))
    run = f.create_group("run")
    run.create_dataset("status", data=np.int8(0))
    run["status"].attrs["meaning"] = json.dumps(STATUS_NAMES)
    run.create_dataset("message", data=np.bytes_(b""), dtype=f"S{MESSAGE_BYTES}")
    run.create_dataset("t_end", data=np.float64(t_end))
    run.create_dataset("pid", data=np.int64(os.getpid()))
    run.create_dataset("host", data=np.bytes_(socket.gethostname().encode()[:256]),
                       dtype="S256")
    if ledger:
        g = f.create_group("ledger")
        for col, dtype in (("t", "f8"), ("exchange", "S64"), ("source", "S64"),
                           ("target", "S64"), ("amount", "f8")):
            g.create_dataset(col, shape=(0,), maxshape=(None,), chunks=(1024,), dtype=dtype)
        ck.create_dataset("ledger_rows", shape=(2,), dtype="i8")
