"""One self-describing HDF5 file per run: snapshots, diagnostics, checkpoints, and a loader.

Layout (``docs/hdf5.md`` has the full table)::

    /                      attrs: format, config (TOML text), units, parameters, versions,
                           seed, creation time, ...
    /coords/time (k,)      output times, a dimension scale; grows by one per snapshot
    /coords/y (ny,), /coords/x (nx,)   cell centres, dimension scales
    /fields/<name> (k, ny, nx)         one chunk per snapshot, compressed
    /diagnostics/<name> (k,)           one value per snapshot
    /initial (5, ny, nx)               the initial state, float64
    /checkpoint/fields (2, 5, ny, nx)  two slots; /checkpoint/slot names the valid one
    /checkpoint/scalars (2, 6)         t, step, dt, snapshots, wall seconds, steps
    /checkpoint/rng (2,)               random generator state (JSON)
    /run/status, /run/message, /run/t_end

Crash safety
------------
Every object is created when the file is made; then the file switches to HDF5's
single-writer/multiple-reader mode (SWMR, ``libver="latest"``), in which the library
writes its metadata in an order that keeps the file consistent on disk at every moment,
and from then on the writer only resizes and writes existing datasets. A snapshot writes
its fields and diagnostics first and its time last, then flushes: the number of valid
snapshots is the length of ``/coords/time``, so a snapshot cut short by a kill is simply
not counted. A checkpoint goes to the slot that is *not* valid, is flushed, and only then
is ``/checkpoint/slot`` switched to it (and flushed again): a kill leaves either the old or
the new checkpoint valid, never a half-written one. A file whose writer was killed is still
marked "open for writing"; it opens read-only in SWMR mode (:func:`open_run`, ``info``), and
:func:`recover` copies its valid contents into a fresh file that replaces it, which is what
``resume`` does before continuing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import os
import platform
import socket
import struct
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from ..core.grid import Grid
from ..errors import ConfigError
from ..models.invasion.diagnostics import Diagnostics
from ..models.invasion.fields import FIELDS as TABLE
from ..models.invasion.state import State

FIELDS = TABLE.names

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["FORMAT", "FORMAT_VERSION", "RunWriter", "RunInfo", "Checkpoint", "open_run",
           "read_info", "read_checkpoint", "read_snapshot_field", "recover",
           "STATUS_NAMES", "STATUS_CODES", "is_clean"]

log = logging.getLogger(__name__)

FORMAT = "pde-meta run"
FORMAT_VERSION = 1
STATUS_NAMES = {0: "running", 1: "complete", 2: "failed", 3: "interrupted"}
STATUS_CODES = {v: k for k, v in STATUS_NAMES.items()}
_SCALARS = ("t", "step", "dt", "snapshots", "wall_seconds", "steps")
_MESSAGE_BYTES = 4096
_RNG_BYTES = 4096
_SCALE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "DIMENSION_LABELS"}

def _versions() -> dict[str, str]:
    import numba

    try:
        own = version("pde-meta")
    except PackageNotFoundError:  # pragma: no cover - source tree without install
        own = "0.0.0+unknown"
    return {"pde_meta_version": own, "numba_version": numba.__version__,
            "numpy_version": np.__version__, "h5py_version": h5py.__version__,
            "hdf5_version": h5py.version.hdf5_version, "python_version": sys.version.split()[0],
            "platform": platform.platform()}


def _tmp_path(path: Path, purpose: str) -> Path:
    return path.with_name(f".{path.name}.{purpose}-{os.getpid()}.tmp")


def _compression(kind: str, level: int) -> dict:
    if kind == "gzip":
        return {"compression": "gzip", "compression_opts": int(level), "shuffle": True}
    if kind == "lzf":
        return {"compression": "lzf", "shuffle": True}
    return {}


def _make_layout(f: h5py.File, grid: Grid, *, fields, dtype, compression: dict,
                 diagnostic_names, t_end: float) -> None:
    """Create every group and dataset of an empty run file."""
    ny, nx = grid.shape
    coords = f.create_group("coords")
    tds = coords.create_dataset("time", shape=(0,), maxshape=(None,), chunks=(256,),
                                dtype="f8")
    tds.attrs.update({"units": "T", "long_name": "time"})
    for name, values, length in (("y", grid.y, grid.extent[0]), ("x", grid.x, grid.extent[1])):
        ds = coords.create_dataset(name, data=values)
        ds.attrs.update({"units": "L", "long_name": f"{name} (cell centre)",
                         "domain_length": length})
    for name in ("time", "y", "x"):
        coords[name].make_scale(name)
    group = f.create_group("fields")
    for name in fields:
        ds = group.create_dataset(name, shape=(0, ny, nx), maxshape=(None, ny, nx),
                                  chunks=(1, ny, nx), dtype=dtype, fillvalue=np.nan,
                                  **compression)
        ds.attrs.update(TABLE[name].attrs())
        for axis, dim in enumerate(("time", "y", "x")):
            ds.dims[axis].attach_scale(coords[dim])
            ds.dims[axis].label = dim
    group = f.create_group("diagnostics")
    for name in diagnostic_names:
        ds = group.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(256,),
                                  dtype="f8", fillvalue=np.nan)
        ds.attrs.update(Diagnostics.attrs(name))
        ds.dims[0].attach_scale(coords["time"])
        ds.dims[0].label = "time"
    f.create_dataset("initial", shape=(len(FIELDS), ny, nx), dtype="f8",
                     chunks=(1, ny, nx), **_compression("gzip", 4))
    f["initial"].attrs["fields"] = list(FIELDS)
    ck = f.create_group("checkpoint")
    ck.create_dataset("fields", shape=(2, len(FIELDS), ny, nx), dtype="f8",
                      chunks=(1, 1, ny, nx))  # uncompressed: rewritten in place, fast
    ck.create_dataset("scalars", shape=(2, len(_SCALARS)), dtype="f8")
    ck["scalars"].attrs["columns"] = list(_SCALARS)
    ck.create_dataset("rng", shape=(2,), dtype=f"S{_RNG_BYTES}")
    ck.create_dataset("slot", data=np.int64(-1))
    run = f.create_group("run")
    run.create_dataset("status", data=np.int8(0))
    run["status"].attrs["meaning"] = json.dumps(STATUS_NAMES)
    run.create_dataset("message", data=np.bytes_(b""), dtype=f"S{_MESSAGE_BYTES}")
    run.create_dataset("t_end", data=np.float64(t_end))
    run.create_dataset("pid", data=np.int64(os.getpid()))
    run.create_dataset("host", data=np.bytes_(socket.gethostname().encode()[:256]),
                       dtype="S256")


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

    A new file is built under a hidden temporary name next to ``path`` and only takes its
    place in :meth:`publish` (after the first snapshot and checkpoint are on disk), so an
    existing file at ``path`` is untouched until the new run has really started.
    """

    def __init__(self, f: h5py.File, path: Path, tmp: Path | None, grid: Grid,
                 fields: tuple[str, ...], metric_options: dict, initial: State | None):
        self.f = f
        self.path = path
        self.tmp = tmp
        self.grid = grid
        self.fields = fields
        self.metric_options = metric_options
        self.initial = initial
        self.count = int(f["coords/time"].shape[0])
        self.last_time = float(f["coords/time"][-1]) if self.count else -np.inf

    @classmethod
    def create(cls, path, initial: State, *, fields=FIELDS, float32: bool = False,
               compression: str = "gzip", compression_level: int = 4, attrs: dict,
               metric_options: dict | None = None, t_end: float) -> RunWriter:
        path = Path(path)
        tmp = _tmp_path(path, "new")
        metric_options = dict(metric_options or {})
        names = Diagnostics(initial, metric_options).names()
        path.parent.mkdir(parents=True, exist_ok=True)
        f = h5py.File(tmp, "w", libver="latest")
        try:
            root = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                    "host": socket.gethostname(), **_versions(),
                    "fields": list(fields), "grid_shape": list(initial.grid.shape),
                    "grid_extent": list(initial.grid.extent),
                    "metric_options": json.dumps(metric_options)}
            root.update(attrs)
            for k, v in root.items():
                f.attrs[k] = v
            _make_layout(f, initial.grid, fields=fields, dtype="f4" if float32 else "f8",
                         compression=_compression(compression, compression_level),
                         diagnostic_names=names, t_end=t_end)
            f["initial"][...] = initial.data
            f.flush()
            f.swmr_mode = True
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise
        return cls(f, path, tmp, initial.grid, tuple(fields), metric_options, initial.copy())

    @classmethod
    def reopen(cls, path) -> RunWriter:
        """Open a cleanly closed run file to continue writing it (in SWMR mode at once)."""
        path = Path(path)
        try:
            f = h5py.File(path, "r+", libver="latest")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot open for writing ({_first_line(exc)})") from None
        try:
            f.swmr_mode = True
            grid = Grid(shape=tuple(int(v) for v in f.attrs["grid_shape"]),
                        extent=tuple(float(v) for v in f.attrs["grid_extent"]))
            initial = State(grid, f["initial"][...])
            fields = tuple(str(v) for v in f.attrs["fields"])
            options = json.loads(f.attrs.get("metric_options", "{}"))
        except BaseException:
            f.close()
            raise
        return cls(f, path, None, grid, fields, options, initial)

    def publish(self, overwrite: bool) -> None:
        """Give the new file its real name (atomically); before this it is hidden."""
        if self.tmp is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _no_clobber_rename(self.tmp, self.path, overwrite)
        self.tmp = None

    def write_snapshot(self, state: State, dt: float, wall_seconds: float) -> None:
        """Append one snapshot: fields, diagnostics, then its time; then flush."""
        f = self.f
        k = self.count
        for name in self.fields:
            ds = f["fields"][name]
            ds.resize(k + 1, axis=0)
            ds[k] = state[name]
        values = Diagnostics(self.initial, self.metric_options)(state, dt, wall_seconds)
        for name, ds in f["diagnostics"].items():
            ds.resize(k + 1, axis=0)
            ds[k] = values.get(name, np.nan)
        tds = f["coords/time"]
        tds.resize(k + 1, axis=0)
        tds[k] = state.t
        f.flush()
        self.count = k + 1
        self.last_time = state.t

    def write_checkpoint(self, state: State, dt: float, rng_state: str = "",
                         wall_seconds: float = 0.0, steps: int = 0) -> None:
        """Write the full state to the free slot, flush, then switch the slot and flush."""
        ck = self.f["checkpoint"]
        current = int(ck["slot"][()])
        slot = 1 - current if current in (0, 1) else 0
        ck["fields"][slot] = state.data
        ck["scalars"][slot] = [state.t, state.step, dt, self.count, wall_seconds, steps]
        ck["rng"][slot] = np.bytes_(rng_state.encode()[:_RNG_BYTES])
        self.f.flush()
        ck["slot"][()] = slot
        self.f.flush()

    def set_status(self, status: str, message: str = "") -> None:
        self.f["run/status"][()] = np.int8(STATUS_CODES[status])
        self.f["run/message"][()] = np.bytes_(message.encode()[:_MESSAGE_BYTES])
        self.f.flush()

    def set_t_end(self, t_end: float) -> None:
        self.f["run/t_end"][()] = float(t_end)
        self.f["run/pid"][()] = os.getpid()
        self.f["run/host"][()] = np.bytes_(socket.gethostname().encode()[:256])
        self.f.flush()

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` snapshots (drop any written after a checkpoint)."""
        f = self.f
        for group in ("fields", "diagnostics"):
            for ds in f[group].values():
                if ds.shape[0] > count:
                    ds.resize(count, axis=0)
        if f["coords/time"].shape[0] > count:
            f["coords/time"].resize(count, axis=0)
        f.flush()
        self.count = count
        self.last_time = float(f["coords/time"][-1]) if count else -np.inf

    def close(self) -> None:
        """Close the file; a file never published is deleted."""
        if self.f:
            self.f.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


# --------------------------------------------------------------------------- reading


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _open_read(path):
    """Open a run file read-only; a file whose writer was killed opens in SWMR mode."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{str(path)!r} does not exist; fix: check the path")
    if not path.is_file():
        raise ConfigError(f"{str(path)!r} is not a file; fix: give a run's .h5 file")
    unreadable = (f"{path} is not a readable HDF5 file ({{}}); it is truncated, corrupt or "
                  f"not a pde-meta run; fix: give the .h5 file written by pde-meta run")
    try:
        f = h5py.File(path, "r", locking=False)
    except OSError as exc:
        # A killed writer leaves the file marked "open for writing": read it in SWMR mode.
        # SWMR readers retry failed reads forever, so never give them a truncated file
        # (its size is below the end of file its superblock records; a killed SWMR writer
        # updates that record only after the data it covers).
        block = _superblock(path)
        if block is None or block[0] < 2 or path.stat().st_size < block[2]:
            raise ConfigError(unreadable.format(_first_line(exc))) from None
        try:
            f = h5py.File(path, "r", swmr=True, locking=False)
        except OSError:
            raise ConfigError(unreadable.format(_first_line(exc))) from None
    try:
        if f.attrs.get("format") != FORMAT:
            raise ConfigError(f"{path} is an HDF5 file but not a pde-meta run (no format = "
                              f"{FORMAT!r} attribute); fix: give a file written by "
                              f"pde-meta run")
        yield f
    except ConfigError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: the run file is damaged or incomplete "
                          f"({_first_line(exc)}); fix: use another copy of the run") from None
    finally:
        f.close()


def _superblock(path) -> tuple[int, int, int] | None:
    """``(version, status flags, end-of-file address)`` of an HDF5 superblock at offset 0
    (versions 2 and 3; ``None`` for anything else)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(48)
    except OSError:
        return None
    if len(head) < 48 or head[:8] != b"\x89HDF\r\n\x1a\n" or head[8] not in (2, 3):
        return None
    if head[9] != 8:  # size of offsets
        return None
    base, _, eof = struct.unpack_from("<3Q", head, 12)
    return head[8], head[11], base + eof


def is_clean(path) -> bool:
    """Whether the file was closed properly (a killed writer leaves it marked open)."""
    try:
        h5py.File(path, "r", locking=False).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Checkpoint:
    """The state to continue from, and the counters at that moment."""

    state: State
    dt: float
    rng_state: str
    snapshots: int
    wall_seconds: float
    steps: int


@dataclass(frozen=True)
class RunInfo:
    """What a run file says about itself (without its field data)."""

    path: Path
    attrs: dict
    status: str
    message: str
    t_end: float
    times: np.ndarray
    fields: tuple[str, ...]
    diagnostics: dict
    checkpoint: Checkpoint | None
    clean: bool
    writer: tuple[str, int]

    def writer_alive(self) -> bool:
        """Whether the process that last wrote the file still runs (same host only)."""
        host, pid = self.writer
        if self.clean or host != socket.gethostname() or pid <= 0 or pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:  # a zombie (killed, not yet reaped) is not writing
            stat = Path(f"/proc/{pid}/stat").read_text()
            return stat.rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True

    @property
    def config_toml(self) -> str:
        return str(self.attrs.get("config", ""))


def _plain(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_checkpoint(f, grid: Grid) -> Checkpoint | None:
    ck = f["checkpoint"]
    slot = int(ck["slot"][()])
    if slot not in (0, 1):
        return None
    scalars = dict(zip(_SCALARS, ck["scalars"][slot].tolist(), strict=True))
    state = State(grid, ck["fields"][slot], t=scalars["t"], step=int(scalars["step"]))
    rng = ck["rng"][slot]
    return Checkpoint(state, scalars["dt"], _plain(rng).rstrip("\x00"),
                      int(scalars["snapshots"]), scalars["wall_seconds"],
                      int(scalars["steps"]))


def _grid_of(f) -> Grid:
    return Grid(shape=tuple(int(v) for v in f.attrs["grid_shape"]),
                extent=tuple(float(v) for v in f.attrs["grid_extent"]))


def read_info(path, *, with_checkpoint: bool = True) -> RunInfo:
    """Metadata, status, snapshot times, diagnostics and (optionally) the checkpoint.

    Raises
    ------
    ConfigError
        The file is missing, not HDF5, truncated, or not a pde-meta run.
    """
    path = Path(path)
    with _open_read(path) as f:
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
        n = snapshot_count(f)
        times = f["coords/time"][:n]
        diags = {k: ds[:n] for k, ds in f["diagnostics"].items()}
        status = STATUS_NAMES.get(int(f["run/status"][()]), "unknown")
        message = _plain(f["run/message"][()]).rstrip("\x00")
        t_end = float(f["run/t_end"][()])
        ck = _read_checkpoint(f, _grid_of(f)) if with_checkpoint else None
        fields = tuple(name for name in FIELDS if name in f["fields"])
        writer = (_plain(f["run/host"][()]).rstrip("\x00"), int(f["run/pid"][()]))
    return RunInfo(path, attrs, status, message, t_end, times, fields, diags, ck,
                   is_clean(path), writer)


def read_checkpoint(path) -> Checkpoint:
    info = read_info(path)
    if info.checkpoint is None:
        raise ConfigError(f"{path} holds no checkpoint (the run never got past its start); "
                          f"fix: run it again")
    return info.checkpoint


def read_snapshot_field(path, field: str, time: float | None = None, *,
                        where: str = "") -> tuple[np.ndarray, float]:
    """One field of one snapshot: ``(values as float64, snapshot time)``.

    ``time`` must match a snapshot time (relative tolerance 1e-9); ``None`` takes the last.
    """
    with _open_read(path) as f:
        n = snapshot_count(f)
        times = f["coords/time"][:n]
        if field not in f["fields"]:
            raise ConfigError(f"{where}{path} does not store the field {field!r} (it has "
                              f"{list(f['fields'])}); fix: pick a stored field with field = "
                              f"\"...\"")
        if n == 0:
            raise ConfigError(f"{where}{path} holds no snapshot yet")
        if time is None:
            k = n - 1
        else:
            k = int(np.argmin(np.abs(times - time)))
            if abs(times[k] - time) > 1e-9 * max(1.0, abs(time)):
                shown = ", ".join(f"{t:g}" for t in times[:20]) + (" ..." if n > 20 else "")
                raise ConfigError(f"{where}time = {time:g} is not a snapshot of {path}; "
                                  f"allowed: {shown}; fix: pick one of these times")
        return np.array(f["fields"][field][k], dtype=np.float64), float(times[k])


def snapshot_count(f: h5py.File) -> int:
    """The number of complete snapshots in an open run file.

    A snapshot writes its fields and diagnostics first and its time last, so it is
    complete when ``/coords/time`` has it. A reader of a file whose writer was killed can
    still see the datasets at different lengths (the HDF5 metadata of each dataset is
    flushed on its own), so the count is the shortest of them all.
    """
    lengths = [f["coords/time"].shape[0]]
    lengths += [d.shape[0] for group in ("fields", "diagnostics") for d in f[group].values()]
    return int(min(lengths))


def open_run(path, fields=None) -> xr.Dataset:
    """A run as an :class:`xarray.Dataset` with dims ``(time, y, x)``.

    Data variables: each stored field over ``(time, y, x)`` (``fields`` picks some) and
    each diagnostic over ``time``. Coordinates ``time``, ``y``, ``x`` (cell centres), and
    ``time_s``, ``y_cm``, ``x_cm`` when the run has a ``[units]`` section. ``attrs``: the
    config (TOML text under ``config``), units, parameters, versions, seed, status. Every
    snapshot written before a crash is there; a run still being written can be read too.
    """
    import xarray as xr

    path = Path(path)
    with _open_read(path) as f:
        n = snapshot_count(f)
        stored = [name for name in FIELDS if name in f["fields"]]
        if fields is not None:
            fields = [fields] if isinstance(fields, str) else list(fields)
            missing = [x for x in fields if x not in stored]
            if missing:
                raise ConfigError(f"open_run: field(s) {missing} are not stored in {path}; "
                                  f"stored: {stored}")
            stored = fields
        coords = {"time": ("time", f["coords/time"][:n], dict(f["coords/time"].attrs)),
                  "y": ("y", f["coords/y"][:], dict(f["coords/y"].attrs)),
                  "x": ("x", f["coords/x"][:], dict(f["coords/x"].attrs))}
        coords = {k: (d, v, {a: _plain(x) for a, x in at.items() if a not in _SCALE_ATTRS})
                  for k, (d, v, at) in coords.items()}
        data_vars = {}
        for name in stored:
            ds = f["fields"][name]
            attrs = {a: _plain(x) for a, x in ds.attrs.items() if a not in _SCALE_ATTRS}
            data_vars[name] = (("time", "y", "x"), ds[:n], attrs)
        for name, ds in f["diagnostics"].items():
            attrs = {a: _plain(x) for a, x in ds.attrs.items() if a not in _SCALE_ATTRS}
            data_vars[name] = ("time", ds[:n], attrs)
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
        attrs["status"] = STATUS_NAMES.get(int(f["run/status"][()]), "unknown")
        attrs["message"] = _plain(f["run/message"][()]).rstrip("\x00")
        attrs["t_end"] = float(f["run/t_end"][()])
    units = json.loads(attrs.get("units", "null") or "null")
    if units:
        coords["time_s"] = ("time", coords["time"][1] * units["time_scale"],
                            {"units": "s", "long_name": "time"})
        for name in ("y", "x"):
            coords[f"{name}_cm"] = (name, coords[name][1] * units["length_scale"],
                                    {"units": "cm", "long_name": f"{name} (cell centre)"})
    attrs = {k: (json.dumps(v) if isinstance(v, list) and not all(
        isinstance(x, int | float | str) for x in v) else v) for k, v in attrs.items()}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


# --------------------------------------------------------------------------- recovery


def _copy_dataset(src: h5py.Dataset, group: h5py.Group, name: str, count: int | None) -> None:
    """Copy a dataset's first ``count`` rows (all if None), its filters and plain attrs."""
    kwargs = {"dtype": src.dtype, "chunks": src.chunks, "maxshape": src.maxshape}
    if src.compression:
        kwargs.update(compression=src.compression, compression_opts=src.compression_opts,
                      shuffle=src.shuffle)
    if src.fillvalue is not None and src.chunks is not None:
        kwargs["fillvalue"] = src.fillvalue
    if count is None:
        dst = group.create_dataset(name, data=src[()], **kwargs)
    else:
        dst = group.create_dataset(name, shape=(count, *src.shape[1:]), **kwargs)
        for k in range(count):  # row by row: memory stays one snapshot
            dst[k] = src[k]
    for key, value in src.attrs.items():
        if key not in _SCALE_ATTRS:
            dst.attrs[key] = value


def recover(path) -> Path:
    """Rewrite a run file whose writer was killed into a clean one, in place.

    Copies the root attributes, the initial state, the snapshots up to the checkpoint and
    the valid checkpoint into a new file next to ``path``, which then replaces ``path``
    (one atomic rename: a kill during recovery leaves the original untouched). A clean
    file is left alone. Returns ``path``.
    """
    path = Path(path)
    if is_clean(path):
        return path
    tmp = _tmp_path(path, "recover")
    with _open_read(path) as src:
        grid = _grid_of(src)
        ck = _read_checkpoint(src, grid)
        if ck is None:
            raise ConfigError(f"{path} holds no checkpoint (the run was killed before its "
                              f"first one); fix: run it again")
        n = snapshot_count(src)
        times = src["coords/time"][:n]
        keep = int(np.count_nonzero(times <= ck.state.t))
        try:
            with h5py.File(tmp, "w", libver="latest") as dst:
                for k, v in src.attrs.items():
                    dst.attrs[k] = v
                for group in ("coords", "fields", "diagnostics", "checkpoint", "run"):
                    dst.create_group(group)
                _copy_dataset(src["coords/time"], dst["coords"], "time", keep)
                for name in ("y", "x"):
                    _copy_dataset(src[f"coords/{name}"], dst["coords"], name, None)
                for name in ("time", "y", "x"):
                    dst["coords"][name].make_scale(name)
                for name, ds in src["fields"].items():
                    _copy_dataset(ds, dst["fields"], name, keep)
                    for axis, dim in enumerate(("time", "y", "x")):
                        dst["fields"][name].dims[axis].attach_scale(dst["coords"][dim])
                        dst["fields"][name].dims[axis].label = dim
                for name, ds in src["diagnostics"].items():
                    _copy_dataset(ds, dst["diagnostics"], name, keep)
                    dst["diagnostics"][name].dims[0].attach_scale(dst["coords/time"])
                    dst["diagnostics"][name].dims[0].label = "time"
                _copy_dataset(src["initial"], dst, "initial", None)
                for name in ("fields", "scalars", "rng", "slot"):
                    _copy_dataset(src["checkpoint"][name], dst["checkpoint"], name, None)
                for name in ("status", "message", "t_end", "pid", "host"):
                    _copy_dataset(src["run"][name], dst["run"], name, None)
                dst["checkpoint/scalars"][int(dst["checkpoint/slot"][()]), 3] = keep
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    log.info("recovered %s: %d snapshot(s) up to the checkpoint at t = %g", path, keep,
             ck.state.t)
    return path
