"""A drug on the tissue grid: the compiled step against its numpy twin, the steady level
from a vessel band against the analytic two-zone profile, killing exact along the drug's
lattice, bitwise restarts and chunking, and the config's checks."""

import math

import numpy as np
import pytest
from conftest import random_state_data, two_zone_steady

import pde_meta as pm
from pde_meta import initial
from pde_meta.config import loads_config
from pde_meta.core.grid import Grid
from pde_meta.errors import ConfigError
from pde_meta.models.invasion import reference
from pde_meta.models.invasion.compartment import Tissue
from pde_meta.models.invasion.drug import DrugTransport, apply_effects, hill_field
from pde_meta.models.invasion.kernels import layout as P
from pde_meta.models.invasion.kernels.drug import drug_step


@pytest.mark.parametrize("plane", [P.BLOOD, P.ECM, -1])
@pytest.mark.parametrize("diffusion", [0.0, 0.3])
def test_the_drug_kernel_equals_its_numpy_twin(rng, plane, diffusion):
    data = random_state_data(rng, (23, 71), extras=True)  # 71: three column blocks
    d = rng.uniform(0, 2, (23, 71))
    args = (plane, 0.05, 0.04, 0.03, diffusion, 0.2, 1.5, 3.0, 0.8)
    want = reference.drug_step(d, data, *args)
    got = d.copy()
    drug_step(got, data, *args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)
    assert got.min() >= 0.0


def _strip(n):
    return Grid(shape=(3, n), extent=(3.0 / n, 1.0))


def test_the_steady_level_from_a_vessel_band_is_the_two_zone_profile():
    """Perfused vessels fill x < 0.3 and no cells take the drug up: D d'' = (lambda + P)
    d - P g inside the band, lambda d beyond, continuous value and flux at 0.3."""
    n, x_b, g = 400, 0.3, 2.0
    grid = _strip(n)
    band = (grid.x < x_b)[None, :] * np.ones(grid.shape)
    tissue = Tissue("tissue", initial.build_state(grid, blood=band), pm.Parameters())
    tr = DrugTransport("vessels", permeability=4.0, diffusion=0.01, decay=1.0, uptake=0.0,
                       step=2e-3)  # r = dt D / h^2 = 3.2, above the explicit limit
    tissue.add_drug("x", lambda t: g, tr)
    drug = tissue._drugs["x"]
    data = tissue.state.data
    for _ in range(6000):  # 12 time units: 12 decay times of the slowest zone
        drug.step(data, 1.0, tr.step, grid.dx, grid.dy)
    exact = two_zone_steady(grid.x, x_b, 0.01, 1.0 + 4.0, 4.0 * g, 1.0)
    assert np.abs(drug.d[0] - exact).max() <= 1e-3 * exact.max()  # measured 6.7e-4
    np.testing.assert_allclose(drug.d[0], drug.d[1], rtol=1e-13)


def test_killing_follows_the_drug_exactly_along_its_lattice():
    """Uniform supply, no uptake: the level is uniform and obeys, twice per step,
    d -> (d + dt P g / 2) / (1 + dt (lambda + P) / 2); transport conserves the cells, so
    their mass is the initial mass times prod_k exp(-dt potency E(d_k)) (1e-11), and no
    growth or death act."""
    grid = Grid(shape=(24, 24), extent=(1.0, 1.0))
    state = initial.build_state(grid, tumor=initial.gaussian(grid, (0.5, 0.5), 0.1, 0.8),
                                ecm=np.full(grid.shape, 0.6))
    params = pm.Parameters(growth_rate=0.0, hypoxic_death_rate=0.0)
    tissue = Tissue("tissue", state, params)
    tr = DrugTransport("uniform", permeability=3.0, diffusion=0.1, decay=0.5, uptake=0.0,
                       step=0.01)
    tissue.add_drug("chemo", lambda t: 1.0 + 0.5 * math.sin(3 * t), tr)
    tissue.add_drug_effect("chemo", "killing", 2.0, 0.9, 0.4, 2.0)
    mass0 = state.tumor.sum()
    tissue.advance(0.5)
    d, factor = 0.0, 1.0
    for k in range(1, 51):
        g = 1.0 + 0.5 * math.sin(3 * k * 0.01)
        for _ in range(2):  # rows, then columns: half the supply and loss in each
            d = (d + 0.005 * 3.0 * g) / (1.0 + 0.005 * 3.5)
        factor *= math.exp(-0.01 * 2.0 * 0.9 * (d / 0.4) ** 2 / (1 + (d / 0.4) ** 2))
    assert tissue._drug_index == 50
    np.testing.assert_allclose(tissue._drugs["chemo"].d, d, rtol=1e-12)
    assert tissue.state.tumor.sum() == pytest.approx(mass0 * factor, rel=1e-11)
    assert factor < 0.7  # the drug did kill


