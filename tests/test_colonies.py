"""The colony-size solver against closed forms: conservation to round-off, positivity,
first-order convergence of the size distribution, Iwata's count of metastases."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from pde_meta.models.organs import Colonies, SizeGrid


def account(c):
    return c.entered - c.died - c.beyond - c.below


@pytest.mark.parametrize("law, rate, capacity", [("exponential", 0.35, math.inf),
                                                 ("logistic", 0.5, 1e9),
                                                 ("gompertz", 0.05, 1e11)])
def test_colonies_are_conserved_and_stay_non_negative(law, rate, capacity):
    # colonies above a logistic capacity shrink back to it (v < 0 there)
    c = Colonies(SizeGrid(120, 1e10), law=law, rate=rate, capacity=capacity, death=0.01)
    rng = np.random.default_rng(1)
    c.counts[:] = rng.random(120) * 5
    start = c.total
    for _ in range(200):
        c.advance(float(rng.uniform(0.1, 5.0)), inflow=float(rng.uniform(0, 20)))
        assert c.counts.min() >= 0.0
    assert c.total == pytest.approx(start + account(c), rel=1e-11)


def test_exponential_growth_at_courant_one_is_an_exact_shift():
    g = SizeGrid(100, 1e10)
    a = 0.4
    c = Colonies(g, law="exponential", rate=a)
    c.counts[0] = 1.0
    h = g.width / a
    c.advance(7 * h)
    assert c.counts[7] == pytest.approx(1.0, abs=1e-12) and c.total == pytest.approx(1.0)


def _cdf_error(bins, law, rate, capacity, t, beta, tau):
    """Max error of the count of colonies of at least y cells, against beta (t - tau(y))
    (a constant inflow from t = 0: a colony of size y was born tau(y) ago)."""
    c = Colonies(SizeGrid(bins, 1e12), law=law, rate=rate, capacity=capacity)
    h = 0.7 * c.max_step()  # Courant number 0.7: the scheme's own first-order error
    for _ in range(int(t / h)):
        c.advance(h, inflow=beta)
    c.advance(t - int(t / h) * h, inflow=beta)
    ys = np.exp(np.linspace(0.5, math.log(1e8), 25))
    exact = np.array([beta * max(t - tau(y), 0.0) for y in ys])
    got = np.array([c.at_least(y) for y in ys])
    return np.max(np.abs(got - exact)) / (beta * t)


@pytest.mark.parametrize("law, rate, capacity, tau", [
    ("exponential", 0.2, math.inf, lambda y, a=0.2: math.log(y) / a),
    # Gompertz from one cell: ln x(s) = ln K (1 - exp(-a s))
    ("gompertz", 0.05, 7.3e10,
     lambda y, a=0.05, K=7.3e10: -math.log(1.0 - math.log(y) / math.log(K)) / a),
])
def test_the_size_distribution_converges_at_first_order_or_better(law, rate, capacity, tau):
    t, beta = 120.0, 3.0
    errors = [_cdf_error(b, law, rate, capacity, t, beta, tau) for b in (60, 120, 240, 480)]
    orders = [math.log2(errors[k] / errors[k + 1]) for k in range(len(errors) - 1)]
    assert errors[-1] < 0.02
    assert min(orders[1:]) > 0.7, (errors, orders)


def test_a_constant_death_rate_gives_its_closed_form():
    beta, d, t = 5.0, 0.1, 30.0
    c = Colonies(SizeGrid(60, 1e12), law="gompertz", rate=0.01, capacity=1e11, death=d)
    for _ in range(3000):
        c.advance(t / 3000, inflow=beta)
    assert c.total == pytest.approx(beta * (1 - math.exp(-d * t)) / d, rel=2e-3)
    assert c.died == pytest.approx(beta * t - c.total, rel=1e-12)


def test_iwata_count_of_metastases_from_a_gompertz_primary():
    # Iwata et al. 2000: beta(x_p) = m x_p^alpha from a primary on the same Gompertz law,
    # no seeding by metastases: N(t) = int_0^t m x_p(s)^alpha ds
    a, K, m, alpha = 0.00286, 7.3e10, 5.3e-8, 0.663
    x_p = lambda s: K ** (1.0 - math.exp(-a * s))  # noqa: E731
    c = Colonies(SizeGrid(240, 1e12), law="gompertz", rate=a, capacity=K)
    days, dt = 1500, 1.0
    for k in range(int(days / dt)):
        mid = (k + 0.5) * dt
        c.advance(dt, inflow=m * x_p(mid) ** alpha)
    exact = quad(lambda s: m * x_p(s) ** alpha, 0.0, days, limit=200)[0]
    assert c.total == pytest.approx(exact, rel=1e-4)
    assert c.beyond == 0.0 and c.below == 0.0  # Gompertz colonies stay below K


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="law"):
        Colonies(SizeGrid(), law="linear")
    with pytest.raises(ValueError, match="capacity"):
        Colonies(SizeGrid(), law="logistic", capacity=math.inf)
    with pytest.raises(ValueError, match="bins"):
        SizeGrid(0)
    with pytest.raises(ValueError, match="dt"):
        Colonies(SizeGrid()).advance(-1.0)


def test_secondary_seeding_against_its_closed_form():
    # exponential growth a, seeding beta(x) = m x (alpha = 1), a constant inflow b: the
    # cells in colonies obey C' = (a + m) C + b, and the colonies N' = b + m C, so
    # N(t) = b t + m b / (a + m) * ((exp((a + m) t) - 1) / (a + m) - t)
    a, m, b, t = 0.1, 0.02, 4.0, 40.0
    r = a + m
    exact = b * t + m * b / r * ((math.exp(r * t) - 1.0) / r - t)
    errors = []
    for bins in (100, 200, 400):
        c = Colonies(SizeGrid(bins, 1e12), law="exponential", rate=a)
        h = 0.5 * c.max_step()
        steps = int(round(t / h))
        for _ in range(steps):
            c.advance(t / steps, inflow=b, seeding=(m, 1.0))
        errors.append(abs(c.total - exact) / exact)
        assert c.total == pytest.approx(account(c), rel=1e-12)
    # first order in the size grid (the seeding of a cell is that of its geometric centre,
    # and upwind smearing moves colonies up): 10 %, 5 %, 2.7 % at 100, 200, 400 cells
    assert errors[-1] < 0.04 and errors[0] / errors[-1] > 3.0, errors


def test_avascular_colonies_stop_at_the_plateau_and_switch_at_their_rate():
    # without a switch, every colony stops at the plateau P; with switch s and extra death
    # d_a, a share s / (s + d_a) of them ever becomes vascular (closed form), and the
    # vascular ones grow past P
    P, s, da = 1e3, 0.02, 0.18
    stuck = Colonies(SizeGrid(200, 1e12), law="exponential", rate=1.0, plateau=P)
    stuck.add(1.0, 10.0)
    stuck.advance(40.0)
    assert stuck.total == pytest.approx(10.0, rel=1e-12)
    assert stuck.at_least(0.8 * P) == pytest.approx(10.0, rel=1e-3)
    assert stuck.at_least(1.2 * P) < 1e-3 * 10.0
    c = Colonies(SizeGrid(200, 1e12), law="exponential", rate=1.0, plateau=P, switch=s,
                 avascular_death=da)
    c.add(1.0, 100.0)
    for _ in range(400):
        c.advance(0.5)
        assert c.counts.min() >= 0.0 and c.avascular.min() >= 0.0
    assert c.total == pytest.approx(account(c), rel=1e-12)
    assert c.avascular.sum() < 1e-6
    # sub-steps of the scheme: switch and death split as (1 - e^-sh) e^-dh; the share
    # is s/(s + d_a) up to O(h), h = the sub-step
    h = 0.5 / math.ceil(0.5 / c.max_step())
    exact = (1 - math.exp(-s * h)) / (1 - math.exp(-(s + da) * h)) * math.exp(-da * h)
    # the vascular ones grew on, most of them past x_max by now
    assert c.counts.sum() + c.beyond == pytest.approx(100.0 * exact, rel=1e-9)
    assert c.beyond > 0.9 * 100.0 * exact
    assert exact == pytest.approx(s / (s + da), rel=0.05)
