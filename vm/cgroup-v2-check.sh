#!/bin/bash
# Runs inside the cgroup v2 + systemd guest (../shared/vm): exercises hako's cgroup v2
# manager with real containers. Expects ./hako (a static-stdlib build) and ./busybox in
# the shared directory. Prints one line per check and "N passed, N failed".
set -u
cd "$(dirname "$0")"
work=/var/tmp/hako-v2
. ./check-lib.sh

echo "== $(uname -r), $(stat -fc %T /sys/fs/cgroup), systemd $(systemctl --version | head -1 | cut -d' ' -f2)"
"$hako" info | sed 's/^/   /'

t_run() { config run; "$hako" --root "$root" run --bundle "$work/bundle" v2run | grep -q "^0::/$"; }
check "run in its own cgroup (namespace root is /)" t_run

t_limits() {
    config limits
    "$hako" --root "$root" run -d --bundle "$work/bundle" v2lim || return 1
    d=/sys/fs/cgroup/hako-v2/limits
    grep -qx 67108864 $d/memory.max && grep -qx 33554432 $d/memory.low && grep -qx 67108864 $d/memory.swap.max &&
    grep -qx "50000 100000" $d/cpu.max && grep -qx 42 $d/pids.max && grep -qx 0 $d/cpuset.cpus &&
    grep -qx "$(( 1 + ((2048 - 2) * 9999) / 262142 ))" $d/cpu.weight
    local rc=$?
    cat $d/memory.max $d/memory.low $d/memory.swap.max $d/cpu.max $d/pids.max $d/cpu.weight $d/cpuset.cpus
    "$hako" --root "$root" delete -f v2lim; [ ! -d $d ] && [ $rc -eq 0 ]
}
check "limits written as v2 files (shares->weight, swap->swap.max), delete removes the cgroup" t_limits

t_pause() {
    config sleep
    "$hako" --root "$root" run -d --bundle "$work/bundle" v2p &&
    "$hako" --root "$root" pause v2p && "$hako" --root "$root" state v2p | grep -q '"paused"' &&
    grep -q "frozen 1" /sys/fs/cgroup/v2p/cgroup.events &&
    "$hako" --root "$root" resume v2p && "$hako" --root "$root" state v2p | grep -q '"running"'
    local rc=$?; "$hako" --root "$root" delete -f v2p; return $rc
}
check "pause and resume with cgroup.freeze" t_pause

t_update_stats() {
    config update
    "$hako" --root "$root" run -d --bundle "$work/bundle" v2u &&
    "$hako" --root "$root" update --pids-limit 20 --memory 100m v2u &&
    grep -qx 20 /sys/fs/cgroup/v2u/pids.max && grep -qx 104857600 /sys/fs/cgroup/v2u/memory.max &&
    "$hako" --root "$root" events --stats v2u | grep -q '"limit":20' &&
    "$hako" --root "$root" ps --format json v2u | grep -q '^\[[0-9]'
    local rc=$?; "$hako" --root "$root" delete -f v2u; return $rc
}
check "update, events --stats and ps on v2" t_update_stats

t_pids_felt() {
    config pids
    "$hako" --root "$root" run --bundle "$work/bundle" v2pf 2>&1 | grep -q "can't fork"
}
check "a pids limit stops forks" t_pids_felt

t_oom() {
    config oom
    "$hako" --root "$root" create --bundle "$work/bundle" v2oom || return 1
    ( "$hako" --root "$root" events v2oom > "$work/events" ) & ev=$!
    sleep 0.3; "$hako" --root "$root" start v2oom; wait $ev
    cat "$work/events"; "$hako" --root "$root" delete v2oom; grep -q '"type":"oom"' "$work/events"
}
check "memory limit: OOM kill reported by events" t_oom

t_unified() {
    config unified
    "$hako" --root "$root" run -d --bundle "$work/bundle" v2un &&
    grep -qx 49999872 /sys/fs/cgroup/v2un/memory.high && grep -qx 7 /sys/fs/cgroup/v2un/pids.max
    local rc=$?; "$hako" --root "$root" delete -f v2un; return $rc
}
check "linux.resources.unified written verbatim" t_unified

t_memory_1m() {
    config tiny
    "$hako" --root "$root" run --bundle "$work/bundle" v2tiny | grep -qx hi
}
check "memory.limit 1 MiB and pids 1 still runs echo hi" t_memory_1m

