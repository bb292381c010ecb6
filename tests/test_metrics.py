"""Metrics on constructed fields whose answers are known in closed form.

Tolerances, and why:
* smooth fronts (a tanh profile a few cells wide) are located by linear interpolation
  between cell centres, so radii, depths, contour areas and perimeters are second-order
  accurate: the tolerances are constants times (h/R)^2 and are checked to shrink under
  refinement;
* fields that jump from 0 to 1 between cells have first-order errors: a square loses its
  corners (relative perimeter error 0.29 h/s), a digitised disc's area is off by at most the
  area of the annulus of half-width h/sqrt(2) around its circle;
* cell-count areas of regions bounded by cell faces, cluster counts and breach counts are
  exact.
"""

from pathlib import Path

import numpy as np
import pytest

import pde_meta as pm
from pde_meta import initial
from pde_meta import metrics as M
from pde_meta.core.grid import Grid
from pde_meta.errors import ConfigError
from pde_meta.models.invasion import diagnostics as D


def smooth_disc(grid, radius, center=(0.5, 0.5), width=0.03):
    """Density 1 inside, 0 outside, exactly 0.5 on the circle of ``radius``."""
    y, x = grid.meshgrid()
    r = np.hypot(x - center[0], y - center[1])
    return 0.5 * (1.0 - np.tanh((r - radius) / width))


def square_block(grid, i0, i1, j0, j1, value=1.0):
    a = np.zeros(grid.shape)
    a[i0:i1, j0:j1] = value
    return a


# --------------------------------------------------------------------------- areas, mass


def test_tumor_mass_and_invaded_area_of_a_block():
    grid = Grid(shape=(40, 50), extent=(0.8, 1.0))
    n = square_block(grid, 5, 15, 10, 30, value=0.7)
    assert M.tumor_mass(n, grid) == pytest.approx(0.7 * 200 * grid.cell_area, rel=1e-12)
    assert M.invaded_area(n, grid) == pytest.approx(200 * grid.cell_area, rel=1e-12)
    assert M.invaded_area(n, grid, threshold=0.7) == 0.0


def test_disc_area_radius_and_roughness_converge_at_second_order():
    radius = 0.25
    errors = []
    for n in (32, 64, 128):
        grid = Grid.square(n)
        h = grid.dx
        f = smooth_disc(grid, radius)
        front = M.front_radius(f, grid, (0.5, 0.5), threshold=0.5)
        rho = M.roughness(f, grid, threshold=0.5)
        area = M.contour_area(f, grid, threshold=0.5)
        tol = (h / radius) ** 2
        assert front.mean == pytest.approx(radius, abs=0.05 * tol * radius)
        assert front.max == pytest.approx(radius, abs=0.2 * tol * radius)
        assert area == pytest.approx(np.pi * radius**2, rel=0.2 * tol)
        assert rho == pytest.approx(1.0, abs=0.2 * tol)
        # the cell-count area of a digitised disc: within the annulus of half-width h/sqrt2
        cells = M.invaded_area(f, grid, threshold=0.5)
        assert abs(cells - np.pi * radius**2) <= 2 * np.pi * radius * np.sqrt(2) * h
        errors.append(abs(rho - 1.0))
    assert errors[0] > 3 * errors[1] > 9 * errors[2]


