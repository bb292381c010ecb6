"""``pde-meta repair``: make the file of a killed run a plain HDF5 file again."""

from __future__ import annotations

import argparse

from .. import storage
from ..errors import ConfigError
from .common import EXIT_OK

__all__ = ["add_parser", "command"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("repair", help="make a killed run's file readable by any HDF5 tool",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="A run whose writer was killed leaves its file marked "
                       "'open for writing': pde-meta reads it, plain HDF5 tools (h5py, "
                       "HDFView, xarray's h5netcdf) refuse it. repair copies its valid "
                       "contents (every snapshot up to the last checkpoint, the checkpoint) "
                       "into a fresh file that replaces it atomically. The run can still be "
                       "continued with pde-meta resume (which repairs a file itself).")
    p.add_argument("run", metavar="RUN.h5", help="the run file to repair")
    p.set_defaults(func=command)


def command(args) -> int:
    info = storage.read_info(args.run)
    if info.writer_alive():
        raise ConfigError(f"{args.run} is being written by process {info.writer[1]}; fix: "
                          f"wait for it to finish, or stop it first")
    if info.clean:
        print(f"{args.run}: nothing to repair (the file was closed properly; it is "
              f"{info.state})")
        return EXIT_OK
    storage.recover(args.run)
    after = storage.read_info(args.run)
    print(f"{args.run}: repaired: {len(after.times)} snapshot(s) up to t = "
          f"{after.times[-1]:g} kept; {after.state}, continue it with pde-meta resume "
          f"{args.run}")
    return EXIT_OK
