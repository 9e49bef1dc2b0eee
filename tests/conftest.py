"""Shared fixtures: the path to ../shared (tests may read it; the product must not)."""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    # Tests of every package read ../shared, the attack tests while they are collected (their
    # ids come from its manifest), so without it a run fails with raw FileNotFoundErrors; one
    # line at start-up says what is missing instead. An error, not a skip: CI always has it.
    if not SHARED.is_dir():
        raise pytest.UsageError(
            f"{SHARED} is missing: the tests read reference data from ../shared, the house's "
            "shared directory (AlphaGeometry's rules and constructions, the math verifier's "
            "labelled cases, the sandbox attack corpus, HumanEval+/MBPP+) that every developer "
            "checkout and CI run has beside the clone; put it (or a symlink to it) there"
        )


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


def pytest_collection_modifyitems(config, items):
    skip_bwrap = pytest.mark.skip(
        reason="bubblewrap (bwrap) is not installed; run scripts/setup.sh"
    )
    have_bwrap = shutil.which("bwrap") is not None
    for item in items:
        if "bwrap" in item.keywords and not have_bwrap:
            item.add_marker(skip_bwrap)