# Device rules: an eBPF program on the container's cgroup.
t_devices() {
    local out
    config dev-deny; out=$("$hako" --root "$root" run --bundle "$work/bundle" v2devd 2>&1); echo "$out"
    [ "$(echo "$out" | grep -c written)" = 1 ] && echo "$out" | grep -q null-written && echo "$out" | grep -q "Operation not permitted" || return 1
    config dev-allow; out=$("$hako" --root "$root" run --bundle "$work/bundle" v2deva 2>&1); echo "$out"
    echo "$out" | grep -q kmsg-written && echo "$out" | grep -q null-written
}
check "device rules enforced by an eBPF program (denied by default, allowed by a rule)" t_devices

# AppArmor: the guest's kernel has it, so process.apparmorProfile is applied for real.
t_apparmor() {
    local out
    config aa-unconfined; out=$("$hako" --root "$root" run --bundle "$work/bundle" aa1 2>&1); echo "$out"
    [ "$out" = unconfined ] || return 1
    config aa-missing; out=$("$hako" --root "$root" run --bundle "$work/bundle" aa2 2>&1); echo "$out"
    echo "$out" | grep -q 'process.apparmorProfile "hako-no-such-profile"' && [ -z "$(ls "$root" 2>/dev/null)" ]
}
check "AppArmor: process.apparmorProfile applied at exec; a profile the kernel lacks is a clear error" t_apparmor

# The systemd driver: the container's cgroup is a transient scope systemd makes.
gone() { # gone UNIT DIR: systemd has no such unit loaded and its cgroup is removed
    [ "$(prop "$1" LoadState)" = not-found ] && [ ! -d "$2" ]
}

t_sd_run() {
    config sd-run
    local out; out=$(sd run --bundle "$work/bundle" sdrun) || return 1
    echo "$out"
    [ "$(echo "$out" | head -1)" = hi ] && echo "$out" | grep -q "^0::/$" &&
    gone hako-sdrun.scope /sys/fs/cgroup/system.slice/hako-sdrun.scope
}
check "systemd: run in a scope, which is gone once run returns" t_sd_run

