"""The cost of the phenotype and vessel fields: one step with every group on against the
five-field step, side by side in one run; and the angiogenesis config to its end.

Usage::

    python -m benchmarks.vessels [--n 256 1024] [--threads 1 2] [--rounds 3] [--config]

For each grid size and thread count, the same tumour is stepped (automatic step) in
four set-ups: the five fields alone (both groups off: the invasion model as it was), the
two phenotypes on, the vessels on, and everything on (two phenotypes, TAF, sprout tips,
blood and lymph vessels). The set-ups alternate round by round, so that a drift of a
shared machine hits them all; the best round of each is reported as cell-updates per
second and as the ratio of its step time to the five-field step. ``--config`` also times
``configs/angiogenesis.toml`` from start to end (``pde-meta run``'s library call, output
included) as shipped (sprout tips in substeps), with every field at one rate
(``sprout_substeps = 1``) and with the first-order step at one rate, alternated.
"""

from __future__ import annotations

import argparse
import json
import time as time_module
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SETUPS = ("five fields", "phenotypes", "vessels", "everything")


def state_and_parameters(n: int, setup: str):
    """The Anderson (2005) tumour, with epithelial cells and/or vessels added."""
    import pde_meta as pm

    state = pm.initial.anderson2005(n)
    grid = state.grid
    p = {}
    if setup in ("phenotypes", "everything"):
        state.epithelial[...] = 0.5 * state.tumor
        p.update(epithelial_growth_rate=0.5, growth_rate=0.3, emt_signal_rate=0.3,
                 met_rate=0.05)
    if setup in ("vessels", "everything"):
        vessel = pm.initial.vessel_line(grid, (0.1, 0.0), (0.1, 1.0), 0.02)
        state.blood[...] = vessel
        state.vessel_wall[...] = vessel
        state.lymph[...] = pm.initial.vessel_line(grid, (0.0, 0.9), (1.0, 0.9), 0.02)
        state.taf[...] = 0.5 * state.tumor
        state.sprouts[...] = 0.1 * vessel
        p.update(taf_secretion=5.0, lymphangiogenesis_rate=0.5)
    return state, pm.Parameters(**p)


def throughput(n: int, threads: int, setup: str, steps: int) -> float:
    """Cell-updates per second of ``steps`` steps (best of three)."""
    import pde_meta as pm

    state, params = state_and_parameters(n, setup)
    # the first-order step E, the unit of cost (the default scheme takes three per step),
    # every field at one rate (the tips' substeps would make a step longer and dearer)
    stepper = pm.Stepper(state, params, threads=threads, scheme="euler", sprout_substeps=1)
    stepper.advance(1e9, max_steps=3)
    best = float("inf")
    for _ in range(3):
        start = time_module.perf_counter()
        stepper.advance(1e9, max_steps=steps)
        best = min(best, time_module.perf_counter() - start)
    return n * n * steps / best


def angiogenesis_seconds(**time) -> tuple[float, int]:
    """Wall time of configs/angiogenesis.toml from start to end, file output included, with
    the ``[time]`` keys ``time``; and its steps."""
    import tempfile

    from pde_meta.config import load_config
    from pde_meta.runner.run import simulate

    config = load_config(HERE / "configs" / "angiogenesis.toml", changes={"time": time})
    with tempfile.TemporaryDirectory() as tmp:
        start = time_module.perf_counter()
        result = simulate(config, output=Path(tmp) / "a.h5", progress="none")
        return time_module.perf_counter() - start, result.steps


#: the angiogenesis config's set-ups: the default (sprout tips in substeps), every field
#: at one rate, and the first-order step at one rate (as before the second-order default)
CONFIG_SETUPS = {"default": {}, "sprout_substeps = 1": {"sprout_substeps": 1},
                 "euler, sprout_substeps = 1": {"scheme": "euler", "sprout_substeps": 1}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--config", action="store_true")
    args = ap.parse_args(argv)
    throughput(32, 1, "everything", 2)  # compile before timing
    results = {}
    for n in args.n:
        steps = max(5, int(2e7 / (n * n)))
        for threads in args.threads:
            best = {s: 0.0 for s in SETUPS}
            for _ in range(args.rounds):
                for s in SETUPS:
                    best[s] = max(best[s], throughput(n, threads, s, steps))
            key = f"N={n}, {threads} thread{'s' if threads > 1 else ''}"
            results[key] = {s: {"cell_updates_per_s": round(best[s]),
                                "step_time_ratio": round(best["five fields"] / best[s], 3)}
                            for s in SETUPS}
            print(key, json.dumps(results[key]), flush=True)
    if args.config:
        angiogenesis_seconds(t_end=0.1)  # compile both schemes before timing
        angiogenesis_seconds(t_end=0.1, scheme="euler")
        best = {k: (float("inf"), 0) for k in CONFIG_SETUPS}
        for _ in range(args.rounds):  # alternated, best of the rounds
            for k, changes in CONFIG_SETUPS.items():
                best[k] = min(best[k], angiogenesis_seconds(**changes))
        results["angiogenesis.toml"] = {k: {"seconds": round(v[0], 2), "steps": v[1]}
                                        for k, v in best.items()}
        print("angiogenesis.toml:", json.dumps(results["angiogenesis.toml"]))
    return results


if __name__ == "__main__":
    main()
