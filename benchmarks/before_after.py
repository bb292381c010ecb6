"""Two checkouts of pde-meta side by side in one run: compile time and step throughput.

Usage::

    python -m benchmarks.before_after OTHER_CHECKOUT [--n 256 1024] [--rounds 3]
        [--throughput-only] [--threads 1 2]

Runs each measurement in a fresh interpreter with ``PYTHONPATH`` set to one checkout or
the other, alternating A, B, A, B, ... so that a drift of a shared machine hits both, and
reports the best of the rounds, the ratio this/other of the bests, and the median of the
ratios of the rounds' pairs (each measured next to the other). Measured:

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
clock = time.perf_counter
n, threads, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
# the first-order step in both checkouts (older ones have no other scheme)
first_order = ({"scheme": "euler"} if "scheme" in pm.Stepper.__init__.__kwdefaults__
               else {})
stepper = pm.Stepper(pm.initial.anderson2005(n), pm.Parameters(), threads=threads,
                     **first_order)
stepper.advance(10.0, max_steps=5)
best = float("inf")
for _ in range(5):
    start = clock()
    stepper.advance(10.0, max_steps=steps)
    best = min(best, clock() - start)
print(n * n * steps / best)
"""


def _run(checkout: Path, code: str, *args, env=None) -> float:
    env = dict(os.environ if env is None else env, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                         capture_output=True, text=True, check=True, cwd=checkout)
    return float(out.stdout.strip().splitlines()[-1])


def measure(checkout: Path, sizes, rounds_index: int, cache: str | None = None,
            threads=(1, 2)) -> dict:
    """One round of one checkout: compile times (with a fresh numba cache) and the step
    throughputs; with ``cache`` (a warm cache folder of this checkout) throughputs only."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="pde-meta-cache-") as fresh:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache or fresh)
        if cache is None:
            out["compile_cold_s"] = _run(checkout, COMPILE, env=env)
            out["compile_cached_s"] = _run(checkout, COMPILE, env=env)
        for n in sizes:
            steps = max(20, int(4e7 / (n * n)))
            for t in threads:
                out[f"cell_updates_per_s_n{n}_t{t}"] = _run(
                    checkout, THROUGHPUT, n, t, steps, env=env)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (its root folder)")
    parser.add_argument("--n", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--throughput-only", action="store_true",
                        help="no compile times: each checkout compiles once into its own "
                        "cache, then only the step throughputs are measured (more rounds "
                        "in the same time)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    checkouts = {"this": HERE, "other": args.other.resolve()}
    runs = {k: [] for k in checkouts}
    with tempfile.TemporaryDirectory(prefix="pde-meta-warm-") as warm:
        caches = {k: None for k in checkouts}
        if args.throughput_only:
            for label, path in checkouts.items():
                caches[label] = str(Path(warm) / label)
                _run(path, COMPILE, env=dict(os.environ, NUMBA_CACHE_DIR=caches[label]))
        for r in range(args.rounds):
            for label, path in checkouts.items():
                runs[label].append(measure(path, args.n, r, caches[label], args.threads))
                print(f"round {r + 1}, {label}: {json.dumps(runs[label][-1])}",
                      file=sys.stderr)
    best = {}
    for label, rows in runs.items():
        best[label] = {k: (min if k.startswith("compile") else max)(row[k] for row in rows)
                       for k in rows[0]}
    # the ratio of each round's pair (measured next to each other), and their median
    paired = {k: sorted(a[k] / b[k] for a, b in zip(runs["this"], runs["other"],
                                                   strict=True)) for k in best["this"]}
    print(f"{'measure':36s} {'this':>12s} {'other':>12s} {'best/best':>10s} "
          f"{'median of pairs':>16s}")
    for key in best["this"]:
        a, b = best["this"][key], best["other"][key]
        pairs = paired[key]
        print(f"{key:36s} {a:12.4g} {b:12.4g} {a / b:10.3f} "
              f"{pairs[len(pairs) // 2]:16.3f}")
    if args.json:
        args.json.write_text(json.dumps({"best": best, "runs": runs, "paired": paired},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
