"""Config files: validation, every problem at once, round trip, units, the shipped configs."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pde_meta import initial
from pde_meta.config import (
    INITIAL_TYPES,
    RunConfig,
    config_from_dict,
    dump_toml,
    load_config,
    loads_config,
    output_times,
    reference_markdown,
)
from pde_meta.errors import ConfigError
from pde_meta.runner.run import initial_state

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# configs/sweep_*.toml are sweep files (docs/sweeps.md), not run configs
CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.toml")
                 if not p.name.startswith("sweep_"))

MINIMAL = """
[grid]
shape = [8, 10]
[time]
t_end = 1.0
"""

VALID = """
name = "valid"
seed = 5
[grid]
shape = [12, 16]
extent = [0.75, 1.0]
[parameters]
haptotaxis = 0.02
growth_rate = 0.5
[oxygen_walls]
left = 1.0
[initial.tumor]
type = "gaussian"
center = [0.5, 0.4]
width = 0.1
[initial.ecm]
type = "random"
mean = 1.0
[initial.membrane]
type = "ring"
radius = 0.2
thickness = 0.1
[initial.mmp]
type = "scaled"
of = "tumor"
factor = 0.5
[initial.oxygen]
type = "uniform"
value = 1.0
[time]
t_end = 2.0
snapshot_interval = 0.5
snapshot_times = [0.25]
[output]
path = "out/valid.h5"
fields = ["tumor", "oxygen"]
float32 = true
"""


def write(tmp_path, text, name="run.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(text, **kw):
    with pytest.raises(ConfigError) as info:
        loads_config(text, **kw)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- shipped files


def test_configs_directory_ships_the_issue_files():
    names = {p.stem for p in CONFIGS}
    assert {"default", "anderson2005", "membrane_breach", "heterogeneous_ecm",
            "hypoxia"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_loads_and_round_trips(path):
    config = load_config(path)
    again = loads_config(config.to_toml(), base_dir=path.parent)
    assert again == config
    assert again.to_toml() == config.to_toml()
    assert config.name == path.stem
    assert "#" in path.read_text()  # commented


def _as_toml_data(value):
    """``value`` as tomllib reads it back: tuples become lists."""
    if isinstance(value, dict):
        return {k: _as_toml_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_toml_data(v) for v in value]
    return value


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_toml_written_by_tomli_w_reads_back_as_the_same_data(path):
    config = load_config(path)
    text = config.to_toml()
    assert tomllib.loads(text) == _as_toml_data(config.to_dict())
    assert loads_config(text, base_dir=path.parent) == config


def test_dump_toml_drops_none_and_refuses_what_toml_cannot_hold():
    text = dump_toml({"a": 1, "b": None, "t": {"x": None, "y": (1.0, 2.0)}})
    assert tomllib.loads(text) == {"a": 1, "t": {"y": [1.0, 2.0]}}
    with pytest.raises(TypeError):
        dump_toml({"a": [1, None]})


def test_anderson2005_config_is_exactly_the_benchmark():
    config = load_config(ROOT / "configs" / "anderson2005.toml")
    assert config.grid.shape == (256, 256) and config.grid.extent == (1.0, 1.0)
    assert config.parameters == type(config.parameters)()  # all defaults
    assert config.oxygen_walls == type(config.oxygen_walls)()  # zero flux
    assert config.time.t_end == 10.0
    state = initial_state(config)
    expected = initial.anderson2005(256)
    np.testing.assert_array_equal(state.data, expected.data)
    assert state.membrane.max() == 0.0


# --------------------------------------------------------------------------- basics


def test_minimal_config_gets_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL, "mini.toml"))
    assert config.name == "mini"
    assert config.grid.shape == (8, 10)
    assert config.time.snapshot_interval == pytest.approx(0.1)
    assert config.output.path == tmp_path / "mini.h5"
    assert config.output.fields == ("tumor", "ecm", "membrane", "mmp", "oxygen")
    assert config.initial == ()
    assert config.units is None


def test_valid_config_values_and_relative_paths(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert isinstance(config, RunConfig)
    assert config.output.path == tmp_path / "out" / "valid.h5"
    assert config.output.fields == ("tumor", "oxygen")
    assert config.parameters.haptotaxis == 0.02
    assert config.oxygen_walls.left == 1.0 and config.oxygen_walls.right is None
    sources = config.initial_sources()
    assert sources["tumor"][0]["center"] == (0.5, 0.4)
    assert sources["membrane"][0]["center"] == (0.5, 0.375)  # default: the domain centre
    np.testing.assert_allclose(config.output_times(), [0, .25, .5, 1, 1.5, 2])
    with pytest.raises(AttributeError):  # frozen
        config.seed = 3


def test_to_toml_round_trip_is_exact(tmp_path):
    config = load_config(write(tmp_path, VALID))
    text = config.to_toml()
    assert loads_config(text) == config
    assert tomllib.loads(text)["output"]["path"] == str(tmp_path / "out" / "valid.h5")


def test_several_parts_of_one_field_add_up(tmp_path):
    text = MINIMAL + """
