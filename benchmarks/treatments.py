"""The cost of treatments: what a treatment adds to a cascade's wall time, and a trial of
two arms with replicates on the local dask cluster.

Usage::

    python -m benchmarks.treatments [--rounds 3] [--replicates 20] [--workers 2]

1. ``configs/cascade.toml`` to its end with one thread, with and without a metastasis
   suppressor (a constant level acting on the circulation's extravasation and the organs'
   reactivation), alternating round by round; the best round of each and their ratio.
2. ``configs/chemo_penetration.toml`` the same way, with and without its drug on the
   tissue grid.
3. ``configs/suppressor.toml`` as a sweep: two arms (level 0 and 2) x ``--replicates``
   seeds on a local dask cluster of ``--workers`` processes; its wall time, and the
   paired difference of the macrometastases (``pde_meta.sweep.compare_arms``).

Results go to ``benchmarks/results/treatments.md`` (and ``.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]
RESULTS = HERE / "benchmarks" / "results"

SUPPRESSOR = """
[[treatments]]
name = "suppressor"
pk = "constant"
level = 2.0
[[treatments.effects]]
target = "circulation.extravasation"
emax = 0.8
[[treatments.effects]]
target = "organs.reactivation"
emax = 0.9
"""


def side_by_side(treated, rounds: int) -> dict:
    """``treated`` and the same config without its treatments, alternating round by
    round with one thread: the best wall time of each, their ratio, and the steps."""
    import pde_meta as pm

    plain = replace(treated, treatments=())
    best = {"treated": np.inf, "plain": np.inf}
    steps = {}
    with tempfile.TemporaryDirectory() as tmp:
        pm.simulate(plain.with_t_end(0.05), output=Path(tmp) / "warm.h5", progress="none")
        for k in range(rounds):
            order = [("treated", treated), ("plain", plain)]
            for name, c in order if k % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                result = pm.simulate(c, output=Path(tmp) / f"{name}.h5", overwrite=True,
                                     progress="none", threads=1)
                best[name] = min(best[name], time.perf_counter() - start)
                steps[name] = result.step
    return {"treated_s": best["treated"], "plain_s": best["plain"],
            "ratio": best["treated"] / best["plain"], "treated_steps": steps["treated"],
            "plain_steps": steps["plain"]}


def cascade(rounds: int) -> dict:
    import pde_meta as pm

    text = (HERE / "configs" / "cascade.toml").read_text()
    return side_by_side(pm.loads_config(text + SUPPRESSOR, base_dir=HERE / "configs",
                                        name="cascade"), rounds)


def tissue(rounds: int) -> dict:
    """The shipped drug step (0.01), and steps five and ten times longer."""
    import pde_meta as pm

    path = HERE / "configs" / "chemo_penetration.toml"
    text = path.read_text()
    out = {}
    for step in ("0.01", "0.05", "0.1"):
        config = pm.loads_config(text.replace("tissue_step = 0.01", f"tissue_step = {step}"),
                                 base_dir=path.parent, name="chemo_penetration")
        out[step] = side_by_side(config, rounds)
    return out


def trial(replicates: int, workers: int) -> dict:
    from pde_meta import sweep

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trial.toml"
        path.write_text(f'base = "{HERE / "configs" / "suppressor.toml"}"\noutput = "out"\n'
                        f'replicates = {replicates}\n[vary]\n"treatments[0].level" = '
                        f'[0.0, 2.0]\n')
        start = time.perf_counter()
        result = sweep.run_sweep(sweep.load_sweep(path), workers=workers, progress="none")
        wall = time.perf_counter() - start
        table = sweep.open_sweep(Path(tmp) / "out")
    table["organs.macrometastases"] = sum(table[f"organs.{o}_macrometastases"]
                                          for o in ("lung", "liver", "bone"))
    diff = sweep.compare_arms(table, "treatments[0].level",
                              metrics=["organs.macrometastases", "primary.primary_cells"])
    row = diff.set_index("metric").loc["organs.macrometastases"]
    return {"wall_s": wall, "members": 2 * replicates, "ok": bool(result.ok),
            "untreated": float(row["first"]), "treated": float(row["second"]),
            "difference": float(row["difference"]), "low": float(row["low"]),
            "high": float(row["high"])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--output", type=Path, default=RESULTS / "treatments.md")
    args = ap.parse_args(argv)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, load "
               f"{os.getloadavg()[0]:.2f}")
    c = cascade(args.rounds)
    d = tissue(args.rounds)
    t = trial(args.replicates, args.workers)
    lines = ["# The cost of treatments", "",
             f"`python -m benchmarks.treatments --replicates {args.replicates} --workers "
             f"{args.workers}` ({machine}; best of {args.rounds} rounds).", "",
             "## A treatment in `configs/cascade.toml`", "",
             "A metastasis suppressor (a constant level; Hill effects on the "
             "circulation's extravasation and the organs' reactivation), one thread:", "",
             "| with the treatment s | without s | ratio |", "|---|---|---|",
             f"| {c['treated_s']:.2f} | {c['plain_s']:.2f} | {c['ratio']:.3f} |", "",
             "## A drug on a tissue grid: `configs/chemo_penetration.toml`", "",
             "The drug's level on the 201 x 201 grid and its killing at every step of its "
             "lattice (`tissue_step`; the lattice also cuts the tissue's steps there), "
             "against the same tissue untreated (`vessels.toml`), one thread:", "",
             "| tissue_step | with the drug s (steps) | without s (steps) | ratio |",
             "|---|---|---|---|",
             *(f"| {k} | {x['treated_s']:.2f} ({x['treated_steps']}) | {x['plain_s']:.2f} "
               f"({x['plain_steps']}) | {x['ratio']:.3f} |" for k, x in d.items()), "",
             "## A trial on dask: `configs/suppressor.toml`", "",
             f"Two arms (level 0 and 2) x {args.replicates} replicates (the same seeds in "
             f"both), {args.workers} worker processes:", "",
             "| members | wall s | macrometastases by day 365, untreated | treated | "
             "paired difference (95 %) |", "|---|---|---|---|---|",
             f"| {t['members']} | {t['wall_s']:.1f} | {t['untreated']:.1f} | "
             f"{t['treated']:.1f} | {t['difference']:.1f} ({t['low']:.1f}, "
             f"{t['high']:.1f}) |", ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    args.output.with_suffix(".json").write_text(json.dumps(
        {"machine": machine, "cascade": c, "tissue": d, "trial": t}, indent=2))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
