"""Two checkouts of pde-meta side by side in one run: compile time and step throughput.

Usage::

    python -m benchmarks.before_after OTHER_CHECKOUT [--n 256 1024] [--rounds 3]

Runs each measurement in a fresh interpreter with ``PYTHONPATH`` set to one checkout or
the other, alternating A, B, A, B, ... so that a drift of a shared machine hits both, and
reports the best of the rounds and the ratio this/other. Measured:

* cold compile: import plus the first two steps with an empty numba cache;
* cached compile: the same again with the cache the cold run filled;
* step throughput: cell-updates per second of the Anderson 2005 problem at each ``--n``,
  on 1 and 2 threads (``Stepper.advance`` with ``max_steps``, after a warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

COMPILE = """
import time
start = time.perf_counter()
import pde_meta as pm
pm.Stepper(pm.initial.anderson2005(32), pm.Parameters()).advance(1.0, max_steps=2)
print(time.perf_counter() - start)
"""

THROUGHPUT = """
import sys, time
import pde_meta as pm
n, threads, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
# the first-order step in both checkouts (older ones have no other scheme)
first_order = ({"scheme": "euler"} if "scheme" in pm.Stepper.__init__.__kwdefaults__
               else {})
stepper = pm.Stepper(pm.initial.anderson2005(n), pm.Parameters(), threads=threads,
                     **first_order)
stepper.advance(10.0, max_steps=5)
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    stepper.advance(10.0, max_steps=steps)
    best = min(best, time.perf_counter() - start)
print(n * n * steps / best)
"""


def _run(checkout: Path, code: str, *args, env=None) -> float:
    env = dict(os.environ if env is None else env, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                         capture_output=True, text=True, check=True, cwd=checkout)
    return float(out.stdout.strip().splitlines()[-1])


def measure(checkout: Path, sizes, rounds_index: int) -> dict:
    out = {}
    with tempfile.TemporaryDirectory(prefix="pde-meta-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out["compile_cold_s"] = _run(checkout, COMPILE, env=env)
        out["compile_cached_s"] = _run(checkout, COMPILE, env=env)
        for n in sizes:
            steps = max(20, int(4e7 / (n * n)))
            for threads in (1, 2):
                out[f"cell_updates_per_s_n{n}_t{threads}"] = _run(
                    checkout, THROUGHPUT, n, threads, steps, env=env)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (its root folder)")
    parser.add_argument("--n", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    checkouts = {"this": HERE, "other": args.other.resolve()}
    runs = {k: [] for k in checkouts}
    for r in range(args.rounds):
        for label, path in checkouts.items():
            runs[label].append(measure(path, args.n, r))
            print(f"round {r + 1}, {label}: {json.dumps(runs[label][-1])}", file=sys.stderr)
    best = {}
    for label, rows in runs.items():
        best[label] = {k: (min if k.startswith("compile") else max)(row[k] for row in rows)
                       for k in rows[0]}
    print(f"{'measure':36s} {'this':>12s} {'other':>12s} {'this/other':>10s}")
    for key in best["this"]:
        a, b = best["this"][key], best["other"][key]
        print(f"{key:36s} {a:12.4g} {b:12.4g} {a / b:10.3f}")
    if args.json:
        args.json.write_text(json.dumps({"best": best, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
