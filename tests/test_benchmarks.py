"""Smoke test of the benchmark command (``python -m benchmarks.run --quick``)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import report  # noqa: E402
from benchmarks import run as bench  # noqa: E402


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    res = bench.main(["--quick", "--out", str(out)])
    return out, res


def test_quick_run_writes_table_json_and_plot(quick):
    out, res = quick
    text = (out / "results.md").read_text()
    for heading in ("## Targets", "## Per-step throughput", "## Time to solution",
                    "## Same problem", "## Hardware limit"):
        assert heading in text
    assert "Quick mode" in text
    assert "| 32 |" in text and "| 64 |" in text
    png = (out / "throughput.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    saved = json.loads((out / "results.json").read_text())
    assert saved["derived"]["targets"] == json.loads(json.dumps(res["derived"]["targets"]))


def test_quick_run_numbers_are_sane(quick):
    _, res = quick
    rows = [r for r in res["throughput"] if r["impl"] == "pde-meta"]
    assert {(r["N"], r["threads"]) for r in rows} == {(32, 1), (32, 2), (64, 1), (64, 2)}
    for r in res["throughput"]:
        assert math.isfinite(r["cell_updates_per_s"]) and r["cell_updates_per_s"] > 1e4
        assert r["cell_updates_per_s"] == pytest.approx(r["N"] ** 2 / r["seconds_per_step"])
    for tri in res["stream"].values():
        assert 1e8 < tri["bytes_per_s"] < 1e13
    assert res["traffic"]["bytes_per_cell"] == 104  # static membrane: not rewritten
    d = res["derived"]
    assert all(c > 0 for c in d["ceiling"].values())
    # pde-meta reached t = 10; the NumPy peer needs its explicit step count
    tts = res["time_to_solution"]
    assert all(r["t"] == pytest.approx(10.0) for r in tts["runs"].values())
    numpy_rows = [e for e in d["tts"] if e["impl"].startswith("NumPy")]
    assert numpy_rows and all(e["how"].startswith("extrapolated") for e in numpy_rows)
    assert all(e["steps"] > 10 * tts["runs"]["1"]["steps"] for e in numpy_rows)
    # the peer solves the same problem: its field is close to pde-meta's
    a = res["agreement"]
    assert 0 < a["self_convergence"] < 0.2
    assert all(0 < p["rel_l2_vs_pde_meta"] < 0.3 for p in a["peers"])  # coarse grids
    assert {p["N"] for p in a["peers"]} == {32, 64}
    assert d["agreement_order"] > 0.5  # the difference shrinks under refinement
    # the step-count model reproduces a short run of a finer grid
    assert abs(tts["large"]["short_prediction_error"]) < 0.25
    assert {t["key"] for t in d["targets"]} == {t[0] for t in report.TARGETS}


def test_steps_model_inverts_taxis_integral():
    j = bench.taxis_integral(256, 10.0, 2087)
    assert bench.steps_model(256, 10.0, j) == pytest.approx(2087)
    # the diffusion part scales with N^2, the taxis part with N
    diffusion_only = bench.steps_model(1024, 10.0, 0.0)
    assert diffusion_only < bench.steps_model(1024, 10.0, j) < 16 * 2087
    assert bench.steps_model(1024, 10.0, j) - diffusion_only == pytest.approx(
        4 * (2087 - bench.steps_model(256, 10.0, 0.0)))


def test_restrict_averages_blocks():
    import numpy as np

    u = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(bench.restrict(u), [[2.5, 4.5], [10.5, 12.5]])


def test_traffic_counts_the_membrane_only_when_it_changes():
    import pde_meta as pm

    static = bench.traffic(pm.Parameters())
    moving = bench.traffic(pm.Parameters(membrane_degradation=1.0))
    assert static["bytes_per_cell"] == 40 + 32 + 2 * 16
    assert moving["bytes_per_cell"] == static["bytes_per_cell"] + 8
    assert moving["bytes_per_cell_write_allocate"] == moving["bytes_per_cell"] + 40


# --------------------------------------------------------------------------- accuracy study

from benchmarks import accuracy  # noqa: E402


@pytest.fixture(scope="module")
def quick_accuracy(tmp_path_factory):
    out = tmp_path_factory.mktemp("accuracy")
    res = accuracy.main(["--quick", "--out", str(out)])
    return out, res


def _errors_by_n(res, contender, **match):
    rows = [r for r in res["runs"] if r["contender"] == contender
            and all(r.get(k) == v for k, v in match.items())]
    return {r["N"]: r["err"] for r in rows}


def test_quick_accuracy_writes_report_json_and_plot(quick_accuracy):
    out, res = quick_accuracy
    text = (out / "accuracy.md").read_text()
    for heading in ("## Headline: time to equal error", "## Every run",
                    "## Reference and its error", "## Load"):
        assert heading in text
    assert "Quick mode" in text
    png = (out / "accuracy.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    saved = json.loads((out / "accuracy.json").read_text())
    assert len(saved["runs"]) == len(res["runs"])
    assert set(saved["phases"]) >= {"reference", "pde-meta (pass 1)"}
    assert all(math.isfinite(v) for v in res["loadavg"]["start"])


def test_quick_accuracy_pde_meta_converges(quick_accuracy):
    _, res = quick_accuracy
    for k in (1, 2):
        name = f"pde-meta, {k} thread" + ("s" if k > 1 else "")
        auto = _errors_by_n(res, name, auto_dt=True)
        assert set(auto) == {16, 32}
        assert 0 < auto[32] < auto[16] < 1  # error decreases with N
        halved = _errors_by_n(res, name, q=0.5)
        # the default scheme is second order: halving its step moves the error (which is
        # the grid's) by under 5 % (measured 2-3 %)
        assert all(abs(halved[n] - auto[n]) < 0.05 * auto[n] for n in auto)
    rows = [r for r in res["runs"] if r["contender"].startswith("pde-meta")]
    assert all(r["seconds"] > 0 and r["steps"] > 0 for r in rows)
    # results are bitwise identical for any thread count, so are the errors
    one = {(r["N"], r["q"]): r["err"] for r in rows if r["threads"] == 1}
    two = {(r["N"], r["q"]): r["err"] for r in rows if r["threads"] == 2}
    assert one == two
    # the reference's time error estimate is that of a first-order method
    ref = res["reference"]
    assert ref["time_error_half"] == pytest.approx(2 * ref["time_error_quarter"], rel=1e-6)


def test_quick_accuracy_fipy_converges(quick_accuracy):
    pytest.importorskip("fipy", reason="FiPy comes with the bench extra")
    _, res = quick_accuracy
    errs = _errors_by_n(res, accuracy.FIPY)
    assert set(errs) == {16, 32}
    assert 0 < errs[32] < errs[16] < 1
    h = res["derived"]["headline"][accuracy.FIPY]
    assert h["ratio"] > 1 and h["min_ratio"] <= h["ratio"] <= h["max_ratio"]


def _pt(seconds, err, label=""):
    return {"seconds": seconds, "err": err, "label": label}


def test_frontier_drops_dominated_settings():
    pts = [_pt(1, 0.1, "a"), _pt(2, 0.2, "slow and worse"), _pt(10, 0.01, "b"),
           _pt(5, 0.05, "c"), _pt(20, 0.05, "no gain")]
    assert [p["label"] for p in accuracy.frontier(pts)] == ["a", "c", "b"]


def test_time_at_error_interpolates_log_log():
    front = [_pt(1.0, 0.1), _pt(10.0, 0.01), _pt(1000.0, 0.001)]
    # on a power law err = 0.1 / t the interpolation is exact
    assert accuracy.time_at_error(front, 0.1 / math.sqrt(10)) == pytest.approx(math.sqrt(10))
    assert accuracy.time_at_error(front, 0.003) == pytest.approx(10 * (10 / 3) ** 2)
    assert accuracy.time_at_error(front, 0.1) == pytest.approx(1.0)
    assert accuracy.time_at_error(front, 0.001) == pytest.approx(1000.0)
    assert accuracy.time_at_error(front, 0.2) is None  # no extrapolation
    assert accuracy.time_at_error(front, 0.0005) is None


def test_equal_error_ratios_on_constructed_power_laws():
    # the peer needs 100x the time of ours for every error: err = 1 / t vs err = 0.01 / t
    peer = [_pt(t, 1.0 / t, f"p{t}") for t in (10.0, 30.0, 100.0)]
    ours = [_pt(t, 0.01 / t) for t in (0.05, 0.2, 2.0)]
    ratios = accuracy.equal_error_ratios(peer, ours)
    assert [e["peer_label"] for e in ratios] == ["p10.0", "p30.0", "p100.0"]
    for e in ratios:
        assert e["ratio"] == pytest.approx(100.0)
    # errors outside our measured range are left out, not extrapolated
    assert accuracy.equal_error_ratios([_pt(1.0, 0.5)], ours) == []
