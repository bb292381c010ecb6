"""Compartments coupled by exchanges: conservation in the ledger, multi-rate stepping, the
coupling's order of accuracy, and a one-compartment run that is exactly the stepper's."""

import math

import numpy as np
import pytest

import pde_meta as pm
from pde_meta.core.compartment import Compartment, Layout
from pde_meta.coupling import Coupler, Exchange, Ledger, coupling_times
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.compartment import Tissue


class Reservoir(Compartment):
    """A well-mixed amount ``y`` with ``y' = -k y`` (or ``-k y^2`` when ``quadratic``),
    advanced by exact steps of a fixed size ``h`` (an ODE compartment next to a grid)."""

    def __init__(self, name, y0, k=0.0, h=0.01, quadratic=False):
        self.name, self.y, self.k, self.h = name, float(y0), k, h
        self.quadratic = quadratic
        self._t, self.steps = 0.0, 0

    @property
    def t(self):
        return self._t

    def advance(self, t_end, max_steps=None):
        taken = 0
        while self._t < t_end and (max_steps is None or taken < max_steps):
            dt = min(self.h, t_end - self._t)
            if self.quadratic:
                self.y /= 1.0 + self.k * self.y * dt
            else:
                self.y *= math.exp(-self.k * dt)
            self._t = t_end if dt == t_end - self._t else self._t + dt
            taken += 1
        self.steps += taken
        return taken

    def layout(self):
        return Layout("reservoir", {}, {}, {"amount": {"units": "1"}},
                      {"y": ((2,), "f8")})

    def fields(self):
        return {}

    def diagnostics(self, wall_seconds):
        return {"amount": self.y}

    def checkpoint(self):
        return {"y": np.array([self._t, self.y])}

    def restore(self, arrays):
        self._t, self.y = (float(v) for v in arrays["y"])


class Flow(Exchange):
    """A first-order flow at rate ``q``: exact for the flow alone over the interval."""

    def __init__(self, name, source, target, q):
        super().__init__(name, source, target)
        self.q = q

    def apply(self, source, target, t, interval):
        amount = source.y * -math.expm1(-self.q * interval)
        source.y -= amount
        target.y += amount
        return amount


def test_coupling_times_are_multiples_of_the_interval():
    assert coupling_times(0.0, 1.0, 0.25) == [0.25, 0.5, 0.75, 1.0]
    assert coupling_times(0.3, 1.0, 0.25) == [0.5, 0.75, 1.0]
    assert coupling_times(0.0, 0.2, 0.25) == []
    assert coupling_times(0.0, 0.3, 0.1)[-1] == pytest.approx(0.3, abs=0)  # 3 * 0.1 merged


def test_what_leaves_is_what_arrives_exactly():
    a, b = Reservoir("a", 1.0, h=0.01), Reservoir("b", 0.0, h=0.003)
    coupler = Coupler([a, b], [Flow("flow", "a", "b", q=2.0)], interval=0.05)
    coupler.advance(1.0)
    assert len(coupler.ledger) == 20
    moved = 0.0
    for row in coupler.ledger.rows:
        moved += row.amount
    assert b.y == moved                        # the target holds exactly the ledger's sum
    assert coupler.ledger.balance("b") == moved == -coupler.ledger.balance("a")
    assert a.y + b.y == pytest.approx(1.0, abs=1e-15)


def test_compartments_step_at_their_own_rates():
    a, b = Reservoir("a", 1.0, h=1 / 64), Reservoir("b", 0.0, h=3 / 64)
    Coupler([a, b], [Flow("flow", "a", "b", q=1.0)], interval=0.125).advance(1.0)
    assert a.steps == 8 * 8                    # 8 steps of 1/64 per interval
    assert b.steps == 8 * 3                    # 3/64, 3/64, then the 2/64 left
    assert a.t == b.t == 1.0


