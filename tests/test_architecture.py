"""The one-way import rule of docs/design.md, checked by parsing every module."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pde_meta"

#: module -> the package modules it may import (kernels/ may import nothing)
ALLOWED = {
    "errors": set(),
    "kernels": set(),
    "grid": {"errors"},
    "state": {"errors", "grid"},
    "initial": {"errors", "grid", "state"},
    "model": {"errors", "grid", "state", "kernels"},
    "stepping": {"errors", "grid", "state", "model", "kernels"},
    "metrics": {"errors", "grid", "state"},
    "io": {"errors", "grid", "state", "model", "metrics"},
    "config": {"errors", "grid", "state", "initial", "model", "stepping"},
    "run": {"errors", "grid", "state", "initial", "model", "stepping", "metrics", "io",
            "config", "kernels"},
    "sweep": {"errors", "config", "run", "io", "metrics"},
    "plotting": {"errors", "io"},
    "cli": {"errors", "config", "run", "io", "sweep", "plotting", "metrics", "model",
            "state", "grid", "stepping"},
    "__init__": None,  # the public face may import anything
    "__main__": None,
}


def imported_package_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").startswith("pde_meta"):
                parts = node.module.split(".")
                found.add(parts[1] if len(parts) > 1 else "__init__")
            elif node.level >= 1:
                in_kernels = path.parent.name == "kernels"
                if in_kernels and node.level == 1:
                    continue  # kernels importing kernels
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pde_meta."):
                    found.add(alias.name.split(".")[1])
    return found


def test_imports_point_one_way():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        module = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        allowed = ALLOWED.get(module, "missing")
        assert allowed != "missing", f"{rel} is not in the module map of the design"
        if allowed is None:
            continue
        bad = imported_package_modules(path) - allowed - {module}
        if bad:
            problems.append(f"{rel} imports {sorted(bad)}")
    assert not problems, problems


def test_kernels_import_nothing_from_the_package():
    for path in (PACKAGE / "kernels").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} reaches outside kernels/"
                assert not (node.module or "").startswith("pde_meta"), path.name
