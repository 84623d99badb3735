#!/usr/bin/env bash
# Runs hako's tests: unit tests anywhere, and, as root, integration tests that run real
# containers from a busybox-static rootfs. Installs busybox-static, libseccomp-dev,
# dbus-daemon (a private bus for the D-Bus client's tests), uidmap (newuidmap, for the
# rootless tests), python3 (Tests/Helpers), and zsh and fish (the completion scripts run in
# them) from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1 || [ ! -f /usr/include/seccomp.h ] || [ ! -x /usr/bin/dbus-daemon ] || [ ! -x /usr/bin/newuidmap ] || [ ! -x /usr/bin/python3 ] || [ ! -x /usr/bin/zsh ] || [ ! -x /usr/bin/fish ]; then
    echo "installing busybox-static (the test rootfs), libseccomp-dev, dbus-daemon, uidmap, python3, zsh and fish"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static libseccomp-dev dbus-daemon pkg-config uidmap python3 zsh fish >/dev/null
fi
# A static busybox is needed: the rootfs holds it alone, without shared libraries.
if ldd /bin/busybox >/dev/null 2>&1; then
    echo "error: /bin/busybox is dynamically linked; install busybox-static" >&2
    exit 1
fi

exec swift test "$@"
