#!/bin/bash
# Runs inside the guest of ../shared/vm booted with systemd.unified_cgroup_hierarchy=0:
# systemd's hybrid layout (every controller on v1, a cgroup2 mount for systemd's own
# tracking). Exercises hako's systemd driver on v1 and its v1 device rules with real
# containers. Expects ./hako (a static-stdlib build), ./busybox and the configs made by
# vm/run.sh. Prints one line per check and "N passed, N failed".
set -u
cd "$(dirname "$0")"
work=/var/tmp/hako-hybrid
. ./check-lib.sh
# unit_dirs UNIT: the unit's directory in every hierarchy that has one.
unit_dirs() { find /sys/fs/cgroup -mindepth 2 -type d -name "$1" 2>/dev/null; }
gone() { [ "$(prop "$1" LoadState)" = not-found ] && [ -z "$(unit_dirs "$1")" ]; }

echo "== $(uname -r), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), unified is $(stat -fc %T /sys/fs/cgroup/unified 2>&1), systemd $(systemctl --version | head -1 | cut -d' ' -f2)"
"$hako" info | sed 's/^/   /'

t_sd_run() {
    config sd-run
    local out; out=$(sd run --bundle "$work/bundle" sdrun) || return 1
    echo "$out"
    [ "$(echo "$out" | head -1)" = hi ] && echo "$out" | grep -q "memory:/$" && gone hako-sdrun.scope
}
check "systemd on v1: run in a scope (its own cgroup namespace), gone in every hierarchy once run returns" t_sd_run

