"""The layout of a run file (``docs/hdf5.md`` has the full table)::

    /                                attrs: format, format_version (2), compartments,
                                     config (TOML text), units, parameters, versions,
                                     seed, creation time, ...
    /<compartment>/                  attrs: model, and what the model stores (grid, ...)
    /<compartment>/coords/time (k,)  output times, a dimension scale; grows by one per
                                     snapshot
    /<compartment>/coords/<dim>      e.g. y, x: cell centres, dimension scales
    /<compartment>/fields/<name>     (k, *dims), one chunk per snapshot, compressed
    /<compartment>/diagnostics/<name> (k,) one value per snapshot
    /<compartment>/initial           the initial state, float64
    /checkpoint/slot                 which of the two slots is valid
    /checkpoint/scalars (2, 4)       t, snapshots, wall seconds, steps
    /checkpoint/rng (2,)             random generator state (JSON)
    /checkpoint/<compartment>/<name> (2, ...) each array of the compartment's checkpoint
    /ledger/<column>                 the transfers of the exchanges (t, exchange, source,
                                     target, amount), when the run has exchanges
    /run/status, /run/message, /run/t_end, /run/pid, /run/host

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
           "create_run_groups", "create_compartment", "root_attrs", "plain"]

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
        ds = coords.create_dataset(dim, data=coord.values)
        ds.attrs.update(coord.attrs)
        ds.make_scale(dim)
    dtype = "f4" if layout.attrs.get("float32") else "f8"
    fields = g.create_group("fields")
    for fname, var in layout.fields.items():
        shape = tuple(len(layout.coords[d].values) for d in var.dims)
        ds = fields.create_dataset(fname, shape=(0, *shape), maxshape=(None, *shape),
                                   chunks=(1, *shape), dtype=dtype, fillvalue=np.nan,
                                   **compression)
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
