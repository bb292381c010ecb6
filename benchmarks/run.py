"""One benchmark run: pde-meta against py-pde, plain NumPy and the memory-bandwidth limit.

Everything is measured in the same process (compile times in fresh subprocesses) on the
current machine, so every ratio comes from one run:

1. per-step throughput of pde-meta's full step (cell-updates per second) at each grid
   size and thread count, from the initial state of the Anderson (2005) problem;
   compile time cold (empty numba cache) and cached;
2. per-step time of the peers (``benchmarks/peers``): py-pde's compiled explicit Euler
   stepper and the vectorised NumPy script, at their stable step;
3. time to solution of the Anderson problem (N = 256, t = 10): pde-meta run in full,
   the peers extrapolated from their per-step time; the relative L2 difference of the
   tumour fields at a common time next to pde-meta's own N vs 2N difference;
4. STREAM triad bandwidth, the bytes one step moves per cell, the resulting ceiling and
   pde-meta's fraction of it.

Writes ``results.md`` (also printed), ``results.json`` and ``throughput.png``::

    python -m benchmarks.run                 # full run, about 5-10 minutes
    python -m benchmarks.run --quick         # tiny grids, one repeat, no py-pde
    python -m benchmarks.run --skip-peers --sizes 256 1024
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numba
import numpy as np

import pde_meta as pm

from . import report
from .peers import common, numpy_explicit, stream

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "results"

T_PROBLEM = 10.0
"""End time of the Anderson (2005) problem."""

def traffic(parameters: pm.Parameters | None = None) -> dict:
    """Memory traffic of one pde-meta step per cell, in bytes.

    Counted like STREAM counts the triad: every array element read or written once in a
    pass over memory is 8 bytes, and a store is not charged for the cache-line read that
    write-allocate adds (that variant is returned too). Passes over memory, from
    ``pde_meta/models/invasion/kernels/step.py`` and ``pde_meta/numerics/tridiag.py``:

    * ``explicit_step`` reads the five fields of the old state (the membrane through the
      face mobility) and writes the new tumour, ECM, MMP and oxygen; the membrane plane
      is written only when it changes (``membrane_degradation > 0``), and the x half of
      the oxygen solve runs on blocks of 32 rows while they are in cache and adds nothing;
    * ``solve_columns`` (the y half of the oxygen solve) sweeps the oxygen plane forward
      and backward, reading and writing it in each sweep.

    Nothing is assumed to stay in cache from one pass to the next.
    """
    p = pm.Parameters() if parameters is None else parameters
    static_membrane = p.membrane_degradation == 0.0
    written = "n, f, m, c" if static_membrane else "n, f, b, m, c"
    passes = [
        (f"explicit kernel: read n, f, b, m, c / write {written}", 40,
         32 if static_membrane else 40),
        ("oxygen y sweep, forward: read c / write c", 8, 8),
        ("oxygen y sweep, backward: read c / write c", 8, 8),
    ]
    read = sum(r for _, r, _ in passes)
    total_written = sum(w for _, _, w in passes)
    # write-allocate: a store to a line not read in the same pass costs one more read;
    # only the explicit kernel writes arrays it did not read (the new state)
    rfo = passes[0][2]
    return {
        "passes": [{"pass": name, "read": r, "written": w} for name, r, w in passes],
        "static_membrane": static_membrane,
        "bytes_per_cell": read + total_written,
        "bytes_per_cell_write_allocate": read + total_written + rfo,
        "triad_bytes_per_element": stream.BYTES_STREAM,
        "triad_bytes_per_element_write_allocate": stream.BYTES_WRITE_ALLOCATE,
    }


@dataclass
class Settings:
    """What one run measures; ``quick()`` gives the smoke-test settings."""

    sizes: list[int] = field(default_factory=lambda: [128, 256, 512, 1024, 2048])
    threads: list[int] = field(default_factory=lambda: [1, 2])
    repeats: int = 3
    min_time: float = 0.3
    numpy_sizes: list[int] = field(default_factory=lambda: [128, 256, 512, 1024])
    pypde_sizes: list[int] = field(default_factory=lambda: [128, 256])
    peer_min_time: float = 0.3
    tts_n: int = 256
    tts_repeats: int = 2
    large_n: int = 1024
    large_t_short: float = 0.25
    solve_large: bool = False
    compare_n: int = 128
    compare_t: float = 1.0
    compare_pypde_2n: bool = True
    compare_numpy_2n: bool = False
    stream_elements: int = stream.DEFAULT_ELEMENTS
    stream_repeats: int = 10
    oxygen_n: int = 1024
    compile_subprocess: bool = True
    retries: int = 4
    wait_quiet: float = 60.0
    wait_budget: float = 180.0
    pypde: bool = True
    numpy: bool = True
    quick: bool = False

    @classmethod
    def quick_settings(cls) -> Settings:
        return cls(sizes=[32, 64], repeats=1, min_time=0.01, numpy_sizes=[16, 32],
                   pypde_sizes=[], peer_min_time=0.01, tts_n=32, tts_repeats=1, large_n=64,
                   large_t_short=0.25, compare_n=32, compare_t=0.1, compare_numpy_2n=True,
                   stream_elements=1 << 20, stream_repeats=2, oxygen_n=64,
                   compile_subprocess=False, retries=0, wait_quiet=0.0, pypde=False,
                   quick=True)


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - platforms without getloadavg
        return [math.nan] * 3


class CpuMeter:
    """CPU used by other processes while a measurement runs, from ``/proc/stat``.

    ``read()`` gives, since the meter was made, the average number of cores busy with
    anything but this process and its finished subprocesses (``others``) and the cores'
    steal time (``steal``: the hypervisor ran another guest). Both are ``None`` where
    ``/proc/stat`` does not exist. Resolution: one clock tick (usually 10 ms) per core.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float, float] | None:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        hz = os.sysconf("SC_CLK_TCK")
        own = os.times()
        busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / hz  # user nice system irq softirq
        steal = v[7] / hz if len(v) > 7 else 0.0
        return (time.perf_counter(), busy, steal,
                own.user + own.system + own.children_user + own.children_system)

    def read(self) -> dict:
        end = self._sample()
        if self._start is None or end is None or end[0] <= self._start[0]:
            return {"others_cpu": None, "steal_cpu": None}
        wall = end[0] - self._start[0]
        others = (end[1] - self._start[1]) - (end[3] - self._start[3])
        return {"others_cpu": round(max(0.0, others / wall), 3),
                "steal_cpu": round((end[2] - self._start[2]) / wall, 3)}


