"""The growth-law primary: each law against its closed form, Hahnfeldt's plateau, the
expected shedding against independent quadratures, Poisson counts, Iwata's N(t) through
the shedding exchange, the resection, niche_measure and a bitwise restart."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

import pde_meta as pm
from pde_meta.config import config_from_dict
from pde_meta.errors import ConfigError
from pde_meta.models.primary import Hahnfeldt, Primary, PrimaryParameters
from pde_meta.numerics.growth import grow, power_integral, trajectory

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

IWATA = Path(__file__).resolve().parents[1] / "configs" / "iwata2000.toml"
A, K, M, ALPHA = 0.00286, 7.3e10, 5.3e-8, 0.663


def exact(law, x0, a, k, t):
    """The closed forms, written out here (not those of pde_meta.numerics.growth)."""
    t = np.asarray(t, dtype=float)
    if law == "exponential":
        return x0 * np.exp(a * t)
    if law == "logistic":
        return k / (1.0 + (k / x0 - 1.0) * np.exp(-a * t))
    return k * np.exp(np.log(x0 / k) * np.exp(-a * t))


def run_days(primary, days, dt=1.0):
    """Advance day by day; the sizes at 0, dt, 2 dt, ... (and the shed counts)."""
    sizes, shed = [primary.x], [primary.shed]
    for k in range(1, int(round(days / dt)) + 1):
        primary.advance(k * primary.dt_model)
        sizes.append(primary.x)
        shed.append(primary.shed)
    return np.array(sizes), np.array(shed)


@pytest.mark.parametrize("law, x0, a, k", [("exponential", 3.0, 0.05, None),
                                           ("logistic", 10.0, 0.03, 1e6),
                                           ("gompertz", 1.0, A, K),
                                           ("gompertz", 1e11, 0.01, K)])  # shrinks to K
def test_each_scalar_law_follows_its_closed_form(law, x0, a, k):
    p = Primary("p", PrimaryParameters(law=law, cells=x0, growth_rate=a, capacity=k,
                                       dt=0.5), hours=24.0)
    sizes, _ = run_days(p, 800.0, dt=0.5)
    want = exact(law, x0, a, k, 0.5 * np.arange(sizes.size))
    np.testing.assert_allclose(sizes, want, rtol=1e-12, atol=0)
    assert p.fields()["capacity"][0] != p.fields()["capacity"][0]  # NaN: not hahnfeldt
    assert p.fields()["volume_mm3"][0] == pytest.approx(sizes[-1] / 1e6, rel=1e-15)


def test_growth_helpers_agree_with_the_closed_forms_and_time_to_inverts_them():
    t = np.linspace(0.0, 900.0, 7)
    for law, k in (("exponential", None), ("logistic", 1e9), ("gompertz", K)):
        np.testing.assert_allclose(trajectory(law, 5.0, 0.01, k, t),
                                   exact(law, 5.0, 0.01, k, t), rtol=1e-13)
        assert float(grow(law, np.float64(5.0), 0.01, k, 321.0)) == pytest.approx(
            float(exact(law, 5.0, 0.01, k, 321.0)), rel=1e-14)
    assert np.all(trajectory("gompertz", 0.0, A, K, t) == 0.0)  # 0 stays 0


@pytest.mark.parametrize("law, k", [("exponential", None), ("logistic", 2e9),
                                    ("gompertz", K)])
def test_power_integral_matches_an_independent_quadrature(law, k):
    x0, a, t = 7.0, 0.02, 600.0
    got = power_integral(law, x0, a, k, t, ALPHA)
    if law == "exponential":
        want = x0**ALPHA * math.expm1(ALPHA * a * t) / (ALPHA * a)
    elif law == "gompertz":  # K^alpha (Ei(alpha c) - Ei(alpha c e^{-a t})) / a
        c = math.log(x0 / k)
        want = k**ALPHA * (special.expi(ALPHA * c) - special.expi(ALPHA * c
                                                                   * math.exp(-a * t))) / a
    else:
        want = integrate.quad(lambda s: float(exact(law, x0, a, k, s)) ** ALPHA, 0, t,
                              epsabs=0, epsrel=1e-13, limit=200)[0]
    assert got == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("law", ["exponential", "logistic", "gompertz"])
def test_expected_shed_is_the_integral_of_m_x_to_the_alpha(law):
    k = {"exponential": None, "logistic": 1e10, "gompertz": K}[law]
    a = {"exponential": 0.01, "logistic": 0.02, "gompertz": A}[law]
    p = Primary("p", PrimaryParameters(law=law, cells=50.0, growth_rate=a, capacity=k,
                                       shedding_rate=M, shedding_exponent=ALPHA, dt=2.0),
                hours=24.0)
    p.advance(400.0)
    want = integrate.quad(lambda s: M * float(exact(law, 50.0, a, k, s)) ** ALPHA, 0, 400,
                          epsabs=0, epsrel=1e-13, limit=400)[0]
    assert p.expected == pytest.approx(want, rel=1e-9)
    assert p.diagnostics(0)["expected_shed"] == p.expected
    assert p.diagnostics(0)["balance"] == 0.0


def _hahnfeldt_reference(p, t_end):
    law = Hahnfeldt(p)
    sol = integrate.solve_ivp(lambda t, y: law.rhs(t, y[0], y[1]), (0, t_end),
                              [p.volume, p.vascular_capacity, 0.0], method="DOP853",
                              rtol=1e-13, atol=1e-12, dense_output=True)
    return sol.sol


def test_hahnfeldt_reaches_its_plateau_and_matches_a_reference_solution():
    p = PrimaryParameters(law="hahnfeldt")
    primary = Primary("h", p, hours=24.0)
    primary.advance(40.0)
    v, k, lam = _hahnfeldt_reference(p, 40.0)(40.0)
    assert primary.x / 1e6 == pytest.approx(v, rel=1e-9)
    assert primary.k == pytest.approx(k, rel=1e-9)
    assert primary.expected == pytest.approx(lam, rel=1e-9)  # m x^alpha, independently
    assert primary.fields()["capacity"][0] == primary.k
    primary.advance(250.0)
    plateau = (p.stimulation / p.inhibition) ** 1.5
    assert plateau == pytest.approx(1.7346e4, rel=1e-4)
    assert primary.volume_mm3() == pytest.approx(plateau, rel=1e-3)
    assert primary.k / primary.volume_mm3() == pytest.approx(1.0, rel=1e-3)


def test_the_hahnfeldt_step_is_fourth_order():
    p = PrimaryParameters(law="hahnfeldt")
    law = Hahnfeldt(p)
    x0, k0 = p.volume * p.cells_per_mm3, p.vascular_capacity
    fine = law.advance(x0, k0, 0.0, 10.0, courant=0.005)
    errors = [abs(law.advance(x0, k0, 0.0, 10.0, courant=c)[0] / fine[0] - 1.0)
              for c in (0.8, 0.4)]
    assert 12.0 < errors[0] / errors[1] < 20.0  # 2^4 = 16


def test_the_treatment_hook_acts_on_the_vascular_capacity():
    p = PrimaryParameters(law="hahnfeldt")
    untreated = Hahnfeldt(p).advance(180e6, 625.0, 0.0, 20.0)
    treated = Hahnfeldt(p, treatment=lambda t: 1.3 * 5.0).advance(180e6, 625.0, 0.0, 20.0)
    assert treated[1] < untreated[1] and treated[0] < untreated[0]
    with pytest.raises(ValueError, match="hahnfeldt"):
        Primary("p", PrimaryParameters(law="exponential"), treatment=lambda t: 1.0)


def test_shed_counts_are_poisson_with_the_expected_mean():
    x = (5.0 / M) ** (1.0 / ALPHA)  # beta(x) = 5 cells per day, constant
    p = Primary("p", PrimaryParameters(law="exponential", cells=x, growth_rate=0.0,
                                       shedding_rate=M, shedding_exponent=ALPHA), seed=11,
                hours=24.0)
    _, shed = run_days(p, 4000.0)
    counts = np.diff(shed)
    lam = p.expected / counts.size
    assert lam == pytest.approx(5.0, rel=1e-12)
    assert abs(shed[-1] - p.expected) < 4.0 * math.sqrt(p.expected)
    dispersion = float(np.sum((counts - lam) ** 2) / lam)  # chi-square, n - 1 dof
    assert stats.chi2.sf(dispersion, counts.size - 1) > 1e-4
    assert stats.chi2.cdf(dispersion, counts.size - 1) > 1e-4
    observed = np.bincount(counts, minlength=12)[:12]
    expected = counts.size * stats.poisson.pmf(np.arange(12), lam)
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    assert stats.chi2.sf(chi2, 11) > 1e-4  # the shape of the distribution too


def test_the_same_seed_sheds_the_same_cells_and_another_seed_other_ones():
    runs = [Primary("p", PrimaryParameters(law="exponential", cells=1e9, growth_rate=0.0),
                    seed=s, hours=24.0) for s in (1, 1, 2)]
    for r in runs:
        r.advance(300.0)
    assert runs[0].shed == runs[1].shed and runs[0].shed != runs[2].shed


def _iwata_data(tmp_path, t_end):
    data = tomllib.loads(IWATA.read_text())
    data["compartments"]["liver"]["organs"][0]["seeding_rate"] = 0.0  # no secondary seeding
    data["time"] = {"t_end": t_end, "snapshot_interval": 100.0}
    data["output"] = {"path": str(tmp_path / "iwata.h5")}
    return data


def test_iwata_colonies_equal_the_cells_shed_and_n_t_is_the_integral_of_beta(tmp_path):
    config = config_from_dict(_iwata_data(tmp_path, 1000.0), base_dir=tmp_path,
                              name="iwata")
    run = pm.simulate(config, progress="none")
    primary = pm.open_run(run.path, compartment="primary").isel(time=-1)
    liver = pm.open_run(run.path, compartment="liver").isel(time=-1)
    shed = int(primary.shed_cells)
    ledger = pm.open_tree(run.path)["ledger"].dataset
    assert shed == int(liver.arrived_cells) == int(liver.started.values[0]) \
        == int(primary.taken_cells) == int(ledger.amount.values.sum())
    assert float(liver.colonies.values.sum()) == pytest.approx(shed, rel=1e-12)
    c = math.log(1.0 / K)  # N(t) = int_0^t m x_p^alpha: the Ei closed form
    n_t = M * K**ALPHA * (special.expi(ALPHA * c) - special.expi(ALPHA * c
                                                                 * math.exp(-A * 1000))) / A
    assert float(primary.expected_shed) == pytest.approx(n_t, rel=1e-9)
    assert 60 < n_t < 80 and abs(shed - n_t) < 4.0 * math.sqrt(n_t)


def test_resection_stops_the_shedding_and_the_residual_grows_back():
    p = PrimaryParameters(law="exponential", cells=1e8, growth_rate=0.01, resection=100.25,
                          residual=0.0, shedding_rate=1e-4)
    cut = Primary("p", p, seed=3, hours=24.0)
    sizes, shed = run_days(cut, 200.0)
    x_r = 1e8 * math.exp(0.01 * 100.25)
    assert cut.resected == pytest.approx(x_r, rel=1e-12) and cut.x == 0.0
    assert np.all(sizes[101:] == 0.0) and np.all(shed[101:] == shed[101])
    want = 1e-4 * (1e8) ** ALPHA * math.expm1(ALPHA * 0.01 * 100.25) / (ALPHA * 0.01)
    assert cut.expected == pytest.approx(want, rel=1e-12)  # flat after t_r
    assert cut.diagnostics(0)["resection_time"] == 100.25 and shed[101] > 0
    assert cut.niche_measure("cells") == 0.0
    kept = Primary("q", dataclasses.replace(p, residual=0.1), hours=24.0)
    sizes, _ = run_days(kept, 200.0)
    t = np.arange(101, 201)
    np.testing.assert_allclose(sizes[101:], 0.1 * x_r * np.exp(0.01 * (t - 100.25)),
                               rtol=1e-12)
    assert kept.resected == pytest.approx(0.9 * x_r, rel=1e-12)
    assert kept.niche_measure("cells") == kept.x > 0


def test_a_hahnfeldt_resection_keeps_the_residual_share_of_the_vessels_too():
    p = PrimaryParameters(law="hahnfeldt", resection=10.0, residual=0.2)
    h = Primary("h", p, hours=24.0)
    h.advance(10.0)
    before = (h.x, h.k)
    h.advance(11.0)
    ref = Hahnfeldt(p).advance(0.2 * before[0], 0.2 * before[1], 10.0, 1.0)
    assert (h.x, h.k) == pytest.approx(ref[:2], rel=1e-14)


def test_niche_measure_refuses_other_kinds():
    p = Primary("p", PrimaryParameters(capacity=K, cells=123.0))
    assert p.niche_measure("cells") == 123.0
    with pytest.raises(ConfigError, match=r"niche_measure kind = 'vegf'.*allowed: 'cells'"):
        p.niche_measure("vegf")


def test_a_primary_restarts_bit_for_bit():
    p = PrimaryParameters(law="hahnfeldt", shedding_rate=1e-5, resection=30.5, residual=0.3,
                          dt=0.5)
    whole = Primary("h", p, seed=9, hours=24.0)
    whole.advance(60.0)
    first = Primary("h", p, seed=9, hours=24.0)
    first.advance(20.0)
    again = Primary("h", p, seed=9, hours=24.0)
    again.restore(first.checkpoint())
    again.advance(60.0)
    for key in whole.checkpoint():
        assert np.array_equal(whole.checkpoint()[key], again.checkpoint()[key]), key
    assert whole.shed == again.shed > 0
    with pytest.raises(ConfigError, match="not that of a primary"):
        again.restore({"scalars": np.zeros(3), "counts": np.zeros(3, dtype=np.int64)})


def test_bad_parameters_are_refused_in_one_line_naming_the_key():
    cases = {"shedding_rate": -1.0, "residual": 1.5, "resection": -2.0, "law": "linear",
             "dt": 0.0}
    for key, value in cases.items():
        with pytest.raises(ConfigError) as err:
            PrimaryParameters(**{key: value, "capacity": K})
        text = str(err.value)
        assert text.startswith(f"{key} = ") and "\n" not in text and "allowed" in text
    with pytest.raises(ConfigError, match=r"^capacity is missing; .*gompertz"):
        PrimaryParameters(law="gompertz")
    with pytest.raises(ConfigError, match="hours = 0"):
        Primary("p", PrimaryParameters(capacity=K), hours=0.0)
