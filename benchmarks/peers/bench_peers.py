"""Time the peers at one grid size and extrapolate to a target end time.

Every run is short: a few steps for NumPy, a few hundred for py-pde (after its one-off
compilation); the time to reach ``--t-target`` is ``seconds_per_step * t_target / dt``.

    python -m benchmarks.peers.bench_peers --N 256
"""

from __future__ import annotations

import argparse
import json
import math

from . import numpy_explicit
from .common import stable_dt


def _summary(name: str, res: dict, t_target: float) -> dict:
    steps_target = math.ceil(t_target / res["dt"])
    out = {
        "peer": name,
        "steps": res["steps"],
        "dt": res["dt"],
        "seconds_per_step": res["seconds_per_step"],
        "steps_to_target": steps_target,
        "extrapolated_s_to_target": res["seconds_per_step"] * steps_target,
    }
    for key in ("compile_time", "first_call_time", "backend", "pde_version"):
        if key in res:
            out[key] = res[key]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the peer implementations.")
    parser.add_argument("--N", type=int, default=256)
    parser.add_argument("--t-target", type=float, default=10.0)
    parser.add_argument("--numpy-steps", type=int, default=20)
    parser.add_argument("--pypde-steps", type=int, default=200)
    parser.add_argument("--skip-pypde", action="store_true")
    args = parser.parse_args(argv)

    dt = stable_dt(args.N)
    print(json.dumps({"N": args.N, "stable_dt": dt, "t_target": args.t_target}))
    for taxis in numpy_explicit.TAXIS_SCHEMES:
        solver = numpy_explicit.NumpyExplicit(args.N, taxis=taxis)
        solver.run(3 * dt, dt=dt)  # warm-up: allocator, caches
        res = solver.run(args.numpy_steps * dt, dt=dt)
        print(json.dumps(_summary(f"numpy[{taxis}]", res, args.t_target)))

    if not args.skip_pypde:
        from . import pypde_model

        res = pypde_model.run(args.N, args.pypde_steps * dt, dt=dt)
        print(json.dumps(_summary("py-pde[numba]", res, args.t_target)))


if __name__ == "__main__":
    main()
