#!/usr/bin/env bash
# Builds a Debian package of hako: scripts/package-deb.sh [OUTDIR] (default .build/deb).
# It holds what scripts/install.sh installs, under /usr (the binary in /usr/sbin, as
# Debian's runc), man pages compressed as Debian wants them, and zsh completions in
# Debian's vendor-completions. The binary is static (glibc, libseccomp, the Swift runtime
# and libstdc++ linked in; systemd reached by hako's own D-Bus client), so the package
# depends on nothing. Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/hako

DESTDIR="$stage" ZSH_DIR=share/zsh/vendor-completions ./scripts/install.sh /usr >/dev/null
gzip -9n "$stage"/usr/share/man/man8/*.8

# A dynamic binary would need a Depends line: refuse rather than ship one without it.
if readelf -l "$stage/usr/sbin/hako" | grep -q INTERP; then
    echo "package-deb: $stage/usr/sbin/hako is dynamically linked; expected the static build of scripts/build-release.sh" >&2
    exit 1
fi

version=$(sed -n 's/^ *static let version = "\(.*\)"/\1/p' Sources/hako/Hako.swift)
commit=$(git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null || echo 0)
# The commit in the version: a later build of the same release sorts after an earlier one.
full_version="$version+git$commit"
architecture=$(dpkg --print-architecture)
mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: hako
Version: $full_version
Architecture: $architecture
Maintainer: hako developers <hako@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Suggests: criu
Section: admin
Priority: optional
Description: OCI container runtime written in Swift
 hako turns an OCI bundle (a rootfs and a config.json) into a running, isolated
 process, with runc's command line, so that podman, containerd and Docker can
 call it in runc's place.
CONTROL
deb="$out/hako_${full_version}_${architecture}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
