"""Runs without a tissue grid: a primary, a circulation and organs only. The config, the
CLI (check, run, info, plot, resume after a kill, repair), a sweep, the shedding exchange
to a circulation and to an organ, and the one-line refusals of bad configs."""

import os
import signal
import subprocess
import time

import numpy as np
import pytest
from test_cli import _command

import pde_meta as pm
from pde_meta.cli.main import main
from pde_meta.config import loads_config
from pde_meta.errors import ConfigError

CONFIG = """
name = "{name}"
seed = 4

[compartments.tumour]
model = "primary"
law = "hahnfeldt"
shedding_rate = 2e-5
dt = 0.25
resection = 100.0
residual = 0.05
time_unit_hours = 24

[compartments.blood]
model = "circulation"
time_unit_hours = 24
[compartments.blood.parameters]
dt = 2.0

[compartments.organs]
model = "organs"
time_unit_hours = 24
[[compartments.organs.organs]]
name = "liver"

[coupling]
interval = 1.0

[[exchanges]]
kind = "shedding"
from = "tumour"
to = "blood"
[[exchanges]]
kind = "extravasation"
from = "blood"
to = "organs"

[time]
t_end = {t_end}
snapshot_interval = 10.0

[output]
checkpoint_seconds = 0.1
"""

DIRECT = """
name = "direct"
[compartments.p]
model = "primary"
law = "exponential"
cells = 1e9
growth_rate = 0.01
time_unit_hours = 24
[compartments.o]
model = "organs"
time_unit_hours = 24
[[compartments.o.organs]]
name = "liver"
die = 0.0
dormant = 0.0
[coupling]
interval = 2.0
[[exchanges]]
kind = "shedding"
from = "p"
to = "o"
organ = "liver"
[time]
t_end = 100.0
snapshot_interval = 10.0
"""


def write(tmp_path, name="notissue", t_end=200.0):
    path = tmp_path / f"{name}.toml"
    path.write_text(CONFIG.format(name=name, t_end=t_end))
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("notissue"))
    return pm.simulate(path, progress="none")


def test_a_config_without_a_tissue_is_valid_and_round_trips(tmp_path):
    config = pm.load_config(write(tmp_path))
    assert config.grid is None and not config.has_tissue and config.tissues() == ()
    assert [c.name for c in config.lattice_compartments()] == ["tumour", "blood", "organs"]
    assert loads_config(config.to_toml(), name=config.name) == config
    assert "dt" not in config.to_dict()["time"] and "fields" not in config.to_dict()["output"]


def test_the_shed_cells_enter_the_blood_and_every_ledger_balances(run):
    tumour = pm.open_run(run.path, compartment="tumour")
    blood = pm.open_run(run.path, compartment="blood")
    organs = pm.open_run(run.path, compartment="organs")
    end = tumour.isel(time=-1)
    shed = int(end.shed_cells)
    assert shed > 0 and int(end.taken_cells) + int(end.waiting_cells) == shed
    routes = list(blood.route.values)
    assert routes[2] == "shed"
    into = blood.shed.isel(time=-1).values  # [route, vessel, kind]
    assert int(into[2, 0, 0]) == int(end.taken_cells) == int(blood.shed_cells[-1])
    assert into.sum() - into[2, 0, 0] == 0
    events = pm.read_table(run.path, "blood", "events")
    assert set(events.route.values) == {2} and np.isnan(events.x.values).all()
    assert int((events["count"] * events["size"]).sum()) == int(end.taken_cells)
    ledger = pm.open_tree(run.path)["ledger"].dataset
    from_tumour = ledger.amount.values[ledger.source.values == "tumour"]
    assert int(from_tumour.sum()) == int(end.taken_cells)
    assert (blood.balance.values == 0).all() and (organs.balance.values == 0).all()
    assert (tumour.balance.values == 0).all()
    assert float(end.resection_time) == 100.0 and float(end.resected_cells) > 0
    after = tumour.time.values > 100.0
    assert (np.diff(tumour.shed_cells.values[after]) >= 0).all()


