"""pde-meta plot: figures (and a movie) of a run file; bad input exits 2."""

from pathlib import Path

import matplotlib.image as mpimg
import pytest

from pde_meta.cli import main
from pde_meta.config import load_config
from pde_meta.runner.run import simulate

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def small_run(tmp_path, name, **sections):
    cfg = load_config(CONFIGS / f"{name}.toml", changes=sections)
    return simulate(cfg, output=tmp_path / f"{name}.h5", progress="none").path


@pytest.fixture(scope="module")
def membrane_run(tmp_path_factory):
    return small_run(tmp_path_factory.mktemp("plot"), "membrane_breach",
                     grid={"shape": [32, 32]}, time={"t_end": 2.0, "snapshot_interval": 0.5})


def test_plot_writes_every_figure_and_a_movie(membrane_run, tmp_path, capsys):
    out = tmp_path / "figures"
    code = main(["plot", str(membrane_run), "--output", str(out), "--times", "0", "2",
                 "--dpi", "50", "--movie", str(tmp_path / "run.gif")])
    assert code == 0
    for name in ("fields", "diagnostics", "fronts", "membrane"):
        image = mpimg.imread(out / f"{name}.png")
        assert image.shape[0] > 50 and image.shape[1] > 50
        assert image[..., :3].std() > 0.01  # not blank
    assert (tmp_path / "run.gif").stat().st_size > 1000
    printed = capsys.readouterr().out.split()
    assert str(out / "fields.png") in printed


def test_no_membrane_figure_without_a_membrane(tmp_path):
    run = small_run(tmp_path, "default", grid={"shape": [24, 24]},
                    time={"t_end": 0.5, "snapshot_interval": 0.25})
    assert main(["plot", str(run), "--output", str(tmp_path / "f"), "--dpi", "40"]) == 0
    assert not (tmp_path / "f" / "membrane.png").exists()
    assert (tmp_path / "f" / "fronts.png").exists()


@pytest.mark.parametrize("args", [["plot", "missing.h5"], ["plot", "RUN", "--times", "99"],
                                  ["plot", "RUN", "--fields", "nutrient"],
                                  ["plot", "RUN", "--dpi", "-1"]])
def test_bad_input_is_one_line_and_exit_2(membrane_run, tmp_path, capsys, args):
    args = [str(membrane_run) if a == "RUN" else a for a in args]
    assert main([*args, "--output", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pde-meta: error:") and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("dpi", ["nan", "inf", "100000", "1", "-1"])
def test_a_resolution_out_of_range_is_refused_with_the_range(membrane_run, tmp_path, capsys,
                                                             dpi):
    out = tmp_path / "new" / "figures"
    assert main(["plot", str(membrane_run), "--output", str(out), "--dpi", dpi]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pde-meta: error: --dpi") and "\n" not in err
    assert "allowed: a number from 10 to" in err and "megapixels" in err and "fix:" in err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("times", [["nan"], ["inf"], ["0", "99"], ["-1"]])
def test_times_outside_the_run_or_not_finite_are_refused(membrane_run, tmp_path, capsys,
                                                         times):
    out = tmp_path / "figures"
    assert main(["plot", str(membrane_run), "--output", str(out), "--times", *times]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pde-meta: error: --times") and "\n" not in err
    assert "from t = 0 to 2" in err and "fix: e.g. --times 0 2" in err
    assert not out.exists()


def test_a_failed_plot_leaves_no_empty_directory(membrane_run, tmp_path, capsys, monkeypatch):
    from pde_meta import plotting
    from pde_meta.errors import ConfigError

    out = tmp_path / "a" / "b"
    assert main(["plot", str(membrane_run), "--output", str(out), "--fields", "nutrient"]) == 2
    assert "--fields nutrient" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()

    def refuse(*args, **kwargs):
        raise ConfigError("disk full")

    monkeypatch.setattr(plotting, "save_figure", refuse)  # fails once the folder exists
    assert main(["plot", str(membrane_run), "--output", str(out)]) == 2
    assert not (tmp_path / "a").exists()
    existing = tmp_path / "kept"
    existing.mkdir()
    assert main(["plot", str(membrane_run), "--output", str(existing)]) == 2
    assert existing.is_dir()                                  # it was there before


def test_the_default_panel_leaves_out_a_membrane_that_is_zero_throughout(tmp_path, capsys):
    run = small_run(tmp_path, "anderson2005", grid={"shape": [24, 24]},
                    time={"t_end": 0.5, "snapshot_interval": 0.25})
    assert main(["plot", str(run), "--output", str(tmp_path / "f"), "--dpi", "40"]) == 0
    assert "membrane is zero everywhere at every time" in capsys.readouterr().err
    assert (tmp_path / "f" / "fields.png").exists()
