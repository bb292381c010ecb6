"""Reading run files: metadata, checkpoints, single fields, and xarray views.

:func:`open_run` gives one compartment as an :class:`xarray.Dataset` (the only tissue of
a one-tissue run by default, the shape notebooks use); :func:`open_tree` gives the whole
run as an :class:`xarray.DataTree`, a node per compartment (and the ledger), and below it
a node per table of event rows (:func:`read_table` gives one table). Both read
layout 2 (a group per compartment) and layout 1 (the files written before compartments
existed: one tissue at the root, opened as the compartment ``tissue``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from ..core.grid import Grid
from ..errors import ConfigError
from ..models import MODELS, get_model
from .layout import (
    FORMAT,
    RUN_SCALARS,
    SCALE_ATTRS,
    STATUS_NAMES,
    STRING_ATTR,
    TABLE_ROWS,
    plain,
    read_column,
    table_columns,
    table_groups,
)
from .writer import first_line

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Checkpoint", "RunInfo", "read_info", "read_checkpoint", "read_snapshot_field",
           "snapshot_count", "open_run", "open_tree", "read_table", "is_clean", "open_read",
           "read_initial", "read_ledger", "effective_status",
           "planes_by_name", "stored_planes", "writer_alive",
           "compartment_groups", "layout_version", "LEGACY_NAME", "read_checkpoint_of",
           "time_series_paths"]

#: the compartment name under which a layout-1 file's tissue is read
LEGACY_NAME = "tissue"
#: the six checkpoint scalars of layout 1
_LEGACY_SCALARS = ("t", "step", "dt", "snapshots", "wall_seconds", "steps")


@contextlib.contextmanager
def open_read(path):
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
            raise ConfigError(unreadable.format(first_line(exc))) from None
        try:
            f = h5py.File(path, "r", swmr=True, locking=False)
        except OSError:
            raise ConfigError(unreadable.format(first_line(exc))) from None
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
                          f"({first_line(exc)}); fix: use another copy of the run") from None
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


def layout_version(f: h5py.File) -> int:
    return int(f.attrs.get("format_version", 1))


def compartment_groups(f: h5py.File) -> dict[str, h5py.Group]:
    """Each compartment's group, in the order of the run (layout 1: the root)."""
    if layout_version(f) < 2:
        return {LEGACY_NAME: f}
    return {str(n): f[str(n)] for n in f.attrs["compartments"]}


def stored_planes(f: h5py.File, g: h5py.Group) -> list[str]:
    """The field names of the planes of a compartment's initial state and checkpoint, as
    the file says (``all_fields``, or the ``fields`` attribute of layout 1's ``/initial``;
    none for a compartment that is not a grid)."""
    attrs = _group_attrs(f, g)
    if "all_fields" in attrs:
        return list(attrs["all_fields"])
    if "initial" not in g:
        return []
    return [str(v) for v in plain(g["initial"].attrs["fields"])]


def planes_by_name(data: np.ndarray, names: list[str], table) -> np.ndarray:
    """``data`` (planes named ``names``) in the order of the field table ``table``: a
    file written when the model had other fields still gives a state (fields it lacks
    start at 0; fields the model no longer has are dropped)."""
    if list(names) == list(table.names):
        return data
    out = np.zeros((len(table), *data.shape[1:]), dtype=data.dtype)
    for k, name in enumerate(names):
        if name in table:
            out[table.index(name)] = data[k]
    return out


def _group_attrs(f: h5py.File, g: h5py.Group) -> dict:
    attrs = {k: plain(v) for k, v in g.attrs.items()}
    if g is f or "model" not in attrs:
        attrs.setdefault("model", "invasion")
    return attrs


def _grid_of(attrs: dict) -> Grid:
    return Grid(shape=tuple(int(v) for v in attrs["grid_shape"]),
                extent=tuple(float(v) for v in attrs["grid_extent"]))


