"""The first colonies as records: exact growth, death as whole colonies, the hand-over
to the density."""

import math

import numpy as np
import pytest

from pde_meta.models.organs import Colonies, Fates, SizeGrid, Soil
from pde_meta.models.organs.records import Records, grow, time_to


@pytest.mark.parametrize("law", ["exponential", "logistic", "gompertz"])
def test_growth_is_the_exact_solution_and_time_to_inverts_it(law):
    a, K, x0 = 0.3, 1e9, 5.0
    # the closed form composes: growing t1 then t2 is growing t1 + t2
    x = grow(law, np.array([x0]), a, K, 3.0)
    x = grow(law, x, a, K, 4.5)
    assert x[0] == pytest.approx(grow(law, np.array([x0]), a, K, 7.5)[0], rel=1e-12)
    # and it solves x' = g(x) (a centred difference)
    h, t = 1e-4, 2.0
    up, down = (grow(law, np.array([x0]), a, K, t + s)[0] for s in (h, -h))
    mid = grow(law, np.array([x0]), a, K, t)[0]
    g = {"exponential": a * mid, "logistic": a * mid * (1 - mid / K),
         "gompertz": a * mid * math.log(K / mid)}[law]
    assert (up - down) / (2 * h) == pytest.approx(g, rel=1e-6)
    target = 1e6
    tau = time_to(law, x0, target, a, K)
    assert grow(law, np.array([x0]), a, K, tau)[0] == pytest.approx(target, rel=1e-10)


def test_records_die_as_whole_colonies_at_their_rate():
    d, dt, n = 0.1, 0.5, 2000
    r = Records(n, "exponential", 0.01, math.inf, d)
    r.add(1.0, n)
    rng = np.random.default_rng(4)
    for _ in range(10):
        r.advance(dt, rng)
    p = math.exp(-d * dt * 10)
    assert abs(r.alive.size - n * p) <= 5 * math.sqrt(n * p * (1 - p))
    assert r.died + r.alive.size == n


def test_colonies_beyond_the_records_go_to_the_density():
    f = Fates(Soil(0.0, 0.0), Colonies(SizeGrid(60, 1e12), law="exponential", rate=0.1),
              records=Records(3, "exponential", 0.1, math.inf, 0.0))
    units = np.zeros(20, dtype=np.int64)
    units[0], units[3] = 2, 5
    f.receive(units, np.random.default_rng(0))
    assert f.records.alive.tolist() == [1.0, 1.0, 4.0]  # the first three, in size order
    assert f.colonies.total == 4.0                      # the other four clusters of four
    assert f.at_least(1.0) == 7 and f.colony_counts().sum() == 7
    assert f.balance() == 0


def test_avascular_records_switch_in_the_share_of_their_rates():
    # each record dies at d_a or switches at s while avascular: a share s / (s + d_a)
    # switch (in steps of dt: (1 - e^{-s dt}) / (1 - e^{-(s + d_a) dt} e^{...}) exactly)
    from pde_meta.models.organs.records import Records

    s, da, dt, n = 0.05, 0.15, 0.1, 4000
    r = Records(n, "exponential", 1.0, math.inf, 0.0, plateau=100.0, switch=s,
                avascular_death=da)
    assert r.add(1.0, n) == n
    rng = np.random.default_rng(3)
    for _ in range(1500):
        r.advance(dt, rng)
    assert not np.any(~r.vascular & ~np.isnan(r.sizes))  # no avascular one is left
    q_die, q_switch = -math.expm1(-da * dt), -math.expm1(-s * dt)
    p = (1 - q_die) * q_switch / (q_die + (1 - q_die) * q_switch)
    got = int(np.count_nonzero(~np.isnan(r.sizes)))
    assert abs(got - n * p) < 4 * math.sqrt(n * p * (1 - p))
    assert r.alive.min() > 100.0  # the switched ones grew past the plateau
