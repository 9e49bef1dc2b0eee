"""Shared fixtures: the path to ../shared (tests may read it; the product must not)."""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}: tests read reference data from it")
    return SHARED


def pytest_collection_modifyitems(config, items):
    skip_bwrap = pytest.mark.skip(
        reason="bubblewrap (bwrap) is not installed; run scripts/setup.sh"
    )
    have_bwrap = shutil.which("bwrap") is not None
    for item in items:
        if "bwrap" in item.keywords and not have_bwrap:
            item.add_marker(skip_bwrap)
