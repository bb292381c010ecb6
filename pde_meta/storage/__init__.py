"""Run files: HDF5 layout, the crash-safe writer, readers into xarray, recovery."""

from .hdf5 import (
    FORMAT,
    FORMAT_VERSION,
    STATUS_CODES,
    STATUS_NAMES,
    Checkpoint,
    RunInfo,
    RunWriter,
    is_clean,
    open_run,
    read_checkpoint,
    read_info,
    read_snapshot_field,
    recover,
    snapshot_count,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "STATUS_NAMES", "STATUS_CODES", "is_clean", "Checkpoint",
           "RunInfo", "RunWriter",
           "open_run", "read_checkpoint", "read_info", "read_snapshot_field", "recover",
           "snapshot_count"]