RETRY_WAIT = 15.0
"""Seconds a disturbed measurement waits at most for a quiet machine before it is redone."""

_wait_budget = [math.inf]
"""Seconds of waiting for a quiet machine left to the whole run (``Settings.wait_budget``)."""


def quiet_measure(measure, retries: int, key: str = "seconds_per_step") -> dict:
    """Run ``measure()`` (returning a dict with ``key``, smaller is better) and, while
    other processes used more than ``report.BUSY`` cores during it, again, up to
    ``retries`` more times, each after waiting up to ``RETRY_WAIT`` seconds for the other
    processes to leave. Keeps the fastest attempt, with its disturbance figures."""
    best = None
    for attempt in range(1 + retries):
        meter = CpuMeter()
        row = measure()
        row.update(meter.read())
        row["attempts"] = attempt + 1
        if best is None or row[key] < best[key]:
            best = row
        best["attempts"] = attempt + 1
        if row["others_cpu"] is None or row["others_cpu"] <= report.BUSY:
            break
        _say(f"disturbed ({row['others_cpu']:.2f} cores used by other processes): again")
        if attempt < retries:
            waited = wait_for_quiet(min(RETRY_WAIT, _wait_budget[0]), window=1.0)
            _wait_budget[0] -= waited
    return best


def wait_for_quiet(max_wait: float, window: float = 2.0) -> float:
    """Wait until other processes use at most ``report.BUSY`` cores over ``window``
    seconds, or ``max_wait`` seconds have passed; returns the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < max_wait:
        meter = CpuMeter()
        time.sleep(window)
        others = meter.read()["others_cpu"]
        if others is None or others <= report.BUSY:
            break
        if window >= 2.0:
            _say(f"waiting for a quiet machine ({others:.2f} cores used by other processes)")
    return time.perf_counter() - start


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()[0]:.2f}] {msg}", file=sys.stderr,
          flush=True)


# --------------------------------------------------------------------------- pde-meta


class ProblemRunner:
    """A :class:`pde_meta.Stepper` on the Anderson problem that can restart from t = 0.

    Restarting copies the initial fields into the live state and resets the time step, so
    the buffers stay allocated (and touched) between timed batches.
    """

    def __init__(self, n: int, threads: int | None) -> None:
        self.initial = pm.initial.anderson2005(n)
        # the first-order step, as the explicit peers take (the default second-order
        # scheme costs about 3.5 of them per step: benchmarks/time_schemes.py)
        self.stepper = pm.Stepper(self.initial, pm.Parameters(), threads=threads,
                                  scheme="euler")
        self.dt0 = self.stepper.dt
        self.n = n

    def restart(self) -> None:
        s = self.stepper.state
        s.data[...] = self.initial.data
        s.t = 0.0
        s.step = 0
        self.stepper.dt = self.dt0

    def timed_steps(self, steps: int, t_end: float = T_PROBLEM) -> float:
        """Seconds for ``steps`` steps of the problem, restarting whenever t_end is reached."""
        seconds = 0.0
        done = 0
        while done < steps:
            if self.stepper.state.t >= t_end:
                self.restart()
            before = self.stepper.state.step
            start = time.perf_counter()
            self.stepper.advance(t_end, max_steps=steps - done)
            seconds += time.perf_counter() - start
            done += self.stepper.state.step - before
        return seconds


def pde_meta_throughput(n: int, threads: int, repeats: int, min_time: float) -> dict:
    """Best and median seconds per step over ``repeats`` batches lasting >= ``min_time``."""
    runner = ProblemRunner(n, threads)
    runner.timed_steps(2)  # load the compiled kernels, touch both buffers
    probe = max(2, min(50, int(2e6 // (n * n))))
    per_step = runner.timed_steps(probe) / probe
    steps = max(2, math.ceil(min_time / per_step))
    times = []
    for _ in range(repeats):
        runner.restart()
        times.append(runner.timed_steps(steps) / steps)
    best = min(times)
    return {"impl": "pde-meta", "N": n, "threads": threads, "steps_per_batch": steps,
            "batches": repeats, "seconds_per_step": best,
            "median_seconds_per_step": float(np.median(times)),
            "cell_updates_per_s": n * n / best}


def pde_meta_solve(n: int, threads: int | None, t_end: float) -> dict:
    """Run the problem from t = 0 to ``t_end`` in one ``advance`` call."""
    runner = ProblemRunner(n, threads)
    start = time.perf_counter()
    state = runner.stepper.advance(t_end)
    wall = time.perf_counter() - start
    return {"N": n, "threads": runner.stepper.threads, "t": state.t, "steps": state.step,
            "seconds": wall, "tumour": state.tumor.copy()}


def steps_model(n: int, t_end: float, taxis_integral: float, safety: float = 0.9) -> float:
    """Steps to ``t_end`` on an ``n x n`` grid under the tumour-transport bound.

    The automatic step is ``dt = safety / R`` with ``R = 4 D_n / h^2 + 2 V / h`` at the
    limiting cell (no membrane, ``D_m = D_n``): a diffusion part fixed by ``h`` and a
    taxis part, ``V`` the cell's outgoing haptotactic speed, set by the solution and
    nearly independent of ``h``. So ``steps = (4 D_n n^2 t_end + 2 n J) / safety`` with
    ``J`` the time integral of ``V``, which one measured run determines.
    """
    d_n = pm.Parameters().tumor_diffusivity
    return (4.0 * d_n * n * n * t_end + 2.0 * n * taxis_integral) / safety


def taxis_integral(n: int, t_end: float, steps: int, safety: float = 0.9) -> float:
    """``J`` of :func:`steps_model` from a measured step count."""
    d_n = pm.Parameters().tumor_diffusivity
    return (steps * safety - 4.0 * d_n * n * n * t_end) / (2.0 * n)


def time_to_solution(s: Settings) -> dict:
    """pde-meta on the Anderson problem: the full run at ``tts_n`` and the large-grid estimate."""
    runs = {}
    for threads in s.threads:
        all_runs = [quiet_measure(lambda k=threads: pde_meta_solve(s.tts_n, k, T_PROBLEM),
                                  s.retries, "seconds") for _ in range(s.tts_repeats)]
        best = min(all_runs, key=lambda r: r["seconds"])
        best["all_seconds"] = [r["seconds"] for r in all_runs]
        best.pop("tumour")
        runs[threads] = best
        _say(f"pde-meta N={s.tts_n} to t={T_PROBLEM:g}, {threads} thread(s): "
             f"{best['steps']} steps, {best['seconds']:.2f} s")
    steps_full = next(iter(runs.values()))["steps"]
    short_ref = pde_meta_solve(s.tts_n, max(s.threads), s.large_t_short)
    short_large = pde_meta_solve(s.large_n, max(s.threads), s.large_t_short)
    j_short = taxis_integral(s.tts_n, s.large_t_short, short_ref["steps"])
    j_full = taxis_integral(s.tts_n, T_PROBLEM, steps_full)
    large = {
        "N": s.large_n,
        "t_short": s.large_t_short,
        "short_steps_measured": short_large["steps"],
        "short_seconds": short_large["seconds"],
        "short_steps_predicted": steps_model(s.large_n, s.large_t_short, j_short),
        "steps_predicted": steps_model(s.large_n, T_PROBLEM, j_full),
        "reference_N": s.tts_n,
        "reference_short_steps": short_ref["steps"],
        "reference_steps": steps_full,
    }
    large["short_prediction_error"] = (
        large["short_steps_predicted"] / large["short_steps_measured"] - 1.0)
    _say(f"pde-meta N={s.large_n} to t={s.large_t_short:g}: {short_large['steps']} steps "
         f"(model {large['short_steps_predicted']:.0f}); predicted to t={T_PROBLEM:g}: "
         f"{large['steps_predicted']:.0f} steps")
    if s.solve_large:
        full = pde_meta_solve(s.large_n, max(s.threads), T_PROBLEM)
        full.pop("tumour")
        large["measured"] = full
        _say(f"pde-meta N={s.large_n} to t={T_PROBLEM:g}: {full['steps']} steps, "
             f"{full['seconds']:.1f} s")
    return {"N": s.tts_n, "t_end": T_PROBLEM, "runs": {str(k): v for k, v in runs.items()},
            "large": large}


def compile_times() -> dict:
    """Import + first step in a fresh interpreter: with an empty numba cache, then again."""
    code = (
        "import json, time\n"
        "t0 = time.perf_counter()\n"
        "import pde_meta as pm\n"
        "t1 = time.perf_counter()\n"
        "st = pm.Stepper(pm.initial.anderson2005(64), pm.Parameters())\n"
        "st.advance(float('inf'), max_steps=1)\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'first_step_s': t2 - t1}))\n"
    )
    out = {}
    with tempfile.TemporaryDirectory(prefix="pde-meta-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        for label in ("cold", "cached"):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                  capture_output=True, text=True, check=True)
            wall = time.perf_counter() - start
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["total_s"] = r["import_s"] + r["first_step_s"]
            r["process_wall_s"] = wall
            out[label] = r
            _say(f"compile {label}: import {r['import_s']:.2f} s + first step "
                 f"{r['first_step_s']:.2f} s")
    return out


# --------------------------------------------------------------------------- peers


def numpy_throughput(n: int, taxis: str, repeats: int, min_time: float) -> dict:
    solver = numpy_explicit.NumpyExplicit(n, taxis=taxis)
    dt = solver.stable_dt()
    fields = solver.initial_fields()
    probe = solver.run(2 * dt, dt=dt, fields=fields)  # warm-up: allocator, caches
    probe = solver.run(2 * dt, dt=dt, fields=fields)
    steps = max(1, math.ceil(min_time / probe["seconds_per_step"]))
    times = [solver.run(steps * dt, dt=dt, fields=fields)["seconds_per_step"]
             for _ in range(repeats)]
    best = min(times)
    return {"impl": f"NumPy ({taxis})", "N": n, "threads": 1, "dt": dt,
            "steps_per_batch": steps, "batches": repeats, "seconds_per_step": best,
            "median_seconds_per_step": float(np.median(times)),
            "cell_updates_per_s": n * n / best}


def numpy_compare(n: int, t_end: float) -> dict:
    """The NumPy peer (py-pde's stencil) from t = 0 to ``t_end``: tumour field and timing."""
    r = numpy_explicit.run(n, t_end)
    return {"impl": "NumPy (central)", "N": n, "t": r["t"], "steps": r["steps"], "dt": r["dt"],
            "seconds": r["wall_time"], "threads": 1, "tumour": r["fields"]["n"]}


def pypde_measure(n: int, threads: list[int], repeats: int, min_time: float,
                  compare_t: float | None, retries: int = 0) -> tuple[list[dict], dict | None]:
    """py-pde's compiled Euler stepper, built once: per-step time at each thread count and,
    if ``compare_t`` is given, one run from t = 0 to it for the field comparison (with the
    fastest thread count measured)."""
    from pde.solvers import EulerSolver

    from .peers import pypde_model

    eq = pypde_model.AndersonPDE()
    dt = common.stable_dt(n, params=eq.params)
    state = pypde_model.make_state(n)
    solver = EulerSolver(eq, backend="numba", adaptive=False)
    start = time.perf_counter()
    stepper = solver.make_stepper(state, dt)
    t = stepper(state, 0.0, dt)
    compile_s = time.perf_counter() - start
    _say(f"py-pde N={n}: stepper built and compiled in {compile_s:.1f} s")
    previous = numba.get_num_threads()
    rows = []
    clock = [t]

    def batches(k: int) -> dict:
        t = clock[0]
        t = stepper(state, t, t + 2 * dt)
        start = time.perf_counter()
        t = stepper(state, t, t + 5 * dt)
        steps = max(5, math.ceil(min_time / ((time.perf_counter() - start) / 5)))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            t = stepper(state, t, t + steps * dt)
            times.append((time.perf_counter() - start) / steps)
        clock[0] = t
        best = min(times)
        return {"impl": "py-pde", "N": n, "threads": k, "dt": dt, "steps_per_batch": steps,
                "batches": repeats, "seconds_per_step": best,
                "median_seconds_per_step": float(np.median(times)),
                "cell_updates_per_s": n * n / best, "compile_s": compile_s}

    try:
        for k in threads:
            numba.set_num_threads(k)
            rows.append(quiet_measure(lambda k=k: batches(k), retries))
        if not np.all(np.isfinite(state.data)):
            raise RuntimeError("py-pde state became non-finite")
        compare = None
        if compare_t is not None:
            fastest = min(rows, key=lambda r: r["seconds_per_step"])["threads"] if rows else (
                previous)
            numba.set_num_threads(fastest)
            fresh = pypde_model.make_state(n)
            steps = max(1, round(compare_t / dt))
            start = time.perf_counter()
            stepper(fresh, 0.0, steps * dt)
            wall = time.perf_counter() - start
            compare = {"impl": "py-pde", "N": n, "t": steps * dt, "steps": steps, "dt": dt,
                       "seconds": wall, "threads": fastest,
                       "tumour": pypde_model.state_to_arrays(fresh)["n"]}
    finally:
        numba.set_num_threads(previous)
    return rows, compare


def pypde_version() -> str | None:
    try:
        import pde
    except ImportError:
        return None
    return pde.__version__


# --------------------------------------------------------------------------- comparison


def restrict(u: np.ndarray) -> np.ndarray:
    """Average 2 x 2 blocks of cells: a (2N, 2N) cell-centred field onto the (N, N) grid."""
    ny, nx = u.shape
    return u.reshape(ny // 2, 2, nx // 2, 2).mean(axis=(1, 3))


def rel_l2(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


def agreement(s: Settings, peers: list[dict]) -> dict:
    """Relative L2 differences of the tumour field at ``compare_t``.

    pde-meta runs on N, 2N and 4N (``N = compare_n``). Its successive differences give
    the observed order ``p`` and the estimated error ``d / (1 - 2^-p)`` of the coarser
    grid of each pair. Each peer field (on N or 2N) is compared with pde-meta on the same
    grid and with pde-meta's finest field restricted to the peer's grid.
    """
    n, t = s.compare_n, s.compare_t
    pm_fields = {}
    pm_steps = {}
    for k in (n, 2 * n, 4 * n):
        r = pde_meta_solve(k, None, t)
        pm_fields[k], pm_steps[k] = r["tumour"], r["steps"]

    def down(u: np.ndarray, size: int) -> np.ndarray:
        while u.shape[0] > size:
            u = restrict(u)
        return u

    d1 = rel_l2(pm_fields[n], down(pm_fields[2 * n], n))
    d2 = rel_l2(down(pm_fields[2 * n], n), down(pm_fields[4 * n], n))
    order = math.log2(d1 / d2) if d1 > 0 and d2 > 0 else math.nan
    shrink = 1.0 - 2.0 ** -order if order > 0 else math.nan
    out = {
        "N": n, "t": t,
        "pde_meta_steps": {str(k): v for k, v in pm_steps.items()},
        "self_convergence": d1,
        "self_convergence_fine": d2,
        "observed_order": order,
        "estimated_error": {str(n): d1 / shrink, str(2 * n): d2 / shrink},
        "peers": [],
    }
    for p in peers:
        size = p["tumour"].shape[0]
        entry = {k: p[k] for k in ("impl", "N", "steps", "dt", "seconds", "t", "threads")}
        entry["rel_l2_vs_pde_meta"] = rel_l2(pm_fields[size], p["tumour"])
        entry["rel_l2_vs_pde_meta_finest"] = rel_l2(down(pm_fields[4 * n], size), p["tumour"])
        out["peers"].append(entry)
    by_size = {}
    for p in peers:
        by_size.setdefault(p["tumour"].shape[0], []).append(p)
    out["between_peers"] = [
        {"N": k, "impls": [p["impl"] for p in group],
         "rel_l2": rel_l2(group[0]["tumour"], group[1]["tumour"])}
        for k, group in sorted(by_size.items()) if len(group) == 2]
    return out


# --------------------------------------------------------------------------- main


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "cpu": cpu, "cpu_count": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "python": platform.python_version(), "numpy": np.__version__,
        "numba": numba.__version__, "py-pde": pypde_version(), "pde_meta": pm.__version__,
        "platform": platform.platform(), "git_commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def run(s: Settings, command: str) -> dict:
    start = time.perf_counter()
    res: dict = {"settings": asdict(s), "command": command, "machine": machine(),
                 "loadavg": {"start": loadavg()}, "throughput": [], "phases": {}}
    whole = CpuMeter()
    phase = [None, None]

    def begin(name: str) -> None:
        if phase[0] is not None:
            res["phases"][phase[0]] = {**phase[1].read(), "loadavg_1min": loadavg()[0]}
        phase[:] = [name, CpuMeter()]

    _wait_budget[0] = s.wait_budget
    if s.wait_quiet > 0:
        res["waited_for_quiet_s"] = wait_for_quiet(s.wait_quiet)
    threads = [k for k in s.threads if k <= numba.config.NUMBA_NUM_THREADS]
    s.threads = threads
    compare_peers = []

    # NumPy first, while the process is fresh (its speed depends on the malloc state)
    if s.numpy:
        begin("NumPy peer")
        for n in s.numpy_sizes:
            for taxis in numpy_explicit.TAXIS_SCHEMES:
                row = quiet_measure(
                    lambda n=n, taxis=taxis: numpy_throughput(n, taxis, s.repeats,
                                                              s.peer_min_time), s.retries)
                res["throughput"].append(row)
                _say(f"{row['impl']} N={n}: {row['seconds_per_step'] * 1e3:.3f} ms/step")
        for n in [s.compare_n] + ([2 * s.compare_n] if s.compare_numpy_2n else []):
            _say(f"NumPy N={n} to t={s.compare_t:g} ...")
            compare_peers.append(numpy_compare(n, s.compare_t))
            _say(f"NumPy: {compare_peers[-1]['steps']} steps in "
                 f"{compare_peers[-1]['seconds']:.1f} s")

    def triad(when: str) -> None:
        """Measure the triad; keep the highest bandwidth seen (the strictest ceiling)."""
        for k in threads:
            r = quiet_measure(
                lambda k=k: stream.measure_triad(k, n_elements=s.stream_elements,
                                                 repeats=s.stream_repeats), s.retries, "best_s")
            seen = res["stream"].get(str(k), {}).get("samples_gb_s", [])
            r["samples_gb_s"] = seen + [r["bytes_per_s"] / 1e9]
            if str(k) not in res["stream"] or (
                    r["bytes_per_s"] > res["stream"][str(k)]["bytes_per_s"]):
                res["stream"][str(k)] = r
            else:
                res["stream"][str(k)]["samples_gb_s"] = r["samples_gb_s"]
            _say(f"triad {k} thread(s), {when}: {r['bytes_per_s'] / 1e9:.2f} GB/s")

    begin("STREAM triad")
    res["stream"] = {}
    triad("before the pde-meta throughput")
    res["traffic"] = traffic()

    begin("pde-meta throughput")
    for n in s.sizes:
        for k in threads:
            row = quiet_measure(
                lambda n=n, k=k: pde_meta_throughput(n, k, s.repeats, s.min_time), s.retries)
            res["throughput"].append(row)
            _say(f"pde-meta N={n} threads={k}: {row['cell_updates_per_s'] / 1e6:.1f} M/s")
    begin("STREAM triad, again")
    triad("after the pde-meta throughput")
    begin("pde-meta time to solution")
    res["time_to_solution"] = time_to_solution(s)

    if s.pypde and pypde_version() is not None:
        begin("py-pde peer")
        compare_sizes = {s.compare_n} | ({2 * s.compare_n} if s.compare_pypde_2n else set())
        for n in s.pypde_sizes:
            rows, cmp = pypde_measure(n, threads, s.repeats, s.peer_min_time,
                                      s.compare_t if n in compare_sizes else None, s.retries)
            res["throughput"].extend(rows)
            for row in rows:
                _say(f"py-pde N={n} threads={row['threads']}: "
                     f"{row['seconds_per_step'] * 1e3:.3f} ms/step")
            if cmp is not None:
                compare_peers.append(cmp)
                _say(f"py-pde N={n}: {cmp['steps']} steps to t={s.compare_t:g} in "
                     f"{cmp['seconds']:.1f} s")
        for n in sorted(compare_sizes - set(s.pypde_sizes)):
            _, cmp = pypde_measure(n, [], 1, 0.0, s.compare_t)
            compare_peers.append(cmp)

    begin("field agreement")
    res["agreement"] = agreement(s, compare_peers)

    if s.compile_subprocess:
        begin("compile subprocesses")
        res["compile"] = compile_times()

    from . import oxygen_solvers

    begin("oxygen solve")
    res["oxygen_solvers"] = oxygen_solvers.main(s.oxygen_n)
    from . import contention

    begin("contention (one competing process, started here)")
    res["contention"] = (contention.measure(64, 0.5, 1) if s.quick else
                         contention.measure(s.tts_n, 10.0, 2))
    begin(None)
    res["loadavg"]["end"] = loadavg()
    res["cpu_others"] = whole.read()
    res["retry_wait_s"] = s.wait_budget - _wait_budget[0]
    res["wall_s"] = time.perf_counter() - start
    report.derive(res)
    return res


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="pde-meta against py-pde, plain NumPy and the memory-bandwidth limit.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny grids, one repeat, no py-pde, no compile subprocesses")
    parser.add_argument("--sizes", type=int, nargs="+", help="pde-meta grid sizes N")
    parser.add_argument("--threads", type=int, nargs="+", help="thread counts (default 1 2)")
    parser.add_argument("--repeats", type=int, help="timed batches per measurement")
    parser.add_argument("--min-time", type=float, help="seconds per timed batch")
    parser.add_argument("--numpy-sizes", type=int, nargs="*", help="NumPy peer sizes")
    parser.add_argument("--pypde-sizes", type=int, nargs="*", help="py-pde peer sizes")
    parser.add_argument("--compare", type=float, nargs=2, metavar=("N", "T"),
                        help="grid and time of the field comparison (default 128 1.0)")
    parser.add_argument("--skip-peers", action="store_true", help="no NumPy, no py-pde")
    parser.add_argument("--skip-compile", action="store_true",
                        help="no cold/cached compile subprocesses")
    parser.add_argument("--solve-large", action="store_true",
                        help="also run the large grid (N = 1024) to t = 10 in full")
    parser.add_argument("--retries", type=int,
                        help="re-measure a figure disturbed by other processes up to this "
                             "many times (default 4)")
    parser.add_argument("--wait-quiet", type=float,
                        help="seconds to wait at most for a quiet machine before starting "
                             "(default 60)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)

    s = Settings.quick_settings() if args.quick else Settings()
    for name in ("sizes", "threads", "repeats", "min_time", "numpy_sizes", "pypde_sizes",
                 "retries", "wait_quiet"):
        value = getattr(args, name)
        if value is not None:
            setattr(s, name, value)
    if args.compare:
        s.compare_n, s.compare_t = int(args.compare[0]), float(args.compare[1])
    if args.skip_peers:
        s.numpy = s.pypde = False
    if args.skip_compile:
        s.compile_subprocess = False
    s.solve_large = args.solve_large
    command = "python -m benchmarks.run" + ("" if argv is None else " " + " ".join(argv))
    if argv is None:
        command = "python -m benchmarks.run " + " ".join(sys.argv[1:])
    res = run(s, command.strip())

    args.out.mkdir(parents=True, exist_ok=True)
    text = report.markdown(res)
    (args.out / "results.md").write_text(text)
    (args.out / "results.json").write_text(json.dumps(res, indent=1, default=_json_default))
    report.plot(res, args.out / "throughput.png")
    print(text)
    return res


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    main()