def test_roughness_of_a_square_is_two_over_root_pi():
    for n in (64, 128):
        grid = Grid.square(n)
        h = grid.dx
        side = n // 2
        f = square_block(grid, n // 4, n // 4 + side, n // 4, n // 4 + side)
        s = side * h
        # marching squares keeps the faces and chamfers each corner: first order in h/s
        assert M.perimeter(f, grid, threshold=0.5) == pytest.approx(
            4 * s - (4 - 2 * np.sqrt(2)) * h, rel=1e-12)
        assert M.roughness(f, grid, threshold=0.5) == pytest.approx(
            2 / np.sqrt(np.pi), rel=0.3 * h / s)


def test_roughness_of_a_smooth_star_matches_quadrature():
    base, amp, arms = 0.25, 0.2, 5
    theta = np.linspace(0, 2 * np.pi, 200_001)
    r = base * (1 + amp * np.cos(arms * theta))
    dr = -base * amp * arms * np.sin(arms * theta)
    speed = np.hypot(r, dr)
    exact_perimeter = np.sum(0.5 * (speed[1:] + speed[:-1]) * np.diff(theta))
    exact_area = np.pi * base**2 * (1 + amp**2 / 2)
    exact_rho = exact_perimeter / (2 * np.sqrt(np.pi * exact_area))
    assert exact_rho > 1.15

    grid = Grid.square(256)
    y, x = grid.meshgrid()
    rr, th = np.hypot(x - 0.5, y - 0.5), np.arctan2(y - 0.5, x - 0.5)
    f = 0.5 * (1 - np.tanh((rr - base * (1 + amp * np.cos(arms * th))) / 0.01))
    assert M.perimeter(f, grid, threshold=0.5) == pytest.approx(exact_perimeter, rel=1e-3)
    assert M.contour_area(f, grid, threshold=0.5) == pytest.approx(exact_area, rel=1e-3)
    assert M.roughness(f, grid, threshold=0.5) == pytest.approx(exact_rho, rel=1e-3)


def test_hollow_tumour_roughness_and_clusters_ignore_its_core():
    grid = Grid.square(128)
    y, x = grid.meshgrid()
    r = np.hypot(x - 0.5, y - 0.5)
    ring = smooth_disc(grid, 0.3, width=0.01) - smooth_disc(grid, 0.2, width=0.01)
    core = smooth_disc(grid, 0.08, width=0.01)
    n = ring + core
    assert M.roughness(n, grid, threshold=0.5) == pytest.approx(1.0, abs=1e-3)
    assert M.roughness(ring, grid, threshold=0.5) == pytest.approx(1.0, abs=1e-3)
    assert M.perimeter(ring, grid, threshold=0.5) == pytest.approx(2 * np.pi * 0.5, rel=1e-3)
    assert M.detached_clusters(n, grid, threshold=0.5).count == 0
    inner = M.detached_clusters(n, grid, threshold=0.5, enclosed=True)
    assert inner.count == 1
    assert inner.areas[0] == pytest.approx(np.pi * 0.08**2, abs=2 * np.pi * 0.08 * grid.dx)
    outside = n + smooth_disc(grid, 0.05, (0.88, 0.88), width=0.01)
    assert M.detached_clusters(outside, grid, threshold=0.5).count == 1
    front = M.front_radius(n, grid, (0.5, 0.5), threshold=0.5)
    assert front.mean == pytest.approx(0.3, abs=1e-3)
    assert r[n > 0.5].max() < 0.3


def test_binary_disc_roughness_carries_the_documented_chain_code_bias():
    grid = Grid.square(128)
    y, x = grid.meshgrid()
    f = (np.hypot(x - 0.5, y - 0.5) <= 0.3).astype(float)
    assert 1.02 < M.roughness(f, grid, threshold=0.5) < 1.08


def test_empty_tumour_gives_nan_fronts_and_zero_areas():
    grid = Grid.square(16)
    n = np.zeros(grid.shape)
    assert M.invaded_area(n, grid) == 0.0
    assert np.isnan(M.roughness(n, grid))
    assert all(np.isnan(M.front_radius(n, grid, (0.5, 0.5))))
    assert all(np.isnan(M.band_depth(n, grid)))
    assert M.detached_clusters(n, grid).count == 0


# --------------------------------------------------------------------------- fronts


def test_front_max_sees_a_detached_cluster_and_mean_does_not():
    grid = Grid.square(128)
    f = smooth_disc(grid, 0.2, width=0.02) + smooth_disc(grid, 0.03, (0.85, 0.5), 0.005)
    front = M.front_radius(f, grid, (0.5, 0.5), threshold=0.5)
    assert front.max == pytest.approx(0.38, abs=grid.dx / 4)
    assert front.mean == pytest.approx(0.2, abs=1e-3)


def test_front_reaching_the_wall_counts_the_outermost_cell_centres():
    grid = Grid.square(32)
    n = np.ones(grid.shape)
    front = M.front_radius(n, grid, (0.5, 0.5))
    corner = np.hypot(0.5 - grid.dx / 2, 0.5 - grid.dy / 2)
    assert front.max == pytest.approx(corner, rel=1e-12)


@pytest.mark.parametrize("wall", ["left", "right", "bottom", "top"])
def test_band_depth_of_a_smooth_band(wall):
    grid = Grid(shape=(96, 128), extent=(0.75, 1.0))
    smooth = 0.05
    n = initial.band(grid, wall, depth=0.3, smoothness=smooth)
    expected = 0.3 + smooth * np.sqrt(np.log(2))
    depth = M.band_depth(n, grid, wall, threshold=0.5)
    h = grid.dx if wall in ("left", "right") else grid.dy
    assert depth.max == pytest.approx(expected, abs=0.1 * h)
    assert depth.mean == pytest.approx(expected, abs=0.1 * h)


def test_band_depth_of_a_wavy_front_has_known_max_and_mean():
    grid = Grid.square(128)
    y, x = grid.meshgrid()
    front = 0.3 + 0.05 * np.sin(2 * np.pi * x)
    n = 0.5 * (1 - np.tanh((y - front) / 0.02))
    depth = M.band_depth(n, grid, "bottom", threshold=0.5)
    h = grid.dy
    assert depth.mean == pytest.approx(0.3, abs=(h / 0.02) ** 2 * 1e-3)
    assert depth.max == pytest.approx(0.35, abs=0.05 * (1 - np.cos(np.pi * h)) + 1e-4)


def test_band_depth_is_the_full_length_when_the_tumour_spans_the_domain():
    grid = Grid.square(16)
    n = np.zeros(grid.shape)
    n[3] = 1.0
    depth = M.band_depth(n, grid, "left")
    assert depth.max == pytest.approx(1.0)
    assert depth.mean == pytest.approx(1.0 / 16)


def test_front_speed_of_a_growing_disc():
    grid = Grid.square(128)
    times = np.array([0.0, 0.5, 1.0, 1.5])
    radii = 0.15 + 0.1 * times
    snaps = [D.snapshot_metrics({"tumor": smooth_disc(grid, r, width=0.02)}, grid,
                                center=(0.5, 0.5), tumor_threshold=0.5) for r in radii]
    assert [s["front_mean_radius"] for s in snaps] == pytest.approx(radii, abs=2e-4)
    speed = D.time_metrics(times, snaps)["front_mean_speed"]
    assert np.isnan(speed[0])
    assert speed[1:] == pytest.approx([0.1, 0.1, 0.1], abs=1e-3)
    assert M.front_speed(times, radii)[1:] == pytest.approx([0.1] * 3, rel=1e-12)


def test_front_speed_rejects_unsorted_times():
    with pytest.raises(ConfigError, match="increase"):
        M.front_speed([0.0, 1.0, 1.0], [0.1, 0.2, 0.3])


# --------------------------------------------------------------------------- clusters


def test_two_separated_blocks_give_one_detached_cluster_of_known_size():
    grid = Grid.square(64)
    a = grid.cell_area
    n = square_block(grid, 10, 30, 10, 30) + square_block(grid, 45, 50, 40, 44, 0.8)
    clusters = M.detached_clusters(n, grid)
    assert clusters.count == 1
    assert clusters.areas.tolist() == pytest.approx([20 * a], rel=1e-12)
    assert clusters.masses.tolist() == pytest.approx([0.8 * 20 * a], rel=1e-12)
    assert clusters.main_area == pytest.approx(400 * a, rel=1e-12)
    assert clusters.main_mass == pytest.approx(400 * a, rel=1e-12)


def test_two_discs_detached_area_within_digitisation_error():
    grid = Grid.square(128)
    y, x = grid.meshgrid()
    main = np.hypot(x - 0.35, y - 0.5) <= 0.2
    blob = np.hypot(x - 0.8, y - 0.5) <= 0.06
    clusters = M.detached_clusters((main | blob).astype(float), grid)
    assert clusters.count == 1
    bound = 2 * np.pi * 0.06 * np.sqrt(2) * grid.dx
    assert abs(clusters.areas[0] - np.pi * 0.06**2) <= bound
    assert clusters.main_area > clusters.areas[0]


def test_main_mass_is_the_heaviest_region_not_the_largest():
    grid = Grid.square(32)
    n = square_block(grid, 2, 12, 2, 12, 0.2) + square_block(grid, 20, 26, 20, 26, 1.0)
    clusters = M.detached_clusters(n, grid)
    assert clusters.main_area == pytest.approx(36 * grid.cell_area)
    assert clusters.areas.tolist() == pytest.approx([100 * grid.cell_area])


def test_corner_contact_is_detached_with_face_connectivity_only():
    grid = Grid.square(16)
    n = square_block(grid, 2, 6, 2, 6) + square_block(grid, 6, 8, 6, 8)
    assert M.detached_clusters(n, grid, connectivity=1).count == 1
    assert M.detached_clusters(n, grid, connectivity=2).count == 0
    with pytest.raises(ConfigError, match="connectivity"):
        M.detached_clusters(n, grid, connectivity=3)


# --------------------------------------------------------------------------- membrane

RING = {"center": (0.5, 0.5), "radius": 0.3, "thickness": 0.05}


def ring_setup(n=96):
    grid = Grid.square(n)
    b0 = initial.membrane_ring(grid, **RING)
    n0 = initial.gaussian(grid, (0.5, 0.5), width=0.1)
    regions = M.membrane_regions(b0, grid, initial_tumor=n0)
    y, x = grid.meshgrid()
    theta = np.arctan2(y - 0.5, x - 0.5)
    r = np.hypot(x - 0.5, y - 0.5)
    return grid, b0, regions, theta, r


def cut_gap(b, theta, angle, half_width=0.12, value=0.2):
    """Set the membrane to ``value`` in the wedge |theta - angle| < half_width (mod 2 pi)."""
    dtheta = np.angle(np.exp(1j * (theta - angle)))
    b = b.copy()
    b[(np.abs(dtheta) < half_width) & (b > 0)] = value
    return b


def test_membrane_regions_of_a_ring_are_inside_band_outside():
    grid, b0, regions, _, r = ring_setup()
    assert np.array_equal(regions.band, b0 > 0.5)
    assert np.array_equal(regions.enclosed, r < 0.3)
    assert np.array_equal(regions.beyond, r > 0.35)


def test_membrane_regions_of_a_line_split_at_the_line():
    grid = Grid.square(64)
    b0 = initial.membrane_line(grid, "left", position=0.3, thickness=0.05)
    n0 = initial.band(grid, "left", depth=0.2)
    regions = M.membrane_regions(b0, grid, initial_tumor=n0)
    y, x = grid.meshgrid()
    assert np.array_equal(regions.beyond, x > 0.35)
    assert np.array_equal(regions.enclosed, x < 0.3)
    # without a tumour a point decides the side
    other = M.membrane_regions(b0, grid, center=(0.9, 0.5))
    assert np.array_equal(other.enclosed, x > 0.35)
    with pytest.raises(ConfigError, match="which side"):
        M.membrane_regions(b0, grid, center=(0.32, 0.5))


def test_intact_ring_has_no_breach():
    grid, b0, regions, _, _ = ring_setup()
    assert M.membrane_breaches(b0, regions) == 0
    assert M.membrane_min_integrity(b0, regions.band) == 1.0
    assert M.membrane_barrier(b0, regions) == 1.0


@pytest.mark.parametrize("angle", [0.0, np.pi, np.pi / 2, -3 * np.pi / 4])
def test_ring_with_one_gap_has_one_breach(angle):
    # angle = pi straddles the -pi/pi cut of arctan2: still one gap in the grid
    grid, b0, regions, theta, _ = ring_setup()
    b = cut_gap(b0, theta, angle)
    assert M.membrane_breaches(b, regions) == 1
    assert M.membrane_min_integrity(b, regions.band) == pytest.approx(0.2)
    assert M.membrane_barrier(b, regions) == pytest.approx(0.2)


def test_ring_with_two_gaps_has_two_breaches():
    grid, b0, regions, theta, _ = ring_setup()
    b = cut_gap(cut_gap(b0, theta, np.pi), theta, np.pi / 3)
    assert M.membrane_breaches(b, regions) == 2
    assert M.membrane_breaches(b, regions, threshold=0.1) == 0


def test_thinning_that_does_not_go_through_is_not_a_breach():
    grid, b0, regions, theta, r = ring_setup()
    b = b0.copy()
    b[regions.band & (r < 0.32)] = 0.3          # the inner face wears everywhere
    assert M.membrane_breaches(b, regions) == 0
    assert M.membrane_min_integrity(b, regions.band) == pytest.approx(0.3)
    assert M.membrane_barrier(b, regions) == 1.0


def test_barrier_is_the_weakest_path_through_the_band():
    grid, b0, regions, theta, r = ring_setup()
    b = cut_gap(b0, theta, 1.0, value=0.2)
    b[regions.band & (r < 0.32) & (np.abs(theta - 1.0) < 0.12)] = 0.45   # inner half
    b = cut_gap(b, theta, -2.0, value=0.35)                              # a second gap
    assert M.membrane_barrier(b, regions) == pytest.approx(0.35)
    assert M.membrane_breaches(b, regions) == 2
    assert M.membrane_breaches(b, regions, threshold=0.4) == 1
    assert M.membrane_breaches(b, regions, threshold=0.3) == 0
    assert M.membrane_min_integrity(b, regions.band) == pytest.approx(0.2)


def test_tumour_mass_beyond_a_ring():
    grid, b0, regions, _, r = ring_setup()
    n = (r < 0.25).astype(float)                 # inside: does not count
    n[regions.band] = 0.9                        # in the band: does not count
    n[5:8, 5:8] = 0.5                            # a corner patch beyond the ring
    assert M.mass_beyond_membrane(n, grid, regions) == pytest.approx(
        9 * 0.5 * grid.cell_area, rel=1e-12)


def test_snapshot_metrics_of_a_breached_ring():
    grid, b0, regions, theta, r = ring_setup()
    n0 = initial.gaussian(grid, (0.5, 0.5), width=0.1)
    n = n0.copy()
    n[5:8, 5:8] = 0.5
    b = cut_gap(b0, theta, np.pi)
    oxygen = np.where(r < 0.1, 0.1, 1.0)
    out = D.snapshot_metrics({"tumor": n, "membrane": b, "oxygen": oxygen}, grid,
                             initial={"tumor": n0, "membrane": b0})
    assert out["membrane_breaches"] == 1.0
    assert out["membrane_barrier"] == pytest.approx(0.2)
    assert out["membrane_min_integrity"] == pytest.approx(0.2)
    assert out["tumor_mass_beyond_membrane"] == pytest.approx(
        M.mass_beyond_membrane(n, grid, regions), rel=1e-12)
    assert out["invaded_area_beyond_membrane"] == pytest.approx(9 * grid.cell_area)
    assert out["tumor_max_beyond_membrane"] == pytest.approx(0.5)
    assert out["cluster_count"] == 1.0
    assert out["cluster_area"] == pytest.approx(9 * grid.cell_area)
    assert out["hypoxic_area"] == pytest.approx(M.hypoxic_area(oxygen, grid))
    assert out["tumor_mass"] == pytest.approx(M.tumor_mass(n, grid))
    assert out["front_mean_radius"] == pytest.approx(
        M.front_radius(n, grid, (0.5, 0.5), threshold=D.invasion_threshold(n)).mean,
        rel=1e-12)
    assert all(isinstance(v, float) for v in out.values())
    assert set(out) <= set(D.METRIC_UNITS)


def test_snapshot_metrics_keys_depend_only_on_the_arguments():
    grid = Grid.square(32)
    n = initial.band(grid, "left", depth=0.2)
    plain = D.snapshot_metrics({"tumor": n}, grid, wall="left")
    assert set(plain) == {"tumor_mass", "invaded_area", "front_max_depth",
                          "front_mean_depth", "roughness", "cluster_count", "cluster_area",
                          "cluster_mass"}
    later = D.snapshot_metrics({"tumor": np.zeros(grid.shape)}, grid, wall="left")
    assert set(later) == set(plain)
    with pytest.raises(ConfigError, match="tumor"):
        D.snapshot_metrics({"ecm": n}, grid)
    with pytest.raises(ConfigError, match="shape"):
        D.snapshot_metrics({"tumor": n[:-1]}, grid)


# --------------------------------------------------------------------------- time series


def test_breach_time_is_interpolated_between_snapshots():
    times = [0.0, 1.0, 2.0, 3.0]
    assert M.breach_time(times, [1.0, 0.8, 0.4, 0.1]) == pytest.approx(1.75, rel=1e-12)
    assert M.breach_time(times, [1.0, 0.8, 0.4, 0.1], threshold=0.2) == pytest.approx(
        2.0 + 0.2 / 0.3, rel=1e-12)
    assert np.isnan(M.breach_time(times, [1.0, 0.8, 0.4, 0.1], threshold=0.1))  # not below
    assert np.isnan(M.breach_time(times, [1.0, 0.9, 0.8, 0.7]))
    assert M.breach_time(times, [0.3, 0.2, 0.1, 0.0]) == 0.0


def test_time_metrics_from_a_diagnostics_table():
    times = np.array([0.0, 1.0, 2.0, 4.0])
    table = {"front_max_radius": [0.1, 0.2, 0.25, 0.45],
             "membrane_min_integrity": [1.0, 0.9, 0.6, 0.2],
             "membrane_barrier": [1.0, 1.0, 0.8, 0.4],
             "tumor_max_beyond_membrane": [0.0, 0.0, 0.0, 0.1]}
    out = D.time_metrics(times, table)
    assert out["front_max_speed"][1:] == pytest.approx([0.1, 0.05, 0.1])
    assert out["membrane_breach_time"] == pytest.approx(2.0 + 2.0 * 0.1 / 0.4)
    assert out["membrane_escape_time"] == pytest.approx(2.0 + 2.0 * 0.05 / 0.1)
    assert out["membrane_opening_time"] == pytest.approx(2.0 + 2.0 * 0.3 / 0.4)
    assert set(out) == {"front_max_speed", "membrane_breach_time", "membrane_opening_time",
                        "membrane_escape_time"}
    assert set(out) <= set(D.METRIC_UNITS)


# --------------------------------------------------------------------------- oxygen


def test_hypoxic_area_of_a_half_plane():
    grid = Grid(shape=(30, 50), extent=(0.6, 1.0))
    y, x = grid.meshgrid()
    oxygen = np.where(x < 0.4, 0.05, 1.0)
    assert M.hypoxic_area(oxygen, grid) == pytest.approx(0.4 * 0.6, rel=1e-12)
    ramp = x.copy()                               # threshold between cell centres
    assert M.hypoxic_area(ramp, grid, threshold=0.31) == pytest.approx(0.3 * 0.6, rel=1e-12)


def test_the_invasion_threshold_follows_a_thinning_tumour():
    n = np.array([[0.0, 0.02], [0.04, 0.03]])
    assert D.invasion_threshold(n) == pytest.approx(0.004)
    assert D.invasion_threshold(5 * n + 1) == M.DEFAULT_TUMOR_THRESHOLD
    assert D.invasion_threshold(np.zeros((2, 2))) == M.DEFAULT_TUMOR_THRESHOLD


SHIPPED = sorted(p for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.toml")
                 if not p.name.startswith("sweep_") and pm.load_config(p).has_tissue)


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_config_has_meaningful_metrics_to_its_end(tmp_path, path):
    """Run each shipped config to its t_end: at every snapshot the tumour has an invaded
    area, a front and a mass (no metric frozen at 0 or NaN while the tumour is there)."""
    from pde_meta.config import load_config
    from pde_meta.runner.run import simulate

    config = load_config(path)
    result = simulate(config, output=tmp_path / "run.h5", progress="none")
    for tissue in config.tissues():
        ds = pm.open_run(result.path, compartment=tissue.name)
        if ds.tumor_mass.values[0] == 0:  # a tissue that colonies reach later
            start = int(np.argmax(ds.tumor_mass.values > 0))
            assert 0 < start < ds.sizes["time"] - 1
            ds = ds.isel(time=slice(start, None))
        assert np.all(ds.tumor_mass.values > 0)
        assert np.all(ds.invaded_area.values > 0), ds.invaded_area.values
        front = [v for v in ("front_mean_radius", "front_mean_depth") if v in ds]
        for name in front:
            assert np.all(np.isfinite(ds[name].values)) and np.all(ds[name].values > 0)
        assert np.all(np.isfinite(ds.roughness.values))
        assert ds.invaded_area.values[-1] > ds.invaded_area.values[0]  # it invades


@pytest.mark.parametrize("options", [{}, {"wall": "left"}, {"center": [0.5, 0.5]}])
@pytest.mark.parametrize("with_membrane", [False, True])
def test_metric_names_are_the_keys_snapshot_metrics_returns(options, with_membrane):
    """The run file's diagnostics are created from metric_names before any snapshot."""
    grid = Grid.square(32)
    n = initial.gaussian(grid, (0.5, 0.5), width=0.1)
    fields = {"tumor": n, "oxygen": np.ones(grid.shape),
              "membrane": (initial.membrane_ring(grid, radius=0.2, thickness=0.08)
                           if with_membrane else np.zeros(grid.shape))}
    found = D.snapshot_metrics(fields, grid, initial=fields, **options)
    assert D.metric_names(fields, **options) == list(found)
