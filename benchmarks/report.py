"""Derived figures, the markdown report and the throughput plot of a benchmark run.

:func:`derive` adds to the raw results of :func:`benchmarks.run.run` everything computed
from them (bandwidth ceilings, fractions, time-to-solution ratios, targets), so the
markdown, the JSON and the plot all show the same numbers.
"""

from __future__ import annotations

import math

T_LABEL = "t = 10"

BUSY = 0.2
"""Cores used by other processes above which a measurement is flagged as disturbed."""

#: (key, description, threshold, "min" if the value must be at least the threshold)
TARGETS = (
    ("tts_vs_pypde", "time to solution, N = {tts_n}: pde-meta vs py-pde", 500.0, "min"),
    ("tts_vs_numpy", "time to solution, N = {tts_n}: pde-meta vs NumPy", 1000.0, "min"),
    ("fraction_of_ceiling", "throughput at N = {large_n}, {top} threads: fraction of the ceiling",
     0.5, "min"),
    ("throughput_large", "throughput at N = {large_n}, {top} threads (cell-updates/s)",
     150e6, "min"),
    ("tts_seconds", "N = {tts_n} to t = 10 (s)", 2.0, "max"),
    ("large_seconds", "N = {large_n} to t = 10 (s)", 300.0, "max"),
    ("compile_cold", "compile, cold (s)", 10.0, "max"),
    ("compile_cached", "compile, cached (s)", 1.0, "max"),
    ("agreement_order", "same problem: pde-meta vs peer tumour-field difference, order of "
     "decrease from N = {compare_n} to {compare_2n}", 0.5, "min"),
)


def _rows(res: dict, impl: str, n: int | None = None, threads: int | None = None) -> list:
    return [r for r in res["throughput"] if r["impl"] == impl
            and (n is None or r["N"] == n) and (threads is None or r["threads"] == threads)]


def _best(rows: list) -> dict | None:
    return min(rows, key=lambda r: r["seconds_per_step"]) if rows else None


def derive(res: dict) -> None:
    """Ceilings, fractions, ratios and targets, added to ``res["derived"]``."""
    s = res["settings"]
    traffic = res["traffic"]
    d: dict = {"ceiling": {}, "ceiling_write_allocate": {}, "targets": []}
    for k, tri in res["stream"].items():
        d["ceiling"][k] = tri["bytes_per_s"] / traffic["bytes_per_cell"]
        d["ceiling_write_allocate"][k] = (
            tri["bytes_per_s_wa"] / traffic["bytes_per_cell_write_allocate"])

    large_n = s["large_n"]
    top = str(max(s["threads"]))
    row = _best(_rows(res, "pde-meta", large_n, int(top)))
    if row is not None and top in d["ceiling"]:
        d["throughput_large"] = row["cell_updates_per_s"]
        d["fraction_of_ceiling"] = row["cell_updates_per_s"] / d["ceiling"][top]
        d["fraction_of_ceiling_write_allocate"] = (
            row["cell_updates_per_s"] / d["ceiling_write_allocate"][top])
    for r in res["throughput"]:
        if r["impl"] == "pde-meta" and str(r["threads"]) in d["ceiling"]:
            r["fraction_of_ceiling"] = r["cell_updates_per_s"] / d["ceiling"][str(r["threads"])]

    # time to solution at tts_n: pde-meta measured, peers extrapolated
    tts = res["time_to_solution"]
    n, t_end = tts["N"], tts["t_end"]
    best_pm = min(tts["runs"].values(), key=lambda r: r["seconds"])
    entries = []
    for k, r in sorted(tts["runs"].items()):
        entries.append({"impl": "pde-meta", "threads": int(k), "dt": r["t"] / r["steps"],
                        "dt_note": "adaptive, mean", "steps": r["steps"],
                        "seconds": r["seconds"], "how": "measured (full run)",
                        "others_cpu": r.get("others_cpu")})
    for impl in ("py-pde", "NumPy (central)", "NumPy (face)"):
        peer = _best(_rows(res, impl, n))
        if peer is None:
            continue
        steps = max(1, round(t_end / peer["dt"]))
        entries.append({"impl": impl, "threads": peer["threads"], "dt": peer["dt"],
                        "dt_note": "fixed, stable", "steps": steps,
                        "seconds": peer["seconds_per_step"] * steps,
                        "seconds_per_step": peer["seconds_per_step"],
                        "how": "extrapolated (per-step time x steps)",
                        "others_cpu": peer.get("others_cpu")})
    for e in entries:
        e["ratio_to_pde_meta"] = e["seconds"] / best_pm["seconds"]
    d["tts"] = entries
    d["tts_seconds"] = best_pm["seconds"]
    pypde = [e for e in entries if e["impl"] == "py-pde"]
    numpy_ = [e for e in entries if e["impl"].startswith("NumPy")]
    if pypde:
        d["tts_vs_pypde"] = min(e["ratio_to_pde_meta"] for e in pypde)
    if numpy_:
        d["tts_vs_numpy"] = min(e["ratio_to_pde_meta"] for e in numpy_)

    large = tts["large"]
    per_step = row["seconds_per_step"] if row is not None else (
        large["short_seconds"] / large["short_steps_measured"])
    large["seconds_per_step"] = per_step
    large["seconds_predicted"] = large["steps_predicted"] * per_step
    if "measured" in large:
        d["large_seconds"] = large["measured"]["seconds"]
        d["large_how"] = "measured (full run)"
    else:
        d["large_seconds"] = large["seconds_predicted"]
        d["large_how"] = "estimated (predicted steps x per-step time)"

    if "compile" in res:
        d["compile_cold"] = res["compile"]["cold"]["first_step_s"]
        d["compile_cached"] = res["compile"]["cached"]["first_step_s"]

    _derive_agreement(res, d)

    for key, text, threshold, kind in TARGETS:
        value = d.get(key)
        met = None if value is None else (
            value >= threshold if kind == "min" else value <= threshold)
        text = text.format(tts_n=s["tts_n"], large_n=large_n, top=top,
                           compare_n=s["compare_n"], compare_2n=2 * s["compare_n"])
        d["targets"].append({"key": key, "target": text, "threshold": threshold,
                             "kind": kind, "value": value, "met": met})
        if key == "agreement_order":
            d["targets"][-1]["detail"] = d["agreement_value"]
    res["derived"] = d


