"""A tissue coupled to a circulation by intravasation: the ledger across the two, the
event table in the file, and reproducibility (threads, restart, sweep worker)."""

import numpy as np
import pytest

import pde_meta as pm
from pde_meta import storage
from pde_meta.cli.main import main
from pde_meta.config import loads_config
from pde_meta.errors import ConfigError

CONFIG = """
name = "{name}"
seed = 3
[units]
length_scale = 1.0
diffusivity_scale = 1e-5

[compartments.tissue]
model = "invasion"
[compartments.tissue.grid]
shape = [48, 48]
extent = [1.0, 1.0]
[compartments.tissue.parameters]
tumor_diffusivity = 2e-3
epithelial_diffusivity = 1e-3
[compartments.tissue.initial.tumor]
type = "ellipse"
center = [0.5, 0.5]
radii = [0.15, 0.15]
amplitude = 0.4
[compartments.tissue.initial.epithelial]
type = "ellipse"
center = [0.5, 0.5]
radii = [0.15, 0.15]
amplitude = 0.3
[compartments.tissue.initial.ecm]
type = "uniform"
value = 0.3
[compartments.tissue.initial.oxygen]
type = "uniform"
value = 1.0
[compartments.tissue.initial.blood]
type = "vessel_line"
start = [0.2, 0.55]
end = [0.8, 0.55]
width = 0.02
[compartments.tissue.initial.leakiness]
type = "vessel_line"
start = [0.2, 0.55]
end = [0.5, 0.55]
width = 0.02
[compartments.tissue.initial.lymph]
type = "vessel_line"
start = [0.45, 0.2]
end = [0.45, 0.8]
width = 0.02
value = 0.5

[compartments.blood]
model = "circulation"
route = "{route}"
[compartments.blood.parameters]
dt = 0.05
transit = "gamma"
detach_rate = 0.2
coating = 0.1
{organs}

[coupling]
interval = 0.02

[[exchanges]]
kind = "intravasation"
from = "tissue"
to = "blood"
cell_size = 0.002
active_rate = 2.0
passive_rate = 3.0
wall_block = 0.0
clusters = "local"
cluster_fraction = 0.5

[time]
t_end = 0.6
snapshot_interval = 0.2
[output]
path = "{name}.h5"
"""


def config(tmp_path, name="spread", route="systemic", organs="", **changes):
    text = CONFIG.format(name=name, route=route, organs=organs)
    return loads_config(text, base_dir=tmp_path, name=name, changes=changes or None)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spread")
    return pm.simulate(config(tmp), progress="none", threads=1)


def cells(ds, cell_size):
    """Tumour cells of a tissue dataset per snapshot (both phenotypes)."""
    return (ds.tumor_mass.values + ds.epithelial_mass.values) / cell_size**2


def test_tissue_loss_equals_cells_shed_and_the_ledger_balances(run):
    tissue = pm.open_run(run.path, compartment="tissue")
    blood = pm.open_run(run.path, compartment="blood")
    shed = blood.shed_cells.values
    assert shed[-1] > 100                      # the test sheds something
    lost = cells(tissue, 0.002)[0] - cells(tissue, 0.002)
    np.testing.assert_allclose(lost, shed, rtol=1e-9, atol=1e-6)
    assert (blood.balance.values == 0).all()
    led = {k: blood[k].values for k in ("shed", "circulating", "dead", "arrested_now",
                                        "extravasated")}
    total = led["shed"][..., 0].sum(axis=(1, 2)) + led["shed"][..., 2].sum(axis=(1, 2))
    accounted = (led["circulating"][..., 0].sum(1) + led["circulating"][..., 2].sum(1)
                 + led["dead"].sum(axis=(1, 2)) + led["arrested_now"].sum(1)
                 + led["extravasated"].sum(1))
    assert np.array_equal(total, accounted)
    assert blood.shed.dtype == np.int64 and list(blood.organ.values)[0] == "lung"
    # the coupler's ledger: one transfer per coupling time, summing to the cells shed
    transfers = pm.open_tree(run.path)["ledger"].to_dataset()
    assert transfers.amount.values.sum() == shed[-1]
    assert transfers.sizes["transfer"] == round(0.6 / 0.02)


def test_the_event_table_holds_every_cell_shed(run):
    events = storage.read_table(run.path, "blood", "events")
    blood = pm.open_run(run.path, compartment="blood")
    assert int((events["size"] * events["count"]).sum()) == blood.shed_cells.values[-1]
    assert ((events["mesenchymal"] + events["epithelial"]) == events["size"]).all()
    steps = events.t.values / 0.02
    assert np.allclose(steps, np.round(steps)) and events.t.values.min() > 0
    assert set(np.unique(events.route.values)) == {0, 1}
    assert set(np.unique(events.vessel.values)) == {0, 1}
    clusters = events["size"].values > 1
    assert clusters.any() and (events["count"].values[clusters] == 1).all()
    shed = blood.shed.values[-1]
    assert int(events["count"].values[clusters].sum()) == shed[..., 1].sum()


