"""Parameters, grid, state and initial conditions: validation and construction."""

import dataclasses

import numpy as np
import pytest

from pde_meta import FIELDS, State, initial
from pde_meta.core.grid import Grid
from pde_meta.errors import ConfigError
from pde_meta.models.invasion.parameters import PARAMETER_SPECS, OxygenWalls, Parameters
from pde_meta.models.invasion.stepper import rhs, stable_dt


def test_defaults_are_anderson2005():
    p = Parameters()
    assert (p.tumor_diffusivity, p.haptotaxis, p.ecm_degradation) == (5e-4, 0.01, 10.0)
    assert (p.mmp_diffusivity, p.mmp_production, p.mmp_decay) == (5e-4, 1.0, 0.0)
    assert (p.oxygen_diffusivity, p.oxygen_supply, p.oxygen_consumption, p.oxygen_decay) == (
        0.5, 0.5, 0.57, 0.5)
    assert p.growth_rate == p.hypoxic_death_rate == p.ecm_remodelling == 0.0
    assert p.membrane_degradation == 0.0


def test_parameters_are_frozen_and_keyword_only():
    p = Parameters()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.haptotaxis = 1.0
    with pytest.raises(TypeError):
        Parameters(1e-3)


def test_bad_value_message_names_key_value_range_and_fix():
    with pytest.raises(ConfigError) as err:
        Parameters(tumor_diffusivity=-1.0)
    msg = str(err.value)
    assert "parameters.tumor_diffusivity = -1.0" in msg
    assert ">= 0" in msg or "[0" in msg
    assert "fix:" in msg


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as err:
        Parameters(haptotaxis="a lot", oxygen_decay=float("nan"), hypoxia_width=0.0,
                   ecm_remodelling_form="sometimes")
    msg = str(err.value)
    for key in ("haptotaxis", "oxygen_decay", "hypoxia_width", "ecm_remodelling_form"):
        assert f"parameters.{key}" in msg


def test_every_parameter_is_documented():
    doc = Parameters.__doc__
    for spec in PARAMETER_SPECS:
        assert spec.name in doc and spec.symbol in doc
    assert {s.name for s in PARAMETER_SPECS} | {"ecm_remodelling_form"} == {
        f.name for f in dataclasses.fields(Parameters)}


def test_grid_geometry_and_validation():
    g = Grid(shape=(10, 40), extent=(0.5, 2.0))
    assert g.dx == g.dy == 0.05
    assert g.x[0] == pytest.approx(0.025) and g.x[-1] == pytest.approx(1.975)
    assert g.integrate(np.ones(g.shape)) == pytest.approx(1.0)
    assert g.y[-1] == pytest.approx(0.475)
    with pytest.raises(ConfigError, match="at least 3"):
        Grid(shape=(2, 10))
    with pytest.raises(ConfigError, match="positive"):
        Grid(shape=(10, 10), extent=(1.0, -1.0))


def test_state_named_views_share_memory():
    s = State.from_fields(Grid.square(8), tumor=1.0, oxygen=0.5)
    assert s["tumor"] is not None and s.tumor.base is s.data
    s.oxygen[0, 0] = 7.0
    assert s.data[FIELDS.index("oxygen"), 0, 0] == 7.0
    with pytest.raises(KeyError, match="unknown field"):
        s["nutrient"]


def test_anderson2005_initial_condition():
    s = initial.anderson2005(64)
    g = s.grid
    y, x = g.meshgrid()
    n0 = np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.0025)
    np.testing.assert_allclose(s.tumor, n0)
    np.testing.assert_allclose(s.ecm, 1 - 0.5 * n0)
    np.testing.assert_allclose(s.mmp, 0.5 * n0)
    assert (s.oxygen == 1).all() and (s.membrane == 0).all()


