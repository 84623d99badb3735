#!/bin/sh
# Runs in a cgroup v2 guest whose image has podman (vm/run.sh podman): rootless podman,
# as the user u1 under its own systemd instance, with hako as the OCI runtime. podman
# passes --systemd-cgroup and makes hako talk to u1's systemd over u1's bus; the
# container's scope lands under user@1000.service with the delegated controllers.
# One PASS/FAIL line per check, then "N passed, N failed".
work=/var/tmp/hako-podman
export work
# What each check saw is printed on a pass too: the figures go into the notes.
SHOW_OUTPUT=1
. ./check-lib.sh
cp "$hako" /usr/local/bin/hako && chmod 755 /usr/local/bin/hako

as_u1() { runuser -u u1 -- env -C /home/u1 XDG_RUNTIME_DIR=/run/user/1000 HOME=/home/u1 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "$@"; }
# No network in the guest, so no registry: the image is imported from the busybox rootfs.
# journald is not there for a user without a session: events go to a file.
pm() { as_u1 podman --runtime /usr/local/bin/hako --cgroup-manager systemd --events-backend file "$@"; }

setup() {
    u1_session || return 1
    echo "subuid: $(grep u1 /etc/subuid)  delegated: $(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers)"
    tar -C "$work/bundle/rootfs" -cf /var/tmp/bb.tar . && chown u1: /var/tmp/bb.tar
    pm import /var/tmp/bb.tar localhost/bb >/dev/null || return 1
    pm --version
}
check "rootless podman: u1's systemd instance, bus, and an image imported from busybox" setup

t_run() {
    local out; out=$(pm run --rm --network none localhost/bb sh -c 'echo hello; id -u; cat /proc/self/uid_map') || { echo "$out"; return 1; }
    echo "$out"
    echo "$out" | grep -qx hello && echo "$out" | sed -n 2p | grep -qx 0 &&
        # root in the container is u1 (1000) outside, and the subordinate range follows.
        echo "$out" | grep -Eq '^ *0 +1000 +1$' && echo "$out" | grep -Eq '^ *1 +100000 +65536$'
}
check "podman run --rm: output, root mapped to u1, the subuid range mapped (newuidmap)" t_run

t_limits() {
    local out; out=$(pm run --rm --network none --memory 64m --pids-limit 42 --cpus 0.5 --cpu-shares 512 localhost/bb \
        sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight') || { echo "$out"; return 1; }
    echo "$out"
    echo "$out" | grep -qx 67108864 && echo "$out" | grep -qx 42 && echo "$out" | grep -qx "50000 100000"
}
check "podman run with --memory, --pids-limit, --cpus: the limits inside the container's cgroup" t_limits

t_scope() {
    pm run -d --name c1 --network none --memory 96m localhost/bb sleep 1000 >/var/tmp/c1.out 2>&1 || { cat /var/tmp/c1.out; return 1; }
    local pid; pid=$(pm inspect -f '{{.State.Pid}}' c1)
    local cg; cg=$(cat /proc/$pid/cgroup)
    echo "pid=$pid cgroup=$cg"
    case "$cg" in 0::/user.slice/user-1000.slice/user@1000.service/*libpod-*.scope*) ;; *) return 1 ;; esac
    local dir=/sys/fs/cgroup${cg#0::}
    dir=${dir%/container}
    echo "memory.max=$(cat $dir/memory.max 2>/dev/null || cat $dir/container/memory.max)"
}
check "podman run -d: init in a libpod scope under user@1000.service (u1's systemd made it)" t_scope

t_exec() {
    local out; out=$(pm exec c1 sh -c 'echo in-exec; cat /proc/self/cgroup') || { echo "$out"; return 1; }
    echo "$out"; echo "$out" | grep -qx in-exec
}
check "podman exec into the running container" t_exec

t_pause() {
    pm pause c1 || return 1
    local st; st=$(pm inspect -f '{{.State.Status}}' c1); echo "after pause: $st"
    [ "$st" = paused ] || return 1
    pm unpause c1 || return 1
    st=$(pm inspect -f '{{.State.Status}}' c1); echo "after unpause: $st"
    [ "$st" = running ]
}
check "podman pause and unpause (the scope's cgroup frozen and thawed)" t_pause

t_update() {
    pm update --memory 128m c1 || return 1
    local pid; pid=$(pm inspect -f '{{.State.Pid}}' c1)
    local cg; cg=$(cat /proc/$pid/cgroup); local dir=/sys/fs/cgroup${cg#0::}
    local max; max=$(cat "$dir/memory.max"); echo "memory.max after update: $max"
    [ "$max" = 134217728 ]
}
check "podman update --memory (hako update through the user's systemd)" t_update

t_stop() {
    pm stop -t 2 c1 >/dev/null || return 1
    local st; st=$(pm inspect -f '{{.State.Status}}' c1); echo "after stop: $st"
    pm rm c1 >/dev/null || return 1
    # Nothing left: no hako state, no scope.
    local left; left=$(as_u1 sh -c 'ls /run/user/1000/crun /run/user/1000/hako 2>/dev/null; systemctl --user list-units --no-legend "libpod-*.scope"')
    echo "left: $left"
    [ "$st" = exited ] && [ -z "$(echo "$left" | grep libpod)" ]
}
check "podman stop and rm: the container and its scope are gone" t_stop

t_cpuset() {
    local out; out=$(pm run --rm --network none --cpuset-cpus 0 localhost/bb true 2>&1); local rc=$?
    echo "$out" | tail -3
    # cpuset is not delegated to user@1000.service: a clear error, not a silent run.
    [ $rc -ne 0 ] && echo "$out" | grep -qi cpuset
}
check "podman run --cpuset-cpus: refused with a clear error (cpuset is not delegated)" t_cpuset

t_kill() {
    pm run -d --name c2 --network none localhost/bb sh -c 'trap "exit 7" TERM; while :; do sleep 0.2; done' >/dev/null || return 1
    sleep 1
    pm kill --signal TERM c2 >/dev/null || return 1
    local code; code=$(pm wait c2); echo "exit code: $code"
    pm rm c2 >/dev/null
    [ "$code" = 7 ]
}
check "podman kill --signal TERM reaches the container's trap" t_kill

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