t_sd_limits() {
    config sd-limits
    sd run -d --bundle "$work/bundle" sdlim || return 1
    local d=/sys/fs/cgroup/system.slice/hako-sdlim.scope pid; pid=$(sd state sdlim | sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p')
    systemctl status --no-pager hako-sdlim.scope | head -12
    echo "MemoryMax=$(prop hako-sdlim.scope MemoryMax) MemoryLow=$(prop hako-sdlim.scope MemoryLow) TasksMax=$(prop hako-sdlim.scope TasksMax)" \
         "CPUQuotaPerSecUSec=$(prop hako-sdlim.scope CPUQuotaPerSecUSec) CPUWeight=$(prop hako-sdlim.scope CPUWeight)" \
         "AllowedCPUs=$(prop hako-sdlim.scope AllowedCPUs) Delegate=$(prop hako-sdlim.scope Delegate) pid=$pid"
    systemctl is-active -q hako-sdlim.scope && systemctl status --no-pager hako-sdlim.scope | grep -q "sleep 100" &&
    [ "$(prop hako-sdlim.scope MemoryMax)" = 67108864 ] && [ "$(prop hako-sdlim.scope TasksMax)" = 42 ] &&
    [ "$(prop hako-sdlim.scope MemoryLow)" = 33554432 ] && [ "$(prop hako-sdlim.scope CPUQuotaPerSecUSec)" = 500ms ] &&
    [ "$(prop hako-sdlim.scope CPUWeight)" = "$(( 1 + ((2048 - 2) * 9999) / 262142 ))" ] &&
    [ "$(prop hako-sdlim.scope Delegate)" = yes ] && [ "$(prop hako-sdlim.scope AllowedCPUs)" = 0 ] &&
    grep -qx 67108864 $d/memory.max && grep -qx 67108864 $d/memory.swap.max && grep -qx 42 $d/pids.max &&
    grep -qx "50000 100000" $d/cpu.max && grep -qx 0 $d/cpuset.cpus && grep -qx "$pid" $d/cgroup.procs
    local rc=$?
    [ "$(prop hako-sdlim.scope TimeoutStopUSec)" = 7s ] && [ "$(prop hako-sdlim.scope CollectMode)" = inactive-or-failed ] || rc=1
    echo "TimeoutStopUSec=$(prop hako-sdlim.scope TimeoutStopUSec) CollectMode=$(prop hako-sdlim.scope CollectMode)"
    sd delete -f sdlim && gone hako-sdlim.scope $d && [ $rc -eq 0 ]
}
check "systemd: limits as unit properties (systemctl show) and files; delete removes unit and cgroup" t_sd_limits

t_sd_ops() {
    config sd-sleep
    local d=/sys/fs/cgroup/system.slice/hako-sdp.scope
    sd run -d --bundle "$work/bundle" sdp &&
    sd pause sdp && sd state sdp | grep -q '"paused"' && grep -q "frozen 1" $d/cgroup.events &&
    sd resume sdp && sd state sdp | grep -q '"running"' && grep -q "frozen 0" $d/cgroup.events &&
    sd update --pids-limit 20 --memory 100m sdp &&
    [ "$(prop hako-sdp.scope TasksMax)" = 20 ] && [ "$(prop hako-sdp.scope MemoryMax)" = 104857600 ] &&
    grep -qx 20 $d/pids.max && grep -qx 104857600 $d/memory.max &&
    sd events --stats sdp | grep -q '"limit":20' &&
    sd ps --format json sdp | grep -q '^\[[0-9]' &&
    sd exec sdp cat /proc/self/cgroup | grep -q "^0::/$" &&
    systemctl daemon-reload && sleep 1 && grep -qx 20 $d/pids.max && grep -qx 104857600 $d/memory.max
    local rc=$?
    echo "after update: TasksMax=$(prop hako-sdp.scope TasksMax) MemoryMax=$(prop hako-sdp.scope MemoryMax) pids.max=$(cat $d/pids.max 2>&1)"
    sd delete -f sdp && gone hako-sdp.scope $d && [ $rc -eq 0 ]
}
check "systemd: pause, resume, update (kept over daemon-reload), events, ps, exec" t_sd_ops

t_sd_default_nested() {
    config sd-default
    sd run -d --bundle "$work/bundle" sddef || return 1
    config sd-nested
    sd run -d --bundle "$work/bundle" sdnest || { sd delete -f sddef; return 1; }
    local n=/sys/fs/cgroup/hako.slice/hako-test.slice/hako-sdnest.scope
    ls -d /sys/fs/cgroup/system.slice/hako-sddef.scope $n
    systemctl is-active -q hako-sddef.scope && [ -d /sys/fs/cgroup/system.slice/hako-sddef.scope ] &&
    systemctl is-active -q hako-sdnest.scope && grep -qx 33554432 $n/memory.max && [ "$(prop hako-sdnest.scope Slice)" = hako-test.slice ]
    local rc=$?
    sd delete -f sddef; sd delete -f sdnest
    gone hako-sddef.scope /sys/fs/cgroup/system.slice/hako-sddef.scope && gone hako-sdnest.scope $n && [ $rc -eq 0 ]
}
check "systemd: no cgroupsPath is hako-<id>.scope; a-b.slice nests as a.slice/a-b.slice" t_sd_default_nested

t_sd_exited() {
    config sd-true
    sd run -d --bundle "$work/bundle" sdtrue || return 1
    sleep 1
    sd state sdtrue | grep -q '"stopped"' && sd delete sdtrue && gone hako-sdtrue.scope /sys/fs/cgroup/system.slice/hako-sdtrue.scope
}
check "systemd: delete after the container exited (systemd already dropped the scope)" t_sd_exited

# hako killed at each step of create (HAKO_TEST_CRASH_AT): the intent record names the unit,
# so delete --force stops it and nothing is left (unit, cgroup, state, process).
t_sd_crash() {
    config sd-crash
    local point rc=0
    for point in create.intent create.init-recorded create.cgroup create.ready create.saved; do
        HAKO_TEST_CRASH_AT=$point sd create --bundle "$work/bundle" sdcrash </dev/null; echo "$point: exit $?"
        sleep 0.5
        sd state sdcrash | grep -q '"stopped"' || { echo "$point: not stopped: $(sd state sdcrash 2>&1 | tr -d '\n')"; rc=1; }
        sd delete -f sdcrash || { echo "$point: delete --force failed"; rc=1; }
        gone hako-sdcrash.scope /sys/fs/cgroup/system.slice/hako-sdcrash.scope || { echo "$point: unit or cgroup left"; rc=1; }
        [ ! -e "$root/sdcrash" ] || { echo "$point: state left"; rc=1; }
        for p in /proc/[0-9]*; do
            if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "[c]reate --bundle .* sdcrash"; then echo "$point: process ${p#/proc/} left"; rc=1; fi
        done
    done
    return $rc
}
check "systemd: hako killed at each step of create; delete --force removes the unit, cgroup and state" t_sd_crash

t_sd_bad_path() {
    config sd-run
    sed -i 's/"system.slice:hako:sdrun"/"\/not\/systemd"/' "$work/bundle/config.json"
    local out; out=$(sd run --bundle "$work/bundle" sdbad 2>&1); echo "$out"
    echo "$out" | grep -q "linux.cgroupsPath: /not/systemd is not of the form slice:prefix:name" && [ -z "$(ls "$root" 2>/dev/null)" ]
}
check "systemd: a cgroupsPath not of the form slice:prefix:name is refused" t_sd_bad_path

t_sd_devices() {
    sd_device_containers || return 1
    [ "$(prop hako-sddeva.scope DevicePolicy)" = strict ] && prop hako-sddeva.scope DeviceAllow | grep -q "/dev/char/1:11 w" &&
    prop hako-sddeva.scope DeviceAllow | grep -q "char-pts rwm"
    local rc=$?
    sd delete -f sddeva; return $rc
}
check "systemd: device rules as DevicePolicy/DeviceAllow and enforced" t_sd_devices

# Rootless with the user's systemd instance: u1 with lingering has user@1000.service and its
# bus; hako run as u1 with --systemd-cgroup makes its scopes there, over the user bus.
# As u1, with the environment a login gives.
as_u1() { runuser -u u1 -- env XDG_RUNTIME_DIR=/run/user/1000 HOME=/home/u1 "$@"; }
rl_setup() {
    u1_session || return 1
    cp "$hako" /usr/local/bin/hako-rl && chmod 755 /usr/local/bin/hako-rl
    rm -rf /var/tmp/rl; mkdir -p /var/tmp/rl; cp -a "$work/bundle/rootfs" /var/tmp/rl/rootfs; chown -R u1: /var/tmp/rl
    echo "user@1000.service delegates: $(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers)"
}
rl() { as_u1 /usr/local/bin/hako-rl --systemd-cgroup --root /run/user/1000/hako "$@"; }
rl_prop() { as_u1 systemctl --user show -p "$2" --value "$1"; }
rl_config() { cp "configs/$1.json" /var/tmp/rl/config.json && chown u1: /var/tmp/rl/config.json; }
ubase=/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service
check "rootless: u1's systemd instance and bus are up" rl_setup

t_rl_limits() {
    rl_config rl-limits
    # Its output to a file: a container holding check's $(...) pipe would keep it waiting.
    rl run -d --bundle /var/tmp/rl rl1 >/var/tmp/rl1.out 2>&1 || { cat /var/tmp/rl1.out; return 1; }
    local d=$ubase/user.slice/hako-rl1.scope pid; pid=$(rl state rl1 | sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p')
    echo "pid=$pid cgroup=$(cat /proc/$pid/cgroup) memory.max=$(cat $d/memory.max) cpu.max=$(cat $d/cpu.max) pids.max=$(cat $d/pids.max)" \
         "io.weight=$(cat $d/io.weight 2>&1) TasksMax=$(rl_prop hako-rl1.scope TasksMax) MemoryMax=$(rl_prop hako-rl1.scope MemoryMax) Delegate=$(rl_prop hako-rl1.scope Delegate)"
    grep -qx "0::/user.slice/user-1000.slice/user@1000.service/user.slice/hako-rl1.scope" /proc/$pid/cgroup &&
    grep -qx 67108864 $d/memory.max && grep -qx "50000 100000" $d/cpu.max && grep -qx 42 $d/pids.max &&
    [ "$(rl_prop hako-rl1.scope TasksMax)" = 42 ] && [ "$(rl_prop hako-rl1.scope MemoryMax)" = 67108864 ] &&
    [ "$(rl_prop hako-rl1.scope Delegate)" = yes ] && [ "$(stat -c %U $d)" = u1 ]
}
check "rootless systemd: a scope in user.slice of user@1000.service, limits as properties and files" t_rl_limits

t_rl_update() {
    rl update --pids-limit 50 --memory 100M rl1 || return 1
    local d=$ubase/user.slice/hako-rl1.scope
    echo "pids.max=$(cat $d/pids.max) memory.max=$(cat $d/memory.max) TasksMax=$(rl_prop hako-rl1.scope TasksMax)"
    grep -qx 50 $d/pids.max && grep -qx 104857600 $d/memory.max && [ "$(rl_prop hako-rl1.scope TasksMax)" = 50 ]
}
check "rootless systemd: update goes to the unit (SetUnitProperties) and the files" t_rl_update

t_rl_pause() {
    local d=$ubase/user.slice/hako-rl1.scope
    rl pause rl1 || return 1
    local frozen; frozen=$(cat $d/cgroup.freeze); local status; status=$(rl state rl1 | grep -o '"status": *"[a-z]*"')
    rl resume rl1 || return 1
    echo "paused: freeze=$frozen $status; resumed: freeze=$(cat $d/cgroup.freeze) $(rl state rl1 | grep -o '"status": *"[a-z]*"')"
    [ "$frozen" = 1 ] && echo "$status" | grep -q paused && grep -qx 0 $d/cgroup.freeze
}
check "rootless systemd: pause and resume freeze the scope" t_rl_pause

t_rl_events() {
    local out; out=$(rl events --stats rl1) || return 1
    echo "$out" | head -c 200; echo; echo "$out" | grep -o '"pids": *{[^}]*}'
    # JSONEncoder's key order is not fixed (hash order): "current" may come after "limit".
    echo "$out" | grep -Eq '"pids": ?\{[^}]*"current": ?[1-9]'
}
check "rootless systemd: events --stats reads the scope" t_rl_events

t_rl_delete() {
    rl delete -f rl1 || return 1
    sleep 1
    echo "LoadState=$(rl_prop hako-rl1.scope LoadState) dir: $(ls -d $ubase/user.slice/hako-rl1.scope 2>&1)"
    [ "$(rl_prop hako-rl1.scope LoadState)" = not-found ] && [ ! -d $ubase/user.slice/hako-rl1.scope ] && [ -z "$(ls /run/user/1000/hako)" ]
}
check "rootless systemd: delete stops the unit, nothing left" t_rl_delete

t_rl_podman() {
    rl_config rl-podman
    local out; out=$(rl run --bundle /var/tmp/rl rlpod) || return 1
    echo "$out"
    # In its own cgroup namespace? No: the rootless spec has none, so the full path shows.
    echo "$out" | grep -q "user@1000.service/user.slice/libpod-rlpod.scope" && [ ! -d $ubase/user.slice/libpod-rlpod.scope ]
}
check "rootless systemd: podman's user.slice:libpod:ID form" t_rl_podman

t_rl_cpuset() {
    rl_config rl-cpuset
    local out; out=$(rl run --bundle /var/tmp/rl rlcpu 2>&1); local rc=$?
    echo "rc=$rc $out"
    sleep 1
    [ $rc -ne 0 ] && echo "$out" | grep -q "linux.resources.cpu.cpus: the cpuset controller is not available" &&
    [ ! -d $ubase/user.slice/hako-rlcpu.scope ] && [ -z "$(ls /run/user/1000/hako)" ] && [ "$(rl_prop hako-rlcpu.scope LoadState)" = not-found ]
}
check "rootless systemd: cpuset (not delegated) asked for is a clear error, nothing left" t_rl_cpuset

t_rl_no_bus() {
    local out; out=$(runuser -u u1 -- env -u XDG_RUNTIME_DIR -u DBUS_SESSION_BUS_ADDRESS /usr/local/bin/hako-rl --systemd-cgroup --root /tmp/u1-hako run --bundle /var/tmp/rl rlnobus 2>&1); local rc=$?
    echo "rc=$rc $out"
    [ $rc -ne 0 ] && echo "$out" | grep -q "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set" && [ -z "$(ls /tmp/u1-hako 2>/dev/null)" ]
}
check "rootless systemd: no user bus in the environment is a clear error" t_rl_no_bus

# The container cgroups are gone (the parent hako-v2 that cgroupsPath named is left, as
# runc leaves it; this script removes it).
t_leftovers() {
    local left; left=$(find /sys/fs/cgroup -mindepth 1 -type d \( -name 'v2*' -o -path '/sys/fs/cgroup/hako-v2/*' -o -name 'hako-sd*' \))
    left+=$(systemctl list-units --all --no-legend 'hako-sd*' | grep .)
    echo "state: $(ls "$root" 2>/dev/null) cgroups: $left"
    rmdir /sys/fs/cgroup/hako-v2 2>/dev/null
    [ -z "$(ls "$root" 2>/dev/null)" ] && [ -z "$left" ]
}
check "nothing left behind" t_leftovers

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
