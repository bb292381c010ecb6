"""The pre-metastatic niche and injections: the niche level against its closed form
while the primary secretes and after it is gone, its effects on the soil and on arrest
against their formulas and binomial intervals; injected cells enter at their time and
are all accounted for."""

import math

import numpy as np
import pytest

from pde_meta.core.compartment import Compartment
from pde_meta.coupling import Coupler
from pde_meta.errors import ConfigError
from pde_meta.exchanges import Extravasation, NicheSignals
from pde_meta.models.circulation import Circulation, CirculationParameters, Organ
from pde_meta.models.organs.compartment import Organs, OrganSoil
from pde_meta.models.organs.fates import Soil
from pde_meta.models.organs.niche import Niche

NICHE = Niche(uptake=0.5, decay=0.2, half=2.0, arrest=3.0, extravasation=1.0,
              survival=0.8, dormancy=0.5)


class Primary(Compartment):
    """A primary of ``M`` cells until ``t_r``, none after (a resection)."""

    model = "test-primary"
    NICHE_MEASURES = ("cells",)

    def __init__(self, M=4.0, t_r=math.inf):
        self.name, self.M, self.t_r, self._t = "primary", M, t_r, 0.0

    @property
    def t(self):
        return self._t

    @property
    def dt(self):
        return 1.0

    @property
    def step_count(self):
        return 0

    @property
    def size(self):
        return 1

    def advance(self, t_end, max_steps=None):
        self._t = t_end
        return 0

    def niche_measure(self, kind=None):
        return self.M if self._t <= self.t_r else 0.0

    layout = fields = diagnostics = checkpoint = restore = None  # not stored


def _organs(niche=NICHE, **kw):
    soil = Soil(die=0.5, dormant=0.4, reactivation=0.0, dormant_death=0.0)
    return Organs("organs", (OrganSoil("liver", soil, law="exponential", growth_rate=0.1,
                                       capacity=math.inf, niche=niche),), seed=3,
                  hours=24.0, dt=0.5, records=0, max_size=1, **kw)


def test_the_niche_level_follows_its_closed_form_and_decays_after_resection():
    # d nu/dt = u sigma M - lambda nu: nu = u sigma M / lambda (1 - e^{-lambda t}) while
    # the primary is there, then nu(t_r) e^{-lambda (t - t_r)} (time unit: days)
    sigma, M, t_r, dt = 1.5, 4.0, 10.0, 0.5
    organs = _organs()
    coupler = Coupler([Primary(M, t_r), organs], [NicheSignals("n", "primary", "organs",
                                                                secretion=sigma)], dt)
    u, lam = NICHE.uptake, NICHE.decay
    for t in np.arange(1, 41) * dt:
        coupler.advance(float(t))
        if t <= t_r:
            exact = u * sigma * M / lam * -math.expm1(-lam * t)
        else:
            exact = u * sigma * M / lam * -math.expm1(-lam * t_r) * math.exp(-lam * (t - t_r))
        assert organs.niche[0] == pytest.approx(exact, rel=1e-12)
    assert organs.diagnostics(0.0)["liver_niche"] == organs.niche[0]


def test_a_primed_niche_lowers_death_and_dormancy_on_arrival():
    organs = _organs()
    organs.prime(10.0, 100.0)  # near its plateau u * 10 / lambda = 25
    nu = organs.niche[0]
    assert nu == pytest.approx(0.5 * 10.0 / 0.2 * -math.expm1(-0.2 * 100.0), rel=1e-12)
    h = nu / (nu + NICHE.half)
    n = 200_000
    organs.receive({"liver": np.array([n])})
    f = organs.fates[0]
    p_die = 0.5 * (1 - NICHE.survival * h)
    p_dormant = (1 - p_die) * 0.4 / (1 - 0.5) * (1 - NICHE.dormancy * h)
    for got, p in ((f.died, p_die), (f.dormant_cells(), p_dormant)):
        assert abs(got - n * p) < 4.5 * math.sqrt(n * p * (1 - p))
    assert f.balance() == 0