[[initial.tumor]]
type = "uniform"
value = 0.25
[[initial.tumor]]
type = "band"
wall = "top"
depth = 0.5
amplitude = 0.5
"""
    config = loads_config(text)
    assert len(config.initial_sources()["tumor"]) == 2
    state = initial_state(config)
    assert set(np.unique(state.tumor)) == {0.25, 0.75}
    assert loads_config(config.to_toml()) == config


def test_initial_field_from_npy_and_npz_relative_to_the_config(tmp_path):
    data = np.linspace(0, 1, 80).reshape(8, 10)
    (tmp_path / "fields").mkdir()
    np.save(tmp_path / "fields" / "tumor.npy", data)
    np.savez(tmp_path / "fields" / "all.npz", ecm=data + 1, other=data)
    text = MINIMAL + """
[initial.tumor]
type = "file"
path = "fields/tumor.npy"
[initial.ecm]
type = "file"
path = "fields/all.npz"
key = "ecm"
"""
    sub = tmp_path / "cfg"
    sub.mkdir()
    config = load_config(write(sub, text.replace('"fields/', '"../fields/')))
    state = initial_state(config)
    np.testing.assert_array_equal(state.tumor, data)
    np.testing.assert_array_equal(state.ecm, data + 1)


def test_initial_file_with_wrong_shape_is_a_config_error(tmp_path):
    np.save(tmp_path / "t.npy", np.ones((3, 3)))
    config = load_config(write(tmp_path, MINIMAL + '[initial.tumor]\ntype = "file"\n'
                                               'path = "t.npy"\n'))
    with pytest.raises(ConfigError, match="shape"):
        initial_state(config)


# --------------------------------------------------------------------------- problems


def test_every_problem_is_reported_at_once_with_key_value_allowed_and_fix():
    text = """
