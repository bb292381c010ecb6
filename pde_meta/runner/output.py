"""The output path of a run: refused when it exists (without ``overwrite``), when a live
process writes it, when it is an input of the run or cannot be written; the temporaries
of killed writers beside it removed."""

from __future__ import annotations

import glob
import logging
import os
import re
import tempfile
from pathlib import Path

from .. import storage as io
from ..config import RunConfig
from ..errors import ConfigError

log = logging.getLogger("pde_meta.runner")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _writes(pid: int, path: Path) -> bool:
    """Whether process ``pid`` (of this host) runs and, where ``/proc`` tells, holds
    ``path`` open: a zombie or a PID reused by another program does not count."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        target = os.path.realpath(path)
        return any(os.path.realpath(fd) == target for fd in Path(f"/proc/{pid}/fd").iterdir())
    except (ProcessLookupError, OverflowError):
        return False
    except (OSError, IndexError):  # not allowed to look, or no /proc: assume it writes
        return True


def clean_temporaries(path) -> list[Path]:
    """Remove the temporaries a killed writer left next to run file ``path``
    (``.NAME.new-PID.tmp`` of a run killed before its first snapshot,
    ``.NAME.recover-PID.tmp`` of a killed recovery), logging each; returns them.

    Raises :class:`ConfigError` when a live process still writes one (another run or
    recovery of the same file is under way)."""
    path = Path(path).absolute()
    pattern = re.compile(rf"\.{re.escape(path.name)}\.([a-z]+)-(\d+)\.tmp")
    removed = []
    for tmp in sorted(path.parent.glob(f".{glob.escape(path.name)}.*-*.tmp")):
        found = pattern.fullmatch(tmp.name)
        if not found:
            continue
        purpose, pid = found.group(1), int(found.group(2))
        if _writes(pid, tmp):
            raise ConfigError(f"output {str(path)!r}: process {pid} is writing it (its "
                              f"temporary {tmp.name!r} exists, a {purpose!r} file); allowed: "
                              f"one writer per run file; fix: wait for that process, or stop "
                              f"it, or choose another output path")
        try:
            tmp.unlink()
        except OSError as exc:
            log.warning("%s: cannot remove the stale temporary %s (%s)", path, tmp.name,
                        exc.strerror)
            continue
        removed.append(tmp)
        log.warning("%s: removed %s, left by process %d, which no longer runs (%s)", path,
                    tmp.name, pid, "a run killed before its first snapshot"
                    if purpose == "new" else f"a killed {purpose}")
    return removed


def check_output(path, overwrite: bool, config: RunConfig | None = None) -> Path:
    """Refuse an output path that exists (without ``overwrite``), is being written by a
    live process (even with ``overwrite``), is one of the inputs of ``config``
    (:meth:`RunConfig.inputs`), is a directory, or lies in a directory that cannot be written.
    Removes the stale temporaries of killed writers of the same path
    (:func:`clean_temporaries`, logged); touches nothing else."""
    path = Path(path).absolute()
    if path.is_dir():
        raise ConfigError(f"output {str(path)!r} is a directory; fix: give a file path "
                          f"such as {str(path / 'run.h5')!r}")
    for source, what in (config.inputs() if config is not None else {}).items():
        if _same_file(path, source):
            raise ConfigError(f"output {str(path)!r} is {what} of this run; allowed: an "
                              f"output that is none of its inputs; fix: choose another output "
                              f"path (a new .h5 file)")
    if path.exists() and not overwrite:
        raise ConfigError(f"output {str(path)!r} exists; fix: pass --overwrite (or "
                          f"overwrite=True) to replace it, or choose another output path")
    if path.is_file():
        try:
            info = io.read_info(path, with_checkpoint=False)
        except (ConfigError, OSError):  # not a run file: --overwrite replaces it
            info = None
        if info is not None and info.writer_alive():
            raise ConfigError(f"output {str(path)!r} is being written by process "
                              f"{info.writer[1]}; allowed: --overwrite of a run no live "
                              f"process writes; fix: wait for it to finish, or stop it, or "
                              f"choose another output path")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"output {str(path)!r}: {str(parent)!r} is not a directory; fix: "
                          f"choose another output path")
    try:  # the only reliable test (permissions, read-only mounts, quotas of inodes)
        fd, probe = tempfile.mkstemp(prefix=".pde-meta-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"output directory {str(parent)!r} is not writable "
                          f"({exc.strerror}); fix: choose another output path") from None
    clean_temporaries(path)
    return path
