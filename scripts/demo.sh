#!/usr/bin/env bash
# Builds hako, makes a busybox bundle under /tmp/hako-demo, and runs a container in it
# that prints its hostname and its pid (1: it has its own pid namespace). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /bin/busybox ] || [ ! -f /usr/include/seccomp.h ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static libseccomp-dev pkg-config python3-capstone >/dev/null
fi
./scripts/build-release.sh >/dev/null
hako="$PWD/.build/lean/release/hako"

bundle=/tmp/hako-demo
rm -rf "$bundle"
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
"$hako" spec --bundle "$bundle"
# The default config runs an interactive sh on a terminal; run a command instead.
sed -i -e 's/"terminal" : true/"terminal" : false/' \
       -e 's/^\( *\)"sh"$/\1"sh", "-c", "echo hello from $(hostname), pid $$"/' "$bundle/config.json"

exec "$hako" --root /run/hako-demo run --bundle "$bundle" "demo-$$"
