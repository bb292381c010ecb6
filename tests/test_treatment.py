"""Treatments: the plasma level of each PK model against its closed form (1e-12 between
and across doses) and the matrix exponential, Hahnfeldt's anti-angiogenic dormancy
threshold and treated plateau, and schedules refused in one line."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.linalg import expm

from pde_meta.config import loads_config
from pde_meta.errors import ConfigError
from pde_meta.models.primary import Primary, PrimaryParameters
from pde_meta.models.treatment import PK, Dose

T = np.linspace(0.0, 12.0, 241)


def test_one_compartment_boluses_and_an_infusion_against_their_closed_forms():
    k, V = 0.7, 2.5
    doses = (Dose(0.0, 10.0), Dose(3.0, 4.0), Dose(3.0, 1.0))
    got = PK("one", doses, k, V).level_at(T)
    exact = sum(np.where(T >= d.time, d.amount / V * np.exp(-k * (T - d.time)), 0.0)
                for d in doses)
    assert got == pytest.approx(exact, rel=1e-12, abs=1e-15)
    assert [PK("one", doses, k, V).at(t) for t in T] == pytest.approx(exact, rel=1e-12,
                                                                      abs=1e-15)
    R, ts, te = 6.0, 1.0, 4.0  # an infusion from day 1 to day 4
    got = PK("one", (Dose(ts, R, te - ts),), k, V).level_at(T)
    during = R / (k * V) * -np.expm1(-k * (T - ts))
    end = R / (k * V) * -math.expm1(-k * (te - ts))
    exact = np.where(T <= ts, 0.0, np.where(T <= te, during, end * np.exp(-k * (T - te))))
    assert got == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_two_compartments_against_the_matrix_exponential():
    k10, k12, k21, V = 2.0, 1.5, 0.7, 3.0
    M = np.array([[-(k10 + k12), k21], [k12, -k21]])
    bolus = PK("two", (Dose(0.5, 10.0),), k10, V, k12, k21)
    for t in (0.5, 0.6, 1.0, 3.0, 9.0):
        exact = (expm(M * (t - 0.5)) @ [10.0, 0.0])[0] / V
        assert bolus.level_at(t) == pytest.approx(exact, rel=1e-12)
        assert bolus.at(t) == pytest.approx(exact, rel=1e-12)
    infusion = PK("two", (Dose(1.0, 4.0, 2.0),), k10, V, k12, k21)
    for t in (1.5, 3.0, 5.0):
        exact = quad(lambda u, t=t: (expm(M * (t - u)) @ [4.0, 0.0])[0] / V, 1.0,
                     min(3.0, t), epsabs=1e-14, epsrel=1e-13)[0]
        assert infusion.level_at(t) == pytest.approx(exact, rel=1e-10)


def _treated(level, days=800.0, e=1.3):
    p = PrimaryParameters(law="hahnfeldt", dt=1.0)
    primary = Primary("primary", p, hours=24.0)
    primary.add_treatment("angiogenesis", e, PK("constant", level=level).at)
    primary.advance(days)
    return primary.volume_mm3()


def test_hahnfeldt_dormancy_threshold_and_the_treated_plateau():
    # K' = b V - d K V^(2/3) - e g K: with e g < b the tumour settles at
    # V = ((b - e g) / d)^(3/2); with e g >= b it has no plateau and shrinks away
    b, d, e = 5.85, 0.00873, 1.3
    for share in (0.5, 0.95):  # the treated plateaus, 6133 and 194 mm^3 (V0 = 180)
        g = share * b / e
        assert _treated(g, days=800.0) == pytest.approx(((b - e * g) / d) ** 1.5, rel=1e-3)
    at, above = _treated(b / e, days=200.0), _treated(1.05 * b / e, days=200.0)
    assert above < at < 0.5 * 180.0  # at and above the threshold it shrinks away


CONFIG = """
name = "t"
[compartments.primary]
model = "primary"
law = "hahnfeldt"
time_unit_hours = 24.0
[[treatments]]
name = "tnp470"
pk = "one"
elimination = 10.1
amount = 30.0
every = 2.0
count = 5
{extra}
[[treatments.effects]]
target = "{target}"
potency = 1.3
[time]
t_end = 10.0
[output]
path = "t.h5"
"""


def test_a_schedule_round_trips_and_bad_ones_are_refused_in_one_line(tmp_path):
    c = loads_config(CONFIG.format(extra="", target="primary.angiogenesis"),
                     base_dir=tmp_path)
    (t,) = c.treatments
    assert [d.time for d in t.pk.doses] == [0.0, 2.0, 4.0, 6.0, 8.0]
    from pde_meta.config.toml import dump_toml
    again = loads_config(dump_toml(c.to_dict()), base_dir=tmp_path)
    assert again.treatments == c.treatments
    for extra, target, message in (
            ("", "primary.growth", "'growth' is not an effect"),
            ("", "liver.angiogenesis", "names no compartment"),
            ("dose_times = [0.0, 1.0]\ndose_amounts = [1.0]", "primary.angiogenesis",
             "dose_amounts 1"),
            ("loading = -1.0", "primary.angiogenesis", r"treatments\[0\]\.loading = -1.0")):
        with pytest.raises(ConfigError, match=message) as info:
            loads_config(CONFIG.format(extra=extra, target=target), base_dir=tmp_path)
        assert "\n" not in str(info.value)


def test_hahnfeldt1999_untreated_and_treated_arms(tmp_path):
    from dataclasses import replace
    from pathlib import Path

    import pde_meta as pm

    path = Path(__file__).parents[1] / "configs" / "hahnfeldt1999.toml"
    run = pm.simulate(pm.load_config(path), output=tmp_path / "h.h5", progress="none")
    volume = {name: pm.open_run(run.path, compartment=name).primary_volume_mm3
              for name in ("untreated", "tnp470", "endostatin", "angiostatin")}
    plateau = (5.85 / 0.00873) ** 1.5
    assert float(volume["untreated"][-1]) == pytest.approx(plateau, rel=0.05)
    at16 = {k: float(v.sel(time=16.0)) for k, v in volume.items()}
    assert at16["tnp470"] < 0.5 * at16["untreated"]
    assert at16["endostatin"] < 180.0 and at16["angiostatin"] < 180.0  # held back
    # the untreated arm is the same, bit for bit, in a run without any treatment
    bare = pm.simulate(replace(pm.load_config(path), treatments=()),
                       output=tmp_path / "n.h5", progress="none")
    again = pm.open_run(bare.path, compartment="untreated").primary_volume_mm3
    assert np.array_equal(again.values, volume["untreated"].values)


def test_vessel_priming_raises_lung_extravasation_in_its_window_only(tmp_path):
    # configs/chemo_priming.toml: cells injected on day 1 (the drug's window) and on day
    # 10 (its level at 0.1 % of the peak), with and without the drug: in the window the
    # lung takes in more than untreated (> 4 sd of the difference of two binomial shares),
    # outside it the same (< 4 sd)
    from dataclasses import replace
    from pathlib import Path

    import pde_meta as pm

    text = (Path(__file__).parents[1] / "configs" / "chemo_priming.toml").read_text()
    n = 100_000
    share = {}
    for day in (1.0, 10.0):
        for arm in ("treated", "untreated"):
            body = text.replace("time = 1.0                        # day 1: in the "
                                "drug's window", f"time = {day}")
            path = tmp_path / f"{arm}{day:g}.toml"
            path.write_text(body.replace("../runs/chemo_priming.h5", f"{arm}{day:g}.h5"))
            config = pm.load_config(path)
            if arm == "untreated":
                config = replace(config, treatments=())
            run = pm.simulate(config, progress="none")
            end = pm.open_run(run.path, compartment="blood").isel(time=-1)
            share[arm, day] = float(end.extravasated.sel(organ="lung")) / n
    for day, primed in ((1.0, True), (10.0, False)):
        a, b = share["treated", day], share["untreated", day]
        sd = math.sqrt((a * (1 - a) + b * (1 - b)) / n)
        assert ((a - b) / sd > 4.0) if primed else (abs(a - b) / sd < 4.0), (day, a, b)


def test_the_run_file_records_levels_doses_and_effects_and_resumes_bit_for_bit(tmp_path):
    from pathlib import Path

    import pde_meta as pm
    from pde_meta.cli.main import main
    from pde_meta.models.treatment import hill

    path = Path(__file__).parents[1] / "configs" / "chemo_priming.toml"
    config = pm.load_config(path)
    full = pm.simulate(config, output=tmp_path / "full.h5", progress="none")
    ds = pm.open_run(full.path, compartment="treatments")
    (t,) = config.treatments
    days = ds.time.values  # the time unit is a day
    assert ds.level.sel(drug="cyclophosphamide").values == pytest.approx(
        t.pk.level_at(days), rel=1e-12)
    assert ds.effect_size.isel(effect=0).values == pytest.approx(
        [hill(g, 1.0, 10.0, 1.0) for g in t.pk.level_at(days)], rel=1e-12)
    assert float(ds.given.isel(time=-1).sel(drug="cyclophosphamide")) == 100.0
    cut = pm.simulate(config.with_t_end(5.0), output=tmp_path / "cut.h5", progress="none")
    pm.resume(cut.path, t_end=14.0, progress="none")
    for name in ("blood", "organs", "treatments"):
        x, y = (pm.open_run(p, compartment=name) for p in (full.path, cut.path))
        for var in x.data_vars:
            if var not in ("wall_time", "wall_seconds"):
                assert np.array_equal(x[var].values, y[var].values, equal_nan=True), var
    assert main(["plot", str(full.path), "-o", str(tmp_path / "p")]) == 0
    assert (tmp_path / "p" / "treatments.png").exists()


def test_compare_arms_pairs_the_replicates_and_gives_the_student_interval():
    import pandas as pd
    from scipy.stats import t as student

    from pde_meta.sweep import compare_arms

    x = np.array([10.0, 12.0, 9.0, 14.0])
    y = np.array([7.0, 8.0, 8.0, 9.0])
    table = pd.DataFrame({"member": range(8), "file": [f"{k}.h5" for k in range(8)],
                          "treatments[0].level": [0.0] * 4 + [2.0] * 4,
                          "replicate": [0, 1, 2, 3] * 2, "status": ["complete"] * 8,
                          "organs.lung_macrometastases": [*x, *y]})
    row = compare_arms(table, "treatments[0].level").iloc[0]
    d = y - x
    half = student.ppf(0.975, 3) * d.std(ddof=1) / 2.0
    assert row.difference == pytest.approx(d.mean()) and row.pairs == 4
    assert (row.low, row.high) == pytest.approx((d.mean() - half, d.mean() + half))
    with pytest.raises(ConfigError, match="no column"):
        compare_arms(table, "seed")


def test_two_arms_of_the_suppressor_on_dask(tmp_path):
    # 2 arms x 3 replicates of configs/suppressor.toml as a sweep: fewer macrometastases
    # with the drug (the 95 % interval of the paired difference is below 0), and the same
    # primary in both arms of each replicate, bit for bit
    from pathlib import Path

    from pde_meta import sweep

    (tmp_path / "s.toml").write_text(
        f'base = "{Path(__file__).parents[1] / "configs" / "suppressor.toml"}"\n'
        f'output = "out"\nreplicates = 3\n[vary]\n"treatments[0].level" = [0.0, 2.0]\n')
    result = sweep.run_sweep(sweep.load_sweep(tmp_path / "s.toml"), workers=2,
                             progress="none")
    assert result.ok
    table = sweep.open_sweep(tmp_path / "out")
    table["organs.macrometastases_all"] = sum(
        table[f"organs.{o}_macrometastases"] for o in ("lung", "liver", "bone"))
    diff = sweep.compare_arms(table, "treatments[0].level").set_index("metric")
    assert diff.loc["organs.macrometastases_all", "high"] < 0.0
    primary = diff.loc["primary.primary_cells"]
    assert primary.difference == 0.0 and primary.pairs == 3
    import pde_meta as pm  # the primary of each pair of arms, bit for bit

    for r in range(3):
        files = table[table.replicate == r].file.tolist()
        a, b = (pm.open_run(tmp_path / "out" / f, compartment="primary") for f in files)
        for var in ("primary_cells", "shed_cells", "expected_shed", "cells"):
            assert np.array_equal(a[var].values, b[var].values), var


def test_killing_raises_the_colonies_death_rate_and_spares_the_dormant():
    # a constant level with E = 1/2 and potency 0.2: every colony dies at 0.1 /day more,
    # so N(t) = N0 exp(-0.1 t) (the density's exact death factor), dormant cells stay
    from pde_meta.models.organs.compartment import Organs, OrganSoil
    from pde_meta.models.organs.fates import Soil
    from pde_meta.models.treatment import hill

    soil = Soil(die=0.0, dormant=0.5, reactivation=0.0, dormant_death=0.0)
    organs = Organs("organs", (OrganSoil("lung", soil, law="exponential", growth_rate=0.0,
                                         capacity=math.inf),), seed=1, hours=24.0, dt=0.5,
                    records=0, max_size=1)
    organs.add_treatment("killing", 0.2,
                         lambda t: hill(PK("constant", level=1.0).at(t), 1.0, 1.0, 1.0))
    organs.receive({"lung": np.array([10_000])})
    f = organs.fates[0]
    colonies, dormant = f.colonies.total, f.dormant_cells()
    organs.advance(20.0)
    assert f.colonies.total == pytest.approx(colonies * math.exp(-0.1 * 20.0), rel=1e-9)
    assert f.dormant_cells() == dormant and f.balance() == 0


def test_a_schedule_triggered_by_the_primarys_size(tmp_path):
    # the first dose the day a Gompertz primary first holds 1e10 cells (by its exact law)
    import pde_meta as pm
    from pde_meta.numerics.growth import time_to
    from pde_meta.runner.run import compartments

    text = """
