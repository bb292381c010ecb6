"""Every figure and the movie rendered with Agg from a small synthetic run."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib import animation  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from PIL import Image  # noqa: E402

from pde_meta import plotting as P  # noqa: E402
from pde_meta.core.grid import Grid  # noqa: E402
from pde_meta.errors import ConfigError  # noqa: E402
from pde_meta.models.invasion import diagnostics  # noqa: E402
from pde_meta.models.invasion.fields import FIELDS as TABLE  # noqa: E402
from pde_meta.plotting.invasion import breach_times  # noqa: E402

FIELDS = TABLE.names[:5]  # a run without phenotypes or vessels
CENTER = (0.5, 0.375)


def synthetic_run(times=(0.0, 1.0, 2.0), shape=(24, 32)):
    """A growing disc of tumour inside a membrane ring that erodes fastest towards +x."""
    grid = Grid(shape=shape, extent=(0.75, 1.0))
    y, x = grid.meshgrid()
    r = np.hypot(x - CENTER[0], y - CENTER[1])
    theta = np.arctan2(y - CENTER[1], x - CENTER[0])
    ring = ((r >= 0.2) & (r <= 0.26)).astype(float)
    stack = {name: [] for name in FIELDS}
    rows = []
    for t in times:
        n = 0.5 * (1 - np.tanh((r - (0.1 + 0.06 * t)) / 0.03))
        fields = {
            "tumor": n,
            "ecm": 1.0 - 0.5 * n,
            "membrane": ring * np.exp(-t * (0.05 + 1.2 * np.cos(theta / 2) ** 8)),
            "mmp": 0.5 * n,
            "oxygen": 1.0 - 0.9 * n,
        }
        for name in FIELDS:
            stack[name].append(fields[name])
        rows.append(diagnostics.snapshot_metrics(
            fields, grid, initial={"tumor": stack["tumor"][0], "membrane": ring}))
    coords = {"time": ("time", np.asarray(times, dtype=float), {"units": "T"}),
              "y": ("y", grid.y), "x": ("x", grid.x)}
    data = {name: (("time", "y", "x"), np.array(stack[name])) for name in FIELDS}
    data.update({k: ("time", [row[k] for row in rows]) for k in rows[0]})
    ds = xr.Dataset(data, coords=coords, attrs={"config": "[grid]\nshape = [24, 32]\n"})
    for name in FIELDS:  # as the run file's writer stores them
        ds[name].attrs.update(TABLE[name].attrs())
    ds["tumor"].attrs.update(long_name="tumour density", units="n0")
    for name in rows[0]:
        ds[name].attrs["units"] = diagnostics.METRIC_UNITS[name]
    return ds


@pytest.fixture(scope="module")
def run():
    return synthetic_run()


def check_png(path, size, slack=0):
    assert path.is_file() and path.stat().st_size > 0
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert np.abs(np.subtract(image.size, size)).max() <= slack, (image.size, size)
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 5, "the image is blank"


@pytest.mark.parametrize("make", [
    lambda ds: P.plot_fields(ds, figsize=(10, 6)),
    lambda ds: P.plot_diagnostics(ds, figsize=(10, 6)),
    lambda ds: P.plot_fronts(ds, figsize=(10, 6)),
    lambda ds: P.plot_membrane_breach(ds, figsize=(10, 6)),
], ids=["fields", "diagnostics", "fronts", "membrane_breach"])
def test_each_figure_renders_to_a_png_of_the_requested_size(run, make, tmp_path):
    path = P.save_figure(make(run), tmp_path / "sub" / "figure.png", dpi=40)
    check_png(path, (400, 240))


def test_default_sizes_give_figsize_times_dpi(run, tmp_path):
    for make in (P.plot_fields, P.plot_diagnostics, P.plot_fronts, P.plot_membrane_breach):
        fig = make(run)
        w, h = fig.get_size_inches() * 50
        # Agg truncates fractional pixel sizes
        check_png(P.save_figure(fig, tmp_path / f"{make.__name__}.png", dpi=50),
                  (round(w), round(h)), slack=1)


def panels_of(fig):
    return [ax for ax in fig.axes if ax.images]


def test_plot_fields_gives_every_panel_its_own_colour_scale_and_bar(run):
    fig = P.plot_fields(run, times=[0.0, 2.0], fields=["tumor", "oxygen", "membrane"])
    panels = panels_of(fig)
    assert len(panels) == 6
    colorbars = [ax for ax in fig.axes if not ax.images]
    assert len(colorbars) == 6                      # one per panel
    headers = [ax.get_title().split("\n")[:-1] for ax in panels[:3]]   # the top row
    assert [" ".join(h) for h in headers] == ["tumour density [n0]", "oxygen concentration c [c]",
                                              "basement membrane density b (non-dimensional)"]
    when = [ax.get_title().rsplit("\n", 1)[-1] for ax in panels]
    assert when == ["t = 0 T"] * 3 + ["t = 2 T"] * 3
    assert {ax.get_label(): ax.images[0].get_cmap().name for ax in panels} == {
        name: TABLE[name].cmap for name in ("tumor", "oxygen", "membrane")}
    for ax, t in zip(panels, [0, 0, 0, 2, 2, 2], strict=True):
        image = ax.images[0]
        assert image.origin == "lower"
        assert ax.get_aspect() == 1.0
        values = run[ax.get_label()].sel(time=t).values
        assert image.get_clim() == pytest.approx((values.min(), values.max()))


def test_a_fading_field_stays_visible_in_every_panel_and_frame(tmp_path):
    fading = synthetic_run(times=(0.0, 1.0, 2.0, 3.0))
    fading["tumor"] = (fading["tumor"].isel(time=0, drop=True) * 10.0 ** -fading["time"]
                       ).transpose("time", "y", "x")
    fading["tumor"].attrs.update(TABLE["tumor"].attrs())
    fig = P.plot_fields(fading, fields=["tumor"])
    clims = [ax.images[0].get_clim() for ax in panels_of(fig)]
    peaks = fading["tumor"].max(dim=("y", "x")).values
    assert [hi for _, hi in clims] == pytest.approx(peaks)          # 0.5 down to 5e-4
    # the movie: every frame scaled to its own range, so the last looks like the first
    path = P.make_movie(fading, tmp_path / "fade.gif", field="tumor", dpi=40, writer="pillow")
    with Image.open(path) as movie:
        frames = []
        for k in (0, movie.n_frames - 1):
            movie.seek(k)
            frames.append(np.asarray(movie.convert("L"), dtype=float))
    width = frames[0].shape[1]
    first, last = (f[:, : int(0.8 * width)] for f in frames)     # the panel, not the bar
    assert np.mean(np.abs(first - last) > 40) < 0.03
    assert last.std() > 20


def test_fields_that_are_zero_throughout_are_left_out_of_the_default_panel(run, caplog):
    bare = run.assign(membrane=run["membrane"] * 0)
    with caplog.at_level("INFO", logger="pde_meta"):
        fig = P.plot_fields(bare)
    assert [ax.get_label() for ax in panels_of(fig)][:4] == ["tumor", "ecm", "mmp", "oxygen"]
    assert "membrane" not in {ax.get_label() for ax in panels_of(fig)}
    assert "not shown: membrane" in fig.get_suptitle()
    assert "membrane is zero everywhere" in caplog.text
    named = P.plot_fields(bare, fields=["membrane"])              # asked for: drawn, 0 ... 1
    assert [ax.images[0].get_clim() for ax in panels_of(named)][0] == (0.0, 1.0)
    assert P.plot_fields(run).get_suptitle() == ""


def test_colour_limits_of_uniform_fields():
    assert P.style.limits(np.zeros((3, 3))) == (0.0, 1.0)
    assert P.style.limits(np.full((3, 3), 2.0)) == (1.0, 3.0)
    assert P.style.limits(np.array([1.0, 1.0 + 1e-15])) == pytest.approx((0.5, 1.5))
    assert P.style.limits(np.array([np.nan, 0.2, 0.7])) == (0.2, 0.7)


@pytest.mark.parametrize("fields", [["tumor", "ecm", "mmp"], ["tumor", "membrane", "mmp"],
                                    list(FIELDS)])
def test_field_panel_texts_neither_collide_nor_leave_the_figure(run, fields):
    fig = P.plot_fields(run, times=[0.0, 1.0, 2.0], fields=fields)
    fig.set_dpi(60)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    page = fig.bbox
    texts = []
    for ax in fig.axes:
        labels = [ax.title, ax.xaxis.label, ax.yaxis.label,
                  *ax.get_xticklabels(), *ax.get_yticklabels()]
        texts += [t for t in labels if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for text, box in zip(texts, boxes, strict=True):
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, text.get_text()
        assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, text.get_text()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)
            assert min(overlap) <= 1, (texts[boxes.index(a)].get_text(), "collides")


def test_plot_fields_defaults_to_every_field_and_nearest_times(run):
    fig = P.plot_fields(run, times=[0.9, 1.1])                 # both nearest t = 1
    panels = panels_of(fig)
    assert [ax.get_label() for ax in panels] == list(FIELDS)
    assert {ax.get_title().rsplit("\n", 1)[-1] for ax in panels} == {"t = 1 T"}
    with pytest.raises(ConfigError, match="outside the run"):
        P.plot_fields(run, times=[5.0])
    with pytest.raises(ConfigError, match="not finite.*from t = 0 to 2"):
        P.plot_fields(run, times=[float("nan")])
    with pytest.raises(ConfigError, match="available"):
        P.plot_fields(run, fields=["pressure"])


def test_save_figure_refuses_a_resolution_out_of_range(run, tmp_path):
    fig = P.plot_fields(run, times=[0.0])
    for dpi in (float("nan"), float("inf"), 1e5, 1, -3):
        with pytest.raises(ConfigError, match="allowed: a number from 10 to"):
            P.save_figure(fig, tmp_path / "f.png", dpi=dpi)
    assert not (tmp_path / "f.png").exists()
    top = P.style.max_dpi(fig)
    w, h = fig.get_size_inches() * top
    assert w * h <= P.style.MAX_PIXELS * 1.0001


def test_plot_diagnostics_draws_every_series_over_time(run):
    fig = P.plot_diagnostics(run)
    series = [k for k, v in run.data_vars.items() if v.dims == ("time",)]
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(series) >= 10
    assert all(len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == 3 for ax in visible)
    with pytest.raises(ConfigError, match="no diagnostics"):
        P.plot_diagnostics(run[list(FIELDS)])


def test_plot_fronts_draws_one_contour_per_time(run):
    fig = P.plot_fronts(run, threshold=0.5)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["initial membrane", "t = 0 T", "t = 1 T", "t = 2 T"]
    assert ax.get_aspect() == 1.0


def test_plot_membrane_breach_colours_broken_cells_by_time(run):
    fig = P.plot_membrane_breach(run)
    ax = fig.axes[0]
    breach = ax.images[1].get_array()
    b = run["membrane"].values
    assert breach.count() == int(((b[0] > 0.5) & (b.min(axis=0) < 0.5)).sum()) > 0
    assert 0.0 < breach.min() and breach.max() <= 2.0
    with pytest.raises(ConfigError, match="no cell above"):
        P.plot_membrane_breach(run.assign(membrane=run["membrane"] * 0))


def test_breach_times_are_interpolated_per_cell():
    t = np.array([0.0, 1.0, 2.0])
    b = np.array([[[1.0, 0.4]], [[0.6, 0.2]], [[0.2, 0.1]]])
    assert breach_times(t, b, 0.5)[0].tolist() == pytest.approx([1.25, 0.0])


def test_variables_without_attrs_get_generic_labels_and_colours():
    bare = synthetic_run()
    for name in FIELDS:
        bare[name].attrs.clear()
    bare["ecm"].attrs["cmap"] = "no-such-map"
    fig = P.plot_fields(bare, times=[0.0], fields=["tumor", "ecm"])
    panels = panels_of(fig)
    assert [ax.images[0].get_cmap().name for ax in panels] == ["viridis", "viridis"]
    assert [ax.get_title().split("\n")[0] for ax in panels] == ["tumor", "ecm"]


def test_membrane_figure_is_for_datasets_with_a_membrane_band(run):
    assert P.has_membrane_band(run)
    assert not P.has_membrane_band(run.drop_vars("membrane"))
    assert not P.has_membrane_band(run.assign(membrane=run["membrane"] * 0.5))
    assert list(P.run_figures(run)) == ["fields", "diagnostics", "fronts", "membrane"]
    assert list(P.run_figures(run.drop_vars("membrane"))) == ["fields", "diagnostics",
                                                              "fronts"]


def test_gif_movie_has_one_frame_per_snapshot(run, tmp_path):
    path = P.make_movie(run, tmp_path / "run.mp4", field=["tumor", "membrane"], fps=4,
                        dpi=40, writer="pillow")
    assert path == tmp_path / "run.gif"
    with Image.open(path) as movie:
        assert movie.format == "GIF"
        assert movie.n_frames == run.sizes["time"]


def test_movie_defaults_to_the_first_field(run, tmp_path):
    first = P.make_movie(run, tmp_path / "a.gif", dpi=30, writer="pillow")
    named = P.make_movie(run, tmp_path / "b.gif", field=FIELDS[0], dpi=30, writer="pillow")
    assert first.read_bytes() == named.read_bytes()
    # ... that is not zero throughout
    order = [FIELDS[2], *(f for f in FIELDS if f != FIELDS[2])]
    zero_first = run[order].assign({FIELDS[2]: run[FIELDS[2]] * 0})
    skipped = P.make_movie(zero_first, tmp_path / "c.gif", dpi=30, writer="pillow")
    again = P.make_movie(zero_first, tmp_path / "d.gif", field=order[1], dpi=30,
                         writer="pillow")
    assert skipped.read_bytes() == again.read_bytes()
    with pytest.raises(ConfigError, match="dpi nan is not allowed"):
        P.make_movie(run, tmp_path / "e.gif", dpi=float("nan"), writer="pillow")
    assert not (tmp_path / "e.gif").exists()


@pytest.mark.skipif(not animation.writers.is_available("ffmpeg"), reason="no ffmpeg")
def test_mp4_movie_when_ffmpeg_is_available(run, tmp_path):
    path = P.make_movie(run, tmp_path / "run.gif", dpi=40)
    assert path.suffix == ".mp4" and path.stat().st_size > 0


def test_movie_writer_choice_is_validated(run, tmp_path):
    with pytest.raises(ConfigError, match="allowed"):
        P.make_movie(run, tmp_path / "x", writer="avconv")
    if not animation.writers.is_available("ffmpeg"):
        with pytest.raises(ConfigError, match="ffmpeg"):
            P.make_movie(run, tmp_path / "x", writer="ffmpeg")
