"""The summary of a sweep: one row per member (its status, progress and final metrics),
written as ``summary.csv`` and ``sweep.h5`` and read back by :func:`open_sweep`."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import storage as io
from ..errors import ConfigError
from ..models.invasion import diagnostics as metrics

if TYPE_CHECKING:
    import pandas as pd

    from .spec import Sweep

__all__ = ["SweepResult", "open_sweep", "write_summary", "file_row", "one_line",
           "SUMMARY_FILE", "INDEX_FILE", "STATUSES"]

#: the summary table as CSV, and the same table in an HDF5 index file
SUMMARY_FILE, INDEX_FILE = "summary.csv", "sweep.h5"
INDEX_FORMAT, INDEX_FORMAT_VERSION = "pde-meta sweep", 1
#: member status -> meaning (the ``status`` column of the summary)
STATUSES = {
    "complete": "ran to t_end",
    "failed": "the simulation failed (e.g. a blow-up); its file keeps the last good state",
    "invalid": "its config is not allowed (e.g. a value out of range); nothing was written",
    "error": "an unexpected error, or the worker running it died",
    "interrupted": "the sweep was stopped before the member finished; run it again to "
                   "continue",
}


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What :func:`~pde_meta.sweep.run_sweep` did: the summary table and how many members it ran."""

    output: Path
    table: pd.DataFrame
    ran: int = 0
    resumed: int = 0
    skipped: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Members per status."""
        return {k: int(v) for k, v in self.table["status"].value_counts().items()}

    @property
    def ok(self) -> bool:
        """Whether every member is complete."""
        return bool((self.table["status"] == "complete").all())

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items())
        return (f"SweepResult({str(self.output)!r}: {len(self.table)} members, {counts}; "
                f"ran {self.ran}, resumed {self.resumed}, skipped {self.skipped})")

    def _repr_html_(self) -> str:
        import html

        return (f"<p>{html.escape(repr(self))}</p>"
                + self.table.set_index("member")._repr_html_())


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line."""
    return " ".join(str(exc).split())


def file_row(path: Path) -> dict:
    """Status, progress, wall time and final metrics of a run file."""
    info = io.read_info(path, with_checkpoint=False)
    times, diags = info.times, info.diagnostics
    status = info.status if info.clean or info.status != "running" else "interrupted"
    row: dict[str, Any] = {"status": status, "message": info.message,
                           "t": float(times[-1]) if len(times) else math.nan,
                           "t_end": info.t_end}
    if not len(times):
        return row
    last = {name: float(values[-1]) for name, values in diags.items()}
    steps = int(last.get("step", 0))
    wall = last.get("wall_seconds", math.nan)
    cells = math.prod(int(v) for v in info.attrs.get("grid_shape", [0, 0]))
    grid = "grid_shape" in next(iter((getattr(info, "compartments", None) or {}).values()),
                                {"grid_shape": None})
    ck = None if grid else io.read_info(path).checkpoint
    if ck is not None:  # no grid: the steps and the stepping time of every compartment
        steps, wall = ck.steps, ck.wall_seconds
    row.update(steps=steps, wall_seconds=wall,
               cell_updates_per_second=cells * steps / wall if wall > 0 else math.nan)
    try:  # the invasion model's metrics, of a run whose first compartment is a grid
        events = metrics.time_metrics(times, diags) if grid else {}
    except (ConfigError, ValueError):  # too few snapshots for a time series
        events = {}
    for name in metrics.METRIC_UNITS:
        if name in last:
            row[name] = last[name]
        elif name in events and np.ndim(events[name]) == 0:
            row[name] = float(events[name])
    row.update(_circulation_columns(path, info))
    return row


def _circulation_columns(path: Path, info) -> dict:
    """The final diagnostics of each primary, circulation and organs compartment of the
    run (``<name>.shed_cells``, ``<name>.macrometastases``, ...) and a circulation's
    extravasated cells per organ (``<name>.extravasated.<organ>``)."""
    out: dict[str, float] = {}
    for name, attrs in (getattr(info, "compartments", None) or {}).items():
        if attrs.get("model") not in ("primary", "circulation", "organs"):
            continue
        ds = io.open_run(path, compartment=name)
        if not ds.sizes.get("time"):
            continue
        end = ds.isel(time=-1)
        for key, var in end.data_vars.items():
            if var.dims == () and key != "wall_time":
                out[f"{name}.{key}"] = float(var)
        if attrs.get("model") == "circulation":
            for organ, cells in zip(end.organ.values, end.extravasated.values, strict=True):
                out[f"{name}.extravasated.{organ}"] = float(cells)
    return out



_FIRST = ("status", "action", "message", "warnings", "t", "t_end", "steps", "wall_seconds",
          "task_seconds", "cell_updates_per_second")


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return value