sed = 3
[grid]
shape = [2.5, 48]
extent = [1.0, -1.5]
[parameters]
haptotaxiss = 0.02
tumor_diffusivity = -1
oxygen_decay = "x"
[initial.tumor]
type = "gausian"
[time]
t_ed = 2
[output]
compression = "gzp"
"""
    message = problems_of(text)
    assert message.startswith("10 problems: ")
    for expected in ("sed is not a known key", "did you mean 'seed'?",
                     "grid.shape = [2.5, 48]", "grid.extent = [1.0, -1.5]",
                     "parameters.haptotaxiss", "did you mean 'haptotaxis'?",
                     "parameters.tumor_diffusivity = -1 is out of range",
                     "parameters.oxygen_decay = 'x' is a str", "did you mean 't_end'?",
                     "time.t_end is missing", "did you mean 'gzip'?",
                     "did you mean 'gaussian'?"):
        assert expected in message, expected
    for part in message.split(" | "):
        assert "allowed:" in part and "fix:" in part, part


@pytest.mark.parametrize("text, expected", [
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = -1\n", "time.t_end = -1 is out of range"),
    ("[grid]\nshape = [8]\n[time]\nt_end = 1\n", "grid.shape = [8] has 1 values"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\ndt = 2\n", "time.dt = 2.0 is longer"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\nsnapshot_times = [2]\n",
     "has times after t_end"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[output]\nfields = ['tumor', 'tumor']\n",
     "repeats a field"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[initial.tumor]\nwidth = 1\n",
     "initial.tumor.type is missing"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[initial.tumor]\ntype = 'anderson'\n",
     "only for ecm"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[initial.tumour]\ntype = 'uniform'\n",
     "did you mean 'tumor'?"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[initial.mmp]\ntype = 'scaled'\n"
     "factor = 1\nof = 'ecm'\n[initial.ecm]\ntype = 'anderson'\n", "itself derived"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[initial.tumor]\ntype = 'file'\n"
     "path = 'nope.npy'\n", "does not exist"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[oxygen_walls]\nleft = -1\n",
     "oxygen_walls.left = -1 is out of range"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[parameters]\nhaptotaxis = 1e400\n",
     "parameters.haptotaxis = inf is out of range"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[parameters]\nhaptotaxis = nan\n",
     "parameters.haptotaxis = nan is out of range"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[parameters]\nhaptotaxis = true\n",
     "is a bool"),
    ("grid = 3\n[time]\nt_end = 1\n", "grid = 3 is a int"),
    ("[time]\nt_end = 1\n", "[grid] is missing"),
    ('name = "a/b"\n[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n', "not usable as a file"),
    ("[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n[physical_parameters]\ngrowth_rate = 1\n",
     "needs a [units] section"),
])
def test_single_problems_are_named(text, expected):
    assert expected in problems_of(text)


def test_grid_walls_and_step_check_the_same_rules_as_the_config():
    import pde_meta as pm

    def error(make):
        with pytest.raises(ConfigError) as info:
            make()
        return str(info.value)

    text = "[grid]\nshape = [8, 8]\n[time]\nt_end = 1\n"
    assert (error(lambda: pm.Grid(shape=[2, 10], extent=[1.0, -1.0]))
            == problems_of(text.replace("[8, 8]", "[2, 10]\nextent = [1.0, -1.0]"))
            .removeprefix("2 problems: "))
    assert error(lambda: pm.OxygenWalls(top=-1)) == problems_of(
        text + "[oxygen_walls]\ntop = -1\n")
    state = pm.State.from_fields(pm.Grid.square(8))
    for key, value in (("safety", 2), ("reaction_cfl", 0)):
        assert error(lambda k=key, v=value: pm.Stepper(state, pm.Parameters(), **{k: v})
                     ) == problems_of(text + f"{key} = {value}\n")


def test_initial_types_are_the_model_registry():
    from pde_meta.config import TYPE_OPTION

    assert INITIAL_TYPES is initial.INITIAL_TYPES
    assert TYPE_OPTION.choices == tuple(INITIAL_TYPES)
    assert {k for k, t in INITIAL_TYPES.items() if t.derived} == {"anderson", "scaled"}
    assert all(callable(t.build) for t in INITIAL_TYPES.values())


def test_fields_option_takes_its_names_from_the_option():
    from pde_meta.core.options import Option, check_option

    opt = Option("keep", "fields", ("u", "v", "w"), "", choices=("u", "v", "w"))
    assert check_option("keep", ["w", "u"], opt) == (("u", "w"), None)
    assert "from u, v, w" in check_option("keep", ["tumor"], opt)[1]


def test_toml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "[grid]\nshape = [8, 8]\nextent = \n")
    with pytest.raises(ConfigError, match=r"TOML syntax error.*line") as info:
        load_config(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_sweep_file_is_pointed_to_the_sweep_command():
    with pytest.raises(ConfigError, match="sweep file.*pde-meta sweep"):
        loads_config('base = "default.toml"\n[vary]\n"parameters.haptotaxis" = [0.1]\n')


def test_missing_directory_and_binary_config_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not a file"):
        load_config(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(tmp_path / "bin.toml")


# --------------------------------------------------------------------------- units


UNITS = MINIMAL + """
[units]
length_scale = 0.1
diffusivity_scale = 1e-6
[physical_parameters]
tumor_diffusivity = 5e-10
growth_rate = 2.3e-5
"""


def test_physical_parameters_are_converted_with_the_units():
    config = loads_config(UNITS)
    assert config.units.time_scale == pytest.approx(1e4)
    assert config.parameters.tumor_diffusivity == pytest.approx(5e-4)
    assert config.parameters.growth_rate == pytest.approx(0.23)
    assert dict(config.physical_parameters) == {"tumor_diffusivity": 5e-10,
                                                "growth_rate": 2.3e-5}
    assert loads_config(config.to_toml()) == config


def test_haptotaxis_units_use_the_ecm_scale():
    text = UNITS.replace("diffusivity_scale = 1e-6", "diffusivity_scale = 1e-6\necm_scale = 2.0")
    text += "haptotaxis = 2e-9\n"
    config = loads_config(text)
    # chi [L^2/(T f)] = 2e-9 cm^2/(s [f]) / (1e-6 cm^2/s / 2 [f]) = 4e-3
    assert config.parameters.haptotaxis == pytest.approx(4e-3)


def test_physical_and_non_dimensional_value_of_one_parameter_conflict():
    message = problems_of(UNITS + "[parameters]\ngrowth_rate = 0.1\n")
    assert "given in both" in message


def test_negative_physical_value_is_reported_with_its_conversion():
    message = problems_of(UNITS.replace("growth_rate = 2.3e-5", "growth_rate = -2.3e-5"))
    assert "physical_parameters.growth_rate" in message and "non-dimensional" in message


# --------------------------------------------------------------------------- schedule


def test_output_times_are_multiples_and_shared_by_longer_runs():
    short = output_times(1.0, 0.1)
    long = output_times(2.0, 0.1)
    assert short[0] == 0.0 and short[-1] == 1.0 and len(short) == 11
    np.testing.assert_array_equal(long[: len(short)], short)
    assert list(output_times(1.0, None, [0.5, 0.5 + 1e-13])) == [0.0, 0.5, 1.0]
    assert list(output_times(1.05, 0.5)) == [0.0, 0.5, 1.0, 1.05]


# --------------------------------------------------------------------------- docs


def test_docs_config_md_matches_the_code():
    doc = (ROOT / "docs" / "config.md").read_text()
    assert doc == reference_markdown(), "regenerate docs/config.md from reference_markdown()"
    for kind in INITIAL_TYPES:
        assert f'`type = "{kind}"`' in doc


# --------------------------------------------------------------------------- mutations


def _valid_data():
    return tomllib.loads(VALID)


PATHS = [(), ("grid",), ("parameters",), ("time",), ("output",), ("oxygen_walls",),
         ("initial",), ("initial", "tumor"), ("initial", "ecm"), ("initial", "membrane")]

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(["gaussian", "tumor", "left", "gzip", "ring", "file", "snapshot"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6)


@st.composite
def mutated(draw):
    data = _valid_data()
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        table = data
        for key in path:
            if not isinstance(table, dict) or not isinstance(table.get(key), dict):
                table = None
                break
            table = table[key]
        if table is None:
            continue
        action = draw(st.sampled_from(["delete", "set", "add", "replace_section"]))
        keys = sorted(table)
        if action == "delete" and keys:
            del table[draw(st.sampled_from(keys))]
        elif action == "set" and keys:
            table[draw(st.sampled_from(keys))] = draw(values)
        elif action == "add":
            table[draw(st.text(min_size=1, max_size=10))] = draw(values)
        elif action == "replace_section" and keys:
            table[draw(st.sampled_from(keys))] = draw(values)
    return data


def _strip_none(value):
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value if v is not None]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_configs_raise_only_config_errors(tmp_path_factory, data):
    try:
        config_from_dict(data)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    text = dump_toml(_strip_none(data))
    path = tmp_path_factory.mktemp("mut") / "m.toml"
    try:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    except UnicodeEncodeError:
        return
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert loads_config(config.to_toml()) == config


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_toml_text_raises_only_config_errors(data):
    text = VALID
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.integers(0, len(text)))
        junk = data.draw(st.text(max_size=3))
        cut = data.draw(st.integers(0, 4))
        text = text[:k] + junk + text[k + cut:]
    try:
        loads_config(text)
    except ConfigError as exc:
        assert "\n" not in str(exc)


def test_huge_numbers_do_not_escape_as_overflow():
    data = _valid_data()
    data["grid"]["extent"] = [10**400, 1.0]
    data["parameters"]["haptotaxis"] = -(10**400)
    data["oxygen_walls"]["left"] = 10**400
    data["seed"] = 2**64
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    assert str(info.value).startswith("4 problems")


def test_load_config_with_changes_merges_sections():
    from pde_meta.config import load_config as load

    path = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    cfg = load(path, changes={"grid": {"shape": [32, 40]}, "parameters": {"haptotaxis": 0.02}})
    base = load(path)
    assert cfg.grid.shape == (32, 40) and cfg.grid.extent == base.grid.extent
    assert cfg.parameters.haptotaxis == 0.02
    assert cfg.parameters.tumor_diffusivity == base.parameters.tumor_diffusivity
    with pytest.raises(ConfigError, match="parameters.haptotaxis"):
        load(path, changes={"parameters": {"haptotaxis": -1}})
