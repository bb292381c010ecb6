"""Time the peers at one grid size and extrapolate to a target end time.

Every run is short: batches of a few steps for NumPy and of a few hundred for py-pde's
compiled stepper (compiled once, before timing); the per-step figure is the best batch
and the time to reach ``--t-target`` is ``seconds_per_step * ceil(t_target / dt)``.
The 1-minute load average is printed with each line: the timings are only meaningful
when nothing else is competing for the cores.

    python -m benchmarks.peers.bench_peers --N 256
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

from . import numpy_explicit
from .common import stable_dt


def _line(name: str, res: dict, t_target: float, **extra) -> str:
    steps_target = math.ceil(t_target / res["dt"])
    out = {
        "peer": name,
        "dt": res["dt"],
        "seconds_per_step": res["seconds_per_step"],
        "median_seconds_per_step": res.get("median_seconds_per_step"),
        "steps_to_target": steps_target,
        "extrapolated_s_to_target": res["seconds_per_step"] * steps_target,
        **extra,
        "loadavg_1min": os.getloadavg()[0],
    }
    return json.dumps(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the peer implementations.")
    parser.add_argument("--N", type=int, default=256)
    parser.add_argument("--t-target", type=float, default=10.0)
    parser.add_argument("--numpy-steps", type=int, default=10, help="steps per NumPy batch")
    parser.add_argument("--pypde-steps", type=int, default=200, help="steps per py-pde batch")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, nargs="*", default=None, help="numba thread counts for py-pde"
    )
    parser.add_argument("--skip-pypde", action="store_true")
    args = parser.parse_args(argv)

    dt = stable_dt(args.N)
    print(json.dumps({"N": args.N, "stable_dt": dt, "t_target": args.t_target}))
    for taxis in numpy_explicit.TAXIS_SCHEMES:
        solver = numpy_explicit.NumpyExplicit(args.N, taxis=taxis)
        solver.run(3 * dt, dt=dt)  # warm-up: allocator, caches
        per_step = [
            solver.run(args.numpy_steps * dt, dt=dt)["seconds_per_step"]
            for _ in range(args.batches)
        ]
        res = {
            "dt": dt,
            "seconds_per_step": min(per_step),
            "median_seconds_per_step": float(np.median(per_step)),
        }
        print(_line(f"numpy[{taxis}]", res, args.t_target))

    if not args.skip_pypde:
        import numba as nb

        from . import pypde_model

        for k in args.threads or [nb.get_num_threads()]:
            res = pypde_model.time_stepper(
                args.N, steps=args.pypde_steps, batches=args.batches, dt=dt, n_threads=k
            )
            extra = {k2: res[k2] for k2 in ("n_threads", "compile_time", "pde_version")}
            print(_line("py-pde[numba]", res, args.t_target, **extra))


if __name__ == "__main__":
    main()
