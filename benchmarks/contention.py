"""Speed next to other work: a run with one competing CPU-bound process on the machine.

Usage::

    python -m benchmarks.contention [--n 256] [--t-end 10] [--rounds 2]

Runs the Anderson 2005 problem (``pm.simulate`` of ``configs/anderson2005.toml`` at grid
``--n``) with the automatic thread count, on one thread and on every thread, first on the
machine as it is, then with a busy-loop process that this script starts (and stops), and
reports the stepping seconds of each and the ratios that matter: automatic against one
thread when the machine is busy (the requirement: at most 1.3), and automatic against all
threads when it is quiet (about 1). The rounds alternate the three settings; the best of
each is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba

import pde_meta as pm

ROOT = Path(__file__).resolve().parents[1]
#: the requirement: a run next to one competing process is at most this much slower than
#: the single-thread run of the same config
BUSY_LIMIT = 1.3


def _stepping(config, threads: int | None, folder: Path) -> float:
    result = pm.simulate(config, output=folder / f"run-{threads}.h5", overwrite=True,
                         progress="none", threads=threads)
    return result.wall_seconds


def measure(n: int = 256, t_end: float = 10.0, rounds: int = 2) -> dict:
    """Stepping seconds of the automatic, one-thread and all-thread runs, quiet and busy."""
    config = pm.load_config(ROOT / "configs" / "anderson2005.toml",
                            changes={"grid": {"shape": [n, n]}, "time": {"t_end": t_end}})
    most = numba.config.NUMBA_NUM_THREADS
    settings = {"automatic": None, "1 thread": 1, f"{most} threads": most}
    out: dict = {"n": n, "t_end": t_end, "threads": most}
    with tempfile.TemporaryDirectory(prefix="pde-meta-contention-") as tmp:
        folder = Path(tmp)
        _stepping(config, 1, folder)  # load the kernels
        for load in ("quiet", "busy"):
            hog = None
            if load == "busy":
                hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                time.sleep(0.5)
            try:
                best = {name: float("inf") for name in settings}
                for _ in range(rounds):
                    for name, threads in settings.items():
                        best[name] = min(best[name], _stepping(config, threads, folder))
                out[load] = {**best, "loadavg_1min": os.getloadavg()[0]}
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
    out["busy_automatic_over_1_thread"] = out["busy"]["automatic"] / out["busy"]["1 thread"]
    out["quiet_automatic_over_all_threads"] = (out["quiet"]["automatic"]
                                               / out["quiet"][f"{most} threads"])
    out["busy_all_threads_over_1_thread"] = (out["busy"][f"{most} threads"]
                                             / out["busy"]["1 thread"])
    return out


def markdown(res: dict) -> str:
    """The contention section of the benchmark report."""
    most = f"{res['threads']} threads"
    rows = ["| machine | automatic | 1 thread | " + most + " | load (1 min) |",
            "|---|---|---|---|---|"]
    for load in ("quiet", "busy"):
        r = res[load]
        rows.append(f"| {load} | {r['automatic']:.2f} s | {r['1 thread']:.2f} s | "
                    f"{r[most]:.2f} s | {r['loadavg_1min']:.2f} |")
    met = res["busy_automatic_over_1_thread"] <= BUSY_LIMIT
    return "\n".join([
        f"Anderson 2005 at N = {res['n']} to t = {res['t_end']:g}, stepping seconds; busy: "
        "one busy-loop process started by the benchmark (`python -m benchmarks.contention`).",
        "", *rows, "",
        f"Busy, automatic / 1 thread: **{res['busy_automatic_over_1_thread']:.2f}** (required "
        f"<= {BUSY_LIMIT}: {'met' if met else 'NOT met'}); all threads / 1 thread: "
        f"{res['busy_all_threads_over_1_thread']:.2f}. Quiet, automatic / all threads: "
        f"{res['quiet_automatic_over_all_threads']:.2f}.", ""])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.contention",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--t-end", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    res = measure(args.n, args.t_end, args.rounds)
    print(markdown(res))
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
