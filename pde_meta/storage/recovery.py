"""Recovering a run file whose writer was killed.

:func:`recover` copies the valid contents (root attributes, every compartment's
coordinates, initial state and snapshots up to the valid checkpoint, the checkpoint, the
ledger and table rows it counts, the run status) into a fresh file next to the original,
which then replaces it in one atomic rename: a kill during recovery leaves the original
untouched.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import h5py
import numpy as np

from ..errors import ConfigError
from .layout import SCALE_ATTRS, table_groups
from .reader import (
    compartment_groups,
    is_clean,
    open_read,
    read_checkpoint_of,
    snapshot_count,
    time_series_paths,
)
from .writer import temporary_path

__all__ = ["recover"]

log = logging.getLogger(__name__)


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
        count = min(count, src.shape[0])
        dst = group.create_dataset(name, shape=(count, *src.shape[1:]), **kwargs)
        row = src.dtype.itemsize * int(np.prod(src.shape[1:], dtype=np.int64))
        block = max(1, (1 << 23) // max(row, 1))  # a snapshot, or many rows of a table
        for k in range(0, count, block):
            end = min(k + block, count)
            dst[k:end] = src[k:end]
    for key, value in src.attrs.items():
        if key not in SCALE_ATTRS:
            dst.attrs[key] = value


def _copy_tree(src: h5py.Group, dst: h5py.Group, rows: dict[str, int],
               labels: dict[str, list[str]]) -> None:
    for key, value in src.attrs.items():
        if key not in SCALE_ATTRS:
            dst.attrs[key] = value
    for name, item in src.items():
        if isinstance(item, h5py.Group):
            _copy_tree(item, dst.create_group(name), rows, labels)
        else:
            _copy_dataset(item, dst, name, rows.get(item.name))
            found = [d.label for d in item.dims]
            if any(found):
                labels[item.name] = found


def _attach_scales(f: h5py.File, labels: dict[str, list[str]]) -> None:
    """Dimension scales again: ``coords/<dim>`` of each compartment, attached by label."""
    for g in compartment_groups(f).values():
        for name, ds in g["coords"].items():
            ds.make_scale(name)
    for name, dims in labels.items():
        ds = f[name]
        coords = ds.parent.parent["coords"]
        for axis, dim in enumerate(dims):
            ds.dims[axis].attach_scale(coords[dim])
            ds.dims[axis].label = dim


def recover(path) -> Path:
    """Rewrite a run file whose writer was killed into a clean one, in place (see the
    module docstring). A clean file is left alone. Returns ``path``."""
    path = Path(path)
    if is_clean(path):
        return path
    tmp = temporary_path(path, "recover")
    with open_read(path) as src:
        ck = read_checkpoint_of(src)
        if ck is None:
            raise ConfigError(f"{path} holds no checkpoint (the run was killed before its "
                              f"first one); fix: run it again")
        n = snapshot_count(src)
        first = next(iter(compartment_groups(src).values()))
        t_ck = float(src["checkpoint/scalars"][int(src["checkpoint/slot"][()]), 0])
        keep = int(np.count_nonzero(first["coords/time"][:n] <= t_ck))
        rows = dict.fromkeys(time_series_paths(src), keep)
        if "ledger" in src:
            rows.update({ds.name: ck.ledger_rows for ds in src["ledger"].values()})
        for name, g in compartment_groups(src).items():
            for table, tg in table_groups(g).items():
                count = ck.table_rows.get(name, {}).get(table, 0)
                rows.update({ds.name: count for ds in tg.values()})
        try:
            with h5py.File(tmp, "w", libver="latest") as dst:
                labels: dict[str, list[str]] = {}
                _copy_tree(src, dst, rows, labels)
                _attach_scales(dst, labels)
                slot = int(dst["checkpoint/slot"][()])
                column = 3 if "fields" in dst["checkpoint"] else 1  # snapshots
                dst["checkpoint/scalars"][slot, column] = keep
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    log.info("recovered %s: %d snapshot(s) up to the checkpoint at t = %g", path, keep, t_ck)
    return path