@dataclass(frozen=True)
class Checkpoint:
    """The state to continue from, and the counters at that moment.

    ``arrays`` holds each compartment's checkpoint (what its ``checkpoint()`` returned);
    ``state`` is the state of the first grid compartment (for one-tissue runs; None in a
    run without a grid); ``table_rows`` the rows of each table the checkpoint covers,
    ``{compartment: {table: rows}}`` (empty for a file without tables); ``t`` the time
    every compartment had reached."""

    state: object
    dt: float
    rng_state: str
    snapshots: int
    wall_seconds: float
    steps: int
    arrays: dict = field(default_factory=dict)
    ledger_rows: int = 0
    table_rows: dict = field(default_factory=dict)
    t: float = float("nan")


def time_series_paths(f: h5py.File) -> list[str]:
    """The datasets that grow by one row per snapshot."""
    out = []
    for g in compartment_groups(f).values():
        out.append(g["coords/time"].name)
        out += [ds.name for group in ("fields", "diagnostics") for ds in g[group].values()]
    return out


def read_checkpoint_of(f: h5py.File) -> Checkpoint | None:
    """The valid checkpoint of an open run file (``None`` before the first one)."""
    ck = f["checkpoint"]
    slot = int(ck["slot"][()])
    if slot not in (0, 1):
        return None
    rng = plain(ck["rng"][slot]).rstrip("\x00")
    groups = compartment_groups(f)
    if layout_version(f) < 2:
        s = dict(zip(_LEGACY_SCALARS, ck["scalars"][slot].tolist(), strict=True))
        data = ck["fields"][slot]
        arrays = {LEGACY_NAME: {"data": data, "scalars": np.array([s["t"], s["step"],
                                                                    s["dt"]])}}
        run = {k: s[k] for k in RUN_SCALARS}
    else:
        run = dict(zip(RUN_SCALARS, ck["scalars"][slot].tolist(), strict=True))
        arrays = {name: {k: ds[slot] for k, ds in ck[name].items()} for name in groups}
    state, dt = None, float("nan")
    for name, g in groups.items():
        attrs = _group_attrs(f, g)
        if "grid_shape" in attrs and "data" in arrays[name]:
            t, step, dt = (float(v) for v in arrays[name]["scalars"])
            model = get_model(attrs["model"])
            data = planes_by_name(arrays[name]["data"], stored_planes(f, g), model.FIELDS)
            arrays[name]["data"] = data
            state = model.State(_grid_of(attrs), data, t=t, step=int(step))
            break
    rows = int(ck["ledger_rows"][slot]) if "ledger_rows" in ck else 0
    tables = {str(c): {str(t): int(ds[slot]) for t, ds in g.items()}
              for c, g in (ck[TABLE_ROWS].items() if TABLE_ROWS in ck else ())}
    return Checkpoint(state, dt, rng, int(run["snapshots"]), run["wall_seconds"],
                      int(run["steps"]), arrays, rows, tables, float(run["t"]))


@dataclass(frozen=True)
class RunInfo:
    """What a run file says about itself (without its field data); ``times``,
    ``fields`` and ``diagnostics`` are those of the first compartment."""

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
    compartments: dict = field(default_factory=dict)
    layout: int = 2

    def writer_alive(self) -> bool:
        """Whether the process that last wrote the file still runs (same host only)."""
        return writer_alive(*self.writer, clean=self.clean)

    @property
    def config_toml(self) -> str:
        return str(self.attrs.get("config", ""))

    @property
    def state(self) -> str:
        """What the run is now: ``running`` (its writer is alive), ``stopped`` (killed,
        or still marked running with no live writer: continue it with resume), or the
        recorded status (``complete``, ``failed``, ``interrupted``)."""
        return effective_status(self.status, self.clean, self.writer_alive())


def effective_status(recorded: str, clean: bool, writer_alive: bool) -> str:
    """See :attr:`RunInfo.state`."""
    if writer_alive:
        return "running"
    if recorded == "running" or not clean:
        return "stopped"
    return recorded


