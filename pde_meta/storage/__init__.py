"""Run files: one self-describing HDF5 file per run, a group per compartment.

:mod:`.layout` (what is where, and the layout version), :mod:`.writer` (the crash-safe
writer), :mod:`.reader` (metadata, checkpoints, ``open_run`` -> ``xarray.Dataset``,
``open_tree`` -> ``xarray.DataTree``, ``read_table`` -> a table of event rows),
:mod:`.recovery` (files of killed writers).
"""

from .layout import FORMAT, FORMAT_VERSION, STATUS_CODES, STATUS_NAMES
from .reader import (
    Checkpoint,
    RunInfo,
    is_clean,
    open_run,
    open_tree,
    read_checkpoint,
    read_info,
    read_initial,
    read_ledger,
    read_snapshot_field,
    read_table,
    snapshot_count,
)
from .recovery import recover
from .writer import RunWriter

__all__ = ["FORMAT", "FORMAT_VERSION", "STATUS_NAMES", "STATUS_CODES", "Checkpoint",
           "RunInfo", "RunWriter", "is_clean", "open_run", "open_tree", "read_checkpoint",
           "read_info", "read_initial", "read_ledger",
           "read_snapshot_field", "read_table", "recover", "snapshot_count"]
