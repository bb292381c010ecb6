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
            ("", "primary.glowth", "'glowth' is not an effect"),
            ("", "primary.mmp", "mmp acts on a 'invasion' compartment"),
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


TRIGGERED = """
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


def test_a_schedule_triggered_by_the_primarys_size(tmp_path):
    # the first dose the day a Gompertz primary first holds 1e10 cells (by its exact law)
    import pde_meta as pm
    from pde_meta.numerics.growth import time_to
    from pde_meta.runner.run import compartments

    text = TRIGGERED
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


# ---------------------------------------------------------------- damage with repair
def _damage_by_ode(pk, repair, times):
    """D(t) by solve_ivp (rtol 1e-10) of the amounts and the damage, between the doses."""
    from scipy.integrate import solve_ivp

    k10, k12, k21, V = pk.elimination, pk.k12, pk.k21, pk.volume
    M = np.array([[-(k10 + k12), k21, 0.0], [k12, -k21, 0.0], [1.0 / V, 0.0, -repair]])
    edges = sorted({0.0, *times, *(d.time for d in pk.doses),
                    *(d.time + d.duration for d in pk.doses)})
    y, out = np.zeros(3), {}
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        y[0] += sum(d.amount for d in pk.doses if d.duration == 0 and d.time == lo)
        rate = sum(d.amount for d in pk.doses if d.duration > 0 and d.time <= lo
                   and d.time + d.duration >= hi)
        y = solve_ivp(lambda t, z, rate=rate: M @ z + [rate, 0.0, 0.0], (lo, hi), y,
                      method="DOP853", rtol=1e-10, atol=1e-14).y[:, -1]
        out[hi] = y[2]
    return np.array([out[t] for t in times])


DAMAGE_DOSES = (Dose(0.0, 10.0), Dose(1.0, 4.0, 2.0), Dose(2.5, 3.0))
DAMAGE_TIMES = [0.5, 1.7, 3.0, 6.0, 20.0]


@pytest.mark.parametrize("model", ["one", "two"])
@pytest.mark.parametrize("repair", [0.0, 0.3, 2.0])
def test_damage_of_boluses_and_an_infusion_against_the_ode(model, repair):
    # D' = g - k_r D, D(0) = 0, of two boluses and an infusion between them
    pk = PK(model, DAMAGE_DOSES, 0.7, 2.0, *((1.5, 0.9) if model == "two" else ()))
    got = [pk.damage_at(t, repair) for t in DAMAGE_TIMES]
    assert got == pytest.approx(_damage_by_ode(pk, repair, DAMAGE_TIMES), rel=1e-8)


def test_damage_where_repair_equals_an_elimination_rate_and_the_area_without_repair():
    one = PK("one", DAMAGE_DOSES, 0.7, 2.0)
    two = PK("two", DAMAGE_DOSES, 0.7, 2.0, 1.5, 0.9)
    alpha, beta = two._rates()
    for pk, rate in ((one, 0.7), (two, alpha), (two, beta)):
        # at the rate, and on both sides of the switch to the midpoint rate (1e-5 / x)
        for r in (rate, rate * (1 + 1e-9), rate * (1 + 1e-6), rate * (1 + 1e-4)):
            got = [pk.damage_at(t, r) for t in DAMAGE_TIMES]
            assert got == pytest.approx(_damage_by_ode(pk, r, DAMAGE_TIMES), rel=1e-8)
    # a lone bolus with k_r = k: D = (D0 / V) s e^(-k s); k_r = 0: the area under g
    assert PK("one", (Dose(1.0, 6.0),), 0.7, 2.0).damage_at(4.0, 0.7) == pytest.approx(
        3.0 * 3.0 * math.exp(-2.1), rel=1e-14)
    area = quad(two.at, 0.0, 6.0, points=[1.0, 2.5, 3.0], epsabs=1e-13, epsrel=1e-13)[0]
    assert two.damage_at(6.0, 0.0) == pytest.approx(area, rel=1e-10)
    constant = PK("constant", level=2.0, start=1.0, stop=3.0)  # 2 (1 - e^-2r) / r e^-r(t-3)
    assert constant.damage_at(5.0, 0.5) == pytest.approx(
        2.0 * -math.expm1(-1.0) / 0.5 * math.exp(-1.0), rel=1e-14)


ORGANS_DAMAGE = """
name = "pd"
[compartments.organs]
model = "organs"
time_unit_hours = 24.0
[[compartments.organs.organs]]
name = "lung"
reactivation = 0.01
[[treatments]]
name = "d"
pk = "one"
elimination = 0.5
amount = 8.0
every = 3.0
count = 4
[[treatments.effects]]
target = "organs.reactivation"
emax = 0.9
ec50 = 5.0
hill = 2.0
through = "damage"
repair = 0.2
[time]
t_end = 10.0
[output]
path = "pd.h5"
"""


def test_an_effect_through_the_damage_reaches_the_organs_and_the_record(tmp_path):
    # the organs' reactivation factor is 1 - E(D(t)), and the record reports E(D)
    from pde_meta.models.treatment import hill
    from pde_meta.runner.run import compartments

    config = loads_config(ORGANS_DAMAGE, base_dir=tmp_path)
    (t,) = config.treatments
    assert t.effects[0][-2:] == ("damage", 0.2)
    assert t.to_dict()["effects"][0]["through"] == "damage"
    parts = compartments(config, threads=1)
    organs, record = parts[0], parts[-1]
    for day in (0.5, 4.0, 7.25):
        e = hill(t.pk.damage_at(day, 0.2), 0.9, 5.0, 2.0)
        assert e > 0.05 and e != pytest.approx(hill(t.pk.at(day), 0.9, 5.0, 2.0))
        organs._apply_events(day)
        assert organs.fates[0].factor == pytest.approx(1.0 - e, rel=1e-14)
        record.advance(day)
        assert record.fields()["effect_size"][0] == pytest.approx(e, rel=1e-14)
    for extra, message in (("through = \"level\"", "acts through the damage only"),
                           ("through = \"dose\"", "through = 'dose'")):
        bad = ORGANS_DAMAGE.replace('through = "damage"', extra)
        with pytest.raises(ConfigError, match=message) as info:
            loads_config(bad, base_dir=tmp_path)
        assert "\n" not in str(info.value)


# ---------------------------------------------------------------- stopping rules
def test_stop_and_max_total_keep_the_doses_and_the_level_decays_after(tmp_path):
    def treatment(extra, text=CONFIG):
        return loads_config(text.format(extra=extra, target="primary.angiogenesis"),
                            base_dir=tmp_path).treatments[0]

    infused = CONFIG.replace("amount = 30.0\n", "")

    k, V = 10.1, 1.0  # boluses of 30 on days 0, 2, 4, 6, 8
    stopped = treatment("stop = 5.0")
    assert [(d.time, d.amount) for d in stopped.pk.doses] == [(0, 30), (2, 30), (4, 30)]
    after = np.linspace(5.0, 9.0, 9)
    exact = sum(30.0 / V * np.exp(-k * (after - t0)) for t0 in (0.0, 2.0, 4.0))
    assert stopped.pk.level_at(after) == pytest.approx(exact, rel=1e-12)
    assert stopped.to_dict()["stop"] == 5.0
    capped = treatment("max_total = 75.0")  # the third bolus in part, up to the cap
    assert [(d.time, d.amount) for d in capped.pk.doses] == [(0, 30), (2, 30), (4, 15)]
    # an infusion of 10 a day for 10 days, cut at the cap of 25 (day 2.5), and decaying
    infusion = treatment("infusion_rate = 10.0\ninfusion_days = 10.0\nmax_total = 25.0",
                         infused).pk
    assert infusion.doses == (Dose(0.0, 10.0, 2.5),)
    end = 10.0 / (k * V) * -math.expm1(-k * 2.5)
    assert infusion.level_at(after) == pytest.approx(end * np.exp(-k * (after - 2.5)),
                                                     rel=1e-12)
    both = treatment("infusion_rate = 10.0\ninfusion_days = 10.0\nstop = 1.5", infused).pk
    assert both.doses == (Dose(0.0, 10.0, 1.5),)
    constant = loads_config(CONFIG.format(extra="", target="primary.angiogenesis").replace(
        'pk = "one"', 'pk = "constant"\nlevel = 2.0\nstop = 3.0'),
        base_dir=tmp_path).treatments[0].pk
    assert constant.level_at([2.9, 3.0, 4.0]).tolist() == [2.0, 0.0, 0.0]
    for extra, message in (("stop = -1.0", r"treatments\[0\]\.stop = -1"),
                           ("start = 3.0\nstop = 2.0", "stop = 2.0 is not after the first "
                                                       "dose"),
                           ("stop = 0.0", "not after the first dose"),
                           ("max_total = 0.0", r"treatments\[0\]\.max_total = 0"),
                           ("max_total = -5.0", "max_total = -5")):
        with pytest.raises(ConfigError, match=message) as info:
            treatment(extra)
        assert "\n" not in str(info.value)


def test_stop_counts_from_the_trigger_of_a_triggered_schedule(tmp_path):
    from pde_meta.numerics.growth import time_to
    from pde_meta.runner.run import compartments

    config = loads_config(TRIGGERED.format(extra="stop = 10.0"), base_dir=tmp_path)
    pk = compartments(config, threads=1)[-1].treatments[0].pk
    day = time_to("gompertz", 1e8, 1e10, 0.002, 1e12)
    assert [d.time for d in pk.doses] == pytest.approx([day, day + 7], rel=1e-12)
    assert pk.stop == pytest.approx(day + 10.0, rel=1e-12)


# ---------------------------------------------------------------- immunotherapy
def _organs(soil, potency, effect):
    from pde_meta.models.organs.compartment import Organs, OrganSoil
    from pde_meta.models.treatment import hill

    organs = Organs("organs", (OrganSoil("lung", soil, law="exponential", growth_rate=0.0,
                                         capacity=math.inf),), seed=4, hours=24.0, dt=0.5,
                    records=0, max_size=1)
    organs.add_treatment(effect, potency,
                         lambda t: hill(PK("constant", level=1.0).at(t), 1.0, 1.0, 1.0))
    return organs


def test_dormant_death_clears_dormant_cells_by_the_exponential_factor():
    # E = 1/2, potency 0.2: dormant cells die at 0.1 /day more; with no other way out a
    # dormant cell is left after 10 days with probability exp(-1), binomially
    from pde_meta.models.organs.fates import Soil

    n = 100_000
    organs = _organs(Soil(die=0.0, dormant=1.0, reactivation=0.0, dormant_death=0.0), 0.2,
                     "dormant_death")
    organs.receive({"lung": np.array([n])})
    f = organs.fates[0]
    assert f.dormant_cells() == n
    organs.advance(10.0)
    assert f._leave == pytest.approx(-math.expm1(-0.1 * 0.5), rel=1e-14)
    p = math.exp(-1.0)
    left = f.dormant_cells()
    assert abs(left - n * p) < 5.0 * math.sqrt(n * p * (1 - p)), left
    assert f.dormant_died == n - left and f.reactivated == 0 and f.balance() == 0


def test_dormancy_raises_the_dormant_share_of_arrivals_and_stays_a_probability():
    from pde_meta.models.organs.fates import Soil

    soil = Soil(die=0.5, dormant=0.25, reactivation=0.0, dormant_death=0.0)
    for potency, share in ((1.0, 0.75), (4.0, 1.0)):  # 0.5 (1 + k/2), at most 1
        organs = _organs(soil, potency, "dormancy")
        n = 100_000
        organs.receive({"lung": np.array([n])})
        f = organs.fates[0]
        assert f.p_dormant == share and f.p_die == 0.5
        survivors = n - f.died
        sd = math.sqrt(survivors * share * (1 - share)) + 1e-9
        assert abs(f.dormant_cells() - survivors * share) <= 5.0 * sd
        assert f.balance() == 0


def test_the_immune_effect_raises_the_immune_hazard_alone():
    # immune x (1 + k E): each stage's survival times exp(-h_i k E dt_exposure), the
    # shear and anoikis hazards as they were; the deaths' split follows the hazards
    from pde_meta.models.circulation.compartment import Circulation

    blood = Circulation("blood", hours=24.0)
    base = blood.rates.p_die.copy()
    p = blood.params
    H = p.shear + p.anoikis + p.immune
    blood.add_treatment("immune", 2.0, lambda t: 0.5)  # the immune hazard doubled
    blood._apply_treatments(0)
    assert np.log1p(-blood.rates.p_die) == pytest.approx(
        (1.0 + p.immune / H) * np.log1p(-base), rel=1e-12)
    assert blood.rates.cause_split == pytest.approx(
        (p.shear / (H + p.immune), p.anoikis / (p.anoikis + 2.0 * p.immune)), rel=1e-14)
    survival = Circulation("blood", hours=24.0)  # survival: all three hazards doubled
    survival.add_treatment("survival", 2.0, lambda t: 0.5)
    survival._apply_treatments(0)
    assert np.log1p(-survival.rates.p_die) == pytest.approx(2.0 * np.log1p(-base),
                                                            rel=1e-12)
    assert survival.rates.cause_split == Circulation("blood").rates.cause_split


# ---------------------------------------------------------------- drug classes
CLASS_CONFIG = """
name = "classes"
[compartments.primary]
model = "primary"
law = "gompertz"
capacity = 1e12
time_unit_hours = 24.0
[compartments.vascular]
model = "primary"
law = "hahnfeldt"
time_unit_hours = 24.0
[compartments.blood]
model = "circulation"
time_unit_hours = 24.0
[compartments.organs]
model = "organs"
time_unit_hours = 24.0
[[compartments.organs.organs]]
name = "lung"
[[treatments]]
name = "drug"
pk = "constant"
level = 2.0
class = "{cls}"
{effects}
[time]
t_end = 10.0
[output]
path = "c.h5"
"""


def test_a_drug_class_supplies_its_effects_on_every_compartment_it_fits(tmp_path):
    def effects(cls, extra=""):
        c = loads_config(CLASS_CONFIG.format(cls=cls, effects=extra), base_dir=tmp_path)
        return c, c.treatments[0]

    config, t = effects("suppressor")
    assert t.effects == (("blood", "extravasation", 1.0, 0.8, 1.0, 1.0, 0.0, "level", 0.0),
                         ("organs", "reactivation", 1.0, 0.9, 1.0, 1.0, 0.0, "level", 0.0))
    assert t.to_dict()["class"] == "suppressor"
    from pde_meta.config.toml import dump_toml
    assert loads_config(dump_toml(config.to_dict()), base_dir=tmp_path).treatments == \
        config.treatments
    got = {cls: [(c, e, p) for c, e, p, *_ in effects(cls)[1].effects]
           for cls in ("antiangiogenic", "cytotoxic", "immunotherapy")}
    assert got["antiangiogenic"] == [("vascular", "angiogenesis", 1.3)]
    assert got["cytotoxic"] == [("primary", "killing", 0.3), ("blood", "survival", 1.0),
                                ("blood", "priming", 2.0), ("organs", "killing", 0.3)]
    assert got["immunotherapy"] == [("blood", "immune", 1.0), ("organs", "killing", 0.1),
                                    ("organs", "dormant_death", 0.01)]
    # effects given: the class only labels the drug
    _, t = effects("cytotoxic", '[[treatments.effects]]\ntarget = "organs.killing"\n'
                                "potency = 0.5")
    assert t.effects == (("organs", "killing", 0.5, 1.0, 1.0, 1.0, 0.0, "level", 0.0),)
    assert t.to_dict()["class"] == "cytotoxic"
    with pytest.raises(ConfigError, match="did you mean 'suppressor'") as info:
        effects("supressor")
    assert "\n" not in str(info.value) and "treatments[0].class" in str(info.value)


def test_a_cytostatic_effect_on_an_exponential_primary_is_exact():
    """Exponential growth at r = 0.05/day with a constant level g = 3 and E = 0.75
    (emax 1, ec50 1): x(t) = x0 exp(r (1 - 0.8 E) t) over 30 days (RK4 on ln x with a
    constant rate is exact: 1e-12), and killing and growth together add up."""
    from pde_meta.models.treatment import hill

    e = hill(3.0, 1.0, 1.0, 1.0)
    p = PrimaryParameters(law="exponential", cells=1e6, growth_rate=0.05, capacity=1e12,
                          dt=1.0)
    primary = Primary("primary", p, hours=24.0)
    primary.add_treatment("growth", 0.8, lambda t: hill(PK("constant", level=3.0).at(t),
                                                        1.0, 1.0, 1.0))
    primary.advance(30.0)
    assert primary.x == pytest.approx(1e6 * math.exp(0.05 * (1 - 0.8 * e) * 30.0), rel=1e-12)
    both = Primary("primary", p, hours=24.0)
    both.add_treatment("growth", 0.8, lambda t: e)
    both.add_treatment("killing", 0.01, lambda t: e)
    both.advance(30.0)
    assert both.x == pytest.approx(1e6 * math.exp((0.05 * (1 - 0.8 * e) - 0.01 * e) * 30.0),
                                   rel=1e-12)
