"""Intravasation from the tissue grid: whole cells, exact removal, the routes and the
cluster rules."""

import math

import numpy as np
import pytest

from pde_meta.core.grid import Grid
from pde_meta.models.invasion.fields import FIELDS
from pde_meta.models.invasion.intravasation import (
    IntravasationRule,
    catchments,
    cells_per_unit,
    intravasate,
)
from pde_meta.models.invasion.state import State

N, E, V, LY, W, L = (FIELDS.index(k) for k in ("tumor", "epithelial", "blood", "lymph",
                                               "vessel_wall", "leakiness"))


def tissue(n=0.3, e=0.2, shape=(40, 40)):
    g = Grid(shape=shape, extent=(1.0, 1.0))
    d = np.zeros((len(FIELDS), *shape))
    d[N], d[E] = n, e
    d[V, 20, :] = 1.0          # a blood vessel along a row
    d[L, 20, :10] = 1.0        # leaky at one end
    d[W, 20, 10:20] = 1.0      # an intact wall in the middle
    d[LY, :, 30] = 0.5         # a lymph vessel along a column
    return State(g, d)


def cells(state, rule):
    return (state.data[N].sum() + state.data[E].sum()) * cells_per_unit(state.grid, rule)


@pytest.mark.parametrize("rule", ["singles", "local", "metaspread"])
def test_the_tissue_loses_exactly_the_cells_that_leave(rule):
    s = tissue()
    r = IntravasationRule(cell_size=0.005, active_rate=3.0, passive_rate=5.0,
                          clusters=rule, cluster_fraction=0.8)
    before = cells(s, r)
    rng = np.random.default_rng(4)
    shed = 0
    for _ in range(5):
        ev = intravasate(s, r, 0.02, 20, rng)
        shed += int((ev["size"] * ev["count"]).sum())
        assert (ev["mesenchymal"] + ev["epithelial"] == ev["size"]).all()
        assert (ev["size"] >= 1).all() and (ev["size"] <= 20).all()
    assert shed > 100
    assert before - cells(s, r) == pytest.approx(shed, rel=1e-12, abs=1e-9)
    assert s.data[N].min() >= 0 and s.data[E].min() >= 0
    if rule == "singles":
        assert (ev["size"] == 1).all()


def test_catchments_are_disjoint_and_reach_one_cell_around():
    s = tissue()
    c = catchments(s.data)
    pts = c.points
    vessel = ((s.data[V] > 0) | (s.data[LY] > 0)).ravel()
    assert np.array_equal(np.flatnonzero(vessel), pts)
    assert np.unique(c.cells).size == c.cells.size     # every cell drains to one point
    label = np.full(vessel.size, -1)
    label[c.cells] = pts[c.owner]
    assert (label[pts] == pts).all()          # a vessel point drains to itself
    counts = np.bincount(c.owner, minlength=pts.size)
    assert counts.max() <= 5 and counts.min() >= 1
    ny, nx = s.grid.shape
    for flat in c.cells:
        i, j = divmod(flat, nx)
        pi, pj = divmod(label[flat], nx)
        assert abs(i - pi) + abs(j - pj) <= 1
    assert catchments(s.data, c) is c          # the same vessels: the same catchments
    s.data[V, 5, 5] = 1.0
    assert catchments(s.data, c) is not c


def test_the_routes_follow_the_vessels_and_their_gates():
    s = tissue(n=0.5, e=0.5)
    r = IntravasationRule(cell_size=0.005, active_rate=5.0, passive_rate=0.0,
                          wall_block=1.0, clusters="singles")
    ev = intravasate(s, r, 0.05, 20, np.random.default_rng(1))
    # active only: mesenchymal cells, never through the intact wall (x in 10..19 of row 20)
    assert (ev["epithelial"] == 0).all() and (ev["route"] == 0).all()
    blocked = (ev["vessel"] == 0) & (ev["x"] > 10 / 40) & (ev["x"] < 20 / 40)
    assert not blocked.any()
    assert set(ev["vessel"]) == {0, 1}
    r = IntravasationRule(cell_size=0.005, active_rate=0.0, passive_rate=5.0,
                          clusters="singles")
    ev = intravasate(tissue(n=0.5, e=0.5), r, 0.05, 20, np.random.default_rng(1))
    # passive only: through leaky vessels (the blood vessel's first ten cells)
    assert (ev["route"] == 1).all() and (ev["vessel"] == 0).all()
    assert (ev["x"] < 10 / 40).all() and ev["epithelial"].sum() > 0


def test_the_count_is_binomial_in_the_whole_cells():
    # one vessel point with a catchment of 5 cells at density 0.4: K = 25 per unit
    # density, so floor(25 * 2.0) = 50 whole cells, each leaving with 1 - exp(-R dt)
    g = Grid(shape=(5, 5), extent=(1.0, 1.0))
    trials, rate, interval = 4000, 2.0, 0.1
    p = -math.expm1(-rate * interval)
    total = 0
    for k in range(trials):
        d = np.zeros((len(FIELDS), 5, 5))
        d[N] = 0.4
        d[V, 2, 2] = 1.0
        ev = intravasate(State(g, d), IntravasationRule(cell_size=0.04, active_rate=rate,
                                                        wall_block=0.0, clusters="singles"),
                         interval, 20, np.random.default_rng(k))
        total += int(ev["count"].sum())
    n = trials * 50
    assert abs(total - n * p) <= 5 * math.sqrt(n * p * (1 - p))


def test_metaspread_takes_the_whole_catchment():
    g = Grid(shape=(5, 5), extent=(1.0, 1.0))
    d = np.zeros((len(FIELDS), 5, 5))
    d[N], d[E] = 0.12, 0.08   # K = 25: 3 + 2 whole cells on each point, 25 in a catchment
    d[V, 2, 2] = 1.0
    s = State(g, d.copy())
    r = IntravasationRule(cell_size=0.04, active_rate=50.0, wall_block=0.0,
                          clusters="metaspread")
    ev = intravasate(s, r, 1.0, 20, np.random.default_rng(0))
    assert ev["size"].max() == 20                # capped at the largest unit
    assert (ev["size"] * ev["count"]).sum() >= 20
    big = ev["size"] == 20
    assert ev["mesenchymal"][big].sum() + ev["epithelial"][big].sum() == 20
    ev = intravasate(State(g, d.copy()), r, 1.0, 30, np.random.default_rng(0))
    assert ev["size"].max() == 25                # all 15 + 10 whole cells
    assert ev["mesenchymal"].max() == 15 and ev["epithelial"].max() == 10


def test_no_vessels_or_no_rates_shed_nothing():
    s = tissue()
    r = IntravasationRule(cell_size=0.005)
    before = s.data.copy()
    ev = intravasate(s, r, 1.0, 20, np.random.default_rng(0))
    assert ev["size"].size == 0 and np.array_equal(s.data, before)
    s.data[V] = s.data[LY] = 0.0
    r = IntravasationRule(cell_size=0.005, active_rate=10.0, passive_rate=10.0)
    ev = intravasate(s, r, 1.0, 20, np.random.default_rng(0))
    assert ev["size"].size == 0
