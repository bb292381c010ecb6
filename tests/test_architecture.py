"""The one-way import rule of docs/design.md, checked by parsing every module."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pde_meta"

#: top-level package or module -> the package parts it may import
ALLOWED = {
    "errors": set(),
    "numerics": set(),
    "core": {"errors"},
    "metrics": {"errors", "core"},
    "models": {"errors", "core", "numerics", "metrics"},
    "coupling": {"errors", "core"},
    "storage": {"errors", "core", "models"},
    "exchanges": {"errors", "core", "numerics", "models", "coupling"},
    "config": {"errors", "core", "models", "coupling", "exchanges"},
    "runner": {"errors", "core", "models", "coupling", "storage", "config", "metrics",
               "exchanges"},
    "sweep": {"errors", "core", "models", "storage", "config", "runner", "metrics"},
    "plotting": {"errors", "storage"},
    "cli": {"errors", "core", "models", "storage", "config", "runner", "sweep", "plotting",
            "metrics"},
    "__init__": None,  # the public face may import anything
    "__main__": None,
}


def _absolute(path: Path, node: ast.ImportFrom) -> list[str]:
    """The dotted package paths an import names, relative imports resolved."""
    if node.level == 0:
        return [node.module] if node.module else []
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def imported(path: Path) -> set[str]:
    """Top-level parts of ``pde_meta`` that ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom):
            names = _absolute(path, node)
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pde_meta":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_imports_point_one_way():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part(path)
        allowed = ALLOWED.get(part, "missing")
        assert allowed != "missing", f"{path.relative_to(PACKAGE)} is not in the module map"
        if allowed is None:
            continue
        bad = imported(path) - allowed - {part}
        if bad:
            problems.append(f"{path.relative_to(PACKAGE)} imports {sorted(bad)}")
    assert not problems, problems


def test_kernels_import_only_numerics():
    kernels = [*PACKAGE.glob("numerics/*.py"), *PACKAGE.glob("models/*/kernels/*.py")]
    assert kernels
    for path in kernels:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                for name in _absolute(path, node):
                    if name.startswith("pde_meta"):
                        inside = name.split(".")[1] == "numerics" or ".kernels" in name
                        assert inside, f"{path.relative_to(PACKAGE)} imports {name}"


def test_no_private_name_is_imported_across_modules():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and any(
                    n.startswith("pde_meta") for n in _absolute(path, node)):
                private = [a.name for a in node.names
                           if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    problems.append(f"{path.relative_to(PACKAGE)}: {private}")
    assert not problems, problems


def test_no_package_module_is_much_over_500_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 550}
    assert not long, long