def _same(a, b):
    for name in ("tissue", "blood"):
        x, y = pm.open_run(a, compartment=name), pm.open_run(b, compartment=name)
        for var in x.data_vars:
            if var not in ("wall_seconds", "wall_time", "dt_threads"):
                assert np.array_equal(x[var].values, y[var].values), (name, var)
    ex, ey = storage.read_table(a, "blood", "events"), storage.read_table(b, "blood", "events")
    assert ex.sizes["row"] > 0
    for col in ex.data_vars:
        assert np.array_equal(ex[col].values, ey[col].values), col


def test_two_threads_give_the_same_events(run, tmp_path):
    other = pm.simulate(config(tmp_path), progress="none", threads=2)
    _same(run.path, other.path)


def test_a_restart_continues_bit_for_bit(run, tmp_path):
    cut = pm.simulate(config(tmp_path).with_t_end(0.4), progress="none", threads=1)
    pm.resume(cut.path, t_end=0.6, progress="none", threads=1)
    _same(run.path, cut.path)


def test_a_sweep_worker_draws_the_same(run, tmp_path):
    path = tmp_path / "spread.toml"
    text = CONFIG.format(name="spread", route="systemic", organs="")
    path.write_text(text.replace('path = "spread.h5"', f'path = "{tmp_path / "w.h5"}"'))
    second = tmp_path / "other.toml"
    second.write_text(text.replace('path = "spread.h5"', f'path = "{tmp_path / "v.h5"}"')
                      .replace('name = "spread"', 'name = "other"'))
    assert main(["run", "--jobs", "2", str(path), str(second)]) == 0
    _same(run.path, tmp_path / "w.h5")


def test_the_portal_route_meets_the_liver_first(tmp_path):
    organs = """
[[compartments.blood.organs]]
name = "liver"
site = "portal"
flow = 0.2
arrest = 1.0
compatibility = 1.0
[[compartments.blood.organs]]
name = "lung"
site = "pulmonary"
arrest = 1.0
compatibility = 1.0
[[compartments.blood.organs]]
name = "rest"
flow = 0.8
arrest = 1.0
"""
    result = pm.simulate(config(tmp_path, name="portal", route="portal", organs=organs),
                         progress="none", threads=1)
    blood = pm.open_run(result.path, compartment="blood")
    arrived = dict(zip(blood.organ.values, blood.arrived.values[-1], strict=True))
    shed = blood.shed.values[-1]
    through_lymph = shed[:, 1, 0].sum() + shed[:, 1, 2].sum()
    # blood from the primary meets the liver first, and every cell that reaches it
    # arrests there; the lung sees only the cells of the lymph (which drains into the
    # veins), and arrests them all, so no cell reaches the arterial organs
    assert arrived["liver"] > 0 and arrived["rest"] == 0
    assert arrived["lung"] <= through_lymph
    assert blood.arrested.values[-1][0] == arrived["liver"]


BAD = [
    ({"units": None}, "time_unit_hours"),
    ({"compartments": {"blood": {"route": "portal"}}}, "site = 'portal'"),
    ({"compartments": {"blood": {"max_cluster_size": 0}}}, "max_cluster_size"),
    ({"compartments": {"blood": {"parameters": {"shear": -1}}}}, "parameters.shear"),
    ({"compartments": {"blood": {"organs": [{"name": "lung", "wing": 1}]}}}, "wing"),
    ({"compartments": {"blood": {"organs": [{"name": "a", "flow": 0}]}}}, "no organ takes"),
    ({"exchanges": [{"kind": "intravasation", "from": "tissue", "to": "blood"}]},
     "cell_size is missing"),
]


