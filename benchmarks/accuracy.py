"""Error against cost: pde-meta, FiPy and py-pde at equal accuracy on Anderson (2005).

Every contender solves the Anderson (2005) problem (``benchmarks/peers/common.py``) to
``t = 1`` at a few settings (grid N, time step or tolerance). For each run the tumour
field is compared with one fine reference (relative L2, the reference block-averaged
onto the run's grid) and the wall time of the stepping is recorded (compilation and
set-up apart), with the thread count and the load on the machine. Each contender's
Pareto frontier (the settings no cheaper setting beats in error) is its error-vs-time
line; the time a contender needs for a given error is interpolated log-log between the
two frontier settings that bracket it, never extrapolated. The headline is the ratio of
times at equal error.

pde-meta runs with its default time scheme (``richardson``, second order; ``--scheme
euler`` for the first-order step).

Reference: pde-meta's first-order step (``scheme = "euler"``, whatever the contender's
scheme) at N = 512 with its automatic step scaled by 1/2 and by 1/4 (``safety`` and
``reaction_cfl`` scaled together), combined by Richardson extrapolation in time,
``2 u(dt/4) - u(dt/2)``: at N = 512 the time error of the quarter-step field alone
(about 0.2 %) is larger than its spatial error. Its own error is checked in the report
(time: the quarter-step field against the extrapolation; space: the contender's runs at
N = 128 and 256, extrapolated in time by their scheme's order, against it, giving the
observed order and so the reference's spatial error).

Writes ``accuracy.md`` (also printed), ``accuracy.json`` and ``accuracy.png``::

    python -m benchmarks.accuracy            # full run, about 10-15 minutes on 2 cores
    python -m benchmarks.accuracy --quick    # tiny grids, no py-pde (a few seconds)
"""

from __future__ import annotations

import os

# Single-threaded BLAS for the peers' scipy / numpy work (set before numpy loads when run
# as a script): on a shared 2-core host OpenBLAS threads that spin while a core is taken
# made FiPy's steps 5-7x slower; with one thread it is ~20 % slower on an idle machine and
# steady under load. pde-meta's kernels are numba and use no BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

import pde_meta as pm  # noqa: E402

from .run import CpuMeter, _json_default, loadavg, machine, rel_l2, restrict, wait_for_quiet  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
T_END = 1.0
BUSY = 0.2
"""Cores used by other processes above which a measurement is marked as disturbed."""
MIN_METERED = 0.5
"""Seconds below which a run's own share of others' cores is not reported."""

PDE_META = "pde-meta"
FIPY = "FiPy (implicit, van Leer)"
PYPDE = {"euler": "py-pde adaptive Euler", "runge-kutta": "py-pde adaptive RK45"}


@dataclass
class Settings:
    t_end: float = T_END
    ref_n: int = 512
    ref_threads: int = 2
    pdemeta_n: list[int] = field(default_factory=lambda: [64, 128, 256])
    pdemeta_q: list[float] = field(default_factory=lambda: [1.0, 0.5, 0.25, 0.125])
    """Fractions of the automatic step (1 = the default a user gets)."""
    threads: list[int] = field(default_factory=lambda: [1, 2])
    repeats: int = 3
    """Timed runs per pde-meta setting and thread count, in two passes (best kept)."""
    fipy: list[tuple[int, float, int]] = field(default_factory=lambda: [
        (64, 0.1, 1), (64, 0.04, 1),
        (128, 0.08, 1), (128, 0.04, 1), (128, 0.02, 1), (128, 0.01, 1),
        (256, 0.05, 1)])
    """(N, dt, sweeps) of the FiPy runs."""
    pypde: list[tuple[int, str, float]] = field(default_factory=lambda: [
        (64, "euler", 1e-4), (128, "euler", 1e-4),
        (64, "runge-kutta", 1e-4), (128, "runge-kutta", 1e-4)])
    """(N, scheme, tolerance) of the py-pde runs (1e-4 is py-pde's default tolerance)."""
    wait_quiet: float = 60.0
    quick: bool = False
    scheme: str = pm.Stepper.__init__.__kwdefaults__["scheme"]
    """pde-meta's time scheme (the reference is always ``euler``, extrapolated)."""

    @classmethod
    def quick_settings(cls) -> Settings:
        # best of three: single runs of a millisecond can swap order in time
        return cls(ref_n=64, pdemeta_n=[16, 32], pdemeta_q=[1.0, 0.5], repeats=3,
                   fipy=[(16, 0.1, 1), (32, 0.05, 1)], pypde=[], wait_quiet=0.0,
                   quick=True)


