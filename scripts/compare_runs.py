"""Compare two sets of run files bit for bit: every field of every snapshot, every
diagnostic the two have in common, and the snapshot times.

Usage::

    python scripts/compare_runs.py OLD_DIR NEW_DIR [--except PREFIX ...]

Each ``*.h5`` of OLD_DIR is compared with the file of the same name in NEW_DIR (either
layout of the run file). Wall-clock diagnostics are skipped, and so are the variables
whose names start with one of the ``--except`` prefixes (e.g. metrics whose definition
changed on purpose). Exits 1 on any difference.
"""

import sys
from pathlib import Path

import numpy as np

import pde_meta as pm

SKIP = {"wall_seconds"}


def compare(old: Path, new: Path, skip=()) -> list[str]:
    """The differences of every compartment of the two runs (named when there are several)."""
    names = list(pm.read_info(old, with_checkpoint=False).compartments)
    if len(names) == 1:
        return compare_compartment(old, new, None, skip)
    return [f"{name}: {p}" for name in names
            for p in compare_compartment(old, new, name, skip)]


def compare_compartment(old: Path, new: Path, compartment, skip=()) -> list[str]:
    a = pm.open_run(old, compartment=compartment)
    b = pm.open_run(new, compartment=compartment)
    problems = []
    if not np.array_equal(a.time.values, b.time.values):
        problems.append("snapshot times differ")
    for name in a.data_vars:
        if name in SKIP or name.startswith(tuple(skip)):
            continue
        if name not in b:
            problems.append(f"{name}: missing")
        elif not np.array_equal(a[name].values, b[name].values, equal_nan=True):
            problems.append(f"{name}: differs")
    return problems


def main(argv) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="compare run files bit for bit")
    parser.add_argument("old_dir")
    parser.add_argument("new_dir")
    parser.add_argument("--except", dest="skip", nargs="*", default=(), metavar="PREFIX")
    args = parser.parse_args(argv)
    bad = 0
    for old in sorted(Path(args.old_dir).glob("*.h5")):
        new = Path(args.new_dir) / old.name
        problems = compare(old, new, args.skip) if new.exists() else ["no such file"]
        print(f"{old.name}: {'identical' if not problems else '; '.join(problems)}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