def test_the_niche_raises_arrest_and_extravasation_in_its_bed():
    organs = _organs()
    organs.prime(10.0, 100.0)
    liver = Organ("liver", site="portal", flow=0.25, arrest=0.3, compatibility=0.4)
    circ = Circulation("blood", CirculationParameters(dt=0.1, arrest_time=0.0,
                                                      shear=0.0, anoikis=0.0, immune=0.0),
                       (liver, Organ("rest", flow=0.75, arrest=1.0, compatibility=1.0)),
                       "portal", seed=2, hours=24.0, max_cluster_size=1,
                       injections=((0.0, 100_000, 1, "blood"),))
    gains = organs.niche_gains(["liver", "rest"])
    h = organs.niche[0] / (organs.niche[0] + NICHE.half)
    assert gains == pytest.approx(np.array([[3.0 * h, 1.0 * h], [0.0, 0.0]]), rel=1e-12)
    circ.set_niche(gains)
    assert circ.rates.p_arrest[0, 0] == pytest.approx(1 - 0.7 ** (1 + 3.0 * h), rel=1e-12)
    assert circ.rates.compatibility[0] == pytest.approx(1 - 0.6 ** (1 + h), rel=1e-12)
    circ.advance(circ.dt_model)  # one step: the first pass through the liver's bed
    n, p = 100_000, 1 - 0.7 ** (1 + 3.0 * h)
    assert abs(circ.acc.arrested[0] - n * p) < 4.5 * math.sqrt(n * p * (1 - p))
    assert circ.balance() == 0


def test_priming_precedes_arrivals_and_the_exchange_passes_the_gains_on():
    organs = _organs()
    circ = Circulation("blood", CirculationParameters(dt=0.1), (Organ(
        "liver", site="portal", flow=1.0, arrest=0.3, compatibility=0.4),), "portal",
        seed=2, hours=24.0, max_cluster_size=1, injections=((3.0, 1000, 1, "blood"),))
    coupler = Coupler([Primary(), circ, organs],
                      [NicheSignals("n", "primary", "organs"),
                       Extravasation("x", "blood", "organs")], 0.25)
    coupler.advance(2.9)
    assert organs.niche[0] > 0 and organs.fates[0].arrived == 0
    assert circ.niche[0, 0] == pytest.approx(organs.niche_gains(["liver"])[0, 0], rel=1e-12)
    coupler.advance(6.0)
    assert organs.fates[0].arrived > 0


def test_injected_cells_enter_at_their_time_and_are_accounted_for():
    circ = Circulation("blood", CirculationParameters(dt=0.1), (Organ(
        "liver", site="portal", flow=1.0, arrest=0.9, compatibility=0.8),), "portal",
        seed=4, hours=24.0, max_cluster_size=4,
        injections=((1.0, 500, 1, "blood"), (1.0, 100, 4, "blood"), (2.5, 300, 1, "lymph")))
    circ.advance(0.99)
    assert circ.shed.sum() == 0 and circ.n.sum() == 0
    circ.advance(1.0 + circ.dt_model)
    injected = circ.shed[2 + 1]  # route "injected": [vessel, kind]
    assert injected[0].tolist() == [500, 100, 400]
    circ.advance(5.0)
    assert circ.shed[3, 1, 0] == 300 and circ.balance() == 0
    rows = circ.take_rows()["events"]
    assert rows["route"].tolist() == [3, 3, 3] and rows["t"].min() >= 1.0
    organs = _organs(injections=((2.0, 1000, 1, "liver"),))
    organs.advance(1.9)
    assert organs.fates[0].arrived == 0
    organs.advance(3.0)
    assert organs.fates[0].arrived == 1000 and organs.fates[0].balance() == 0


def test_bad_niches_and_injections_are_refused():
    with pytest.raises(ValueError, match="niche survival = 1.5"):
        Niche(survival=1.5)
    with pytest.raises(ConfigError, match="into 'heart'"):
        _organs(injections=((1.0, 10, 1, "heart"),))
    with pytest.raises(ConfigError, match="allowed: from a primary"):
        NicheSignals("n", "organs", "primary").check(_organs(), Primary())
    with pytest.raises(ConfigError, match="measure = 'mass'"):
        NicheSignals("n", "primary", "organs", measure="mass").check(Primary(), _organs())