name = "trig"
[compartments.primary]
model = "primary"
cells = 1e8
growth_rate = 0.002
capacity = 1e12
time_unit_hours = 24.0
[compartments.organs]
model = "organs"
time_unit_hours = 24.0
[[compartments.organs.organs]]
name = "lung"
[[treatments]]
name = "late"
amount = 5.0
every = 7.0
count = 3
start_cells = 1e10
start_compartment = "primary"
{extra}
[[treatments.effects]]
target = "organs.killing"
[time]
t_end = 10.0
[output]
path = "t.h5"
"""
    config = loads_config(text.format(extra=""), base_dir=tmp_path)
    parts = compartments(config, threads=1)
    record = parts[-1]
    day = time_to("gompertz", 1e8, 1e10, 0.002, 1e12)
    assert [d.time for d in record.treatments[0].pk.doses] == pytest.approx(
        [day, day + 7, day + 14], rel=1e-12)
    for extra, message in (("start = 3.0", "two triggers"),
                           ('start_compartment = "organs"', "go together|not a growth-law")):
        bad = text.format(extra=extra)
        if "organs" in extra:
            bad = bad.replace('start_compartment = "primary"\n', "")
        with pytest.raises(ConfigError, match=message):
            loads_config(bad, base_dir=tmp_path)
    assert pm.simulate(config.with_t_end(2.0), output=tmp_path / "t.h5",
                       progress="none").status == "complete"


def test_resistance_lets_the_sensitivity_drift_away(tmp_path):
    # e(t) = e exp(-rho t) from the first dose: the anti-angiogenic rate the primary
    # reports is e g exp(-rho t), and the tumour escapes the dormancy a constant e held
    import pde_meta as pm

    text = """