def test_each_effect_removes_its_planes_at_the_rate_potency_e(rng):
    data = random_state_data(rng, (5, 7), extras=True)
    d = rng.uniform(0, 3, (5, 7))
    effects = [("mmp", 2.0, 0.8, 0.5, 1.5), ("taf", 1.0, 1.0, 1.0, 1.0),
               ("sprouts", 3.0, 0.5, 0.2, 2.0), ("normalisation", 0.5, 1.0, 2.0, 1.0),
               ("killing", 1.0, 1.0, 1.0, 1.0)]
    out = data.copy()
    apply_effects(out, d, effects, 0.1)
    planes = {"mmp": [P.MMP], "taf": [P.TAF], "sprouts": [P.SPROUTS],
              "normalisation": [P.LEAKINESS], "killing": [P.TUMOR, P.EPITHELIAL]}
    touched = set()
    for effect, k, emax, ec50, h in effects:
        x = (d / ec50) ** h
        for plane in planes[effect]:
            np.testing.assert_allclose(out[plane], data[plane] * np.exp(-0.1 * k * emax * x
                                                                        / (1 + x)),
                                       rtol=1e-14)
            touched.add(plane)
    for plane in set(range(13)) - touched:
        np.testing.assert_array_equal(out[plane], data[plane])
    assert hill_field(np.array([0.0, -1.0]), 1.0, 1.0, 2.0).tolist() == [0.0, 0.0]


def _treated_tissue(n=32):
    grid = Grid(shape=(n, n), extent=(1.0, 1.0))
    blood = np.zeros(grid.shape)
    blood[:, 2] = 1.0
    state = initial.build_state(grid, tumor=initial.gaussian(grid, (0.6, 0.5), 0.12, 0.7),
                                ecm=np.full(grid.shape, 0.7), blood=blood)
    tissue = Tissue("tissue", state, pm.Parameters(), threads=1)
    tissue.add_drug("mmpi", lambda t: 2.0 * math.exp(-t), DrugTransport(step=0.013))
    tissue.add_drug_effect("mmpi", "mmp", 5.0, 1.0, 0.3, 1.0)
    tissue.add_drug_effect("mmpi", "killing", 1.0, 0.5, 0.3, 1.0)
    tissue.add_treatment("motility", 1.0, lambda t: 0.5 * math.exp(-t), step=0.013)
    return tissue


def test_a_restart_and_any_chunking_give_the_same_bits():
    """As a run does: every copy stops at the output time 0.1234 (between two drug steps),
    one in chunks of 3 steps, one restarted from a checkpoint there."""
    whole = _treated_tissue()
    whole.advance(0.1234)
    whole.advance(0.3)
    chunked = _treated_tissue()
    for t_out in (0.1234, 0.3):
        while chunked.t < t_out:
            chunked.advance(t_out, max_steps=3)
    first = _treated_tissue()
    first.advance(0.1234)
    saved = {k: np.array(v, copy=True) for k, v in first.checkpoint().items()}
    resumed = _treated_tissue()
    resumed.restore(saved)
    resumed.advance(0.3)
    for other in (chunked, resumed):
        np.testing.assert_array_equal(other.state.data, whole.state.data)
        np.testing.assert_array_equal(other._drugs["mmpi"].d, whole._drugs["mmpi"].d)
        assert other.t == whole.t and other.step_count == whole.step_count
    assert whole._drug_index == 23 and whole._drugs["mmpi"].d.max() > 0.05
    # the level near the vessel column is higher than far from it (penetration)
    d = whole._drugs["mmpi"].d
    assert d[:, 2].mean() > 3 * d[:, -1].mean()


