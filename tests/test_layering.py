"""Folders are the architecture: nothing imports upward (../shared/STYLE.md, module boundaries)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "deduction", "verifiers", "service", "generate")
ALLOWED = {
    "sandbox": set(),
    "deduction": set(),
    "verifiers": {"sandbox"},
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
