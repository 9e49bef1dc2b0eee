"""One real BwrapRunner per test session (skipped where bubblewrap is missing)."""

import shutil

import pytest

from sandbox import BwrapRunner


@pytest.fixture(scope="session")
def bwrap_runner() -> BwrapRunner:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed; run scripts/setup.sh")
    return BwrapRunner()


@pytest.fixture(scope="session")
def zygote_runner(bwrap_runner):
    from sandbox.zygote import ZygoteRunner

    runner = ZygoteRunner(workers=2, base=bwrap_runner)
    yield runner
    runner.close()