# --------------------------------------------------------------------------- helpers


def down(u: np.ndarray, size: int) -> np.ndarray:
    """Block-average a (k N, k N) field, k a power of two, onto the N x N grid."""
    while u.shape[0] > size:
        u = restrict(u)
    if u.shape[0] != size:
        raise ValueError(f"cannot restrict a {u.shape[0]}-grid onto {size}")
    return u


def frontier(points: list[dict]) -> list[dict]:
    """The Pareto frontier of ``points`` (dicts with ``seconds`` and ``err``): sorted by
    time, each point kept only if its error is below that of every cheaper point."""
    out: list[dict] = []
    for p in sorted(points, key=lambda p: (p["seconds"], p["err"])):
        if not out or p["err"] < out[-1]["err"]:
            out.append(p)
    return out


def time_at_error(front: list[dict], err: float) -> float | None:
    """Seconds the frontier needs for ``err``: log-log interpolation between the two
    frontier points whose errors bracket it; ``None`` outside the measured range."""
    pts = sorted(front, key=lambda p: p["seconds"])
    for a, b in zip(pts, pts[1:], strict=False):
        if a["err"] >= err >= b["err"]:
            if a["err"] == b["err"]:
                return a["seconds"]
            w = math.log(a["err"] / err) / math.log(a["err"] / b["err"])
            return math.exp(math.log(a["seconds"]) + w * math.log(b["seconds"] / a["seconds"]))
    if len(pts) == 1 and pts[0]["err"] == err:
        return pts[0]["seconds"]
    if pts and err == pts[-1]["err"]:
        return pts[-1]["seconds"]
    return None


def equal_error_ratios(peer: list[dict], ours: list[dict]) -> list[dict]:
    """At each error on the peer's frontier that ``ours`` covers: peer time / our time."""
    out = []
    for p in frontier(peer):
        t = time_at_error(frontier(ours), p["err"])
        if t is not None:
            out.append({"err": p["err"], "peer_seconds": p["seconds"], "seconds": t,
                        "ratio": p["seconds"] / t, "peer_label": p["label"]})
    return out


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()[0]:.2f}] {msg}", file=sys.stderr,
          flush=True)


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# --------------------------------------------------------------------------- pde-meta


#: the order in time of each scheme (for the extrapolations of the reference's check)
ORDER = {"euler": 1, "richardson": 2}


def pdemeta_run(n: int, q: float, threads: int, t_end: float, scheme: str) -> dict:
    """pde-meta from t = 0 to ``t_end`` at ``q`` times its automatic step."""
    stepper = pm.Stepper(pm.initial.anderson2005(n), pm.Parameters(), threads=threads,
                         safety=0.9 * q, reaction_cfl=0.5 * q, scheme=scheme)
    meter = CpuMeter()
    start = time.perf_counter()
    state = stepper.advance(t_end)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "steps": state.step, "t": state.t, "tumour": state.tumor.copy(),
            "threads": threads, **load_during(meter, seconds)}


def load_during(meter: CpuMeter, seconds: float) -> dict:
    """Other processes' cores during a run; ``None`` for runs too short for ``/proc/stat``'s
    clock-tick resolution (the phase figures cover those)."""
    if seconds < MIN_METERED:
        return {"others_cpu": None, "steal_cpu": None}
    return meter.read()


def reference(s: Settings) -> dict:
    """Richardson extrapolation in time of pde-meta's first-order step at N = ``ref_n``,
    steps 1/2 and 1/4."""
    half = pdemeta_run(s.ref_n, 0.5, s.ref_threads, s.t_end, "euler")
    quarter = pdemeta_run(s.ref_n, 0.25, s.ref_threads, s.t_end, "euler")
    field_ = 2.0 * quarter["tumour"] - half["tumour"]
    return {"N": s.ref_n, "tumour": field_,
            "steps": {"half": half["steps"], "quarter": quarter["steps"]},
            "seconds": half["seconds"] + quarter["seconds"],
            "time_error_quarter": rel_l2(quarter["tumour"], field_),
            "time_error_half": rel_l2(half["tumour"], field_)}