@pytest.mark.parametrize("changes, message", BAD)
def test_bad_circulation_configs_get_one_line_errors(tmp_path, changes, message):
    text = CONFIG.format(name="bad", route="systemic", organs="")
    import tomllib

    data = tomllib.loads(text)
    for key, value in changes.items():
        if value is None:
            del data[key]
        elif key == "compartments":
            for name, part in value.items():
                for k, v in part.items():
                    if isinstance(v, dict):
                        data["compartments"][name].setdefault(k, {}).update(v)
                    else:
                        data["compartments"][name][k] = v
        else:
            data[key] = value
    from pde_meta.config.load import config_from_dict

    with pytest.raises(ConfigError, match=message) as info:
        config_from_dict(data, base_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_an_exchange_between_the_wrong_kinds_is_refused(tmp_path):
    text = CONFIG.format(name="bad", route="systemic", organs="").replace(
        'from = "tissue"\nto = "blood"', 'from = "blood"\nto = "tissue"')
    with pytest.raises(ConfigError, match="goes from 'invasion' to 'circulation'"):
        loads_config(text, base_dir=tmp_path, name="bad")
    assert not (tmp_path / "bad.h5").exists()


def test_info_prints_the_ledger(run, capsys):
    # (pde-meta plot of a whole coupled run: tests/test_organs.py)
    assert main(["info", str(run.path)]) == 0
    out = capsys.readouterr().out
    assert "ledger of 'blood'" in out and "balance       0" in out


def test_a_sweep_varies_the_keys_of_compartments_and_exchanges(tmp_path):
    from pde_meta import sweep

    (tmp_path / "spread.toml").write_text(CONFIG.format(name="spread", route="systemic",
                                                        organs=""))
    (tmp_path / "s.toml").write_text(
        'base = "spread.toml"\n[vary]\n'
        '"compartments.blood.parameters.shear" = [0.5, 4.0]\n'
        '"exchanges[0].active_rate" = [1.0, 3.0]\n'
        '"compartments.tissue.parameters.haptotaxis" = [0.01]\n'
        '[set]\n"compartments.blood.route" = "direct"\n'
        '"compartments.blood.organs" = [{name = "site", flow = 1.0}]\n')
    s = sweep.load_sweep(tmp_path / "s.toml")
    assert len(s.members) == 4 and not s.invalid
    got = {(m.config.circulations[0].parameters.shear,
            dict(m.config.exchanges[0].options)["active_rate"]) for m in s.members}
    assert got == {(0.5, 1.0), (0.5, 3.0), (4.0, 1.0), (4.0, 3.0)}
    assert all(m.config.parameters.haptotaxis == 0.01 for m in s.members)
    assert all(m.config.circulations[0].route == "direct" for m in s.members)
    for bad, message in (('"compartments.blood.parameters.sheer" = [1.0]',
                          "parameters.sheer is not a known key; allowed: dt, shear"),
                         ('"exchanges[3].active_rate" = [1.0]', "k below 1"),
                         ('"compartments.nowhere.parameters.shear" = [1.0]', "names no"),
                         ('"compartments.blood.organs[0].flux" = [1.0]', "organs\\[0\\].flux")):
        (tmp_path / "b.toml").write_text(f'base = "spread.toml"\n[vary]\n{bad}\n')
        with pytest.raises(ConfigError, match=message):
            sweep.load_sweep(tmp_path / "b.toml")
    # a value out of range makes an invalid member, as for any key path
    (tmp_path / "b.toml").write_text('base = "spread.toml"\n[vary]\n'
                                     '"exchanges[0].cell_size" = [-1.0, 0.002]\n')
    s = sweep.load_sweep(tmp_path / "b.toml")
    assert len(s.invalid) == 1 and "exchanges[0].cell_size = -1.0" in s.invalid[0].error


def test_a_sweep_summary_has_the_circulation_columns(run):
    from pde_meta.sweep.summary import file_row

    row = file_row(run.path)
    blood = pm.open_run(run.path, compartment="blood").isel(time=-1)
    assert row["blood.shed_cells"] == float(blood.shed_cells) > 0
    assert row["blood.balance"] == 0.0
    assert sum(row[f"blood.extravasated.{o}"] for o in blood.organ.values) == float(
        blood.extravasated_cells)


def test_plot_of_the_circulation_alone(run, tmp_path):
    assert main(["plot", str(run.path), "--compartment", "blood", "-o", str(tmp_path / "c")]) == 0
    assert {p.name for p in (tmp_path / "c").iterdir()} == {"ctc.png", "funnel.png"}


def test_a_killed_coupled_run_resumes_to_the_same_events(tmp_path):
    """SIGKILL a real ``pde-meta run`` of a tissue and a circulation at a random moment
    (checkpoints every 20 ms of wall time, so the event table is cut back to one between
    snapshots); ``resume`` finishes it with the same fields, ledger and events."""
    import os
    import random
    import signal
    import subprocess
    import time

    from test_cli import _command

    text = CONFIG.format(name="kill", route="systemic", organs="").replace(
        't_end = 0.6', 't_end = 1.2').replace('path = "kill.h5"',
                                              'path = "kill.h5"\ncheckpoint_seconds = 0.02')
    path = tmp_path / "kill.toml"
    path.write_text(text)
    reference = pm.simulate(pm.load_config(path), output=tmp_path / "ref.h5",
                            progress="none")
    rng = random.Random(12)
    stopped = 0
    for trial in range(2):
        out = tmp_path / f"killed{trial}.h5"
        proc = subprocess.Popen([*_command(), "run", str(path), "--output", str(out), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert out.exists(), proc.stderr.read().decode()
        stopped += storage.read_info(out).state == "stopped"
        assert main(["resume", str(out), "-q"]) == 0
        _same(reference.path, out)
    assert stopped >= 1  # at least one kill came while it ran
