#!/usr/bin/env bash
# Builds the Docker backend's image without a registry: a minimal Debian (debootstrap, from a Debian
# mirror, not Docker Hub) with python3, imported into the daemon that DOCKER_HOST names.
#
#   scripts/docker_image.sh [TAG]          # default proofloom-sandbox:py311 (sandbox.docker.IMAGES)
#
# Needs root (debootstrap chroots and creates device nodes), debootstrap and the docker CLI.
# The root file system is kept as a tarball in $PROOFLOOM_CACHE (default ~/.cache/proofloom), so
# only the first build downloads (about 70 s, 40 MB); a later one, e.g. into the fresh daemon of a
# test session, only imports (about 3 s). The cache file's name holds everything that decides its
# contents: delete it to rebuild.
#
# What the image holds: Debian's minbase (coreutils, sh, tar: the runner unpacks the request's
# files with sh, base64 and tar) plus python3.11 and its standard library; no apt lists, caches,
# documentation or locales. No passwd entry is needed for the sandbox uid: the runner gives one
# as a number.
set -euo pipefail

TAG="${1:-proofloom-sandbox:py311}"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
PACKAGES="${PACKAGES:-python3-minimal,libpython3.11-stdlib}"
CACHE="${PROOFLOOM_CACHE:-${HOME:-/root}/.cache/proofloom}"
key=$(printf '%s %s %s' "$SUITE" "$MIRROR" "$PACKAGES" | sha1sum | cut -c1-12)
tarball="$CACHE/sandbox-rootfs-$SUITE-$key.tar"

die() {
    echo "docker_image: $*" >&2
    exit 1
}

command -v docker >/dev/null || die "the docker CLI is not installed (apt-get install docker.io)"
if [ ! -f "$tarball" ]; then
    [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
    mkdir -p "$CACHE"
    work=$(mktemp -d "${TMPDIR:-/tmp}/proofloom-rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    echo "docker_image: debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR" >&2
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/root" "$MIRROR" \
        >"$work/log" 2>&1; then
        tail -n 20 "$work/log" >&2
        die "debootstrap failed (the last lines of its log above)"
    fi
    root="$work/root"
    rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/*
    "$root"/usr/bin/python3 -c 'import ctypes, json, socket, subprocess, unittest' ||
        die "python3 in the new root file system does not start"
    # a private name until complete: two test workers may build at once
    part=$(mktemp "$tarball.XXXXXX")
    tar --numeric-owner -C "$root" -cf "$part" .
    chmod 644 "$part" # mktemp made it 600
    mv "$part" "$tarball"
fi

# the image's own config: what `docker run IMAGE` would do without the runner's settings
docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8' \
    --change 'WORKDIR /tmp' \
    --change 'CMD ["python3"]' \
    --message "proofloom sandbox: debian $SUITE minbase + $PACKAGES" \
    "$tarball" "$TAG" >/dev/null
echo "docker_image: $TAG ($(du -h "$tarball" | cut -f1) root file system, $tarball)" >&2