def _disc_tissue(name: str, amplitude: float, ecm: float, t_end: float, snapshot: float,
                 more: str = "") -> str:
    """A 16 x 16 tissue config: a disc of tumour of radius 0.2 in a uniform ECM, and
    ``more`` (its treatments, ...) after ``[time]``."""
    return f"""
name = "{name}"
[grid]
shape = [16, 16]
extent = [1.0, 1.0]
[initial.tumor]
type = "ellipse"
center = [0.5, 0.5]
radii = [0.2, 0.2]
amplitude = {amplitude}
[initial.ecm]
type = "uniform"
value = {ecm}
[time]
t_end = {t_end}
snapshot_interval = {snapshot}
{more}"""


def test_a_tissue_config_with_a_drug_builds_validates_and_stores_its_field(tmp_path):
    text = _disc_tissue("d", 0.5, 0.7, 0.05, 0.05, """[[treatments]]
name = "cis-platin"
pk = "constant"
level = 1.0
tissue_supply = "ecm"
[[treatments.effects]]
target = "tissue.killing"
""")
    result = pm.simulate(loads_config(text), tmp_path / "d.h5", progress="none")
    ds = pm.open_run(result.path)
    assert "drug_cis_platin" in ds and float(ds["drug_cis_platin"][-1].max()) > 0.0
    assert float(ds["drug_cis_platin_in_tumour"][-1]) > 0.0
    with pytest.raises(ConfigError, match="no perfused blood vessels|has none"):
        pm.simulate(loads_config(text.replace('tissue_supply = "ecm"', "")),
                    tmp_path / "e.h5", progress="none")
    with pytest.raises(ConfigError, match=r"treatments\[0\].tissue_step"):
        loads_config(text.replace('tissue_supply = "ecm"', "tissue_step = -1"))
    with pytest.raises(ConfigError, match=r"treatments\[0\].tissue_supply.*did you mean"):
        loads_config(text.replace('tissue_supply = "ecm"', 'tissue_supply = "ecn"'))
    with pytest.raises(ConfigError, match=r"effects\[0\].target.*'invasion'"):
        loads_config(text.replace("tissue.killing", "tissue.priming"))
    with pytest.raises(ConfigError, match=r"effects\[0\].through.*each cell"):
        loads_config(text + 'through = "damage"\n')
    classed = loads_config(text.replace('[[treatments.effects]]\ntarget = "tissue.killing"\n',
                                        'class = "cytotoxic"\n'))
    assert [e[:2] for e in classed.treatments[0].effects] == [("tissue", "killing")]


def test_a_cytostatic_drug_scales_the_proliferation_by_one_minus_k_e():
    """A sparse tumour (n = 1e-4, no crowding) in uniform oxygen and a drug held at its
    steady level d* = P g / (P + lambda): ln(mass) grows at (1 - k E(d*)) times the
    untreated rate, to 0.2 % (the splitting is first order in the drug's step)."""
    grid = Grid(shape=(8, 8), extent=(1.0, 1.0))
    still = dict(tumor_diffusivity=0.0, haptotaxis=0.0, mmp_production=0.0,
                 oxygen_consumption=0.0, oxygen_supply=0.0, oxygen_decay=0.0,
                 hypoxic_death_rate=0.0, growth_rate=2.0)

    def run(drug):
        state = initial.build_state(grid, tumor=np.full(grid.shape, 1e-4),
                                    ecm=np.full(grid.shape, 0.3),
                                    oxygen=np.full(grid.shape, 1.0))
        tissue = Tissue("tissue", state, pm.Parameters(**still), dt=1e-3, threads=1)
        if drug:
            tr = DrugTransport("uniform", permeability=2.0, decay=2.0, uptake=0.0,
                               step=1e-3)
            tissue.add_drug("c", lambda t: 1.0, tr)
            tissue._drugs["c"].d[...] = 2.0 * 1.0 / (2.0 + 2.0)  # d* = 0.5
            tissue.add_drug_effect("c", "growth", 0.8, 1.0, 0.5, 1.0)  # k E = 0.4
        tissue.advance(0.5)
        return math.log(tissue.state.tumor.sum() / (1e-4 * grid.size))

    assert run(True) / run(False) == pytest.approx(1.0 - 0.4, rel=2e-3)