t_sd_limits() {
    config sd-limits-v1
    sd run -d --bundle "$work/bundle" sdlim || return 1
    local u=system.slice/hako-sdlim.scope pid; pid=$(sd state sdlim | sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p')
    local c=/sys/fs/cgroup
    echo "MemoryLimit=$(prop hako-sdlim.scope MemoryLimit) CPUShares=$(prop hako-sdlim.scope CPUShares)" \
         "TasksMax=$(prop hako-sdlim.scope TasksMax) BlockIOWeight=$(prop hako-sdlim.scope BlockIOWeight)" \
         "CPUQuotaPerSecUSec=$(prop hako-sdlim.scope CPUQuotaPerSecUSec) Delegate=$(prop hako-sdlim.scope Delegate) pid=$pid"
    unit_dirs hako-sdlim.scope
    systemctl is-active -q hako-sdlim.scope &&
    [ "$(prop hako-sdlim.scope MemoryLimit)" = 67108864 ] && [ "$(prop hako-sdlim.scope CPUShares)" = 2048 ] &&
    [ "$(prop hako-sdlim.scope TasksMax)" = 42 ] && [ "$(prop hako-sdlim.scope CPUQuotaPerSecUSec)" = 500ms ] &&
    grep -qx 67108864 $c/memory/$u/memory.limit_in_bytes && grep -qx 2048 $c/cpu,cpuacct/$u/cpu.shares &&
    grep -qx 50000 $c/cpu,cpuacct/$u/cpu.cfs_quota_us && grep -qx 42 $c/pids/$u/pids.max &&
    grep -qx 0 $c/cpuset/$u/cpuset.cpus && grep -qx "$pid" $c/cpuset/$u/cgroup.procs &&
    grep -qx "$pid" $c/freezer/$u/cgroup.procs && grep -qx "$pid" $c/memory/$u/cgroup.procs
    local rc=$?
    [ "$(prop hako-sdlim.scope TimeoutStopUSec)" = 7s ] && [ "$(prop hako-sdlim.scope CollectMode)" = inactive-or-failed ] || rc=1
    echo "TimeoutStopUSec=$(prop hako-sdlim.scope TimeoutStopUSec) CollectMode=$(prop hako-sdlim.scope CollectMode)"
    sd delete -f sdlim && gone hako-sdlim.scope && [ $rc -eq 0 ]
}
check "systemd on v1: v1 unit properties, every hierarchy joined (cpuset, freezer too), delete removes all" t_sd_limits

t_blkio_weight() {
    config sd-limits
    local out; out=$(sd run -d --bundle "$work/bundle" sdlim 2>&1); echo "$out"
    echo "$out" | grep -q "linux.resources.blockIO.weight: this kernel's blkio controller has no weights" &&
    gone hako-sdlim.scope && [ -z "$(ls "$root" 2>/dev/null)" ]
}
check "blkio weight without BFQ (the guest's disk): a clear error naming the field, nothing left" t_blkio_weight

t_sd_ops() {
    config sd-sleep
    local c=/sys/fs/cgroup u=system.slice/hako-sdp.scope
    sd run -d --bundle "$work/bundle" sdp &&
    sd pause sdp && sd state sdp | grep -q '"paused"' && grep -qx FROZEN $c/freezer/$u/freezer.state &&
    sd resume sdp && sd state sdp | grep -q '"running"' &&
    sd update --pids-limit 20 --memory 100m --cpu-shares 300 sdp &&
    [ "$(prop hako-sdp.scope TasksMax)" = 20 ] && [ "$(prop hako-sdp.scope MemoryLimit)" = 104857600 ] &&
    [ "$(prop hako-sdp.scope CPUShares)" = 300 ] &&
    grep -qx 20 $c/pids/$u/pids.max && grep -qx 104857600 $c/memory/$u/memory.limit_in_bytes &&
    sd events --stats sdp | grep -q '"limit":20' &&
    sd ps --format json sdp | grep -q '^\[[0-9]' &&
    sd exec sdp cat /proc/self/cgroup | grep -q "pids:/$" &&
    systemctl daemon-reload && sleep 1 && grep -qx 20 $c/pids/$u/pids.max &&
    grep -qx 104857600 $c/memory/$u/memory.limit_in_bytes && grep -qx 300 $c/cpu,cpuacct/$u/cpu.shares
    local rc=$?
    echo "after update: TasksMax=$(prop hako-sdp.scope TasksMax) MemoryLimit=$(prop hako-sdp.scope MemoryLimit) shares=$(cat $c/cpu,cpuacct/$u/cpu.shares 2>&1)"
    sd delete -f sdp && gone hako-sdp.scope && [ $rc -eq 0 ]
}
check "systemd on v1: pause, resume, update (kept over daemon-reload), events, ps, exec" t_sd_ops

t_devices() {
    local out
    config dev-deny; out=$("$hako" --root "$root" run --bundle "$work/bundle" hdevd 2>&1); echo "$out"
    [ "$(echo "$out" | grep -c written)" = 1 ] && echo "$out" | grep -q null-written || return 1
    config dev-allow; out=$("$hako" --root "$root" run --bundle "$work/bundle" hdeva 2>&1); echo "$out"
    echo "$out" | grep -q kmsg-written && echo "$out" | grep -q null-written
}
check "cgroupfs on v1: device rules (devices.allow/deny)" t_devices

t_sd_devices() {
    local c=/sys/fs/cgroup
    sd_device_containers || return 1
    cat $c/devices/system.slice/hako-sddeva.scope/devices.list
    [ "$(prop hako-sddeva.scope DevicePolicy)" = strict ] && prop hako-sddeva.scope DeviceAllow | grep -q "/dev/char/1:11 w" &&
    grep -qx "c 1:11 w" $c/devices/system.slice/hako-sddeva.scope/devices.list &&
    systemctl daemon-reload && sleep 1 && grep -qx "c 1:11 w" $c/devices/system.slice/hako-sddeva.scope/devices.list
    local rc=$?
    sd delete -f sddeva; return $rc
}
check "systemd on v1: device rules as DevicePolicy/DeviceAllow, kept over daemon-reload" t_sd_devices

t_leftovers() {
    local left; left=$(find /sys/fs/cgroup -mindepth 1 -type d \( -name 'hdev*' -o -name 'hako-sd*' \))
    left+=$(systemctl list-units --all --no-legend 'hako-sd*' | grep .)
    echo "state: $(ls "$root" 2>/dev/null) cgroups: $left"
    [ -z "$(ls "$root" 2>/dev/null)" ] && [ -z "$left" ]
}
check "nothing left behind" t_leftovers

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