def writer_alive(host: str, pid: int, *, clean: bool) -> bool:
    """Whether process ``pid`` on ``host``, the last writer of a file, still runs (only
    checked on this host; a cleanly closed file has no live writer)."""
    if clean or host != socket.gethostname() or pid <= 0 or pid == os.getpid():
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


def _writer_alive(f: h5py.File, clean: bool) -> bool:
    host = plain(f["run/host"][()]).rstrip("\x00")
    return writer_alive(host, int(f["run/pid"][()]), clean=clean)


def snapshot_count(f: h5py.File) -> int:
    """The number of complete snapshots in an open run file.

    A snapshot writes its fields and diagnostics first and its times last, so it is
    complete when every ``coords/time`` has it. A reader of a file whose writer was
    killed can still see the datasets at different lengths (the HDF5 metadata of each
    dataset is flushed on its own), so the count is the shortest of them all.
    """
    lengths = []
    for g in compartment_groups(f).values():
        lengths.append(g["coords/time"].shape[0])
        lengths += [d.shape[0] for group in ("fields", "diagnostics")
                    for d in g[group].values()]
    return int(min(lengths))


def _stored_fields(f: h5py.File, g: h5py.Group) -> list[str]:
    order = _group_attrs(f, g).get("all_fields") or _group_attrs(f, g).get("fields") or []
    names = [n for n in order if n in g["fields"]]
    return names + sorted(n for n in g["fields"] if n not in names)


def read_info(path, *, with_checkpoint: bool = True) -> RunInfo:
    """Metadata, status, snapshot times, diagnostics and (optionally) the checkpoint.

    Raises
    ------
    ConfigError
        The file is missing, not HDF5, truncated, or not a pde-meta run.
    """
    path = Path(path)
    with open_read(path) as f:
        attrs = {k: plain(v) for k, v in f.attrs.items()}
        n = snapshot_count(f)
        groups = compartment_groups(f)
        comps = {name: _group_attrs(f, g) for name, g in groups.items()}
        g = next(iter(groups.values()))
        times = g["coords/time"][:n]
        diags = {k: ds[:n] for k, ds in g["diagnostics"].items()}
        status = STATUS_NAMES.get(int(f["run/status"][()]), "unknown")
        message = plain(f["run/message"][()]).rstrip("\x00")
        t_end = float(f["run/t_end"][()])
        ck = read_checkpoint_of(f) if with_checkpoint else None
        fields = tuple(_stored_fields(f, g))
        writer = (plain(f["run/host"][()]).rstrip("\x00"), int(f["run/pid"][()]))
        version = layout_version(f)
    return RunInfo(path, attrs, status, message, t_end, times, fields, diags, ck,
                   is_clean(path), writer, comps, version)


def read_checkpoint(path) -> Checkpoint:
    info = read_info(path)
    if info.checkpoint is None:
        raise ConfigError(f"{path} holds no checkpoint (the run never got past its start); "
                          f"fix: run it again")
    return info.checkpoint


def _pick(f: h5py.File, compartment: str | None, path) -> tuple[str, h5py.Group]:
    groups = compartment_groups(f)
    if compartment is None:
        grids = ([n for n, g in groups.items() if "grid_shape" in g.attrs]
                 or [n for n, g in groups.items() if "fields" in g and len(g["fields"])])
        if len(grids) != 1:
            raise ConfigError(f"{path} has the compartments {list(groups)}; fix: name one "
                              f"(compartment=... in Python, --compartment on the command "
                              f"line)")
        compartment = grids[0]
    if compartment not in groups:
        raise ConfigError(f"{path} has no compartment {compartment!r}; it has "
                          f"{list(groups)}")
    return compartment, groups[compartment]