def test_the_steady_level_converges_at_first_order_in_the_drug_step():
    """The two-zone case at steps 25 and 5 times the explicit limit h^2 / D: the error of
    the split steady state falls with the step as dt (measured 0.0137, 0.0029; ratio 4.7
    for a step 5 times smaller), where splitting the supply off the diffusion starves
    the tissue (its error does not fall with the step at these sizes)."""
    n, x_b, g = 400, 0.3, 2.0
    grid = _strip(n)
    band = (grid.x < x_b)[None, :] * np.ones(grid.shape)
    exact = two_zone_steady(grid.x, x_b, 0.01, 1.0 + 4.0, 4.0 * g, 1.0)
    errors = []
    for step in (0.05, 0.01):
        tissue = Tissue("tissue", initial.build_state(grid, blood=band), pm.Parameters())
        tissue.add_drug("x", lambda t: g, DrugTransport("vessels", permeability=4.0,
                                                       diffusion=0.01, decay=1.0,
                                                       uptake=0.0, step=step))
        drug = tissue._drugs["x"]
        for _ in range(round(12 / step)):
            drug.step(tissue.state.data, 1.0, step, grid.dx, grid.dy)
        errors.append(np.abs(drug.d[0] - exact).max() / exact.max())
    assert errors[0] < 0.02 and 4.0 < errors[0] / errors[1] < 5.5


def test_an_intravasation_effect_scales_every_rate_by_one_minus_e():
    """With E(g) = 0.6 (a constant level at three times EC50, emax 0.8), the tissue's
    draws equal those of the untreated tissue over 0.4 of the interval, event for event
    (the same random numbers), and the whole config path gives E at the plasma level."""
    from pde_meta.models.invasion.intravasation import IntravasationRule
    from pde_meta.models.treatment import PK
    from pde_meta.models.treatment.effects import _hill_of

    grid = Grid(shape=(40, 40), extent=(1.0, 1.0))
    blood = np.zeros(grid.shape)
    blood[20, :] = 1.0
    rule = IntravasationRule(cell_size=0.005, active_rate=3.0, passive_rate=5.0)
    out = []
    for treated in (True, False):
        state = initial.build_state(grid, tumor=np.full(grid.shape, 0.3), blood=blood)
        t = Tissue("tissue", state, pm.Parameters())
        if treated:
            t.add_treatment("intravasation", 1.0,
                            _hill_of(PK("constant", level=3.0).at, 0.8, 1.0, 1.0))
        ev = t.intravasate(rule, 0.05 if treated else 0.05 * 0.4, 20,
                           np.random.default_rng(7))
        out.append((ev, t.state.data.copy()))
    (a, da), (b, db) = out
    assert int((a["size"] * a["count"]).sum()) > 30
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(da, db)
    with pytest.raises(ConfigError, match="intravasation"):
        Tissue("tissue", initial.build_state(grid, blood=blood),
               pm.Parameters()).add_treatment("killing", 1.0, lambda t: 0.5)


