# Sourced by the guest check scripts: a busybox bundle under $work (set by the caller),
# the state root, `check NAME COMMAND...` (one PASS/FAIL line, output of a failure, and of a
# pass too with SHOW_OUTPUT set) and
# `config NAME` (configs/NAME.json, made on the host by vm/run.sh: the guest has no
# python3) as the bundle's config.json; `sd` (hako with the systemd driver), `prop UNIT
# PROPERTY`, and the device-rule containers both guests run.
hako="$PWD/hako"
rm -rf "$work"; mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc"
cp busybox "$work/bundle/rootfs/bin/busybox"; chmod +x "$work/bundle/rootfs/bin/busybox"
for a in $("$work/bundle/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$work/bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/bundle/rootfs/etc/passwd"
root="$work/state"
passed=0 failed=0
check() {
    local name=$1; shift
    local out; out=$("$@" 2>&1); local rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "PASS  $name"; [ -n "${SHOW_OUTPUT:-}" ] && echo "$out" | sed 's/^/      /' | tail -6; else failed=$((failed + 1)); echo "FAIL  $name"; echo "$out" | sed 's/^/      /' | tail -8; fi
}
config() { cp "configs/$1.json" "$work/bundle/config.json"; }
sd() { "$hako" --systemd-cgroup --root "$root" "$@"; }
prop() { systemctl show -p "$2" --value "$1"; }

# With the systemd driver, /dev/kmsg bind-mounted: sddevd (no rule for it) may write only
# /dev/null and exits; sddeva (a rule allows kmsg writes) writes both and stays up.
sd_device_containers() {
    local out
    config sd-dev-deny; out=$(sd run --bundle "$work/bundle" sddevd 2>&1); echo "$out"
    [ "$(echo "$out" | grep -c written)" = 1 ] && echo "$out" | grep -q null-written || return 1
    config sd-dev-allow; sd run -d --bundle "$work/bundle" sddeva >"$work/sddeva.out" 2>&1 || return 1
    sleep 1; cat "$work/sddeva.out"
    grep -q kmsg-written "$work/sddeva.out" && grep -q null-written "$work/sddeva.out" || { sd delete -f sddeva; return 1; }
    echo "DevicePolicy=$(prop hako-sddeva.scope DevicePolicy) DeviceAllow=$(prop hako-sddeva.scope DeviceAllow)"
}

# The user u1 (uid 1000) with lingering: its systemd instance, up and on its bus. The bus
# socket comes before systemd --user owns its name there (NameHasNoOwner until then), and
# systemctl --user answers earlier still, over its private socket: so ask on the bus.
u1_session() {
    id u1 >/dev/null 2>&1 || useradd -m u1 || return 1
    loginctl enable-linger u1 || return 1
    for _ in $(seq 60); do [ -S /run/user/1000/bus ] && break; sleep 1; done
    [ -S /run/user/1000/bus ] || { echo "no /run/user/1000/bus"; return 1; }
    for _ in $(seq 90); do
        runuser -u u1 -- env -C /home/u1 XDG_RUNTIME_DIR=/run/user/1000 busctl --user call org.freedesktop.systemd1 \
            /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "systemd --user is not on u1's bus"; return 1
}
