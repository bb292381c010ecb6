"""Configs, run files and figures of runs with two phenotypes and vessels."""

from pathlib import Path

import numpy as np
import pytest

import pde_meta as pm
from pde_meta.config import loads_config
from pde_meta.errors import ConfigError
from pde_meta.plotting import vessels as figures
from pde_meta.runner.run import simulate

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
name = "small"
[grid]
shape = [32, 32]
[parameters]
taf_secretion = 5.0
oxygen_consumption = 10.0
[initial.tumor]
type = "ellipse"
radii = [0.15, 0.15]
amplitude = 0.5
[initial.epithelial]
type = "ellipse"
radii = [0.15, 0.15]
amplitude = 0.3
[initial.ecm]
type = "uniform"
value = 0.5
[initial.oxygen]
type = "uniform"
value = 0.5
[initial.blood]
type = "vessels"
count = 4
radius = 0.04
{extra}
[time]
t_end = 0.2
snapshot_interval = 0.1
"""


def test_a_run_with_phenotypes_and_vessels_stores_what_it_uses(tmp_path):
    config = loads_config(SMALL.format(extra=""), base_dir=tmp_path)
    assert config.output.fields == pm.FIELDS  # every group in use: every field
    blood = dict(config.initial_sources()["blood"][0].options)
    assert blood["avoid_center"] == (0.5, 0.5)  # default: the domain centre
    ds = pm.open_run(simulate(config, progress="none").path)
    for name in ("mesenchymal_fraction", "epithelial_mass", "blood_vessel_area",
                 "lymph_vessel_area", "perfused_fraction", "leaky_fraction",
                 "vessel_contact", "taf_max", "epithelial_max", "sprouts_max"):
        assert name in ds and ds[name].attrs["units"], name
    frac = ds.mesenchymal_fraction.values
    assert frac[0] == pytest.approx(0.5 / 0.8)
    assert ds.taf_max[-1] > 0 and ds.blood_vessel_area[0] > 0
    assert ds.perfused_fraction[0] == 1.0  # the initial vessels are perfused
    # the figures: vessels over the tumour, and the phenotypes
    made = figures.vessel_figures(ds)
    assert set(made) == {"vessels", "phenotypes"}
    panel = made["vessels"].axes[0]
    # the tumour, and a layer per vessel field that is not zero throughout (the blood
    # vessels, and the new vessels the sprouts have made by t = 0.2)
    drawn = [n for n in ("blood", "new_vessels", "lymph") if np.any(ds[n].values != 0)]
    assert "blood" in drawn and len(panel.get_images()) == 1 + len(drawn)
    tumour = panel.get_images()[0].get_array()
    np.testing.assert_allclose(tumour, ds.tumor[0] + ds.epithelial[0])


def test_a_five_field_run_stores_five_fields_and_no_vessel_figures(tmp_path):
    text = (ROOT / "configs" / "default.toml").read_text().replace("[96, 96]", "[24, 24]")
    config = loads_config(text, base_dir=tmp_path)
    assert config.output.fields == ("tumor", "ecm", "membrane", "mmp", "oxygen")
    ds = pm.open_run(simulate(config, output=tmp_path / "d.h5", progress="none").path)
    assert "epithelial" not in ds and "blood_vessel_area" not in ds
    assert figures.vessel_figures(ds) == {}


def test_vessel_placement_errors_are_one_line_with_a_fix(tmp_path):
    bad = SMALL.format(extra="").replace("count = 4", "count = 0")
    with pytest.raises(ConfigError, match=r"initial\.blood\.count = 0"):
        loads_config(bad, base_dir=tmp_path)
    full = SMALL.format(extra="").replace("radius = 0.04", "avoid_radius = 5.0")
    with pytest.raises(ConfigError, match="no room for 4 vessels.*fix: a smaller"):
        pm.simulate(loads_config(full, base_dir=tmp_path), progress="none")
    (tmp_path / "net.jpg").write_bytes(b"not an image")
    image = SMALL.format(extra='[initial.lymph]\ntype = "image"\npath = "net.jpg"')
    with pytest.raises(ConfigError, match=r"initial\.lymph\.path = .* is not a \.png file"):
        loads_config(image, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="is only for blood, new_vessels"):
        loads_config(SMALL.format(extra="").replace("[initial.blood]", "[initial.mmp]"),
                     base_dir=tmp_path)


def test_a_vessel_network_from_a_png_is_resampled_onto_the_grid(tmp_path):
    from matplotlib import image

    picture = np.ones((64, 64))
    picture[:, 30:34] = 0.0          # a dark vertical vessel on white
    picture[:8, :] = 0.0             # and one along the top of the image
    image.imsave(tmp_path / "net.png", picture, cmap="gray", vmin=0, vmax=1)
    text = SMALL.format(extra='[initial.lymph]\ntype = "image"\npath = "net.png"')
    state = pm.simulate(loads_config(text, base_dir=tmp_path), progress="none")
    ds = pm.open_run(state.path)
    lymph = ds.lymph.isel(time=0).values
    assert lymph[:, 15:17].min() > 0.9 and lymph[5:27, :10].max() < 0.05
    assert lymph[-3:, :].min() > 0.9  # the image's top row is the top wall (y up)
    assert lymph[:3, 20:].max() < 0.05


@pytest.mark.parametrize("name", ["emt", "angiogenesis", "vessels"])
def test_the_shipped_vessel_configs_are_valid_and_use_their_groups(name):
    config = pm.load_config(ROOT / "configs" / f"{name}.toml")
    fields = config.output.fields
    assert "epithelial" in fields or name == "angiogenesis"
    assert ("blood" in fields) == (name != "emt")


def test_a_run_with_every_group_resumes_bit_for_bit(tmp_path):
    """Extending a finished run from its checkpoint gives the bits of the straight run."""
    from pde_meta.runner.run import resume

    text = SMALL.format(extra="").replace("t_end = 0.2", "t_end = {t_end}")
    straight = loads_config(text.format(t_end=0.4), base_dir=tmp_path)
    full = pm.open_run(simulate(straight, output=tmp_path / "full.h5", progress="none").path)
    half = loads_config(text.format(t_end=0.2), base_dir=tmp_path)
    path = simulate(half, output=tmp_path / "half.h5", progress="none").path
    ds = pm.open_run(resume(path, t_end=0.4, progress="none").path)
    np.testing.assert_array_equal(ds.time, full.time)
    for name in pm.FIELDS:
        np.testing.assert_array_equal(ds[name].values, full[name].values, err_msg=name)
    np.testing.assert_array_equal(ds.vessel_contact, full.vessel_contact)


def test_an_image_too_large_for_the_memory_is_refused_before_it_is_decoded(tmp_path,
                                                                          monkeypatch):
    from matplotlib import image

    from pde_meta.core import grid as grid_module

    image.imsave(tmp_path / "net.png", np.zeros((400, 300)), cmap="gray")
    monkeypatch.setattr(grid_module, "available_memory", lambda: 2**20)
    grid = pm.Grid.square(16)
    with pytest.raises(ConfigError, match=r"the 300 x 400 image .* fix: give a smaller"):
        pm.initial.load_image(tmp_path / "net.png", grid, "lymph")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ConfigError, match="cannot read image"):
        pm.initial.load_image(tmp_path / "bad.png", grid, "lymph")
