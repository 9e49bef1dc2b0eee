"""One real BwrapRunner per test session (skipped where bubblewrap is missing)."""

import shutil

import pytest

from sandbox import BwrapRunner


@pytest.fixture(scope="session")
def bwrap_runner() -> BwrapRunner:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed; run scripts/setup.sh")
    return BwrapRunner()