def read_ledger(path, rows: int | None = None) -> list[tuple]:
    """The first ``rows`` (default: all) transfers of the ledger, as
    ``(t, exchange, source, target, amount)`` tuples (empty without exchanges)."""
    with open_read(path) as f:
        if "ledger" not in f:
            return []
        g = f["ledger"]
        n = g["t"].shape[0] if rows is None else min(rows, g["t"].shape[0])
        cols = [g[c][:n] for c in ("t", "exchange", "source", "target", "amount")]
    return [(float(t), e.decode(), s.decode(), d.decode(), float(a))
            for t, e, s, d, a in zip(*cols, strict=True)]


def read_initial(path, compartment: str | None = None) -> np.ndarray:
    """The initial state array a compartment stored (float64), its planes in the order of
    the model's field table."""
    with open_read(path) as f:
        name, g = _pick(f, compartment, path)
        if "initial" not in g:
            raise ConfigError(f"{path}: the compartment {name!r} stores no initial state")
        table = get_model(_group_attrs(f, g)["model"]).FIELDS
        data = np.array(g["initial"][...], dtype=np.float64)
        return planes_by_name(data, stored_planes(f, g), table)


def read_snapshot_field(path, field: str, time: float | None = None, *, where: str = "",
                        compartment: str | None = None) -> tuple[np.ndarray, float]:
    """One field of one snapshot: ``(values as float64, snapshot time)``.

    ``time`` must match a snapshot time (relative tolerance 1e-9); ``None`` takes the last.
    """
    with open_read(path) as f:
        _, g = _pick(f, compartment, path)
        n = snapshot_count(f)
        times = g["coords/time"][:n]
        if field not in g["fields"]:
            raise ConfigError(f"{where}{path} does not store the field {field!r} (it has "
                              f"{list(g['fields'])}); fix: pick a stored field with field = "
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
        return np.array(g["fields"][field][k], dtype=np.float64), float(times[k])


def _attrs(ds) -> dict:
    return {a: plain(x) for a, x in ds.attrs.items() if a not in {*SCALE_ATTRS, STRING_ATTR}}


def _dataset(f: h5py.File, g: h5py.Group, n: int, fields=None, path=None) -> xr.Dataset:
    import xarray as xr

    stored = _stored_fields(f, g)
    if fields is not None:
        fields = [fields] if isinstance(fields, str) else list(fields)
        missing = [x for x in fields if x not in stored]
        if missing:
            raise ConfigError(f"open_run: field(s) {missing} are not stored in {path}; "
                              f"stored: {stored}")
        stored = fields
    coords = {name: (name, read_column(ds, n if name == "time" else None), _attrs(ds))
              for name, ds in g["coords"].items()}
    model = _group_attrs(f, g)["model"]  # a model without a field table: no defaults
    table = getattr(get_model(model), "FIELDS", {}) if model in MODELS else {}
    data_vars = {}
    for name in stored:
        ds = g["fields"][name]
        dims = tuple(d.label for d in ds.dims) or ("time", "y", "x")
        attrs = _attrs(ds)
        if name in table:  # files of layout 1 lack some attributes of the field table
            attrs = {**table[name].attrs(), **attrs}
        data_vars[name] = (dims, ds[:n], attrs)
    for name, ds in g["diagnostics"].items():
        data_vars[name] = ("time", ds[:n], _attrs(ds))
    attrs = {k: plain(v) for k, v in f.attrs.items()}
    if g is not f:
        attrs.update({f"compartment_{k}": v for k, v in _group_attrs(f, g).items()})
    recorded = STATUS_NAMES.get(int(f["run/status"][()]), "unknown")
    clean = not f.swmr_mode  # a file of a killed (or live) writer opens in SWMR mode
    attrs["status"] = effective_status(recorded, clean, _writer_alive(f, clean))
    attrs["recorded_status"] = recorded
    attrs["message"] = plain(f["run/message"][()]).rstrip("\x00")
    attrs["t_end"] = float(f["run/t_end"][()])
    units = json.loads(attrs.get("units", "null") or "null")
    if units:
        coords["time_s"] = ("time", coords["time"][1] * units["time_scale"],
                            {"units": "s", "long_name": "time"})
        for name in ("y", "x"):
            if name in coords:
                coords[f"{name}_cm"] = (name, coords[name][1] * units["length_scale"],
                                        {"units": "cm", "long_name": f"{name} (cell centre)"})
    attrs = {k: (json.dumps(v) if isinstance(v, list) and not all(
        isinstance(x, int | float | str) for x in v) else v) for k, v in attrs.items()}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def open_run(path, fields=None, *, compartment: str | None = None) -> xr.Dataset:
    """One compartment of a run as an :class:`xarray.Dataset` with dims ``(time, y, x)``
    (another kind of compartment: ``time`` and its own dims, e.g. ``organ``).

    ``compartment`` defaults to the run's only grid compartment. Data variables: each
    stored field over ``(time, y, x)`` (``fields`` picks some), in its stored dtype, and
    each diagnostic over ``time``. Coordinates ``time``, ``y``, ``x`` (cell centres; string
    coordinates as ``str``), and ``time_s``, ``y_cm``, ``x_cm`` when the run has a
    ``[units]`` section; tables of event rows: :func:`read_table`. ``attrs``: the config
    (TOML text under ``config``), units, parameters, versions, seed, status, and the
    compartment's own attributes (``compartment_model``, ...). Every snapshot written
    before a crash is there; a run still being written can be read too.
    """
    path = Path(path)
    with open_read(path) as f:
        _, g = _pick(f, compartment, path)
        return _dataset(f, g, snapshot_count(f), fields, path)


def open_tree(path) -> xr.DataTree:
    """The whole run as an :class:`xarray.DataTree`: the root carries the run's
    attributes, each compartment is a child node (a Dataset as :func:`open_run` gives)
    with a child node per table (``/<compartment>/<table>``, as :func:`read_table`
    gives), and ``ledger`` holds the transfers of the exchanges when there are any."""
    import xarray as xr

    path = Path(path)
    with open_read(path) as f:
        n = snapshot_count(f)
        groups = compartment_groups(f)
        children = {name: _dataset(f, g, n, path=path) for name, g in groups.items()}
        tables = {name: {t: _table(tg) for t, tg in table_groups(g).items()}
                  for name, g in groups.items()}
        root = {k: plain(v) for k, v in f.attrs.items()}
        root = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in root.items()}
        recorded = STATUS_NAMES.get(int(f["run/status"][()]), "unknown")
        root["status"] = effective_status(recorded, not f.swmr_mode,
                                          _writer_alive(f, not f.swmr_mode))
        if "ledger" in f:
            g = f["ledger"]
            cols = {k: ("transfer", ds[:].astype(str) if ds.dtype.kind == "S" else ds[:])
                    for k, ds in g.items()}
            children["ledger"] = xr.Dataset(cols)
    tree = xr.DataTree(xr.Dataset(attrs=root))
    for name, ds in children.items():
        tree[name] = xr.DataTree(ds, children={t: xr.DataTree(table) for t, table
                                               in tables.get(name, {}).items()})
    return tree


def _table(tg: h5py.Group) -> xr.Dataset:
    """A table's columns (in their order) over ``row``."""
    import xarray as xr

    names, n = table_columns(tg)
    return xr.Dataset({c: ("row", read_column(tg[c], n), _attrs(tg[c])) for c in names})


def read_table(path, compartment: str, table: str) -> xr.Dataset:
    """One table of event rows of a compartment as an :class:`xarray.Dataset`: each column
    a variable over the dim ``row``, with its attributes, strings as ``str``; every row
    in the file (also those after the last checkpoint of a killed run: resume drops them)."""
    path = Path(path)
    with open_read(path) as f:
        name, g = _pick(f, compartment, path)
        groups = table_groups(g)
        if table not in groups:
            raise ConfigError(f"{path}: the compartment {name!r} has no table {table!r}; "
                              f"it has {sorted(groups)}")
        ds = _table(groups[table])
    ds.attrs.update(compartment=name, table=table)
    return ds