def test_effects_on_rates_give_the_bits_of_the_scaled_parameters():
    """motility and emt with E = 0.25 from the start: the same bits as a tissue whose
    motilities and EMT rates are 0.75 of the untreated ones, stopped at the same times
    (the lattice's); and rate_factors multiplies 1 - E per rate."""
    from pde_meta.models.invasion.drug import rate_factors

    grid = Grid(shape=(24, 24), extent=(1.0, 1.0))
    base = dict(tumor_diffusivity=1e-3, haptotaxis=5e-3, epithelial_diffusivity=5e-4,
                epithelial_haptotaxis=2e-3, emt_rate=0.2, emt_hypoxia_rate=0.3)

    def state():
        return initial.build_state(grid, tumor=initial.gaussian(grid, (0.5, 0.5), 0.1, 0.4),
                                   epithelial=initial.gaussian(grid, (0.5, 0.5), 0.1, 0.3),
                                   ecm=initial.gaussian(grid, (0.6, 0.5), 0.2, 0.8))

    treated = Tissue("tissue", state(), pm.Parameters(**base), threads=1)
    for effect in ("motility", "emt"):
        treated.add_treatment(effect, 1.0, lambda t: 0.25, step=0.05)
    scaled = Tissue("tissue", state(), pm.Parameters(**{k: v * 0.75 for k, v in
                                                         base.items()}), threads=1)
    for t in np.arange(1, 7) * 0.05:
        treated.advance(float(t))
        scaled.advance(float(t))
    np.testing.assert_array_equal(treated.state.data, scaled.state.data)
    assert treated.step_count == scaled.step_count and treated._drug_index == 6
    f = rate_factors([("motility", lambda t: 0.5), ("motility", lambda t: 0.2)], 0.0)
    assert f[P.D_N] == pytest.approx(0.4) and f[P.CHI_E] == pytest.approx(0.4)


def test_resistance_weighs_a_tissue_effect_and_a_hill_effect_by_the_drift():
    """A drift of rate 0.5/day from the first dose (day 1): the killing on a tissue at
    t = 3 days has the potency times exp(-1), and the record's effect size, E of the
    drug's level in the tumour cells, the same factor (1e-12)."""
    text = """
name = "r"
[grid]
shape = [12, 12]
extent = [1.0, 1.0]
[initial.tumor]
type = "uniform"
value = 0.1
[time]
t_end = 0.05
snapshot_interval = 0.05
[[treatments]]
name = "x"
pk = "constant"
level = 2.0
start = 1.0
tissue_supply = "uniform"
[[treatments.effects]]
target = "tissue.killing"
potency = 3.0
resistance = 0.5
"""
    from pde_meta.runner.run import compartments

    cfg = loads_config(text)
    built = compartments(cfg)
    tissue, record = built[0], built[-1]
    drug = tissue._drugs["x"]
    data = tissue.state.data.copy()
    drug.d[...] = 1.0  # E = 1/2 with ec50 = 1
    before = data[P.TUMOR].copy()
    drug.step(data, 3.0, 1e-3, 1.0, 1.0, tissue.stepper.kernel_parameters)
    # the step's own level change is tiny: compare with the level it ended at
    e = drug.d / (1.0 + drug.d)
    np.testing.assert_allclose(data[P.TUMOR], before * np.exp(-1e-3 * 3.0 * e
                                                              * math.exp(-1.0)), rtol=1e-12)
    record._t = 3.0  # days (a time unit is a day without [units]); E of the tumour's level
    level = tissue.drug_level_in_tumour("x")
    assert 0.9 < level < 1.1
    assert record.fields()["effect_size"][0] == pytest.approx(
        level / (1 + level) * math.exp(-1.0), rel=1e-12)


DETECTED = _disc_tissue("detected", 0.2, 0.3, 1.0, 0.1, """[parameters]
growth_rate = 2.0
[coupling]
interval = 0.05
[[treatments]]
name = "x"
pk = "constant"
level = 3.0
tissue_supply = "uniform"
start_detected = "tissue.tumor_mass"
start_threshold = 0.033
[[treatments.effects]]
target = "tissue.killing"
potency = 4.0
""")