def test_shapes_have_the_right_geometry():
    g = Grid.square(100)
    disc = initial.ellipse(g, (0.5, 0.5), (0.2, 0.2))
    assert disc.sum() * g.cell_area == pytest.approx(np.pi * 0.04, rel=0.02)
    band = initial.band(g, "bottom", depth=0.1)
    assert band[:10].all() and not band[10:].any()
    ring = initial.membrane_ring(g, radius=0.2, thickness=0.05)
    assert ring.sum() * g.cell_area == pytest.approx(np.pi * (0.25**2 - 0.2**2), rel=0.05)
    line = initial.membrane_line(g, "left", position=0.3, thickness=0.04)
    assert line[:, 30:34].all() and line.sum() == 400


def test_random_ecm_is_seeded_and_correlated():
    g = Grid.square(128)
    a = initial.random_ecm(g, seed=3, correlation_length=0.05)
    assert np.array_equal(a, initial.random_ecm(g, seed=3, correlation_length=0.05))
    assert not np.array_equal(a, initial.random_ecm(g, seed=4, correlation_length=0.05))
    assert a.min() >= 0

    def lag_correlation(field, lag):
        f = field - field.mean()
        return (f[:, lag:] * f[:, :-lag]).mean() / f.var()

    # a Gaussian kernel of width s gives correlation exp(-d^2 / (4 s^2)) at distance d
    smooth = initial.random_ecm(g, seed=1, correlation_length=0.05, amplitude=0.1)
    assert lag_correlation(smooth, 3) > 0.8 > lag_correlation(smooth, 25) + 0.5


def test_fields_load_from_npy_and_npz_with_checks(tmp_path):
    g = Grid(shape=(6, 8))
    ecm = np.random.default_rng(0).uniform(0, 1, g.shape)
    np.save(tmp_path / "ecm.npy", ecm)
    np.savez(tmp_path / "fields.npz", ecm=ecm, other=ecm)
    assert np.array_equal(initial.load_array(tmp_path / "ecm.npy", g, "ecm"), ecm)
    assert np.array_equal(initial.load_array(tmp_path / "fields.npz", g, "ecm"), ecm)
    np.save(tmp_path / "wrong.npy", ecm.T)
    with pytest.raises(ConfigError, match="shape"):
        initial.load_array(tmp_path / "wrong.npy", g, "ecm")
    bad = ecm.copy()
    bad[2, 3] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(ConfigError, match=r"non-finite value at \(i, j\) = \(2, 3\)"):
        initial.load_array(tmp_path / "nan.npy", g, "ecm")
    with pytest.raises(ConfigError, match="allowed"):
        initial.load_array(tmp_path / "ecm.npy", g, "membrane") if ecm.max() > 1 else (
            initial.check_field("membrane", ecm + 1, g))
    with pytest.raises(ConfigError, match="does not exist"):
        initial.load_array(tmp_path / "missing.npy", g, "ecm")
    (tmp_path / "junk.npy").write_text("not numpy")
    with pytest.raises(ConfigError, match="cannot read"):
        initial.load_array(tmp_path / "junk.npy", g, "ecm")
    with pytest.raises(ConfigError, match="allowed"):
        initial.check_field("tumor", -ecm, g)


def test_stable_dt_names_the_limiting_term():
    s = initial.anderson2005(64)
    bound = stable_dt(s, Parameters())
    assert bound.limiting == "tumour transport"
    assert bound.dt == min(bound.limits.values())
    fast = stable_dt(s, Parameters(ecm_degradation=1e5))
    assert fast.limiting == "reactions"
    s.tumor[:] = 0.0
    assert stable_dt(s, Parameters()).limiting == "MMP diffusion"


def test_rhs_reports_every_field():
    s = initial.anderson2005(16)
    rates = rhs(s, Parameters(), OxygenWalls(left=1.0))
    assert list(rates) == list(FIELDS)
    assert abs(rates["tumor"].sum()) < 1e-12 * np.abs(rates["tumor"]).sum()


def test_oxygen_walls_validation():
    assert OxygenWalls(left=1.0).as_arrays()[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ConfigError, match="oxygen_walls.top"):
        OxygenWalls(top=-1.0)
