"""The command line's own texts: each command's help (its exit codes, every argument
described), check on sweep files, and the note before the kernels compile."""

import argparse
import os
import re
from pathlib import Path

import pytest

from pde_meta.cli import main
from pde_meta.cli.common import COMMAND_EXIT_CODES, kernels_cached
from pde_meta.cli.main import parser

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    (sub,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def help_text(capsys, *argv) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def exit_codes(text: str) -> list[int]:
    block = text.split("exit codes:\n", 1)[1].split("\n\n", 1)[0]
    return [int(line.split()[0]) for line in block.splitlines()]


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_each_command_lists_only_the_exit_codes_it_can_return(capsys, command):
    text = help_text(capsys, command)
    codes = exit_codes(text)
    assert codes == list(COMMAND_EXIT_CODES[command]), codes
    assert codes[0] == 0 and 2 in codes
    solves = command in ("run", "resume", "sweep")
    assert (1 in codes) == solves and (130 in codes) == solves
    if not solves:
        assert "simulation failed" not in text and "failed" not in text
    examples = [line.strip() for line in text.split("examples:\n", 1)[-1].splitlines()
                if line.strip().startswith("pde-meta ")]
    assert all(line.startswith(f"pde-meta {command} ") for line in examples)


def test_every_argument_of_every_command_has_a_help_text():
    missing = [f"{name} {action.metavar or action.dest}"
               for name, sub in subcommands().items() for action in sub._actions
               if not action.help and not isinstance(action, argparse._HelpAction)]
    assert not missing, missing


def test_the_top_level_help_keeps_every_exit_code(capsys):
    codes = exit_codes(help_text(capsys))
    assert codes == [0, 1, 2, 130]


# --------------------------------------------------------------------------- check


def test_check_validates_every_shipped_config_and_sweep(capsys):
    paths = sorted(str(p) for p in CONFIGS.glob("*.toml"))
    assert any("sweep" in p for p in paths)
    code = main(["check", *paths])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    head = next(line for line in out.splitlines() if "sweep_membrane.toml: ok" in line)
    assert "sweep sweep_membrane: 25 members, all valid" in head
    table = out.split(head, 1)[1].split("\n  member", 1)[1].splitlines()
    assert table[0].split()[:3] == ["mmp_production", "membrane_degradation", "dt"]
    assert len([r for r in table[1:] if re.match(r"\s+\d+\s", r)]) == 25


def test_check_reports_each_invalid_member_on_one_line(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'base = "{CONFIGS / "default.toml"}"\n'
                     f'output = "{tmp_path / "runs"}"\n'
                     '[set]\n"grid.shape" = [16, 16]\n'
                     '[vary]\n"parameters.haptotaxis" = [0.01, -1.0, 0.02]\n')
    code = main(["check", str(sweep)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "3 members, 1 invalid" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pde-meta: error: {sweep}: member 1")
    assert "haptotaxis" in lines[0]
    assert not (tmp_path / "runs").exists()


def test_check_refuses_a_broken_sweep_file_in_one_line(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text('base = "missing.toml"\n[vary]\n"parameters.haptotaxis" = [0.01]\n')
    assert main(["check", str(sweep)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "missing.toml" in err


# --------------------------------------------------------------------------- compiling


def fake_cache(root: Path) -> None:
    """Index files for every kernel folder under ``root`` (as ``NUMBA_CACHE_DIR``)."""
    import hashlib

    package = ROOT / "pde_meta"
    for folder in [package / "numerics", *package.glob("models/*/kernels")]:
        sub = root / f"{folder.name}_{hashlib.sha1(str(folder).encode()).hexdigest()}"
        sub.mkdir(parents=True)
        (sub / "x.f-1.py311.nbi").write_bytes(b"")


NOTE = "compiling the solver's kernels"


def test_a_cold_kernel_cache_is_announced_before_a_run(tmp_path, capsys, monkeypatch):
    config = CONFIGS / "default.toml"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "empty"))
    assert not kernels_cached()
    grid = tmp_path / "c.toml"
    grid.write_text(config.read_text().replace("shape = [96, 96]", "shape = [12, 12]")
                    .replace("t_end = 5.0", "t_end = 0.1"))
    assert main(["run", str(grid), "-o", str(tmp_path / "a.h5")]) == 0
    assert NOTE in capsys.readouterr().err
    assert main(["run", str(grid), "-o", str(tmp_path / "b.h5"), "--quiet"]) == 0
    assert NOTE not in capsys.readouterr().err
    assert main(["check", str(grid)]) == 0                    # compiles nothing
    assert NOTE not in capsys.readouterr().err

    fake_cache(tmp_path / "warm")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "warm"))
    assert kernels_cached()
    assert main(["run", str(grid), "-o", str(tmp_path / "c.h5")]) == 0
    assert NOTE not in capsys.readouterr().err
    source = ROOT / "pde_meta" / "numerics" / "tridiag.py"  # an edited source is recompiled
    for index in (tmp_path / "warm").rglob("*.nbi"):
        os.utime(index, (source.stat().st_mtime - 10, source.stat().st_mtime - 10))
    assert not kernels_cached()