def test_a_schedule_starts_when_its_diagnostic_is_detected_and_not_before(tmp_path):
    """The drug starts at the first coupling time (every 0.05) at which the tumour's
    mass is >= 0.033: until then the run is, to the bit, the one whose threshold is never
    reached (the same stops: the coupling times and the drug's lattice), the record says
    the day it started (NaN before), and the tumour then shrinks; a run that stops at
    t = 0.5, after the start, and is resumed to 1 gives the same bits."""
    from pde_meta.runner.run import compartments

    treated = loads_config(DETECTED)
    pm.simulate(treated, tmp_path / "t.h5", progress="none")
    plain = loads_config(DETECTED.split("[[treatments]]")[0])
    never = loads_config(DETECTED.replace("start_threshold = 0.033", "start_threshold = 9"))
    pm.simulate(never, tmp_path / "p.h5", progress="none")
    a, b = pm.open_run(tmp_path / "t.h5"), pm.open_run(tmp_path / "p.h5")
    started = pm.open_tree(tmp_path / "t.h5")["treatments"]["started"].values[:, 0]
    probe, first = compartments(plain)[0], None  # the untreated tissue, coupling times
    for k in range(1, 21):
        probe.advance(k * 0.05)
        if first is None and probe.diagnostics(0.0)["tumor_mass"] >= 0.033:
            first = k * 0.05
    assert first is not None and 0.1 < first < 0.5
    assert np.isnan(started[0]) and started[-1] == pytest.approx(first, rel=1e-12)
    before = a.time.values < first
    np.testing.assert_array_equal(a.tumor.values[before], b.tumor.values[before])
    assert float(a.tumor_mass[-1]) < 0.5 * float(b.tumor_mass[-1])
    pm.simulate(treated.with_t_end(0.5), tmp_path / "r.h5", progress="none")
    pm.resume(tmp_path / "r.h5", t_end=1.0, progress="none")
    np.testing.assert_array_equal(pm.open_run(tmp_path / "r.h5").tumor.values, a.tumor.values)
    with pytest.raises(ConfigError, match="start_detected is checked at coupling times"):
        loads_config(DETECTED.replace("[coupling]\ninterval = 0.05\n", ""))
    with pytest.raises(ConfigError, match="no diagnostic 'tumor_mas'.*did you mean"):
        compartments(loads_config(DETECTED.replace("tumor_mass", "tumor_mas")))
    with pytest.raises(ConfigError, match="two triggers"):
        loads_config(DETECTED.replace("start_threshold", "start = 1.0\nstart_threshold"))


def test_two_drugs_share_the_lattice_and_stay_positive_at_huge_steps(rng):
    """Two drugs on one grid: both fields are stored, the lattice takes the smaller
    step, and a step 1e4 times the explicit limit keeps every level positive and below
    the largest plasma level (the maximum principle of the implicit solve)."""
    grid = Grid(shape=(20, 20), extent=(1.0, 1.0))
    data = random_state_data(rng, (20, 20), extras=True)
    tissue = Tissue("tissue", pm.State(grid, data), pm.Parameters(), threads=1)
    tissue.add_drug("a", lambda t: 5.0, DrugTransport("vessels", permeability=50.0,
                                                      diffusion=1.0, step=0.02))
    tissue.add_drug("b", lambda t: 2.0, DrugTransport("uniform", step=0.05))
    assert tissue.drug_step == 0.02
    assert {"drug_a", "drug_b"} <= set(tissue.layout().fields)
    drug = tissue._drugs["a"]
    h2_over_d = grid.dx**2 / 1.0
    for _ in range(5):
        drug.step(tissue.state.data, 1.0, 1e4 * h2_over_d, grid.dx, grid.dy)
        assert drug.d.min() > 0.0 and drug.d.max() <= 5.0
    with pytest.raises(ConfigError, match="distinct names"):
        tissue.add_drug("a", lambda t: 1.0, DrugTransport("uniform"))


def test_the_treatment_model_names_exactly_the_tissue_effects_the_invasion_model_owns():
    """The effects the treatment model sends to a tissue grid are the invasion model's:
    those of the drug's local level (``TISSUE_EFFECTS``), and through the plasma level
    intravasation and the rate effects (``RATE_EFFECTS``), in that order."""
    from pde_meta.models.invasion.drug import RATE_EFFECTS, TISSUE_EFFECTS
    from pde_meta.models.treatment import HILL_EFFECTS, TISSUE_RATE_EFFECTS

    on_tissue = {e for e, model in HILL_EFFECTS.items()
                 if "invasion" in ((model,) if isinstance(model, str) else model)}
    assert TISSUE_RATE_EFFECTS == ("intravasation", *RATE_EFFECTS)
    assert on_tissue == set(TISSUE_EFFECTS) | set(TISSUE_RATE_EFFECTS)
    assert not set(TISSUE_EFFECTS) & set(TISSUE_RATE_EFFECTS)