def test_coupling_error_is_first_order_in_the_interval():
    """The source loses k y^2 and flows out at q y (the two do not commute):
    exactly y = q e^{-qt} / (q / y0 + k (1 - e^{-qt}))."""
    k, q, t_end, y0 = 2.0, 3.0, 1.0, 1.0
    exact = q * math.exp(-q * t_end) / (q / y0 + k * (1 - math.exp(-q * t_end)))
    errors = []
    for interval in (0.1, 0.05, 0.025, 0.0125):
        a = Reservoir("a", y0, k=k, h=interval / 4, quadratic=True)
        b = Reservoir("b", 0.0)
        Coupler([a, b], [Flow("flow", "a", "b", q)], interval=interval).advance(t_end)
        errors.append(abs(a.y - exact))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 1.0) < 0.1), orders


def test_chunks_of_steps_do_not_change_a_coupled_run():
    def run(max_steps):
        a, b = Reservoir("a", 1.0, k=0.5, h=0.007), Reservoir("b", 0.0, h=0.011)
        coupler = Coupler([a, b], [Flow("flow", "a", "b", 3.0)], interval=0.05)
        while coupler.t < 1.0:
            coupler.advance(1.0, max_steps)
        return a.y, b.y, len(coupler.ledger)

    assert run(None) == run(3) == run(1)


def test_one_tissue_without_exchanges_is_exactly_the_stepper():
    state = pm.initial.anderson2005(24)
    params = pm.Parameters(growth_rate=0.3)
    reference = pm.Stepper(state, params).advance(0.5)
    tissue = Tissue("tissue", state, params)
    coupler = Coupler([tissue])
    while coupler.t < 0.5:
        coupler.advance(0.5, max_steps=7)
    assert np.array_equal(tissue.state.data, reference.data)
    assert tissue.state.step == reference.step


def test_a_tissue_and_an_ode_advance_together():
    """The tissue stops at every coupling time and is then exactly a stepper that was
    asked for those times."""
    state = pm.initial.anderson2005(16)
    tissue = Tissue("tissue", state, pm.Parameters())
    a, b = Reservoir("a", 1.0, h=0.013), Reservoir("b", 0.0)
    coupler = Coupler([tissue, a, b], [Flow("flow", "a", "b", 1.0)], interval=0.1)
    coupler.advance(0.35)
    stepper = pm.Stepper(state, pm.Parameters())
    for t in (*coupling_times(0.0, 0.35, 0.1), 0.35):
        stepper.advance(t)
    assert np.array_equal(tissue.state.data, stepper.state.data)
    assert len(coupler.ledger) == 3 and tissue.t == a.t == b.t == 0.35


def test_checkpoint_and_restore_continue_a_coupled_run_exactly():
    def make():
        a, b = Reservoir("a", 1.0, k=0.2, h=0.01), Reservoir("b", 0.0, h=0.02)
        return a, b, Coupler([a, b], [Flow("flow", "a", "b", 1.5)], interval=0.1)

    a, b, coupler = make()
    coupler.advance(1.0)
    a2, b2, first = make()
    first.advance(0.4)
    saved = {c.name: c.checkpoint() for c in first}
    a3, b3, _ = make()
    for c in (a3, b3):
        c.restore(saved[c.name])
    Coupler([a3, b3], [Flow("flow", "a", "b", 1.5)], interval=0.1).advance(1.0)
    assert (a3.y, b3.y) == (a.y, b.y)


def test_bad_coupling_set_ups_are_refused():
    a, b = Reservoir("a", 1.0), Reservoir("b", 0.0)
    with pytest.raises(ConfigError, match="used twice"):
        Coupler([a, Reservoir("a", 0.0)])
    with pytest.raises(ConfigError, match="no compartment 'c'"):
        Coupler([a, b], [Flow("flow", "a", "c", 1.0)], interval=0.1)
    with pytest.raises(ConfigError, match="coupling.interval"):
        Coupler([a, b], [Flow("flow", "a", "b", 1.0)])
    with pytest.raises(TypeError):
        Compartment()  # the interface is abstract


def test_ledger_columns():
    ledger = Ledger()
    coupler = Coupler([Reservoir("a", 1.0), Reservoir("b", 0.0)],
                      [Flow("flow", "a", "b", 1.0)], interval=0.5, ledger=ledger)
    coupler.advance(1.0)
    cols = ledger.as_arrays()
    assert cols["t"].tolist() == [0.5, 1.0]
    assert cols["source"].tolist() == [b"a", b"a"]
    assert cols["amount"].sum() == pytest.approx(1.0 - math.exp(-1.0))