def reference_check(ref: dict, fields: dict[tuple[int, float], np.ndarray],
                    scheme: str) -> dict:
    """Spatial error of the reference from the contender's runs on coarser grids, each
    extrapolated in time by the order of its scheme, ``(2^p u(dt/4) - u(dt/2)) / (2^p -
    1)``."""
    out = {"time_error_quarter": ref["time_error_quarter"]}
    rich = {}
    w = 2.0 ** ORDER[scheme]

    def extrapolated(n, q):
        return (w * fields[(n, q / 2)] - fields[(n, q)]) / (w - 1.0)

    for n in sorted({k[0] for k in fields}):
        if (n, 0.5) in fields and (n, 0.25) in fields:
            rich[n] = extrapolated(n, 0.5)
            out[f"richardson_{n}_vs_ref"] = rel_l2(rich[n], down(ref["tumour"], n))
            if (n, 0.125) in fields:
                finer = extrapolated(n, 0.25)
                out[f"richardson_{n}_time_residual"] = rel_l2(rich[n], finer)
    sizes = sorted(rich)
    if len(sizes) >= 2:
        a, b = sizes[-2], sizes[-1]
        ea, eb = out[f"richardson_{a}_vs_ref"], out[f"richardson_{b}_vs_ref"]
        # e(N) = C N^-p with the reference's own error neglected in the two differences
        p = math.log(ea / eb) / math.log(b / a) if ea > 0 and eb > 0 else math.nan
        out["observed_order"] = p
        ratio = ref["N"] / b
        out["spatial_error_estimate"] = eb / (ratio ** p) if p > 0 else math.nan
    return out


# --------------------------------------------------------------------------- study


