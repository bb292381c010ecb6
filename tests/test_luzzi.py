"""configs/luzzi1998.toml reproduces the colonisation funnel of Luzzi et al. 1998 (as
Steeg 2006 quotes it) within the binomial intervals of the cells it simulates: > 80 %
of the injected cells extravasate, 1 in 40 of those forms a micrometastasis by day 3,
1 in 100 of the micrometastases is a macrometastasis by day 10."""

from pathlib import Path

import pytest

import pde_meta as pm
from pde_meta.sweep import wilson

CONFIG = Path(__file__).parents[1] / "configs" / "luzzi1998.toml"
LEVEL = 0.99


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("luzzi") / "luzzi.h5"
    return pm.simulate(pm.load_config(CONFIG), output=out, progress="none", threads=1)


def at(ds, t):
    return ds.sel(time=t)


def test_the_funnel_matches_the_published_fractions(run):
    blood = pm.open_run(run.path, compartment="blood")
    liver = pm.open_run(run.path, compartment="liver")
    injected = int(blood.shed.isel(time=-1).sel(route="injected").sum(("vessel",))
                   .sel(kind="singles"))
    assert injected == 200_000
    out3 = int(at(blood, 3.0).extravasated.sel(organ="liver"))
    low, _ = wilson(out3, injected, LEVEL)
    assert low > 0.80                                       # > 80 % extravasated
    micro3 = float(at(liver, 3.0).liver_micrometastases)
    low, high = wilson(round(micro3), out3, LEVEL)
    assert low <= 1 / 40 <= high                            # 1 in 40 by day 3
    macro10 = float(at(liver, 10.0).liver_macrometastases)
    low, high = wilson(round(macro10), round(micro3), LEVEL)
    assert low <= 1 / 100 <= high                           # 1 in 100 of those by day 10
    dormant13 = int(at(liver, 13.0).dormant.sel(organ="liver"))
    assert dormant13 / injected == pytest.approx(0.36, abs=0.02)  # recalled, not verified


def test_every_injected_cell_is_accounted_for(run):
    blood = pm.open_run(run.path, compartment="blood").isel(time=-1)
    liver = pm.open_run(run.path, compartment="liver").isel(time=-1)
    assert float(blood.balance) == 0 and float(liver.balance) == 0
    assert int(liver.arrived.sel(organ="liver")) == int(blood.extravasated.sel(organ="liver"))
