#!/usr/bin/env bash
# Sets up a fresh machine for proofloom: system packages, then a virtualenv in .venv with the
# project installed editable. Idempotent: a second run only checks, and prints nothing.
#
# One line per step. apt's and pip's own output (progress, index warnings, setuptools' notices
# about editable installs) would bury that line and reads like a failure, so it goes to a log
# that is shown only when its step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${EXTRAS:-dev}"

log=$(mktemp "${TMPDIR:-/tmp}/proofloom-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

# step WHAT COMMAND...: runs COMMAND with its output in the log and prints "setup: WHAT ... ok";
# on failure, "failed", the log's last lines and where the whole log is, and setup stops with
# the command's exit status
step() {
    local what=$1 status=0
    shift
    printf 'setup: %s ... ' "$what"
    "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "failed (exit $status); the last lines of its output (all of it: $log):" >&2
        tail -n 25 "$log" >&2
        trap - EXIT
        exit "$status"
    fi
    echo ok
}

apt_install() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # && throughout: set -e does not apply inside a function that step() tests
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

install_project() {
    .venv/bin/python -m pip install --upgrade pip &&
        .venv/bin/python -m pip install -e ".[${EXTRAS}]"
}

if ! command -v bwrap >/dev/null 2>&1; then
    step "installing bubblewrap with apt (the default sandbox backend)" apt_install bubblewrap
fi
# The Docker backend's tests start a dockerd of their own and build its image with debootstrap
# (tests/conftest.py, scripts/docker_image.sh). A machine with a Docker engine of its own
# (docker-ce) keeps it: docker.io would conflict with it.
docker_pkgs=()
command -v dockerd >/dev/null 2>&1 || docker_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || docker_pkgs+=(debootstrap debian-archive-keyring)
if [ ${#docker_pkgs[@]} -gt 0 ]; then
    step "installing ${docker_pkgs[*]} with apt (the Docker backend's tests)" \
        apt_install "${docker_pkgs[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    step "creating .venv" python3 -m venv .venv
fi
# a changed pyproject.toml or extras set installs again
stamp=".venv/.installed-$(sha1sum <pyproject.toml | cut -c1-12)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
    step "installing proofloom[$EXTRAS] into .venv (editable; minutes the first time)" \
        install_project
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# The zygote's run launcher (sandbox/_launcher.c), compiled: built again whenever its source is
# newer (the zygote refuses to start on a stale one)
if [ ! -f sandbox/_launcher.so ] || [ sandbox/_launcher.c -nt sandbox/_launcher.so ]; then
    if ! command -v gcc >/dev/null 2>&1; then
        step "installing gcc with apt (the zygote's launcher)" apt_install gcc libc6-dev
    fi
    step "building sandbox/_launcher.so (the zygote's run launcher)" \
        gcc -O2 -Wall -Wextra -shared -fPIC -o sandbox/_launcher.so sandbox/_launcher.c
fi