def run(s: Settings, command: str) -> dict:
    start = time.perf_counter()
    res: dict = {"settings": asdict(s), "command": command, "machine": machine(),
                 "loadavg": {"start": loadavg()}, "runs": [], "phases": {}}
    res["machine"]["fipy"] = _version("fipy")
    phase: list = [None, None, None]

    def begin(name: str | None) -> None:
        if phase[0] is not None:
            res["phases"][phase[0]] = {**phase[1].read(), "loadavg_1min_start": phase[2],
                                       "loadavg_1min_end": loadavg()[0]}
        phase[:] = [name, CpuMeter(), loadavg()[0]]
        if name:
            _say(name)

    if s.wait_quiet > 0:
        res["waited_for_quiet_s"] = wait_for_quiet(s.wait_quiet)
    threads = [k for k in s.threads if k <= numba.config.NUMBA_NUM_THREADS]
    pdemeta_run(16, 1.0, 1, 0.01, s.scheme)  # load the compiled kernels

    begin("reference")
    ref = reference(s)
    _say(f"reference N={s.ref_n}: {ref['steps']} steps, {ref['seconds']:.1f} s")

    # pde-meta: two passes of alternating settings and thread counts, best time kept
    best: dict[tuple[int, float, int], dict] = {}
    fields: dict[tuple[int, float], np.ndarray] = {}

    def pdemeta_pass(name: str, repeats: int) -> None:
        begin(name)
        for _ in range(repeats):
            for n in s.pdemeta_n:
                for q in s.pdemeta_q:
                    for k in threads:
                        r = pdemeta_run(n, q, k, s.t_end, s.scheme)
                        fields.setdefault((n, q), r.pop("tumour"))
                        r.pop("tumour", None)
                        key = (n, q, k)
                        if key not in best or r["seconds"] < best[key]["seconds"]:
                            r["passes"] = best.get(key, {}).get("passes", 0)
                            best[key] = r
                        best[key]["passes"] = best[key].get("passes", 0) + 1

    first = max(1, (s.repeats + 1) // 2)
    pdemeta_pass("pde-meta (pass 1)", first)

    if s.fipy and available("fipy"):
        from .peers import fipy_model

        begin("FiPy")
        # FiPy's first solve also builds its solver and sparse machinery: an untimed small
        # run first, so that no timed run carries it (the cheapest would look dearest)
        fipy_model.run(8, s.fipy[0][1], s.fipy[0][1])
        for n, dt, sweeps in s.fipy:
            meter = CpuMeter()
            r = fipy_model.run(n, s.t_end, dt, sweeps=sweeps)
            res["runs"].append({
                "contender": FIPY, "label": f"N={n}, dt={r['dt']:.3g}"
                + (f", {sweeps} sweeps" if sweeps > 1 else ""),
                "N": n, "dt": r["dt"], "sweeps": sweeps, "steps": r["steps"],
                "seconds": r["seconds"], "setup_time": r["setup_time"], "threads": 1,
                "err": rel_l2(r["fields"]["n"], down(ref["tumour"], n)),
                **load_during(meter, r["seconds"] + r["setup_time"])})
            _say(f"FiPy N={n} dt={dt}: {r['seconds']:.2f} s, err {res['runs'][-1]['err']:.4f}")
        res["machine"]["fipy_solvers"] = "scipy (PCG for f, m, c; GMRES for n)"
    elif s.fipy:
        res["skipped_fipy"] = "fipy is not installed (pip install -e '.[bench]')"

    if s.pypde and available("pde"):
        from .peers import pypde_model

        begin("py-pde")
        for n, scheme, tol in s.pypde:
            meter = CpuMeter()
            r = pypde_model.adaptive_run(n, s.t_end, scheme=scheme, tolerance=tol, n_threads=1)
            res["runs"].append({
                "contender": PYPDE[scheme], "label": f"N={n}, tol={tol:g}", "N": n,
                "tolerance": tol, "steps": r["steps"], "dt_mean": r["dt_mean"],
                "seconds": r["seconds"], "compile_time": r["compile_time"],
                "threads": r["n_threads"],
                "err": rel_l2(r["fields"]["n"], down(ref["tumour"], n)),
                **load_during(meter, r["seconds"] + r["compile_time"])})
            _say(f"py-pde {scheme} N={n}: {r['steps']} steps, {r['seconds']:.2f} s "
                 f"(+{r['compile_time']:.0f} s compile), err {res['runs'][-1]['err']:.4f}")
        res["machine"]["py-pde"] = pypde_model._require_pde().__version__
    elif s.pypde:
        res["skipped_pypde"] = "py-pde is not installed (pip install -e '.[bench]')"

    if s.repeats - first > 0:
        pdemeta_pass("pde-meta (pass 2)", s.repeats - first)
    begin(None)

    for (n, q, k), r in sorted(best.items()):
        res["runs"].append({
            "contender": f"{PDE_META}, {k} thread" + ("s" if k > 1 else ""),
            "label": f"N={n}" + ("" if q == 1.0 else f", dt/{1 / q:g}"), "N": n, "q": q,
            "auto_dt": q == 1.0, "steps": r["steps"], "seconds": r["seconds"], "threads": k,
            "err": rel_l2(fields[(n, q)], down(ref["tumour"], n)),
            "others_cpu": r["others_cpu"], "steal_cpu": r["steal_cpu"],
            "passes": r["passes"]})
    res["reference"] = {k: v for k, v in ref.items() if k != "tumour"}
    res["reference"]["check"] = reference_check(ref, fields, s.scheme)
    res["derived"] = derive(res["runs"], threads)
    res["loadavg"]["end"] = loadavg()
    res["wall_time"] = time.perf_counter() - start
    return res


def _version(module: str) -> str | None:
    if not available(module):
        return None
    return getattr(__import__(module), "__version__", None)


def derive(runs: list[dict], threads: list[int]) -> dict:
    """Frontiers, equal-error ratios (against each pde-meta thread count) and same-N ratios."""
    by: dict[str, list[dict]] = {}
    for r in runs:
        by.setdefault(r["contender"], []).append(r)
    ours = {k: f"{PDE_META}, {k} thread" + ("s" if k > 1 else "") for k in threads}
    out: dict = {"frontiers": {c: [p["label"] for p in frontier(v)] for c, v in by.items()},
                 "equal_error": {}, "same_n": {}, "headline": {}}
    for c, pts in by.items():
        if c.startswith(PDE_META):
            continue
        for k, name in ours.items():
            ratios = equal_error_ratios(pts, by.get(name, []))
            out["equal_error"].setdefault(c, {})[str(k)] = ratios
            auto = [r for r in by.get(name, []) if r.get("auto_dt")]
            same = []
            for n in sorted({p["N"] for p in pts}):
                mine = [r for r in auto if r["N"] == n]
                theirs = min((p for p in pts if p["N"] == n), key=lambda p: p["err"])
                if mine:
                    same.append({"N": n, "peer_label": theirs["label"],
                                 "peer_seconds": theirs["seconds"], "peer_err": theirs["err"],
                                 "seconds": mine[0]["seconds"], "err": mine[0]["err"],
                                 "ratio": theirs["seconds"] / mine[0]["seconds"]})
            out["same_n"].setdefault(c, {})[str(k)] = same
        one = out["equal_error"][c].get("1", [])
        if one:
            most = min(one, key=lambda e: e["err"])
            out["headline"][c] = {"err": most["err"], "ratio": most["ratio"],
                                  "peer_seconds": most["peer_seconds"],
                                  "seconds": most["seconds"], "peer_label": most["peer_label"],
                                  "min_ratio": min(e["ratio"] for e in one),
                                  "max_ratio": max(e["ratio"] for e in one)}
    return out


# --------------------------------------------------------------------------- report


def _fmt_ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 10 else f"{x:.1f}x"


def _mark(r: dict) -> str:
    oc = r.get("others_cpu")
    return " *" if oc is not None and oc > BUSY else ""


def markdown(res: dict) -> str:
    s = res["settings"]
    d = res["derived"]
    m = res["machine"]
    ref = res["reference"]
    chk = ref["check"]
    lines = ["# Error against cost: pde-meta, FiPy and py-pde at equal accuracy", ""]
    if s["quick"]:
        lines += ["**Quick mode** (tiny grids, no py-pde): a smoke test, not a measurement.", ""]
    lines += [
        f"Anderson (2005) to t = {s['t_end']:g}; error = relative L2 difference of the tumour "
        f"field from the reference, block-averaged onto each run's grid; time = wall time of "
        f"the stepping alone (compilation and set-up apart). Machine: {m['cpu']}, "
        f"{m['cpu_count']} cores, {m['date']}; pde-meta {m['pde_meta']}, FiPy {m.get('fipy')}, "
        f"py-pde {m.get('py-pde')}, numba {m['numba']}, Python {m['python']}; pde-meta's "
        f"time scheme: `{s.get('scheme', 'euler')}`. "
        f"Command: `{res['command']}` ({res['wall_time'] / 60:.1f} min).", "",
        "## Headline: time to equal error", "",
        "Ratio of the peer's stepping time to pde-meta's (one thread each) at the error of the "
        "peer's most accurate measured setting, pde-meta's time interpolated log-log along its "
        "frontier (its best settings; no extrapolation); the range is over every error on the "
        "peer's frontier that pde-meta's frontier covers.", "",
        "| peer | peer setting | error | peer time | pde-meta time (1 thread) | ratio | range |",
        "|---|---|---|---|---|---|---|"]
    for c, h in d["headline"].items():
        lines.append(
            f"| {c} | {h['peer_label']} | {100 * h['err']:.2f} % | {h['peer_seconds']:.2f} s | "
            f"{h['seconds']:.4f} s | **{_fmt_ratio(h['ratio'])}** | "
            f"{_fmt_ratio(h['min_ratio'])} - {_fmt_ratio(h['max_ratio'])} |")
    if not d["headline"]:
        lines.append("| (no peer measured) | | | | | | |")
    lines += ["", "Same grid, pde-meta at its automatic step against the peer's most accurate "
              "setting on that grid (a same-N comparison, not an equal-error one):", "",
              "| peer | N | peer setting | peer error | peer time | pde-meta error | "
              "pde-meta time (1 thread) | ratio |", "|---|---|---|---|---|---|---|---|"]
    for c, per in d["same_n"].items():
        for e in per.get("1", []):
            lines.append(
                f"| {c} | {e['N']} | {e['peer_label']} | {100 * e['peer_err']:.2f} % | "
                f"{e['peer_seconds']:.2f} s | {100 * e['err']:.2f} % | {e['seconds']:.4f} s | "
                f"{_fmt_ratio(e['ratio'])} |")
    lines += ["", "## Every run", "",
              "`*`: other processes used more than 0.2 cores during the run (blank: a run "
              "under 0.5 s, see the phase figures under Load). pde-meta: best of "
              f"{s['repeats']} runs, split into a pass before and a pass after the peers; peers: "
              "one run each. Frontier settings in bold.", "",
              "| contender | setting | steps | error | time | compile / set-up | threads | "
              "others' cores |", "|---|---|---|---|---|---|---|---|"]
    for r in sorted(res["runs"], key=lambda r: (r["contender"], r["N"], r["seconds"])):
        on = r["label"] in d["frontiers"].get(r["contender"], [])
        label = f"**{r['label']}**" if on else r["label"]
        extra = (f"{r['compile_time']:.0f} s compile" if "compile_time" in r
                 else f"{r['setup_time']:.2f} s set-up" if "setup_time" in r else "")
        oc = r.get("others_cpu")
        lines.append(
            f"| {r['contender']} | {label} | {r['steps']:,} | {100 * r['err']:.2f} % | "
            f"{r['seconds']:.4g} s{_mark(r)} | {extra} | {r['threads']} | "
            f"{'' if oc is None else f'{oc:.2f}'} |")
    lines += ["", "## Equal-error ratios at every peer frontier point", "",
              "| peer | peer setting | error | peer time | pde-meta 1 thread | ratio | "
              "pde-meta 2 threads | ratio |", "|---|---|---|---|---|---|---|---|"]
    for c, per in d["equal_error"].items():
        two = {e["peer_label"]: e for e in per.get("2", [])}
        for e in per.get("1", []):
            t2 = two.get(e["peer_label"])
            lines.append(
                f"| {c} | {e['peer_label']} | {100 * e['err']:.2f} % | {e['peer_seconds']:.2f} s |"
                f" {e['seconds']:.4f} s | {_fmt_ratio(e['ratio'])} | "
                + (f"{t2['seconds']:.4f} s | {_fmt_ratio(t2['ratio'])} |" if t2 else "| |"))
    lines += [
        "", "## Reference and its error", "",
        f"pde-meta's first-order step (`euler`) at N = {ref['N']}, automatic step x 1/2 "
        f"({ref['steps']['half']:,} steps) "
        f"and x 1/4 ({ref['steps']['quarter']:,} steps), Richardson-extrapolated in time "
        f"(`2 u(dt/4) - u(dt/2)`; {ref['seconds']:.0f} s with {s['ref_threads']} threads). "
        f"Time error of the quarter-step field alone: "
        f"{100 * chk['time_error_quarter']:.3f} % (half step: "
        f"{100 * ref['time_error_half']:.3f} %)."]
    sizes = sorted(int(k.split("_")[1]) for k in chk if k.endswith("_vs_ref"))
    if sizes:
        parts = [f"N = {n}: {100 * chk[f'richardson_{n}_vs_ref']:.3f} %" for n in sizes]
        lines.append(
            f"The `{s.get('scheme', 'euler')}` runs at 1/2 and 1/4 of the step on coarser "
            f"grids, extrapolated in time by the scheme's order, against the reference: "
            + ", ".join(parts)
            + (f"; observed spatial order {chk['observed_order']:.2f}, so the reference's "
               f"spatial error is about {100 * chk['spatial_error_estimate']:.3f} %"
               if "observed_order" in chk else "") + ".")
        res_keys = [k for k in chk if k.endswith("_time_residual")]
        for k in res_keys:
            lines.append(f"Time error left after the extrapolation at N = {k.split('_')[1]}: "
                         f"{100 * chk[k]:.3f} %.")
    lines += ["", "## Load", "",
              f"Load average (1, 5, 15 min) at start {res['loadavg']['start']}, at end "
              f"{res['loadavg']['end']}. Cores used by other processes (from `/proc/stat`, this "
              "process excluded) and steal time during each phase:", "",
              "| phase | others' cores | steal | load (1 min) start - end |", "|---|---|---|---|"]
    for name, ph in res["phases"].items():
        oc, st = ph.get("others_cpu"), ph.get("steal_cpu")
        lines.append(f"| {name} | {'' if oc is None else f'{oc:.2f}'} | "
                     f"{'' if st is None else f'{st:.2f}'} | {ph['loadavg_1min_start']:.2f} - "
                     f"{ph['loadavg_1min_end']:.2f} |")
    for k in ("skipped_fipy", "skipped_pypde"):
        if k in res:
            lines += ["", f"Left out: {res[k]}."]
    return "\n".join(lines) + "\n"


COLOURS = {FIPY: "tab:orange", PYPDE["euler"]: "tab:green", PYPDE["runge-kutta"]: "tab:red"}


def plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by: dict[str, list[dict]] = {}
    for r in res["runs"]:
        by.setdefault(r["contender"], []).append(r)
    fig, ax = plt.subplots(figsize=(8.5, 6))
    for c, pts in by.items():
        if c.startswith(PDE_META):
            colour = "tab:blue"
            style = "-" if pts[0]["threads"] == 1 else "--"
        else:
            colour, style = COLOURS.get(c, "tab:gray"), "-"
        front = frontier(pts)
        ax.plot([p["seconds"] for p in front], [100 * p["err"] for p in front], style,
                color=colour, marker="o", label=c + " (frontier)", lw=2 if style == "-" else 1.2)
        rest = [p for p in pts if p not in front]
        ax.plot([p["seconds"] for p in rest], [100 * p["err"] for p in rest], "o",
                color=colour, mfc="none", alpha=0.6)
        if style == "-":
            for p in front:
                ax.annotate(p["label"], (p["seconds"], 100 * p["err"]), fontsize=7,
                            xytext=(4, 3), textcoords="offset points", color=colour)
        auto = sorted((p for p in pts if p.get("auto_dt")), key=lambda p: p["N"])
        if auto and style == "-":
            ax.plot([p["seconds"] for p in auto], [100 * p["err"] for p in auto], ":",
                    color=colour, label="pde-meta, automatic step only")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("wall time of the stepping to t = 1 [s] (compile and set-up excluded)")
    ax.set_ylabel("tumour error, relative L2 vs reference [%]")
    title = "Anderson 2005 to t = 1: error against cost"
    if res["settings"]["quick"]:
        title += " (quick mode)"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy",
        description="pde-meta, FiPy and py-pde at equal accuracy (error against time).")
    parser.add_argument("--quick", action="store_true", help="tiny grids, no py-pde")
    parser.add_argument("--repeats", type=int, help="timed runs per pde-meta setting")
    parser.add_argument("--ref-n", type=int, help="reference grid (default 512)")
    parser.add_argument("--skip-fipy", action="store_true")
    parser.add_argument("--skip-pypde", action="store_true")
    parser.add_argument("--wait-quiet", type=float, help="seconds to wait for a quiet machine")
    parser.add_argument("--scheme", choices=sorted(ORDER), help="pde-meta's time scheme "
                        "(default: the package's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    s = Settings.quick_settings() if args.quick else Settings()
    if args.scheme is not None:
        s.scheme = args.scheme
    if args.repeats is not None:
        s.repeats = args.repeats
    if args.ref_n is not None:
        s.ref_n = args.ref_n
    if args.wait_quiet is not None:
        s.wait_quiet = args.wait_quiet
    if args.skip_fipy:
        s.fipy = []
    if args.skip_pypde:
        s.pypde = []
    given = list(sys.argv[1:] if argv is None else argv)
    if "--out" in given:  # where the files go does not change what is measured
        i = given.index("--out")
        del given[i:i + 2]
    command = "python -m benchmarks.accuracy " + " ".join(given)
    res = run(s, command.strip())
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(res)
    (args.out / "accuracy.md").write_text(text)
    (args.out / "accuracy.json").write_text(json.dumps(res, indent=1, default=_json_default))
    plot(res, args.out / "accuracy.png")
    print(text)
    return res


if __name__ == "__main__":
    main()
