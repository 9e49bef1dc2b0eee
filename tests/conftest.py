"""Shared fixtures: the path to ../shared (tests may read it; the product must not), and a Docker
daemon of the session's own (`docker_daemon`)."""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
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


# --- a Docker daemon of the session's own ----------------------------------------------------

DOCKER_IMAGE_SCRIPT = REPO / "scripts" / "docker_image.sh"
DOCKERD_START_S = 30


@pytest.fixture(scope="session")
def docker_daemon():
    """The unix socket URL of a dockerd started for this session, with the sandbox image built
    into it (scripts/docker_image.sh; its root file system is cached across sessions). Data and
    exec roots live in a temp dir removed at the end. Skips with the precise reason (dockerd's own
    error lines) where no daemon can start."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        pytest.skip("dockerd is not installed (scripts/setup.sh installs docker.io)")
    if os.geteuid() != 0:
        pytest.skip("dockerd needs root (rootless Docker is not set up by these tests)")
    docker = pytest.importorskip("docker")
    # short: containerd's sockets go under exec-root, and a unix socket path has 108 bytes
    root = Path(tempfile.mkdtemp(prefix="pl-dockerd-", dir="/tmp"))
    # its data on a tmpfs where one can be mounted: the image and the runs' layers are gone in one
    # umount, where deleting them file by file took 12 s here
    (root / "data").mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2g,mode=700", "tmpfs", f"{root}/data"],
        check=False,
        capture_output=True,
    )
    url = f"unix://{root}/docker.sock"
    log = root / "dockerd.log"
    args = [
        dockerd,
        f"--data-root={root}/data",
        f"--exec-root={root}/exec",
        f"--pidfile={root}/dockerd.pid",
        f"--host={url}",
        # runs have no network: no bridge, no NAT rules on the host
        "--bridge=none",
        "--iptables=false",
        "--ip-masq=false",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + DOCKERD_START_S
        while True:
            if proc.poll() is not None:
                pytest.skip(f"dockerd exited ({proc.returncode}) at start: {_dockerd_errors(log)}")
            try:  # the client asks the daemon its API version as it is made
                docker.DockerClient(base_url=url, timeout=30).close()
                break
            except Exception:
                if time.monotonic() > deadline:
                    pytest.skip(f"dockerd not up after {DOCKERD_START_S} s: {_dockerd_errors(log)}")
                time.sleep(0.2)
        build = subprocess.run(
            ["bash", str(DOCKER_IMAGE_SCRIPT)],
            env={**os.environ, "DOCKER_HOST": url},
            capture_output=True,
            text=True,
            timeout=900,
        )
        if build.returncode != 0:
            pytest.skip(f"the sandbox image does not build: {build.stderr.strip()[-500:]}")
        yield url
    finally:
        # dockerd alone: it stops its containerd (~1 s); a TERM to both at once makes it wait
        # for a containerd that is gone (~12 s)
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of its session is left (shims)
        _unmount_under(root)
        shutil.rmtree(root, ignore_errors=True)


def _dockerd_errors(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    errors = [ln for ln in lines if "level=error" in ln or "level=fatal" in ln or "failed" in ln]
    return " | ".join((errors or lines)[-3:]) or "(no output)"


def _unmount_under(root: Path) -> None:
    """Everything mounted under `root`: the data root's tmpfs and what a killed dockerd left."""
    mounts = [ln.split()[4] for ln in Path("/proc/self/mountinfo").read_text().splitlines()]
    for point in sorted((m for m in mounts if m.startswith(f"{root}/")), reverse=True):
        # the overlays first, deepest first, then the tmpfs under them
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)
