#!/usr/bin/env bash
# Builds a Debian package of hako: scripts/package-deb.sh [OUTDIR] (default .build/deb).
# It holds what scripts/install.sh installs, under /usr (the binary in /usr/sbin, as
# Debian's runc), man pages compressed as Debian wants them, and zsh completions in
# Debian's vendor-completions. Depends is what dpkg-shlibdeps finds the binary links
# (glibc and libseccomp; the Swift runtime and libstdc++ are linked in), and the systemd
# driver's libsystemd, which hako loads only when that driver is asked for, is recommended.
# Prints the path of the .deb.
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

# dpkg-shlibdeps reads the package's name from a debian/control beside it.
mkdir -p "$work/debian"
printf 'Source: hako\n\nPackage: hako\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$stage/usr/sbin/hako" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies of the binary" >&2; exit 1; }

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
Depends: $depends
Recommends: libsystemd0
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
