"""What a newcomer meets before any package: `make setup` (scripts/setup.sh), the console
scripts it installs, and the tests' need for ../shared."""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

SCRIPTS = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
# each console script and the `python -m` command it stands for
MODULES = {
    "proofloom-solve": "deduction.solve",
    "proofloom-math": "verifiers.math",
    "proofloom-geometry": "generate.geometry",
    "proofloom-rest-em": "generate.rest_em",
    "proofloom-service": "service",
}
INSTALL_STEP = "setup: installing proofloom[dev] into .venv (editable; minutes the first time) ... "


def outer_pytest_free_env(**extra: str) -> dict[str, str]:
    """The environment without this run's PYTEST_* variables (xdist worker ids, addopts), which
    would leak into a pytest started from a test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return env | extra


# ---------------------------------------------------------------------------- console scripts


def test_every_command_line_has_a_console_script():
    assert set(SCRIPTS) == set(MODULES)


def test_the_installed_scripts_are_those_of_pyproject():
    dist = importlib.metadata.distribution("proofloom")
    installed = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert installed == SCRIPTS, "the installed proofloom predates pyproject.toml: run make setup"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_script_helps_exactly_as_its_module(name, tmp_path):
    script = Path(sysconfig.get_path("scripts")) / name
    assert script.is_file(), f"{script} is not installed: run make setup"
    env = outer_pytest_free_env(COLUMNS="100")  # argparse wraps help to the terminal's width
    by_script, by_module = (
        subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
        for cmd in ([str(script), "--help"], [sys.executable, "-m", MODULES[name], "--help"])
    )
    assert by_script.returncode == 0, by_script.stderr
    assert by_script.stdout.startswith("usage: ")
    assert (by_script.stdout, by_script.stderr) == (by_module.stdout, by_module.stderr)


# ---------------------------------------------------------------------------- scripts/setup.sh


def setup_repo(tmp_path: Path, fake_python: str) -> Path:
    """A copy of setup.sh, pyproject.toml and the built launcher whose .venv/bin/python is
    `fake_python` (a shell script standing in for pip), so setup's own steps run without
    installing anything."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", repo / "scripts")
    shutil.copy(REPO / "pyproject.toml", repo)
    # the zygote's launcher, already built (newer than its source): setup leaves it alone
    (repo / "sandbox").mkdir()
    shutil.copy(REPO / "sandbox" / "_launcher.c", repo / "sandbox")
    built = repo / "sandbox" / "_launcher.so"
    built.write_bytes(b"")
    os.utime(built, (time.time() + 10, time.time() + 10))
    python = repo / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls"\n{fake_python}\n')
    python.chmod(0o755)
    return repo


def run_setup(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # bwrap, dockerd and debootstrap on PATH: setup never reaches for apt here, whatever this
    # machine has
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("bwrap", "dockerd", "debootstrap"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    env = os.environ | {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "EXTRAS": "dev",
        "TMPDIR": str(tmp_path),
    }
    cmd = ["bash", str(repo / "scripts" / "setup.sh")]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_setup_prints_one_line_per_step_and_nothing_when_up_to_date(tmp_path):
    # what pip prints on a good install: setuptools' notice about editable installs, a banner
    repo = setup_repo(tmp_path, "echo 'BuildBackendWarning: Editable installation.' >&2\necho !!")
    first = run_setup(repo, tmp_path)
    assert (first.returncode, first.stdout, first.stderr) == (0, INSTALL_STEP + "ok\n", "")
    calls = (repo / ".venv" / "bin" / "calls").read_text().splitlines()
    assert calls == ["-m pip install --upgrade pip", "-m pip install -e .[dev]"]
    assert list(tmp_path.glob("proofloom-setup.*")) == []  # the log goes when its step passed

    again = run_setup(repo, tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert len((repo / ".venv" / "bin" / "calls").read_text().splitlines()) == 2


def test_a_failed_step_says_which_shows_its_output_and_exits_with_its_status(tmp_path):
    # pip upgrades itself, then fails to install the project
    fails = 'case "$*" in *" -e "*) echo "ERROR: no torch here" >&2; exit 3; esac'
    repo = setup_repo(tmp_path, fails)
    run = run_setup(repo, tmp_path)
    assert run.returncode == 3
    assert run.stdout == INSTALL_STEP
    (log,) = tmp_path.glob("proofloom-setup.*")
    first, *rest = run.stderr.splitlines()
    assert first == f"failed (exit 3); the last lines of its output (all of it: {log}):"
    assert rest == ["ERROR: no torch here"]
    assert not list((repo / ".venv").glob(".installed-*"))  # the next run tries again


# ---------------------------------------------------------------------------- ../shared


def copy_tests(tmp_path: Path) -> Path:
    """The tests and their pytest settings in tmp_path/clone: ../shared is then tmp_path/shared."""
    clone = tmp_path / "clone"
    shutil.copytree(REPO / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", clone)
    return clone


def collect(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        cmd + list(args),
        capture_output=True,
        text=True,
        cwd=clone,
        env=outer_pytest_free_env(),
        timeout=120,
    )


@pytest.mark.parametrize("args", [(), ("-n", "2"), ("tests/test_layering.py",)])
def test_without_shared_the_tests_stop_with_one_line_naming_it(tmp_path, args):
    run = collect(copy_tests(tmp_path), *args)
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"ERROR: {tmp_path / 'shared'} is missing: the tests read reference data from ../shared"
    )
    assert "every developer checkout and CI run has beside the clone" in lines[0]


def test_with_shared_beside_the_copy_the_same_tests_collect(tmp_path):
    (tmp_path / "shared").symlink_to(SHARED)
    run = collect(copy_tests(tmp_path), "tests/test_layering.py")
    assert run.returncode == pytest.ExitCode.OK, run.stdout + run.stderr
    assert "test_layering_scan_detects_violation" in run.stdout
