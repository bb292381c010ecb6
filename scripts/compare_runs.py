"""Compare two sets of run files bit for bit: every field of every snapshot, every
diagnostic the two have in common, and the snapshot times.

Usage::

    python scripts/compare_runs.py OLD_DIR NEW_DIR

Each ``*.h5`` of OLD_DIR is compared with the file of the same name in NEW_DIR (either
layout of the run file). Wall-clock diagnostics are skipped. Exits 1 on any difference.
"""

import sys
from pathlib import Path

import numpy as np

import pde_meta as pm

SKIP = {"wall_seconds"}


def compare(old: Path, new: Path) -> list[str]:
    a, b = pm.open_run(old), pm.open_run(new)
    problems = []
    if not np.array_equal(a.time.values, b.time.values):
        problems.append("snapshot times differ")
    for name in a.data_vars:
        if name in SKIP:
            continue
        if name not in b:
            problems.append(f"{name}: missing")
        elif not np.array_equal(a[name].values, b[name].values, equal_nan=True):
            problems.append(f"{name}: differs")
    return problems


def main(old_dir: str, new_dir: str) -> int:
    bad = 0
    for old in sorted(Path(old_dir).glob("*.h5")):
        new = Path(new_dir) / old.name
        problems = compare(old, new) if new.exists() else ["no such file"]
        print(f"{old.name}: {'identical' if not problems else '; '.join(problems)}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