def _derive_agreement(res: dict, d: dict) -> None:
    """Does each peer converge to pde-meta's solution? Order of the decrease of their
    difference when both are refined from N to 2N (a peer solving another problem would
    leave a difference that does not shrink: order near 0)."""
    a = res["agreement"]
    n = a["N"]
    orders = []
    notes = []
    for impl in sorted({p["impl"] for p in a["peers"]}):
        by_n = {p["N"]: p["rel_l2_vs_pde_meta"] for p in a["peers"] if p["impl"] == impl}
        if n in by_n and 2 * n in by_n:
            q = math.log2(by_n[n] / by_n[2 * n])
            orders.append(q)
            notes.append(f"{impl}: {by_n[n]:.1%} at N = {n}, {by_n[2 * n]:.1%} at N = {2 * n} "
                         f"(order {q:.2f})")
        elif n in by_n:
            notes.append(f"{impl}: {by_n[n]:.1%} at N = {n}")
    if orders:
        d["agreement_order"] = min(orders)
    d["agreement_value"] = "; ".join(notes) + (
        f"; pde-meta's own N vs 2N: {a['self_convergence']:.1%}, 2N vs 4N: "
        f"{a['self_convergence_fine']:.1%} (order {a['observed_order']:.2f})")
    if orders:
        d["agreement_note"] = (
            "The pde-meta-peer difference shrinks under refinement like pde-meta's own "
            "differences: both converge to the same solution, and at each grid their "
            "difference is of the size of the discretisation errors.")
    else:
        d["agreement_note"] = ("Only one common grid: judge the difference against "
                               "pde-meta's estimated error above.")


# --------------------------------------------------------------------------- markdown


def _si(x: float | None, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}".rstrip()
    return f"{x:.3g} {unit}".rstrip()


def _seconds(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 3600:
        return f"{x / 3600:.2f} h"
    if x >= 120:
        return f"{x / 60:.1f} min"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1e3:.3g} ms"


def _threshold(t: dict) -> str:
    v, key = t["threshold"], t["key"]
    if key.startswith("tts_vs"):
        return f">= {v:g}x"
    if key.startswith("fraction"):
        return f">= {v:.0%}"
    if key == "agreement_order":
        return f"order >= {v:g}"
    if key == "throughput_large":
        return f">= {_si(v)}"
    return f"< {_seconds(v)}"


