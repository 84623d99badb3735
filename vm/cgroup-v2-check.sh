#!/bin/bash
# Runs inside the cgroup v2 + systemd guest (../shared/vm): exercises hako's cgroup v2
# manager with real containers. Expects ./hako (a static-stdlib build) and ./busybox in
# the shared directory. Prints one line per check and "N passed, N failed".
set -u
cd "$(dirname "$0")"
hako="$PWD/hako"
work=/var/tmp/hako-v2
rm -rf "$work"; mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc"
cp busybox "$work/bundle/rootfs/bin/busybox"; chmod +x "$work/bundle/rootfs/bin/busybox"
for a in $("$work/bundle/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$work/bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/bundle/rootfs/etc/passwd"
root="$work/state"
passed=0 failed=0
check() { # check NAME COMMAND...
    local name=$1; shift
    local out; out=$("$@" 2>&1); local rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "PASS  $name"; else failed=$((failed + 1)); echo "FAIL  $name"; echo "$out" | sed 's/^/      /' | tail -8; fi
}
# The configs are made on the host by vm/run.sh (the guest has no python3): configs/NAME.json.
config() { cp "configs/$1.json" "$work/bundle/config.json"; }

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

t_leftovers() { [ -z "$(ls "$root" 2>/dev/null)" ] && ! ls -d /sys/fs/cgroup/v2* /sys/fs/cgroup/hako-v2/* 2>/dev/null | grep -q .; }
check "nothing left behind" t_leftovers

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