def test_the_cli_checks_runs_describes_and_plots_a_run_without_a_tissue(tmp_path, capsys):
    path = tmp_path / "direct.toml"
    path.write_text(DIRECT)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no tissue" in out and "at most 200 to t_end" in out and "exchange    shedding" \
        in out
    assert main(["run", str(path), "-q"]) == 0
    capsys.readouterr()
    run = tmp_path / "direct.h5"
    assert main(["info", str(run)]) == 0
    out = capsys.readouterr().out
    assert "no tissue grid" in out and "diagnostics of 'p':" in out
    p = pm.open_run(run, compartment="p").isel(time=-1)
    o = pm.open_run(run, compartment="o").isel(time=-1)
    assert f"{int(p.shed_cells)} shed" in out and "grid " not in out
    assert int(o.arrived_cells) == int(p.taken_cells) == int(o.started.values[0])
    assert main(["plot", str(run), "-o", str(tmp_path / "plots"), "--dpi", "40"]) == 0
    assert sorted(f.name for f in (tmp_path / "plots").iterdir()) == [
        "colonies.png", "fates.png", "primary.png"]
    assert main(["plot", str(run), "--compartment", "p", "-o", str(tmp_path / "p1"),
                 "--dpi", "40"]) == 0
    assert [f.name for f in (tmp_path / "p1").iterdir()] == ["primary.png"]
    capsys.readouterr()
    assert main(["plot", str(run), "--fields", "tumor"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--fields" in err and "no tissue grid" in err
    assert main(["repair", str(run)]) == 0 and "nothing to repair" in capsys.readouterr().out


def test_a_killed_run_without_a_tissue_resumes_bit_for_bit(run, tmp_path, capsys):
    path = write(tmp_path, name="killed")
    out = tmp_path / "killed.h5"
    proc = subprocess.Popen([*_command(), "run", str(path), "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)
    assert proc.poll() is None, proc.stderr.read()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    info = pm.read_info(out)
    assert not info.clean and info.checkpoint.t < 200.0
    assert main(["info", str(out)]) == 0
    assert "stopped before the end" in capsys.readouterr().out
    assert main(["repair", str(out)]) == 0
    assert main(["resume", str(out), "-q"]) == 0
    for name in ("tumour", "blood", "organs"):
        whole, again = (pm.open_run(p, compartment=name) for p in (run.path, out))
        for var in whole.data_vars:
            if var != "wall_time":
                assert np.array_equal(whole[var].values, again[var].values,
                                      equal_nan=True), (name, var)
    a, b = (pm.read_table(p, "blood", "events") for p in (run.path, out))
    assert all(np.array_equal(a[c].values, b[c].values, equal_nan=True) for c in a)


def test_resume_extends_a_run_without_a_tissue(tmp_path):
    (tmp_path / "a.toml").write_text(DIRECT.replace('"direct"', '"a"'))
    (tmp_path / "b.toml").write_text(DIRECT.replace('"direct"', '"b"').replace(
        "t_end = 100.0", "t_end = 40.0"))
    whole = pm.simulate(tmp_path / "a.toml", progress="none")
    short = pm.simulate(tmp_path / "b.toml", progress="none")
    longer = pm.resume(short.path, t_end=100.0, progress="none")
    assert longer.status == "complete" and longer.t == 100.0
    for name in ("p", "o"):
        a, b = (pm.open_run(r.path, compartment=name) for r in (whole, short))
        assert np.array_equal(a.time.values, b.time.values)
        for var in ("shed_cells", "expected_shed", "arrived_cells", "colonies"):
            if var in a:
                assert np.array_equal(a[var].values, b[var].values), var
    with pytest.raises(ConfigError, match=r"--t-end = 20 lies before the checkpoint"):
        pm.resume(short.path, t_end=20.0, progress="none")


def test_a_sweep_varies_a_primary_key(tmp_path):
    (tmp_path / "direct.toml").write_text(DIRECT)
    (tmp_path / "sweep.toml").write_text('base = "direct.toml"\n[vary]\n'
                                         '"compartments.p.shedding_rate" = [1e-8, 1e-7]\n')
    result = pm.run_sweep(tmp_path / "sweep.toml", tmp_path / "out", workers=1,
                          progress="none")
    assert result.ok and len(result.table) == 2
    table = result.table
    shed = table["p.shed_cells"].to_numpy()
    expected = table["p.expected_shed"].to_numpy()
    assert expected[1] == pytest.approx(10 * expected[0], rel=1e-12)
    assert np.all(np.abs(shed - expected) < 4 * np.sqrt(expected) + 1)
    assert (table["o.arrived_cells"].to_numpy() == shed).all()
    assert pm.open_sweep(tmp_path / "out")["p.shed_cells"].tolist() == shed.tolist()


def test_a_run_with_a_tissue_and_a_primary_shows_both(tmp_path, capsys):
    text = ('[compartments.tissue]\nmodel = "invasion"\n[compartments.tissue.grid]\n'
            'shape = [12, 12]\nextent = [1.0, 1.0]\n[compartments.tissue.initial.tumor]\n'
            'type = "gaussian"\nwidth = 0.1\n'
            '[compartments.p]\nmodel = "primary"\nlaw = "exponential"\ncells = 1e8\n'
            'time_unit_hours = 24\n[time]\nt_end = 4.0\nsnapshot_interval = 2.0\n')
    (tmp_path / "both.toml").write_text(text)
    run = pm.simulate(tmp_path / "both.toml", progress="none", threads=1)
    assert main(["info", str(run.path)]) == 0
    out = capsys.readouterr().out
    assert "grid         12 x 12" in out and "primary 'p' (exponential)" in out
    assert "diagnostics of 'p':" in out and "tumor_mass" in out
    assert pm.open_run(run.path).sizes["y"] == 12  # the grid is still the default


BAD = [
    ("shedding_rate = -1.0", "compartments.p.shedding_rate = -1.0 is out of range"),
    ('law = "linear"', "compartments.p.law = 'linear' is not allowed"),
    ("residual = 1.5", "compartments.p.residual = 1.5 is out of range"),
    ("resection = -3.0", "compartments.p.resection = -3.0 is out of range"),
    ('law = "gompertz"', "compartments.p.capacity is missing"),
    ("volume = 10.0", "compartments.p.volume = 10.0 is a key of law 'hahnfeldt'"),
    ('law = "exponential"\ncapacity = 1e9', "compartments.p.capacity = 1000000000.0 is a "
     "key of law"),
]


@pytest.mark.parametrize("line, message", BAD)
def test_bad_primary_options_are_refused_in_one_line(line, message):
    text = DIRECT.replace('law = "exponential"\n', line + "\n", 1) if "law" in line \
        else DIRECT.replace("growth_rate = 0.01\n", f"growth_rate = 0.01\n{line}\n", 1)
    with pytest.raises(ConfigError) as err:
        loads_config(text)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert "allowed" in str(err.value) and "fix" in str(err.value)


def test_bad_exchanges_and_tissue_keys_are_refused_in_one_line(tmp_path):
    tissue = ('[compartments.t]\nmodel = "invasion"\n[compartments.t.grid]\nshape = [8, 8]\n'
              'extent = [1.0, 1.0]\n')
    cases = [
        (DIRECT.replace('to = "o"', 'to = "t"').replace('organ = "liver"\n', "") + tissue,
         "exchanges[0].to = 't' is a compartment of model 'invasion'"),
        (DIRECT.replace("t_end = 100.0", "t_end = 100.0\ndt = 0.5"),
         "time.dt = 0.5 is a setting of a tissue's step, and this run has no tissue"),
        (DIRECT + '[output]\nfields = ["tumor"]\n', "output.fields = ['tumor'] names tissue"),
    ]
    for text, message in cases:
        with pytest.raises(ConfigError) as err:
            loads_config(text)
        assert message in str(err.value) and "\n" not in str(err.value)
    for text, message in [
            (DIRECT.replace('organ = "liver"\n', ""), "organ is missing; allowed: one of "
             "the organs of 'o', ['liver']"),
            (DIRECT.replace('organ = "liver"', 'organ = "lung"'), "organ = 'lung' is "
             "unknown")]:
        (tmp_path / "x.toml").write_text(text)
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            pm.simulate(tmp_path / "x.toml", progress="none")
        assert not (tmp_path / "x.h5").exists()
        assert main(["check", str(tmp_path / "x.toml")]) == 2


def test_the_steps_of_a_lattice_compartment_are_limited(tmp_path):
    (tmp_path / "huge.toml").write_text(DIRECT.replace("t_end = 100.0", "t_end = 1e13")
                                        .replace("snapshot_interval = 10.0",
                                                 "snapshot_interval = 1e12"))
    with pytest.raises(ConfigError, match=r"t_end = 1e\+13 needs about 1e\+13 steps of the "
                       r"primary 'p' \(dt = 1\); allowed: at most 1e\+12 steps; fix: a "
                       r"larger compartments.p.dt"):
        pm.simulate(tmp_path / "huge.toml", progress="none")
    assert not (tmp_path / "direct.h5").exists()


def test_check_and_run_refuse_bad_input_with_one_line_and_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(DIRECT.replace("growth_rate = 0.01", "growth_rate = -0.5"))
    proc = subprocess.run([*_command(), "check", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "compartments.p.growth_rate = -0.5 is out of range" in lines[0]
