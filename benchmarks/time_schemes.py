"""Error against cost of the two time schemes, ``euler`` and ``richardson``.

Usage::

    python -m benchmarks.time_schemes [--cases 256:10 1024:0.05] [--threads 1]

For each case ``N:T``, the Anderson 2005 problem on N x N to ``t = T``: a reference run
(``richardson`` with a sixteenth of the default safety factor), then each scheme at the
default automatic step and at safety factors 2, 4 and 8 times smaller (one thread); for
each the relative L2 error of the tumour field against the reference and the wall time.
Then the accuracy check of the default settings: at N = 256, t = 1, each scheme's time
error (against itself at an eighth of the step) and the grid's error (``richardson`` on
512 x 512, averaged onto the 256 grid), unless ``--no-check``.

Results go to ``benchmarks/results/time_schemes.md`` (and ``.json``), the curves to
``time_schemes.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]
RESULTS = HERE / "benchmarks" / "results"
SAFETY = 0.9
SCHEMES = {"euler": (1, 2, 4, 8), "richardson": (1, 2, 4)}


def solve(n: int, t_end: float, scheme: str, safety: float, threads: int):
    """The tumour at ``t_end``, the wall time and the steps."""
    from pde_meta import Stepper, initial
    from pde_meta.models.invasion.parameters import Parameters

    stepper = Stepper(initial.anderson2005(n), Parameters(), scheme=scheme, safety=safety,
                      threads=threads)
    start = time.perf_counter()
    stepper.advance(t_end)
    return stepper.state.tumor.copy(), time.perf_counter() - start, stepper.state.step


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def curve(n: int, t_end: float, threads: int) -> dict:
    solve(16, 0.01, "richardson", SAFETY, threads)  # load the compiled kernels
    ref = solve(n, t_end, "richardson", SAFETY / 16, threads)[0]
    out: dict = {}
    for scheme, factors in SCHEMES.items():
        rows = []
        for f in factors:
            u, wall, steps = solve(n, t_end, scheme, SAFETY / f, threads)
            rows.append({"safety": SAFETY / f, "error": relative(u, ref), "wall_s": wall,
                         "steps": steps,
                         "cell_updates_per_s": steps * n * n / wall})
        out[scheme] = rows
    return out


def check(threads: int) -> dict:
    """At N = 256, t = 1: each scheme's time error at the default step (against itself
    at an eighth of the step) and the grid's error (the ``richardson`` run at N = 256
    against N = 512, whose time errors are a hundredth of it: a first-order run on 512
    would carry its own time error into the difference)."""
    big = solve(512, 1.0, "richardson", SAFETY, threads)[0]
    coarse = 0.25 * (big[0::2, 0::2] + big[1::2, 0::2] + big[0::2, 1::2] + big[1::2, 1::2])
    space = relative(solve(256, 1.0, "richardson", SAFETY, threads)[0], coarse)
    out = {}
    for scheme in SCHEMES:
        u, wall, steps = solve(256, 1.0, scheme, SAFETY, threads)
        fine = solve(256, 1.0, scheme, SAFETY / 8, threads)[0]
        out[scheme] = {"time_error": relative(u, fine), "space_error": space,
                       "wall_s": wall, "steps": steps}
    return out


def figure(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(4.2 * len(curves), 3.6), layout="constrained")
    axes = fig.subplots(1, len(curves), squeeze=False)[0]
    for ax, (case, schemes) in zip(axes, curves.items(), strict=True):
        for k, (scheme, rows) in enumerate(schemes.items()):
            ax.loglog([r["wall_s"] for r in rows], [r["error"] for r in rows], "o-",
                      color=f"C{k}", label=scheme)
        ax.set_xlabel("wall time [s], one thread")
        ax.set_ylabel("relative L2 error of the tumour")
        ax.set_title(f"Anderson 2005, N x t = {case}")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
        ax.xaxis.set_minor_formatter(NullFormatter())
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", default=["256:10", "1024:0.05"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--output", type=Path, default=RESULTS / "time_schemes.md")
    args = ap.parse_args(argv)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, load "
               f"{os.getloadavg()[0]:.2f}")
    curves = {}
    for case in args.cases:
        n, t_end = case.split(":")
        curves[f"{n} x {t_end}"] = curve(int(n), float(t_end), args.threads)
    accuracy = {} if args.no_check else check(args.threads)
    lines = ["# Time schemes: error against cost", "",
             f"`python -m benchmarks.time_schemes --cases {' '.join(args.cases)}` "
             f"({machine}; {args.threads} thread).", "",
             "The tumour field of Anderson 2005 against a `richardson` run at a sixteenth "
             "of the default safety factor; each scheme at the default automatic step "
             "(safety 0.9) and smaller ones. Figure: `time_schemes.png`.", ""]
    for case, schemes in curves.items():
        lines += [f"## N x t = {case}", "",
                  "| scheme | safety | steps | error | wall s | cell-updates/s |",
                  "|---|---|---|---|---|---|"]
        for scheme, rows in schemes.items():
            lines += [f"| {scheme} | {r['safety']:.4g} | {r['steps']} | {r['error']:.3e} | "
                      f"{r['wall_s']:.2f} | {r['cell_updates_per_s']:.3g} |" for r in rows]
        lines.append("")
    if accuracy:
        lines += ["## The default step at N = 256, t = 1", "",
                  "Time error: against the same scheme at an eighth of the step; the grid's "
                  "error: `richardson` on 256 x 256 against 512 x 512 (2 x 2 averages), "
                  "the same for both.", "",
                  "| scheme | steps | time error | spatial error | ratio | wall s |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {s} | {r['steps']} | {r['time_error']:.3e} | {r['space_error']:.3e} | "
                  f"{r['time_error'] / r['space_error']:.3f} | {r['wall_s']:.2f} |"
                  for s, r in accuracy.items()]
        lines.append("")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    args.output.with_suffix(".json").write_text(json.dumps(
        {"machine": machine, "curves": curves, "accuracy": accuracy}, indent=2))
    figure(curves, args.output.with_suffix(".png"))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