name = "res"
[compartments.primary]
model = "primary"
law = "hahnfeldt"
shedding_rate = 0.0
dt = 0.25
time_unit_hours = 24.0
[[treatments]]
name = "d"
pk = "constant"
level = 10.0
[[treatments.effects]]
target = "primary.angiogenesis"
potency = 1.3
resistance = {rho}
[time]
t_end = 60.0
snapshot_interval = 10.0
[output]
path = "{name}.h5"
"""
    runs = {}
    for rho in (0.0, 0.05):
        c = loads_config(text.format(rho=rho, name=f"r{rho:g}"), base_dir=tmp_path)
        runs[rho] = pm.open_run(pm.simulate(c, progress="none").path, compartment="primary")
    t = runs[0.05].time.values
    assert runs[0.05].antiangiogenic_rate.values == pytest.approx(13.0 * np.exp(-0.05 * t),
                                                                  rel=1e-12)
    held, escaped = (float(runs[r].primary_volume_mm3[-1]) for r in (0.0, 0.05))
    assert held < 180.0 < escaped


def test_a_cytotoxic_drug_kills_a_growth_law_primary_as_its_closed_form():
    # exponential growth a with a constant E = 1/2 and potency k: x = x0 exp((a - k/2) t),
    # and the shed cells expected along it, m x0^alpha (exp(alpha r t) - 1) / (alpha r)
    from pde_meta.models.treatment import hill

    a, k, m, alpha = 0.1, 0.3, 1e-4, 1.0
    p = PrimaryParameters(law="exponential", cells=1e6, growth_rate=a, shedding_rate=m,
                          shedding_exponent=alpha, dt=1.0)
    primary = Primary("primary", p, hours=24.0)
    primary.add_treatment("killing", k, lambda t: hill(1.0, 1.0, 1.0, 1.0))
    primary.advance(30.0)
    r = a - k / 2
    assert primary.x == pytest.approx(1e6 * math.exp(r * 30.0), rel=1e-9)
    assert primary.expected == pytest.approx(m * 1e6 * math.expm1(alpha * r * 30.0)
                                             / (alpha * r), rel=1e-9)
