"""The fates of arrived cells: fractions within binomial intervals, the law of the
dormancy durations, and an exact ledger."""

import math

import numpy as np
import pytest

from pde_meta.models.organs import Colonies, Fates, SizeGrid, Soil

SIGMAS = 5.0


def within(count, n, p):
    return abs(count - n * p) <= SIGMAS * math.sqrt(max(n * p * (1 - p), 1e-300)) + 1e-9


def organ(**soil):
    return Fates(Soil(**soil), Colonies(SizeGrid(120, 1e12), law="gompertz", rate=0.05,
                                        capacity=1e11), dt=1.0, ages=400)


def singles(n, size=20):
    units = np.zeros(size, dtype=np.int64)
    units[0] = n
    return units


def test_arrivals_die_sleep_or_divide_in_the_configured_shares():
    n = 200_000
    f = organ(die=0.3, dormant=0.5, reactivation=0.0, dormant_death=0.0)
    f.receive(singles(n), np.random.default_rng(1))
    assert within(f.died, n, 0.3)
    assert within(f.dormant_cells(), n, 0.5)
    assert within(f.started, n, 0.2)
    assert f.colonies.total == f.started and f.balance() == 0


def test_dormancy_durations_are_geometric_and_the_reactivated_share_is_r_over_r_plus_d():
    r, d, n = 0.02, 0.03, 100_000
    f = organ(die=0.0, dormant=1.0, reactivation=r, dormant_death=d)
    f.receive(singles(n), np.random.default_rng(2))
    rng = np.random.default_rng(3)
    for _ in range(399):
        f.advance(rng)
    q = -math.expm1(-(r + d))
    left = n - f.dormant_cells()
    assert within(left, n, 1 - (1 - q) ** 399)
    assert within(f.reactivated, left, r / (r + d))
    # the durations of the reactivated: P(k + 1 steps) = (1 - q)^k q
    k = np.arange(f.ages)
    mean = (f.durations * (k + 1)).sum() / f.durations.sum()
    exact = 1 / q  # the mean of the geometric law (truncation at 399 steps is negligible)
    sd = math.sqrt((1 - q) / q**2 / f.durations.sum())
    assert abs(mean - exact) <= SIGMAS * sd + (1 - q) ** 399 * 400
    assert f.balance() == 0


def test_clusters_that_divide_start_colonies_of_their_size():
    f = organ(die=0.0, dormant=0.0)
    units = np.zeros(20, dtype=np.int64)
    units[4] = 7  # seven clusters of five cells
    f.receive(units, np.random.default_rng(0))
    k = f.colonies.grid.index(5.0)
    assert f.colonies.counts[k] == 7 and f.started == 35


def test_the_ledger_is_exact_on_random_inputs():
    rng = np.random.default_rng(11)
    for _ in range(20):
        die = rng.uniform(0, 1)
        f = Fates(Soil(die=die, dormant=rng.uniform(0, 1 - die),
                       reactivation=rng.uniform(0, 0.5), dormant_death=rng.uniform(0, 0.5)),
                  Colonies(SizeGrid(60, 1e12)), dt=float(rng.uniform(0.1, 3)), max_size=8,
                  ages=int(rng.integers(2, 50)))
        for _ in range(30):
            f.receive(rng.integers(0, 500, size=8), rng)
            f.advance(rng)
            assert f.balance() == 0 and f.dormant.min() >= 0
        assert f.durations.sum() == f.reactivated


def test_bad_soils_are_refused():
    with pytest.raises(ValueError, match="die \\+ dormant"):
        Soil(die=0.7, dormant=0.5)
    with pytest.raises(ValueError, match="reactivation"):
        Soil(reactivation=-1.0)
    with pytest.raises(ValueError, match="ages"):
        Fates(Soil(), Colonies(SizeGrid()), ages=1)