def _summary_table(sweep: Sweep, rows: dict) -> pd.DataFrame:
    import pandas as pd

    metric_names = [name for name in metrics.METRIC_UNITS
                    if any(name in row for row in rows.values())]
    # the final diagnostics of the compartments that are not grids (``<name>.<key>``)
    metric_names += list(dict.fromkeys(k for row in rows.values() for k in row
                                       if "." in k))
    records = []
    for m in sweep.members:
        row = rows.get(m.index, {})
        record = {"member": m.index, "file": m.file}
        record.update({k: _cell(v) for k, v in m.overrides})
        if sweep.replicates > 1:
            record["replicate"] = m.replicate
        for name in _FIRST:
            default = "" if name in ("status", "action", "message", "warnings") else math.nan
            record[name] = row.get(name, default)
        for name in metric_names:
            record[name] = row.get(name, math.nan)
        records.append(record)
    columns = ["member", "file", *sweep.keys, *(["replicate"] if sweep.replicates > 1
                                                 else []), *_FIRST, *metric_names]
    table = pd.DataFrame.from_records(records, columns=columns)
    table["steps"] = table["steps"].astype("float64")
    return table


def write_summary(sweep: Sweep, out: Path, rows: dict) -> pd.DataFrame:
    """Write ``summary.csv`` and ``sweep.h5`` (each atomically); returns the table."""
    import h5py

    table = _summary_table(sweep, rows)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{SUMMARY_FILE}.{os.getpid()}.tmp"
    table.to_csv(tmp, index=False)
    os.replace(tmp, out / SUMMARY_FILE)
    tmp = out / f".{INDEX_FILE}.{os.getpid()}.tmp"
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs.update({
                "format": INDEX_FORMAT, "format_version": INDEX_FORMAT_VERSION,
                "name": sweep.name, "description": sweep.description,
                "sweep": sweep.text, "source": str(sweep.source or ""),
                "base_config": sweep.base.to_toml(), "output": str(out),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "columns": json.dumps(list(table.columns)), "keys": json.dumps(sweep.keys),
                "statuses": json.dumps(STATUSES)})
            group = f.create_group("summary")
            for name in table.columns:
                values = table[name].to_numpy()
                if values.dtype.kind in "biuf":
                    group.create_dataset(name, data=values)
                    continue
                mixed = not all(isinstance(v, str) for v in values)
                text = [json.dumps(v, default=str) if mixed else v for v in values]
                group.create_dataset(name, data=text, dtype=h5py.string_dtype())
                group[name].attrs["json"] = mixed
            f.create_dataset("configs", data=[m.config.to_toml() if m.valid else ""
                                              for m in sweep.members],
                             dtype=h5py.string_dtype())
        os.replace(tmp, out / INDEX_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    return table


def open_sweep(path) -> pd.DataFrame:
    """The summary of a sweep as a :class:`pandas.DataFrame`, one row per member.

    ``path`` is the sweep's output directory (or its ``sweep.h5``). The index is the member
    number; the columns are ``file``, every key path the sweep varies (and ``replicate``),
    ``status`` (see :data:`STATUSES`), ``action`` (what the last run of the sweep did with
    the member: ``ran``, ``reran``, ``resumed``, ``skipped``), ``message``, ``warnings``,
    ``t``, ``t_end``, ``steps``, ``wall_seconds`` (stepping, over all sessions of the run),
    ``task_seconds``, ``cell_updates_per_second``, and the final metrics of
    :mod:`pde_meta.metrics` for the run's geometry (``tumor_mass``, ``invaded_area``,
    ``front_max_radius`` or ``front_max_depth``, ``cluster_count``,
    ``membrane_breach_time``, ...). ``attrs`` holds the sweep's name, file text and output
    directory.
    """
    import h5py
    import pandas as pd

    path = Path(path)
    index = path / INDEX_FILE if path.is_dir() else path
    if not index.is_file():
        raise ConfigError(f"{str(path)!r} holds no {INDEX_FILE}; fix: give the output "
                          f"directory of pde-meta sweep")
    try:
        with h5py.File(index, "r") as f:
            if f.attrs.get("format") != INDEX_FORMAT:
                raise ConfigError(f"{index} is not a pde-meta sweep index; fix: give the "
                                  f"output directory of pde-meta sweep")
            columns = json.loads(f.attrs["columns"])
            data = {}
            for name in columns:
                ds = f["summary"][name]
                if h5py.check_string_dtype(ds.dtype):
                    values = list(ds.asstr()[()])
                    if ds.attrs.get("json", False):
                        values = [json.loads(v) for v in values]
                    data[name] = values
                else:
                    data[name] = ds[()]
            attrs = {k: f.attrs[k] for k in ("name", "description", "sweep", "output")}
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"{index}: the sweep index is damaged ({one_line(exc)}); fix: run "
                          f"the sweep again to rewrite it") from None
    table = pd.DataFrame(data, columns=columns).set_index("member")
    table.attrs.update({k: str(v) for k, v in attrs.items()})
    return table
