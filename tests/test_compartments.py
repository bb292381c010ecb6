"""Runs of several compartments: the config form, the run file, bitwise restarts, and an
exchange between two tissues whose ledger balances."""

import math

import numpy as np
import pytest

import pde_meta as pm
from pde_meta.config import loads_config
from pde_meta.coupling import EXCHANGES, Exchange
from pde_meta.errors import ConfigError
from pde_meta.runner import run

TISSUE = """
[compartments.{name}.grid]
shape = [24, 24]
[compartments.{name}.parameters]
haptotaxis = {chi}
[compartments.{name}.initial.tumor]
type = "gaussian"
width = 0.08
[compartments.{name}.initial.ecm]
type = "{ecm}"
[compartments.{name}.initial.mmp]
type = "scaled"
of = "tumor"
factor = 0.5
[compartments.{name}.initial.oxygen]
type = "uniform"
"""

TIME = """
[time]
t_end = 0.6
snapshot_interval = 0.2
[output]
checkpoint_seconds = 0
"""


def two_tissues(tmp_path, extra="", name="pair"):
    text = (f'name = "{name}"\nseed = 5\n' + TISSUE.format(name="a", chi=0.01, ecm="anderson")
            + TISSUE.format(name="b", chi=0.03, ecm="random") + TIME + extra)
    return loads_config(text, base_dir=tmp_path, name=name)


def one_tissue(tmp_path, chi, ecm, name):
    text = TISSUE.format(name="x", chi=chi, ecm=ecm).replace("compartments.x.", "")
    return loads_config(f'name = "{name}"\nseed = 5\n' + text + TIME, base_dir=tmp_path,
                        name=name)


def test_compartments_are_declared_in_the_config(tmp_path):
    config = two_tissues(tmp_path)
    assert [t.name for t in config.tissues()] == ["a", "b"]
    assert config.tissues()[1].parameters.haptotaxis == 0.03
    assert config.grid.shape == (24, 24) and config.compartment == "a"
    again = loads_config(config.to_toml(), base_dir=tmp_path, name="pair")
    assert again == config
    plain = one_tissue(tmp_path, 0.01, "anderson", "one")
    assert [t.name for t in plain.tissues()] == ["tissue"]
    assert "[compartments" not in plain.to_toml() and "[compartments" in config.to_toml()


@pytest.mark.parametrize("change, message", [
    ('[grid]\nshape = [8, 8]\n', "given at the top level and \\[compartments\\] declared"),
    ('[compartments.c]\ngird = 1\n', "compartments.c.gird is not a known key.*did you mean"),
    ('[compartments.a.oxygen_walls]\nleft = -1\n', "compartments.a.oxygen_walls.left = -1"),
    ('[coupling]\ninterval = 0\n', "coupling.interval = 0 is out of range"),
    ('[[exchanges]]\nkind = "flow"\nfrom = "a"\nto = "b"\n',
     "exchanges\\[0\\].kind = 'flow'.*'intravasation'"),
])
def test_bad_compartment_configs_name_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message) as info:
        two_tissues(tmp_path, extra=change)
    assert "\n" not in str(info.value)


def test_each_compartment_is_exactly_its_own_run(tmp_path):
    """Without exchanges two compartments are two independent runs in one file."""
    pair = run.simulate(two_tissues(tmp_path), progress="none")
    alone = run.simulate(one_tissue(tmp_path, 0.01, "anderson", "alone"), progress="none")
    tree = pm.open_tree(pair.path)
    assert list(tree.children) == ["a", "b"]
    a, ref = pm.open_run(pair.path, compartment="a"), pm.open_run(alone.path)
    for name in pm.FIELDS[:5]:  # the fields these runs use
        assert np.array_equal(a[name].values, ref[name].values), name
    b = pm.open_run(pair.path, compartment="b")
    assert not np.array_equal(a.ecm.values[0], b.ecm.values[0])  # random ECM in b only
    with pytest.raises(ConfigError, match="has the compartments \\['a', 'b'\\]"):
        pm.open_run(pair.path)


def test_a_run_of_two_compartments_resumes_bit_for_bit(tmp_path):
    (tmp_path / "x").mkdir()
    ref = run.simulate(two_tissues(tmp_path), progress="none")
    cut = run.simulate(two_tissues(tmp_path / "x").with_t_end(0.4), progress="none")
    run.resume(cut.path, t_end=0.6, progress="none")
    for name in ("a", "b"):
        x, y = pm.open_run(ref.path, compartment=name), pm.open_run(cut.path, compartment=name)
        for field in pm.FIELDS[:5]:  # the fields these runs use
            assert np.array_equal(x[field].values, y[field].values), (name, field)


class Shed(Exchange):
    """Moves a fraction ``rate * interval`` of the tumour of one tissue to the same cells
    of another (a test exchange between two grids of one shape)."""

    def __init__(self, name, source, target, rate):
        super().__init__(name, source, target)
        self.rate = rate

    def apply(self, source, target, t, interval):
        moved = source.state.tumor * -math.expm1(-self.rate * interval)
        source.state.tumor[...] -= moved
        target.state.tumor[...] += moved
        return float(moved.sum() * source.state.grid.cell_area)


@pytest.fixture
def shed(monkeypatch):
    from pde_meta.core.options import Option

    Shed.OPTIONS = (Option("rate", "number", 1.0, "fraction per unit time", low=0),)
    monkeypatch.setitem(EXCHANGES, "shed", Shed)
    return Shed


COUPLED = """
[coupling]
interval = 0.05
[[exchanges]]
kind = "shed"
from = "a"
to = "b"
rate = 2.0
"""


def test_an_exchange_moves_mass_and_the_ledger_balances(tmp_path, shed):
    config = two_tissues(tmp_path, extra=COUPLED)
    assert config.exchanges[0].options == (("rate", 2.0),)
    result = run.simulate(config, progress="none")
    tree = pm.open_tree(result.path)
    ledger = tree["ledger"].to_dataset()
    assert ledger.sizes["transfer"] == 12  # 0.6 / 0.05
    np.testing.assert_allclose(ledger.t.values, 0.05 * np.arange(1, 13))
    assert set(ledger.source.values) == {"a"} and set(ledger.target.values) == {"b"}
    a, b = (pm.open_run(result.path, compartment=n) for n in "ab")
    moved = ledger.amount.values.sum()
    # growth is off: each tissue conserves its tumour; only the exchange moves it
    assert a.tumor_mass.values[-1] == pytest.approx(a.tumor_mass.values[0] - moved, rel=1e-12)
    assert b.tumor_mass.values[-1] == pytest.approx(b.tumor_mass.values[0] + moved, rel=1e-12)
    assert a.tumor_mass.values[-1] == pytest.approx(
        a.tumor_mass.values[0] * math.exp(-2.0 * 0.6), rel=1e-12)


def test_a_coupled_run_resumes_bit_for_bit_with_its_ledger(tmp_path, shed):
    (tmp_path / "x").mkdir()
    ref = run.simulate(two_tissues(tmp_path, extra=COUPLED), progress="none")
    cut = run.simulate(two_tissues(tmp_path / "x", extra=COUPLED).with_t_end(0.4),
                       progress="none")
    run.resume(cut.path, t_end=0.6, progress="none")
    x, y = pm.open_tree(ref.path), pm.open_tree(cut.path)
    assert x["ledger"].to_dataset().identical(y["ledger"].to_dataset())
    for name in ("a", "b"):
        for field in pm.FIELDS[:5]:  # the fields these runs use
            assert np.array_equal(x[name][field].values, y[name][field].values)