def _value(t: dict) -> str:
    v, key = t["value"], t["key"]
    if key == "agreement_order":
        return t.get("detail", "-")
    if v is None:
        return "not measured"
    if key.startswith("tts_vs"):
        return f"{v:,.0f}x"
    if key.startswith("fraction"):
        return f"{v:.0%}"
    if key == "throughput_large":
        return _si(v)
    return _seconds(v)


def _busy(row: dict) -> str:
    others = row.get("others_cpu")
    return "*" if others is not None and others > BUSY else ""


def _phases(res: dict) -> str:
    def fmt(x):
        return "-" if x is None else f"{x:.2f}"

    parts = [f"{name} {fmt(v['others_cpu'])} (steal {fmt(v['steal_cpu'])})"
             for name, v in res.get("phases", {}).items()]
    whole = res.get("cpu_others", {})
    return ("whole run " + fmt(whole.get("others_cpu")) + " (steal "
            + fmt(whole.get("steal_cpu")) + "); " + "; ".join(parts) + ".")


def markdown(res: dict) -> str:
    d = res["derived"]
    s = res["settings"]
    m = res["machine"]
    la = res["loadavg"]
    threads = s["threads"]
    out = ["# pde-meta benchmark", ""]
    if s["quick"]:
        out += ["**Quick mode** (smoke test: tiny grids, one repeat): the numbers below "
                "say nothing about performance.", ""]
    out += [
        f"`{res['command']}` on {m['cpu']} ({m['cpu_count']} CPUs, numba threads "
        f"{m['numba_threads']}), {m['date']}, commit {m['git_commit']}; Python "
        f"{m['python']}, NumPy {m['numpy']}, numba {m['numba']}, py-pde {m['py-pde']}. "
        f"Run time {res['wall_s']:.0f} s.",
        "",
        f"Load average (1, 5, 15 min) at start {la['start']}, at end {la['end']}. The "
        "machine is shared: CPU time used by other processes during each phase (cores, "
        "from /proc/stat, this process excluded; steal = time the hypervisor gave to "
        "other guests):",
        "",
        _phases(res),
        "",
        f"Figures marked * were measured while other processes used more than {BUSY} "
        "cores; they are pessimistic (a two-thread step waits for both cores).",
        "",
    ]

    # ---- targets
    out += ["## Targets", "", "| target | required | measured | met |", "|---|---|---|---|"]
    for t in d["targets"]:
        met = "-" if t["met"] is None else ("yes" if t["met"] else "**no**")
        value = _value(t)
        if t["key"] == "large_seconds":
            value += f" ({d['large_how'].split(' (')[0]})"
        out.append(f"| {t['target']} | {_threshold(t)} | {value} | {met} |")
    out.append("")

    # ---- throughput
    impls = []
    for r in res["throughput"]:
        key = (r["impl"], r["threads"])
        if key not in impls:
            impls.append(key)
    sizes = sorted({r["N"] for r in res["throughput"]})
    header = "| N | " + " | ".join(f"{i} {k}T" for i, k in impls) + " |"
    out += [
        "## Per-step throughput",
        "",
        "Million cell-updates per second (N x N / seconds per step), best of "
        f"{s['repeats']} batches of at least {s['min_time']:g} s (pde-meta) / "
        f"{s['peer_min_time']:g} s (peers) after a warm-up. pde-meta takes its full step "
        "(five fields, implicit oxygen) at its automatic dt from the initial state of the "
        "Anderson problem; the peers take one forward-Euler step at their stable dt. "
        "`kT` = k threads (NumPy is single-threaded). In brackets: milliseconds per step.",
        "",
        header,
        "|---" * (len(impls) + 1) + "|",
    ]
    for n in sizes:
        cells = []
        for impl, k in impls:
            rows = _rows(res, impl, n, k)
            if rows:
                r = rows[0]
                cells.append(f"{r['cell_updates_per_s'] / 1e6:.1f} "
                             f"({r['seconds_per_step'] * 1e3:.3g}){_busy(r)}")
            else:
                cells.append("-")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    out.append("")
    ratio_lines = []
    for n in sizes:
        pm = _best(_rows(res, "pde-meta", n))
        if pm is None:
            continue
        parts = []
        for impl in ("py-pde", "NumPy (central)", "NumPy (face)"):
            peer = _best(_rows(res, impl, n))
            if peer is not None:
                parts.append(f"{peer['seconds_per_step'] / pm['seconds_per_step']:.3g}x "
                             f"vs {impl}")
        if parts:
            ratio_lines.append(f"- N = {n}: pde-meta step " + ", ".join(parts)
                               + " (best thread count of each)")
    if ratio_lines:
        out += ["Per-step cost ratios (the peers also need far more steps, see below):", "",
                *ratio_lines, ""]

    # ---- time to solution
    tts = res["time_to_solution"]
    out += [
        f"## Time to solution: Anderson 2005, N = {tts['N']}, {T_LABEL}",
        "",
        "| implementation | threads | dt | steps | time | how | slower than pde-meta |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in d["tts"]:
        out.append(f"| {e['impl']} | {e['threads']} | {e['dt']:.3g} ({e['dt_note']}) | "
                   f"{e['steps']:,} | {_seconds(e['seconds'])}{_busy(e)} | {e['how']} | "
                   f"{e['ratio_to_pde_meta']:,.0f}x |")
    out += ["", "Ratios use pde-meta's best measured time. The peers' stable dt is the "
            "explicit oxygen-diffusion bound 0.9 h^2 / (4 D_c); pde-meta treats oxygen "
            "implicitly and is limited by tumour transport.", ""]
    runs = tts["runs"]
    if any(len(r.get("all_seconds", [])) > 1 for r in runs.values()):
        out += ["pde-meta runs (s): " + "; ".join(
            f"{k}T: " + ", ".join(f"{x:.2f}" for x in r["all_seconds"])
            for k, r in sorted(runs.items())) + "; the best is used.", ""]
    large = tts["large"]
    out += [
        f"**N = {large['N']} to {T_LABEL}**: "
        + (f"measured {large['measured']['steps']:,} steps in "
           f"{_seconds(large['measured']['seconds'])}; " if "measured" in large else "")
        + f"estimated {large['steps_predicted']:,.0f} steps x "
        f"{large['seconds_per_step'] * 1e3:.3g} ms/step ({max(threads)} threads) = "
        f"{_seconds(large['seconds_predicted'])}. Step count: the automatic dt is "
        "0.9 / (4 D_n / h^2 + 2 V / h), a diffusion part fixed by h and a taxis part whose "
        f"time integral is fitted to the full N = {large['reference_N']} run "
        f"({large['reference_steps']:,} steps). Check on a short run of the real problem "
        f"at N = {large['N']} to t = {large['t_short']:g}: measured "
        f"{large['short_steps_measured']:,} steps, predicted "
        f"{large['short_steps_predicted']:,.0f} ({large['short_prediction_error']:+.1%}; "
        f"integral fitted to N = {large['reference_N']} to t = {large['t_short']:g}, "
        f"{large['reference_short_steps']} steps).",
        "",
    ]

    # ---- agreement
    a = res["agreement"]
    n = a["N"]
    err = a["estimated_error"]
    out += [
        f"## Same problem: tumour fields at t = {a['t']:g}",
        "",
        "Relative L2 difference ||n_a - n_b|| / ||n_b|| of the tumour density, on the "
        "grid given (finer fields restricted by averaging 2 x 2 blocks). pde-meta uses "
        "finite volumes with Koren-limited upwind taxis and implicit oxygen; the peers use "
        "central differences (py-pde's operators) and explicit Euler. Solutions of the "
        "same problem differ by the discretisation errors of both, which pde-meta's own "
        "grid-refinement differences measure.",
        "",
        "| comparison | grid | rel. L2 difference |",
        "|---|---|---|",
        f"| pde-meta {n} vs pde-meta {2 * n} | {n} | {a['self_convergence']:.2e} |",
        f"| pde-meta {2 * n} vs pde-meta {4 * n} | {n} | {a['self_convergence_fine']:.2e} |",
    ]
    for p in sorted(a["peers"], key=lambda p: (p["N"], p["impl"])):
        out.append(f"| pde-meta {p['N']} vs {p['impl']} {p['N']} ({p['steps']:,} steps, "
                   f"{_seconds(p['seconds'])}) | {p['N']} | {p['rel_l2_vs_pde_meta']:.2e} |")
        out.append(f"| pde-meta {4 * n} vs {p['impl']} {p['N']} | {p['N']} | "
                   f"{p['rel_l2_vs_pde_meta_finest']:.2e} |")
    for b in a.get("between_peers", []):
        out.append(f"| {' vs '.join(b['impls'])} | {b['N']} | {b['rel_l2']:.2e} |")
    out += ["", f"pde-meta's observed order {a['observed_order']:.2f}; estimated error "
            + ", ".join(f"{v:.1e} at N = {k}" for k, v in err.items()) + ". "
            + d.get("agreement_note", ""), ""]

    # ---- hardware limit
    tr = res["traffic"]
    out += [
        "## Hardware limit",
        "",
        "STREAM triad `a = b + s c` (numba `prange`, 3 x "
        f"{next(iter(res['stream'].values()))['array_bytes'] / 2**20:.0f} MiB), counted "
        f"like STREAM: {tr['triad_bytes_per_element']} bytes per element (read b, c; "
        "write a). The triad runs before and after the pde-meta throughput "
        "measurements and the higher bandwidth of the two gives the ceiling: on a shared "
        "host the bandwidth drifts with the neighbours' load, and the higher figure is the "
        "stricter test (measured: "
        + "; ".join(f"{k}T " + ", ".join(f"{v:.1f}" for v in tri.get("samples_gb_s", []))
                    + " GB/s" for k, tri in res["stream"].items()) + "). "
        "One pde-meta step moves, in the same convention (8 bytes per value "
        "read or written in a pass over memory, nothing reused between passes):",
        "",
        "| pass | read (B/cell) | written (B/cell) |",
        "|---|---|---|",
    ]
    for p in tr["passes"]:
        out.append(f"| {p['pass']} | {p['read']} | {p['written']} |")
    out += [
        f"| **total** | | **{tr['bytes_per_cell']} B/cell** |",
        "",
        "| threads | triad bandwidth | ceiling (cell-updates/s) | pde-meta at N = "
        f"{s['large_n']} | fraction |",
        "|---|---|---|---|---|",
    ]
    for k, tri in res["stream"].items():
        row = _rows(res, "pde-meta", s["large_n"], int(k))
        thr = row[0]["cell_updates_per_s"] if row else None
        frac = f"{thr / d['ceiling'][k]:.0%}" if thr else "-"
        flag = _busy(row[0]) if row else ""
        out.append(f"| {k} | {tri['bytes_per_s'] / 1e9:.2f} GB/s{_busy(tri)} | "
                   f"{_si(d['ceiling'][k])} | {_si(thr)}{flag} | {frac} |")
    one = _rows(res, "pde-meta", s["large_n"], 1)
    top = _rows(res, "pde-meta", s["large_n"], max(threads))
    if one and top and max(threads) > 1 and "1" in d["ceiling"]:
        speedup = top[0]["cell_updates_per_s"] / one[0]["cell_updates_per_s"]
        f1 = one[0]["cell_updates_per_s"] / d["ceiling"]["1"]
        verdict = ("so the step is limited by the arithmetic per core, not by memory "
                   "bandwidth" if f1 < 0.5 and speedup > 0.8 * max(threads) else
                   "so memory bandwidth is a limit")
        out += ["", f"At N = {s['large_n']}, one thread reaches {f1:.0%} of the one-thread "
                f"ceiling and {max(threads)} threads run {speedup:.2f}x faster than one, "
                f"{verdict}."]
    wa = d.get("fraction_of_ceiling_write_allocate")
    out += ["", f"With write-allocate counted on both sides (triad "
            f"{tr['triad_bytes_per_element_write_allocate']} B/element, the step "
            f"{tr['bytes_per_cell_write_allocate']} B/cell: the new state is written "
            "without being read) the ceiling is "
            + ", ".join(f"{_si(v)} ({k}T)" for k, v in d["ceiling_write_allocate"].items())
            + (f" and the fraction {wa:.0%}." if wa is not None else "."), ""]

    # ---- compile and oxygen
    if "compile" in res:
        c = res["compile"]
        out += [
            "## Compile time",
            "",
            "Fresh interpreter, `NUMBA_CACHE_DIR` set to a new empty folder (cold), then a "
            "second interpreter on the same folder (cached). Compile = the first step "
            "(compiling or loading every kernel); import = `import pde_meta` (numba, "
            "numpy).",
            "",
            "| | compile (first step) | import | import + first step |",
            "|---|---|---|---|",
        ]
        for label in ("cold", "cached"):
            r = c[label]
            out.append(f"| {label} | {_seconds(r['first_step_s'])} | "
                       f"{_seconds(r['import_s'])} | {_seconds(r['total_s'])} |")
        out.append("")
    ox = res.get("oxygen_solvers")
    if ox:
        out += [
            "## Oxygen solve",
            "",
            f"One implicit oxygen diffusion solve at N = {ox['n']} (`benchmarks/"
            f"oxygen_solvers.py`): full 2-D DCT (scipy.fft) {ox['dct_ms']:.2f} ms, LOD "
            f"tridiagonal sweeps (numba) {ox['lod_ms']:.2f} ms "
            f"({ox['dct_ms'] / ox['lod_ms']:.1f}x); max difference "
            f"{ox['difference']:.1e} (the splitting error at 1000x the explicit step).",
            "",
        ]
    if "contention" in res:
        from .contention import markdown as contention_markdown

        out += ["## Next to other work", "", contention_markdown(res["contention"])]
    out += ["![throughput](throughput.png)", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- plot


def _steps_ratio(res: dict) -> float:
    entries = res["derived"]["tts"]
    pm = [e["steps"] for e in entries if e["impl"] == "pde-meta"]
    peers = [e["steps"] for e in entries if e["impl"] != "pde-meta"]
    return max(peers) / min(pm) if pm and peers else math.nan


def plot(res: dict, path) -> None:
    """Throughput against N, log-log, one line per implementation and thread count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, ax = plt.subplots(figsize=(10.0, 5.2), dpi=120)
    styles = {"pde-meta": ("C0", "o"), "py-pde": ("C1", "s"), "NumPy (central)": ("C2", "^"),
              "NumPy (face)": ("C3", "v")}
    keys = []
    for r in res["throughput"]:
        if (r["impl"], r["threads"]) not in keys:
            keys.append((r["impl"], r["threads"]))
    for impl, k in keys:
        rows = sorted(_rows(res, impl, threads=k), key=lambda r: r["N"])
        color, marker = styles.get(impl, ("k", "x"))
        ax.plot([r["N"] for r in rows], [r["cell_updates_per_s"] for r in rows],
                color=color, marker=marker, linestyle="-" if k > 1 else "--",
                label=f"{impl}, {k} thread{'s' if k > 1 else ''}")
    d = res["derived"]
    for k, ceiling in d["ceiling"].items():
        ax.axhline(ceiling, color="0.3", linestyle=":" if k == "1" else "-.", linewidth=1.2,
                   label=f"bandwidth ceiling, {k} thread{'s' if k != '1' else ''} "
                         f"({_si(ceiling)}/s)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    sizes = sorted({r["N"] for r in res["throughput"]})
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(n) for n in sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _si(y)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("grid size N (N x N cells)")
    ax.set_ylabel("cell-updates per second (one time step)")
    others = res.get("cpu_others", {}).get("others_cpu")
    busy = "" if others is None else f", other processes {others:.2f} cores on average"
    ax.set_title(f"Per-step throughput on {res['machine']['cpu']} "
                 f"({res['machine']['cpu_count']} cores{busy})", fontsize=10)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.text(0.01, 0.01, "Per step only: to reach t = 10 the explicit peers also need about "
             f"{_steps_ratio(res):,.0f}x more steps than pde-meta (oxygen-diffusion bound); "
             "see results.md for the time to solution.", fontsize=8, color="0.25")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    """Render ``results.md`` and ``throughput.png`` again from a ``results.json``."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m benchmarks.report",
                                     description=main.__doc__)
    parser.add_argument("results", type=Path, help="results.json of a benchmark run")
    args = parser.parse_args(argv)
    res = json.loads(args.results.read_text())
    derive(res)
    out = args.results.parent
    (out / "results.md").write_text(markdown(res))
    plot(res, out / "throughput.png")


if __name__ == "__main__":
    main()
