"""The circulation: its exact ledger, and its laws against closed forms within binomial
confidence intervals (each test states its tolerance: 5 standard deviations, so a correct
model fails one of them about once in a million runs)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pde_meta.errors import ConfigError
from pde_meta.models.circulation import Circulation, CirculationParameters, Organ
from pde_meta.models.circulation.dynamics import binomial_pmf

SIGMAS = 5.0


def within(count, n, p, sigmas=SIGMAS):
    """``count`` successes of ``n`` trials agree with probability ``p``."""
    sd = math.sqrt(max(n * p * (1 - p), 1e-300))
    return abs(count - n * p) <= sigmas * sd + 1e-9


def inject(c, t, units, vessel=0, route=0):
    """``units``: {size: count} entering at time ``t``."""
    sizes = np.array(sorted(units), dtype=np.int64)
    counts = np.array([units[s] for s in sizes], dtype=np.int64)
    k = sizes.size
    return c.receive(t, {"x": np.zeros(k), "y": np.zeros(k), "size": sizes,
                         "mesenchymal": sizes, "epithelial": np.zeros(k, np.int64),
                         "route": np.full(k, route), "vessel": np.full(k, vessel),
                         "count": counts})


def one_site(**changes):
    """A fixed transit of 2 h to one organ where every unit arrives at once."""
    base = dict(dt=0.1, venous_time=2.0, transit="fixed", arrest_time=0.0,
                disaggregation=0.0)
    base.update(changes)
    return Circulation("blood", CirculationParameters(**base),
                       (Organ("site", "systemic", 1.0, 1.0, 1.0),), route="direct", seed=7)


# --------------------------------------------------------------------------- the ledger

organ = st.builds(
    lambda site, flow, arrest, compat: (site, flow, arrest, compat),
    st.sampled_from(["systemic", "systemic", "portal", "pulmonary", "lymphatic"]),
    st.floats(0.05, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))


@st.composite
def circulations(draw):
    route = draw(st.sampled_from(["systemic", "portal", "direct"]))
    specs = draw(st.lists(organ, min_size=1, max_size=5))
    organs, seen = [], set()
    for k, (site, flow, arrest, compat) in enumerate(specs):
        if site in seen and site != "systemic" or (route == "direct" and site == "pulmonary"):
            site = "systemic"
        seen.add(site)
        organs.append(Organ(f"o{k}", site, flow, arrest, compat))
    if route == "portal" and "portal" not in seen:
        organs.append(Organ("liver", "portal", 0.2, 0.8, 0.8))
    if not any(o.flow > 0 and o.site in ("systemic", "portal") for o in organs):
        organs.append(Organ("rest", "systemic", 1.0, 0.5, 0.5))
    params = CirculationParameters(
        dt=draw(st.sampled_from([0.01, 0.05, 0.2])),
        shear=draw(st.floats(0, 5)), anoikis=draw(st.floats(0, 5)),
        immune=draw(st.floats(0, 5)),
        cluster_protection=draw(st.floats(1, 5)), cluster_exponent=draw(st.floats(0, 2)),
        coating=draw(st.floats(0, 1)), platelet_protection=draw(st.floats(1, 5)),
        disaggregation=draw(st.floats(0, 1)), detach_rate=draw(st.floats(0, 2)),
        transit=draw(st.sampled_from(["fixed", "exponential", "gamma"])),
        transit_shape=draw(st.integers(1, 5)),
        venous_time=draw(st.floats(0.01, 1)), lymph_time=draw(st.floats(0.01, 1)),
        arrest_time=draw(st.sampled_from([0.0, 0.1, 2.0])),
        arrest_exponent=draw(st.floats(0, 2)),
        failed_arrest=draw(st.sampled_from(["die", "reenter"])))
    size = draw(st.integers(1, 12))
    return Circulation("c", params, tuple(organs), route, seed=draw(st.integers(0, 99)),
                       max_cluster_size=size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circulations(), st.lists(st.tuples(st.integers(1, 12), st.integers(0, 5000),
                                          st.integers(0, 1)), min_size=1, max_size=6))
def test_the_ledger_balances_exactly_at_every_step(c, arrivals):
    t = 0.0
    for size, count, vessel in arrivals:
        inject(c, t, {min(size, c.max_size): count}, vessel=vessel)
        for _ in range(3):
            t += 0.3
            c.advance(t)
            assert c.balance() == 0
            assert all((v >= 0).all() for v in c.ledger().values())
            assert (c.n >= 0).all() and (c.arrested_units >= 0).all()
    led = c.ledger()
    shed = int(led["shed"][..., 0].sum() + led["shed"][..., 2].sum())
    assert shed == sum(min(s, c.max_size) * n for s, n, _ in arrivals)


# --------------------------------------------------------------------------- laws


def test_a_constant_hazard_over_a_fixed_transit_leaves_exp_minus_hT():
    h, T, n = 1.0, 2.0, 200_000
    c = one_site(shear=h, anoikis=0.0, immune=0.0, venous_time=T)
    inject(c, 0.0, {1: n})
    c.advance(T + 0.5)
    out = int(c.acc.extravasated.sum())
    assert c.graph.transit_steps[0] == 20
    assert within(out, n, math.exp(-h * T))
    assert c.balance() == 0


def test_the_time_in_circulation_is_integrated_exactly():
    # no death: every cell spends exactly T = M dt in the veins, then arrests at once
    n, T = 1000, 2.0
    c = one_site(shear=0.0, anoikis=0.0, immune=0.0, venous_time=T)
    inject(c, 0.0, {1: n, 3: 10})
    c.advance(5.0)
    assert c.diagnostics(0.0)["ctc_cell_hours_blood"] == pytest.approx((n + 30) * T,
                                                                        rel=1e-12)
    assert c.diagnostics(0.0)["ctc_cell_hours_lymph"] == 0.0


def test_clusters_survive_by_the_protection_factor():
    h, T, n, protect = 1.5, 2.0, 100_000, 3.0
    c = one_site(shear=h, anoikis=0.0, immune=0.0, venous_time=T,
                 cluster_protection=protect, cluster_exponent=0.5)
    inject(c, 0.0, {1: n, 4: n})
    c.advance(T + 0.5)
    units = c.acc.extravasated_units[0]
    assert within(int(units[0]), n, math.exp(-h * T))
    assert within(int(units[3]), n, math.exp(-h * T / (protect * 4**0.5)))
    assert units[1:3].sum() == 0 and units[4:].sum() == 0


def test_platelet_coating_protects_the_coated_fraction():
    h, T, n = 2.0, 1.0, 200_000
    c = one_site(shear=h, anoikis=0.0, immune=0.0, venous_time=T, coating=0.3,
                 platelet_protection=4.0)
    inject(c, 0.0, {1: n})
    c.advance(T + 0.5)
    p = 0.7 * math.exp(-h * T) + 0.3 * math.exp(-h * T / 4.0)
    assert within(int(c.acc.extravasated.sum()), n, p)
    inject(c, c.t, {1: 1000}, vessel=1)  # the lymph has no platelets
    lymph = c.graph.first[c.graph.lymph_entry]
    assert c.n[lymph, 0, 0] == 1000 and c.n[lymph, 0, 1] == 0


def test_an_exponential_transit_gives_the_geometric_law_of_the_chain():
    # exit probability q per step, death per step 1 - exp(-h dt x), the exposure
    # x = T / (dt / q) making the mean hazard h T: survival
    # sum_k q (1-q)^(k-1) s^k = q s / (1 - (1-q) s), s = exp(-h dt x)
    h, T, dt, n = 1.0, 1.0, 0.1, 200_000
    c = one_site(shear=h, anoikis=0.0, immune=0.0, venous_time=T, transit="exponential",
                 dt=dt)
    inject(c, 0.0, {1: n})
    c.advance(60.0)
    q = -math.expm1(-dt / T)
    s = math.exp(-h * dt * T * q / dt)
    assert within(int(c.acc.extravasated.sum()), n, q * s / (1 - (1 - q) * s))
    assert c.circulating().sum() == 0


def test_a_gamma_transit_has_its_mean_and_spread():
    # with no death, the time to arrive is a sum of k geometric stages: mean k/q steps
    T, dt, k, n = 1.0, 0.05, 4, 20_000
    c = one_site(shear=0.0, anoikis=0.0, immune=0.0, venous_time=T, transit="gamma",
                 transit_shape=k, dt=dt)
    inject(c, 0.0, {1: n})
    arrived = []
    for step in range(1, 400):
        c.advance(step * dt)
        arrived.append(int(c.acc.extravasated.sum()))
    first = np.diff([0, *arrived])
    steps = np.arange(1, first.size + 1)
    mean = (first * steps).sum() / n
    q = -math.expm1(-k * dt / T)
    var = k * (1 - q) / q**2
    assert abs(mean - k / q) <= SIGMAS * math.sqrt(var / n)


def test_a_transit_shorter_than_a_step_keeps_its_hazard():
    # 0.25 h of fixed transit on steps of 1 h: one step, with the hazard of 0.25 h
    h, n = 2.0, 200_000
    c = one_site(shear=h, anoikis=0.0, immune=0.0, venous_time=0.25, dt=1.0)
    inject(c, 0.0, {1: n})
    c.advance(3.0)
    assert c.graph.transit_steps[0] == 1
    assert within(int(c.acc.extravasated.sum()), n, math.exp(-h * 0.25))


def test_death_causes_split_in_the_ratio_of_the_hazards():
    n = 200_000
    c = one_site(shear=1.0, anoikis=0.5, immune=0.5, venous_time=2.0)
    inject(c, 0.0, {1: n})
    c.advance(3.0)
    dead = c.ledger()["dead"][:3].sum(axis=1)
    total = int(dead.sum())
    assert within(total, n, 1 - math.exp(-4.0))
    assert within(int(dead[0]), total, 0.5) and within(int(dead[1]), total, 0.25)


def test_arrest_and_organ_shares_follow_flow_times_arrest():
    # no death: every loop arrests a_L in the lung, f_i a_i (1 - a_L) in organ i; the
    # rest loop again; the long-run shares are these, normalised
    organs = (Organ("lung", "pulmonary", 0, 0.3, 1), Organ("a", "systemic", 0.5, 0.2, 1),
              Organ("b", "systemic", 0.3, 0.6, 1), Organ("c", "systemic", 0.2, 0.0, 1))
    params = CirculationParameters(dt=0.01, shear=0, anoikis=0, immune=0,
                                   arrest_time=1000.0, disaggregation=0.0)
    c = Circulation("blood", params, organs, "systemic", seed=3)
    n = 100_000
    inject(c, 0.0, {1: n})
    c.advance(5.0)
    assert c.circulating().sum() == 0
    per_loop = np.array([0.3, 0.7 * 0.5 * 0.2, 0.7 * 0.3 * 0.6, 0.0])
    share = per_loop / per_loop.sum()
    arrested = c.acc.arrested
    for k in range(4):
        assert within(int(arrested[k]), n, share[k])
    # the first pass: every cell reaches the lung once before any organ
    assert c.acc.arrived[0] >= n


def test_clusters_arrest_more_often():
    organs = (Organ("site", "systemic", 1.0, 0.2, 1.0),)
    params = CirculationParameters(dt=0.01, shear=0, anoikis=0, immune=0, venous_time=0.01,
                                   arrest_time=1000.0, disaggregation=0.0,
                                   arrest_exponent=1.0)
    c = Circulation("blood", params, organs, "direct", seed=5)
    n = 50_000
    inject(c, 0.0, {1: n, 3: n})
    c.advance(0.01 * 1.5)  # one pass
    units = c.arrested_units[0]
    assert within(int(units[0]), n, 0.2)
    assert within(int(units[2]), n, 1 - 0.8**3)


def test_the_metaspread_rules():
    # P_s = 5e-4 for singles, P_C = 2.5e-2 for any cluster over T_V = 2 h; each cell of
    # a cluster leaves it with 1 - P_d = 0.5; survivors go to two sites by 0.75 / 0.25
    organs = (Organ("site_1", "systemic", 0.75, 1, 1), Organ("site_2", "systemic", 0.25, 1, 1))
    params = CirculationParameters(dt=1 / 90, venous_time=2.0, arrest_time=0.0)
    c = Circulation("blood", params, organs, "direct", seed=11)
    assert c.graph.transit_steps[0] == 180  # T_V = 180 steps of 40 s
    n = 400_000
    inject(c, 0.0, {5: n})
    c.advance(2.1)
    kept = binomial_pmf(5, 0.5)[::-1]  # P(r cells stay together), r = 0..5
    singles_per_cluster = sum(kept[r] * ((5 - r) + (r == 1)) for r in range(6))
    units = c.acc.extravasated_units.sum(axis=0)
    assert within(int(units[0]), round(n * singles_per_cluster), 5e-4)
    clusters = round(n * kept[2:].sum())
    assert within(int(units[1:].sum()), clusters, 2.5e-2)
    # the survivors' sizes keep the law of the disaggregation
    for r in range(2, 6):
        assert within(int(units[r - 1]), int(units[1:].sum()), kept[r] / kept[2:].sum())
    survivors = int(c.acc.extravasated_units.sum())
    assert within(int(c.acc.extravasated_units[0].sum()), survivors, 0.75)
    assert c.balance() == 0 and c.circulating().sum() == 0


def test_an_intact_run_and_a_restored_one_draw_the_same_numbers():
    def make():
        return one_site(shear=1.0, transit="gamma", transit_shape=3, detach_rate=0.5,
                        disaggregation=0.3, coating=0.2)

    def run(restart):
        c = make()
        inject(c, 0.0, {1: 5000, 3: 400})
        c.advance(1.25)
        if restart:
            d = make()
            d.restore({k: v.copy() for k, v in c.checkpoint().items()})
            c = d
        inject(c, 1.25, {2: 300})
        c.advance(3.0)
        return c.ledger()
    a, b = run(False), run(True)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_bad_input_is_refused():
    c = one_site()
    with pytest.raises(ConfigError, match="max_cluster_size"):
        inject(c, 0.0, {21: 1})
    with pytest.raises(ConfigError, match="hours"):
        Circulation("c", hours=0.0)
    with pytest.raises(ConfigError, match="dt"):
        CirculationParameters(dt=0.0)