def test_surgery_resects_the_tissue_stops_its_shedding_and_lets_the_niche_decay(tmp_path):
    # a cascade with a niche: after the resection the tissue holds residual * its cells,
    # no cell intravasates any more, the niche decays at its rate exactly, and the
    # inflammation multiplies the organs' reactivation while it lasts
    import pde_meta as pm
    from pde_meta.runner.run import compartments, coupler_of

    text = open("configs/cascade.toml").read()
    text = text.replace("t_end = 10.0", "t_end = 0.5").replace(
        "shape = [128, 128]", "shape = [48, 48]")
    text = text.replace('[[exchanges]]\nkind = "extravasation"', '''[[exchanges]]
kind = "surgery"
from = "colon"
to = "organs"
time = 0.2
residual = 0.0
reactivation_factor = 5.0
inflammation_days = 2.0

[[exchanges]]
kind = "extravasation"''')
    text = text.replace("niche_decay = 0.1", "niche_decay = 0.5")
    path = tmp_path / "surgery.toml"
    path.write_text(text)
    config = pm.load_config(path)
    coupler = coupler_of(config, compartments(config, threads=1))
    tissue, circ, organs = coupler["colon"], coupler["circulation"], coupler["organs"]
    assert organs.events[-1][:3] == pytest.approx((0.2, 0.2 + 2 * 24 / organs.hours, 5.0))
    coupler.advance(0.175)
    assert tissue.niche_measure() > 0
    coupler.advance(0.2)  # the coupling at 0.2: the niche's last signal, then surgery
    assert tissue.niche_measure() == 0.0
    before = organs.niche[0]
    shed = circ.shed.sum()
    coupler.advance(0.5)
    assert tissue.niche_measure() == 0.0 and circ.shed.sum() == shed
    days = (0.5 - 0.2) * organs.hours / 24.0
    assert organs.niche[0] == pytest.approx(before * math.exp(-0.5 * days), rel=1e-9)


def test_plot_draws_the_niche_and_the_whole_cascade(tmp_path):
    import pde_meta as pm

    text = open("configs/cascade.toml").read().replace("t_end = 10.0", "t_end = 0.4").replace(
        "shape = [128, 128]", "shape = [40, 40]").replace("../runs/cascade.h5", "c.h5")
    text = text.replace("snapshot_interval = 0.25", "snapshot_interval = 0.2")
    path = tmp_path / "c.toml"
    path.write_text(text)
    run = pm.simulate(pm.load_config(path), progress="none", threads=1)
    # the figures `pde-meta plot` adds for organs (the CLI's run of every figure:
    # tests/test_organs.py), drawn and saved
    from pde_meta.cli.plot import _circulation_figures

    figures = _circulation_figures(run.path)
    assert {"niche", "cascade", "colonies", "fates"} <= set(figures)
    for name in ("niche", "cascade"):
        figures[name].savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    organs = pm.open_run(run.path, compartment="organs")
    assert float(organs["liver_niche"][-1]) > 0 and float(organs["liver_solitary"][-1]) >= 0


def test_resection_of_a_growth_law_primary_stops_shedding_and_the_niche_decays(tmp_path):
    # configs/late_relapse.toml to day 420: the surgery at day 365 removes the primary;
    # no cell is shed after it, and every niche decays at its rate exactly
    import pde_meta as pm
    from pde_meta.runner.run import compartments, coupler_of

    text = open("configs/late_relapse.toml").read().replace("t_end = 3650.0", "t_end = 420.0")
    path = tmp_path / "late.toml"
    path.write_text(text)
    config = pm.load_config(path)
    coupler = coupler_of(config, compartments(config, threads=1))
    primary, organs = coupler["primary"], coupler["organs"]
    coupler.advance(365.0)
    assert primary.niche_measure() == 0.0 and primary.resected > 1e9
    shed, nu = primary.shed, organs.niche.copy()
    assert nu[2] > 0  # the bone's niche was primed
    coupler.advance(420.0)
    assert primary.shed == shed and primary.x == 0.0
    decay = np.array([o.niche.decay for o in organs.organs])
    assert organs.niche == pytest.approx(nu * np.exp(-decay * 55.0), rel=1e-9)
    # the inflammation: five times the reactivation from day 365 for 30 days
    assert organs.events[-1] == pytest.approx((365.0, 395.0, 5.0, None))
