"""Folders are the architecture: nothing imports upward (../shared/STYLE.md, module boundaries)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "deduction", "verifiers", "service", "generate")
ALLOWED = {
    "sandbox": set(),
    "deduction": set(),
    "verifiers": {"sandbox", "deduction"},  # deduction: the geometry reward is DD+AR
    "service": {"sandbox", "verifiers"},
    "generate": {"sandbox", "deduction", "verifiers"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_lower_layers(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    bad = {
        str(f.relative_to(ROOT)): sorted(imported_packages(f) - ALLOWED[package] - {package})
        for f in files
    }
    bad = {f: pkgs for f, pkgs in bad.items() if pkgs}
    assert not bad, f"upward or sideways imports: {bad}"


def test_layering_scan_detects_violation(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("import generate.geometry\nfrom verifiers.types import Verdict\n")
    assert imported_packages(bad) == {"generate", "verifiers"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every `a.b.c` the file imports; `from a.b import c` counts as `a.b.c` when that is a
    module of the repository, else as `a.b`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (ROOT / sub.replace(".", "/")).with_suffix(".py").exists() or (
                    ROOT / sub.replace(".", "/") / "__init__.py"
                ).exists()
                found.add(sub if is_module else node.module)
    return found


def unit(module: str) -> str:
    """What a deduction module belongs to: its top module or subpackage (deduction.engine)."""
    return ".".join(module.split(".")[:2])


def test_deduction_units_import_each_other_without_a_cycle():
    """deduction.proof is data and text, deduction.engine runs on it: each module or subpackage
    of deduction may import another only if that one does not import it back, directly or not
    (the re-check, which runs the engine, lives in deduction.engine.recheck)."""
    edges: dict[str, set[str]] = {}
    for path in sorted((ROOT / "deduction").rglob("*.py")):
        src = unit(module_name(path))
        if src == "deduction":
            continue  # the package's __init__ gathers the API from every unit
        for dst in map(unit, imported_modules(path)):
            if dst.startswith("deduction.") and dst != src:
                edges.setdefault(src, set()).add(dst)
    assert "deduction.engine" not in edges.get("deduction.proof", set()), "proof imports engine"

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    cycles = sorted(src for src in edges if reaches(src, src, {src}))
    assert not cycles, f"import cycles through {cycles}: {edges}"


# deduction's command, whose `parser()` and `run(args, make_proposer)` are the seam
# `python -m generate.rest_em.solve` builds on (deduction cannot import a policy)
COMMANDS = {"deduction.solve"}


@pytest.mark.parametrize("package", ["generate", "verifiers"])
def test_imports_only_the_deduction_api(package):
    """generate/ and verifiers/ import `deduction` itself and only names of its `__all__` (or a
    command of COMMANDS): never another submodule (deduction.engine, deduction.numeric, ...),
    whose names are internals that may change."""
    import deduction

    public = set(deduction.__all__)
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), filename=where)):
            if isinstance(node, ast.Import):
                bad += [
                    f"{where}: import {a.name}"
                    for a in node.names
                    if a.name.startswith("deduction.") and a.name not in COMMANDS
                ]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.startswith("deduction.") and node.module not in COMMANDS:
                    bad.append(f"{where}: from {node.module} import ...")
                elif node.module == "deduction":
                    bad += [f"{where}: {a.name}" for a in node.names if a.name not in public]
    assert not bad, f"{package}/ reaches past deduction.__all__: {bad}"
