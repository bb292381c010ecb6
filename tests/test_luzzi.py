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


def test_replicates_on_dask_give_the_probability_of_metastasis(tmp_path):
    # 4000 injected cells, 4 replicates at two angiogenic switch rates: the share of
    # replicates with a macrometastasis in the liver by day 10, with its Wilson interval
    from pde_meta import sweep

    text = CONFIG.read_text().replace("cells = 200000", "cells = 4000").replace(
        "t_end = 13.0", "t_end = 10.0").replace("snapshot_times = [0.0, 1.0, 3.0, 10.0, 13.0]",
                                                "snapshot_times = [0.0, 10.0]")
    (tmp_path / "luzzi.toml").write_text(text)
    (tmp_path / "s.toml").write_text(
        'base = "luzzi.toml"\noutput = "out"\nreplicates = 4\n[vary]\n'
        '"compartments.liver.organs[0].angiogenic_switch" = [0.0, 0.1]\n')
    s = sweep.load_sweep(tmp_path / "s.toml")
    result = sweep.run_sweep(s, tmp_path / "out", workers=2, progress="none")
    assert result.ok
    p = sweep.metastasis_probability(sweep.open_sweep(tmp_path / "out"), [5.0, 10.0])
    key = "compartments.liver.organs[0].angiogenic_switch"
    assert len(p) == 2 * 2 and set(p.replicates) == {4}
    never = p[(p[key] == 0.0)]
    assert (never.metastasised == 0).all()  # no switch: no colony passes the plateau
    often = p[(p[key] == 0.1) & (p.time == 10.0)].iloc[0]
    assert often.probability == 1.0 and often.low == pytest.approx(wilson(4, 4)[0])
    assert ((p.low <= p.probability) & (p.probability <= p.high)).all()
