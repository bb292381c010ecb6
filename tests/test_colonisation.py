"""Spatial colonies: the colonies that start in an organ land at the perfused vessels of
its tissue grid, the grid gains exactly the cells handed to it, they grow there, and a
run with them resumes bit for bit."""

from pathlib import Path

import numpy as np
import pytest

import pde_meta as pm
from pde_meta.config import loads_config
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.colonisation import vessel_points
from pde_meta.runner.run import compartments, coupler_of

TEXT = (Path(__file__).parents[1] / "configs" / "liver_colonies.toml").read_text()


def _config(tmp_path, name="col", t_end=2.0, **replace):
    text = TEXT.replace("shape = [96, 96]", "shape = [48, 48]").replace(
        "t_end = 8.0", f"t_end = {t_end}").replace("../runs/liver_colonies.h5", f"{name}.h5")
    for old, new in replace.items():
        text = text.replace(old, new)
    return loads_config(text, base_dir=tmp_path, name=name)


def test_colonies_land_at_vessels_and_the_grid_gains_exactly_their_cells(tmp_path):
    # growth, death and motility off: the grid holds exactly the cells that started
    # colonies in the liver (cells = mass / cell_size^2), and only at vessel points
    config = _config(tmp_path, **{
        "growth_rate = 1.0": "growth_rate = 0.0",
        "tumor_diffusivity = 1e-4": "tumor_diffusivity = 0.0",
        "haptotaxis = 2e-3": "haptotaxis = 0.0"})
    coupler = coupler_of(config, compartments(config, threads=1))
    tissue, organs = coupler["liver"], coupler["organs"]
    coupler.advance(config.time.t_end)
    started = organs.fates[0].started + organs.fates[0].reactivated
    assert started > 50
    cells = tissue.niche_measure("mass") / 0.001**2
    assert cells == pytest.approx(started, rel=1e-9)
    tumor = tissue.state["tumor"].ravel()
    assert set(np.flatnonzero(tumor)) <= set(vessel_points(tissue.state.data))
    assert coupler.ledger.total(source="organs", target="liver") == started
    assert organs.fates[0].colonies.total == 0.0  # none grew in the size density


def test_spatial_colonies_grow_and_resume_bit_for_bit(tmp_path):
    full = pm.simulate(_config(tmp_path, "full"), progress="none", threads=1)
    ds = pm.open_run(full.path, compartment="liver")
    mass = ds["tumor_mass"].values
    organs = pm.open_run(full.path, compartment="organs").isel(time=-1)
    placed = float(organs["started"].sum() + organs["reactivated"].sum()) * 0.001**2
    assert mass[0] == 0 and mass[-1] > 1.5 * placed > 0  # they grew
    cut = pm.simulate(_config(tmp_path, "cut").with_t_end(1.0), progress="none", threads=1)
    pm.resume(cut.path, t_end=2.0, progress="none", threads=1)
    for name in ("liver", "organs"):
        x, y = pm.open_run(full.path, compartment=name), pm.open_run(cut.path,
                                                                     compartment=name)
        for var in x.data_vars:
            if var not in ("wall_time", "wall_seconds"):
                assert np.array_equal(x[var].values, y[var].values, equal_nan=True), \
                    (name, var)


def test_bad_colonisations_are_refused(tmp_path):
    no_vessels = _config(tmp_path, **{"[compartments.liver.initial.blood]":
                                      "[compartments.liver.initial.lymph]"})
    with pytest.raises(ConfigError, match="no perfused blood vessel"):
        pm.simulate(no_vessels, progress="none", threads=1)
    with pytest.raises(ConfigError, match="no organ 'heart'"):
        coupler_of(*(lambda c: (c, compartments(c, threads=1)))(
            _config(tmp_path, **{'organ = "liver"\ncell_size': 'organ = "heart"\ncell_size'})))
    with pytest.raises(ConfigError, match="goes from 'organs' to 'invasion'"):
        coupler_of(*(lambda c: (c, compartments(c, threads=1)))(
            _config(tmp_path, **{'from = "organs"\nto = "liver"':
                                 'from = "circulation"\nto = "liver"'})))


def test_a_primed_niche_lays_matrix_around_the_vessels_before_the_colonies():
    # the niche at effect h adds niche_matrix * h * days to the ECM at and next to the
    # vessels (up to 1), nowhere else
    import math

    from pde_meta.exchanges import Colonisation
    from pde_meta.models.organs.niche import Niche

    config = loads_config(TEXT.replace("shape = [96, 96]", "shape = [48, 48]"), name="n")
    parts = compartments(config, threads=1)
    tissue, organs = parts[0], parts[2]
    soil = organs.organs[0]
    object.__setattr__(soil, "niche", Niche(uptake=1.0, decay=0.0, half=1.0))
    organs.prime(1.0, 1.0)  # nu = 1: h = 1/2
    before = tissue.state["ecm"].copy()
    ex = Colonisation("c", "organs", "liver", organ="liver", cell_size=0.001, niche_matrix=0.4)
    ex.check(organs, tissue)
    ex.apply(organs, tissue, 0.05, 0.05)
    added = tissue.state["ecm"] - before
    days = 0.05 * organs.hours / 24.0
    vessels = tissue.state["blood"] > 0
    assert added[vessels] == pytest.approx(np.minimum(0.4 * 0.5 * days, 1.0 - 0.5))
    far = ~vessels
    for axis in (0, 1):
        for shift in (1, -1):
            far &= ~np.roll(vessels, shift, axis=axis)
    assert not added[far].any() and math.isclose(added.max(), 0.4 * 0.5 * days)
