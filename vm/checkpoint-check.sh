#!/bin/bash
# Runs inside the cgroup v2 + systemd guest (../shared/vm), where criu works: checkpoint
# and restore of real containers through hako's CLI, each scenario of the issue, with
# nothing left behind; then checkpoint and restore timed against runc. Expects ./hako,
# ./busybox, ./recvtty, ./flockhold and configs/cr-*.json in the shared directory. Prints one line
# per check and "N passed, N failed".
set -u
cd "$(dirname "$0")"
work=/var/tmp/hako-cr
. ./check-lib.sh
# A hung criu must fail its check, not the whole guest run.
h() { timeout 120 "$hako" --root "$root" "$@"; }
b="$work/bundle"

echo "== $(uname -r), criu $(criu --version | head -1)"
"$hako" info | grep -E "criu|checkpoint" | sed 's/^/   /'

# Pipes as stdio, as engines give them (runc's tests do the same): a file or device of
# the host's would be out of the container's reach for CRIU; pipes are handed back.
# hako's own messages land in LOG too.
# The helpers keep nothing of check's own output open (it would wait for them).
piped() { local log=$1; shift; "$@" < <(exec sleep 3600 2>/dev/null) > >(exec cat >>"$log" 2>/dev/null) 2> >(exec cat >>"$log" 2>/dev/null); }
# The counter: "$start $i" in /count, start drawn once at the process's start.
count() { cat "$b/rootfs/count" 2>/dev/null; }
start_of() { local s n; for n in $(seq 20); do s=$(count | cut -d' ' -f1); [ -n "$s" ] && break; sleep 0.1; done; echo "$s"; }
tick_of() { count | cut -d' ' -f2; }
nothing_left() {
    local id=$1
    [ ! -e "$root/$id" ] || { echo "state left: $root/$id"; return 1; }
    [ ! -e "/sys/fs/cgroup/$id" ] || { echo "cgroup left: /sys/fs/cgroup/$id"; return 1; }
    ! grep -q criu-root /proc/self/mountinfo || { echo "criu-root mount left"; return 1; }
}
# The counter container ID, run detached with pipes, once it has counted a little.
counting() {
    config cr-counter; rm -f "$b/rootfs/count"
    piped "$work/$1.log" h run -d --bundle "$b" "$1" || { cat "$work/$1.log"; return 1; }
    wait_tick 2
}
wait_tick() { local t=$1 n; for n in $(seq 50); do [ "$(tick_of)" -gt "$t" ] 2>/dev/null && return 0; sleep 0.2; done; return 1; }

t_counter() {
    counting cr1 || return 1
    local s1; s1=$(start_of)
    h checkpoint --image-path "$work/img1" --work-path "$work/wk1" cr1 || return 1
    h state cr1 2>/dev/null && { echo "still there after checkpoint"; return 1; }
    local t1; t1=$(tick_of); sleep 0.5
    [ "$(tick_of)" = "$t1" ] || { echo "counting after checkpoint"; return 1; }
    piped "$work/cr1r.log" h restore -d --image-path "$work/img1" --work-path "$work/wk1" --bundle "$b" cr1 || { cat "$work/cr1r.log"; return 1; }
    h state cr1 | grep -q '"running"' || return 1
    wait_tick "$t1" || { echo "not counting after restore"; return 1; }
    [ "$(start_of)" = "$s1" ] || { echo "restarted: start $(start_of), was $s1"; return 1; }
    echo "counted from $t1 on, start $s1 kept"
    [ "$(h exec cr1 echo ok)" = ok ] || return 1
    h pause cr1 && h state cr1 | grep -q '"paused"' && h resume cr1 || return 1
    grep -qx 67108864 /sys/fs/cgroup/cr1/memory.max && grep -qx 20 /sys/fs/cgroup/cr1/pids.max || { echo "limits lost"; return 1; }
    h kill cr1 KILL; sleep 0.3; h delete -f cr1 && nothing_left cr1
}
check "a counter checkpointed and restored counts on (same memory), takes exec, pause, kill; its cgroup limits are back; nothing left" t_counter

t_leave_running() {
    counting cr2 || return 1
    h checkpoint --leave-running --image-path "$work/img2" cr2 || return 1
    h state cr2 | grep -q '"running"' || { echo "not running after --leave-running"; return 1; }
    local t; t=$(tick_of); wait_tick "$t" || return 1
    h delete -f cr2 || return 1
    piped "$work/log" h restore --detach --pid-file "$work/cr2b.pid" --image-path "$work/img2" --bundle "$b" cr2b || return 1
    local pid; pid=$(cat "$work/cr2b.pid")
    h state cr2b | grep -q "\"pid\": *$pid," || { h state cr2b; echo "pid file says $pid"; return 1; }
    t=$(tick_of); wait_tick "$t" || return 1
    h delete -f cr2b && nothing_left cr2b && nothing_left cr2
}
check "checkpoint --leave-running; restore under a new id with --detach --pid-file" t_leave_running

t_predump() {
    counting cr3 || return 1
    mkdir -p "$work/img3"
    h checkpoint --pre-dump --image-path "$work/img3/parent" cr3 || return 1
    h state cr3 | grep -q '"running"' || return 1
    h checkpoint --parent-path ../parent --image-path "$work/img3/final" cr3 || return 1
    ls "$work/img3/final" | grep -q '^parent$' || { echo "no parent link in the image"; ls "$work/img3/final"; return 1; }
    local t; t=$(tick_of)
    piped "$work/log" h restore -d --image-path "$work/img3/final" --bundle "$b" cr3 || return 1
    wait_tick "$t" || return 1
    h delete -f cr3 && nothing_left cr3
}
check "checkpoint --pre-dump, then a dump with --parent-path, restored" t_predump

t_page_server() {
    counting cr8 || return 1
    mkdir -p "$work/img8"
    criu page-server --images-dir "$work/img8" --address 127.0.0.1 --port 27277 >"$work/ps.log" 2>&1 & local server=$!
    sleep 1
    h checkpoint --page-server 127.0.0.1:27277 --image-path "$work/img8" cr8 || { kill $server; cat "$work/ps.log"; return 1; }
    wait $server
    ls "$work/img8" | grep -q '^pages-' || { echo "no pages from the page server"; ls "$work/img8"; return 1; }
    local t; t=$(tick_of)
    piped "$work/log" h restore -d --image-path "$work/img8" --bundle "$b" cr8 || { tail "$work/log"; return 1; }
    wait_tick "$t" || return 1
    h delete -f cr8 && nothing_left cr8
}
check "checkpoint --page-server: memory sent to criu's page server, restored from its images" t_page_server

t_file_locks() {
    config cr-lock; rm -f "$b/rootfs/count"; cp flockhold "$b/rootfs/bin/flockhold"
    piped "$work/log" h run -d --bundle "$b" cr9 || return 1
    wait_tick 2 || return 1
    local out; out=$(h checkpoint --image-path "$work/img9a" cr9 2>&1)
    echo "$out" | grep -q -i "lock" || { echo "a held lock dumped without --file-locks: $out"; h delete -f cr9; return 1; }
    h state cr9 | grep -q '"running"' || { echo "not running after the refused dump"; return 1; }
    h checkpoint --file-locks --image-path "$work/img9" cr9 || return 1
    piped "$work/log" h restore -d --file-locks --image-path "$work/img9" --bundle "$b" cr9 || { tail "$work/log"; return 1; }
    grep FLOCK /proc/locks | grep -q WRITE || { echo "no lock after restore"; cat /proc/locks; h delete -f cr9; return 1; }
    h delete -f cr9 && nothing_left cr9
}
check "a held flock: refused without --file-locks (the container runs on), kept with it" t_file_locks

t_lazy_pages() {
    counting cr10 || return 1
    mkfifo "$work/lazy.fifo"; exec {lazy}<>"$work/lazy.fifo"
    # The dump stays up as the page server until the restore has pulled every page.
    h checkpoint --lazy-pages --page-server 127.0.0.1:27278 --status-fd 9 --image-path "$work/img10" cr10 9>"$work/lazy.fifo" &
    local dump=$!
    local ready; ready=$(timeout 60 head -c 1 <&$lazy | od -An -tx1 | tr -d ' ')
    [ "$ready" = 00 ] || { echo "no \\0 on --status-fd (got '$ready')"; kill $dump; exec {lazy}<&-; return 1; }
    criu lazy-pages --page-server --address 127.0.0.1 --port 27278 --images-dir "$work/img10" >"$work/lazy.log" 2>&1 &
    local daemon=$!
    sleep 1
    local t; t=$(tick_of)
    piped "$work/log" h restore -d --lazy-pages --image-path "$work/img10" --bundle "$b" cr10b || { tail "$work/log"; kill $dump $daemon; exec {lazy}<&-; return 1; }
    wait $dump; local rc=$?; wait $daemon; exec {lazy}<&-
    [ $rc -eq 0 ] || { echo "checkpoint --lazy-pages ended with $rc"; return 1; }
    wait_tick "$t" || { echo "not counting after a lazy restore"; return 1; }
    h state cr10 2>/dev/null && { echo "cr10 still there"; return 1; }
    h delete -f cr10b && nothing_left cr10b && nothing_left cr10
}
check "checkpoint --lazy-pages --page-server --status-fd, criu's lazy-pages daemon, restore --lazy-pages under a new id" t_lazy_pages

t_more_flags() {
    counting cr11 || return 1
    h checkpoint --auto-dedup --empty-ns network --ext-unix-sk --image-path "$work/img11" cr11 || return 1
    local t; t=$(tick_of)
    piped "$work/log" h restore -d --auto-dedup --empty-ns network --ext-unix-sk --image-path "$work/img11" --bundle "$b" cr11 || { tail "$work/log"; return 1; }
    wait_tick "$t" || return 1
    h delete -f cr11 && nothing_left cr11
}
check "--auto-dedup, --empty-ns network and --ext-unix-sk taken by criu both ways" t_more_flags

# A tree on the caller's terminal (terminal false, the runtime run from a shell on a pty, as
# `script` gives one), with the container's own devpts and with the host's /dev/pts bound in.
# Whatever criu makes of each, hako must do what runc does: the same outcome for a dump
# without --shell-job, one with it, and its restore on a new pty, where a restored tree
# counts on.
on_pty() { local out=$1; shift; script -qfec "$* ; exec sleep 600" "$out" >/dev/null 2>&1 < <(exec sleep 3600 2>/dev/null) & echo $!; }
last_tick() { grep -o 'tick [0-9]*' "$1" 2>/dev/null | tail -1 | cut -d' ' -f2; }
# shell_job RUNTIME-COMMAND ID CONFIG: prints "dump without: ok|fail, dump with: ok|fail,
# restore: ok|fail|-, counting: yes|no|-" and criu's first error of each failure on stderr.
shell_job() {
    local rt=$1 id=$2 s1 s2 n out without=fail with=fail restored=- counting=-
    config "$3"
    s1=$(on_pty "$work/$id.1" timeout 60 $rt run -d --bundle "$b" "$id")
    for n in $(seq 50); do [ "$(last_tick "$work/$id.1")" -gt 2 ] 2>/dev/null && break; sleep 0.2; done
    if [ -z "$(last_tick "$work/$id.1")" ]; then echo "$id: not counting: $(head -c 300 "$work/$id.1")" >&2; kill $s1; $rt delete -f "$id" >/dev/null 2>&1; echo "not started"; return; fi
    out=$($rt checkpoint --leave-running --image-path "$work/$id.a" "$id" 2>&1) && without=ok
    [ $without = fail ] && echo "$id without: $(echo "$out" | grep -m1 -o 'Error ([^)]*): [^\\]*' | head -1)" >&2
    out=$($rt checkpoint --shell-job --image-path "$work/$id.b" "$id" 2>&1) && with=ok
    local t; t=$(last_tick "$work/$id.1"); kill $s1
    if [ $with = ok ]; then
        s2=$(on_pty "$work/$id.2" timeout 60 $rt restore -d --shell-job --image-path "$work/$id.b" --bundle "$b" "$id")
        for n in $(seq 50); do [ "$(last_tick "$work/$id.2")" -gt "$t" ] 2>/dev/null && break; sleep 0.2; done
        if $rt state "$id" 2>/dev/null | grep -q '"running"'; then restored=ok; else restored=fail; echo "$id restore: $(tail -c 300 "$work/$id.2")" >&2; fi
        counting=no; [ "$(last_tick "$work/$id.2")" -gt "$t" ] 2>/dev/null && counting=yes
        kill $s2
    else
        echo "$id with: $(echo "$out" | grep -m1 -o 'Error ([^)]*): [^\\]*' | head -1)" >&2
    fi
    $rt delete -f "$id" >/dev/null 2>&1
    echo "dump without: $without, dump with: $with, restore: $restored, counting: $counting"
}
t_shell_job() {
    local config h_out r_out rc=0
    for config in cr-shell cr-shell-pts; do
        h_out=$(shell_job "timeout 60 $hako --root $root" sjh "$config")
        r_out=$(shell_job "timeout 60 runc --root $work/runc" sjr "$config")
        echo "$config: hako: $h_out"; echo "$config: runc: $r_out"
        echo "$config: hako and runc: $h_out" >> "$work/shelljob"
        [ "$h_out" = "$r_out" ] || rc=1
        case "$r_out" in *"counting: yes"*) ;; *"restore: ok"*) rc=1 ;; esac
        nothing_left sjh || rc=1
    done
    return $rc
}
check "--shell-job: a tree on the caller's terminal, dumped and restored as runc does it (own devpts, host /dev/pts)" t_shell_job
[ -f "$work/shelljob" ] && sed 's/^/      /' "$work/shelljob"

# A deleted file held open: with --link-remap criu links it back under a temporary name for
# the dump (not a copy in the images) and the restored process reads it through its fd.
t_link_remap() {
    config cr-remap; rm -f "$b/rootfs/count"
    piped "$work/log" h run -d --bundle "$b" crlr || return 1
    wait_tick 2 || return 1
    h checkpoint --link-remap --image-path "$work/img13" crlr || return 1
    local how; how=$(grep -i -m2 "link.remap\|link_remap" "$work/img13/dump.log")
    echo "dump.log: $how"
    [ -n "$how" ] || { echo "criu did not use a link-remap"; return 1; }
    local t; t=$(tick_of)
    piped "$work/log" h restore -d --image-path "$work/img13" --bundle "$b" crlr || { tail "$work/log"; return 1; }
    wait_tick "$t" || return 1
    local held; held=$(h exec crlr sh -c 'cat /proc/1/fd/3; ls -l /proc/1/fd/3')
    echo "fd 3: $held"
    echo "$held" | grep -q held-data && echo "$held" | grep -q deleted || { h delete -f crlr; return 1; }
    ! ls "$b/rootfs" | grep -q link_remap || { echo "a link_remap file left in the rootfs: $(ls "$b/rootfs")"; return 1; }
    h delete -f crlr && nothing_left crlr
}
check "--link-remap: a deleted file held open comes back, read through its descriptor; no link left behind" t_link_remap

# The systemd driver: the container's scope is made again at restore with its limits.
t_systemd() {
    config cr-systemd; rm -f "$b/rootfs/count"
    piped "$work/log" sd run -d --bundle "$b" crsd || { tail "$work/log"; return 1; }
    wait_tick 2 || return 1
    sd checkpoint --image-path "$work/img14" crsd || return 1
    systemctl is-active -q hako-crsd.scope && { echo "the scope outlived the checkpoint"; return 1; }
    local t; t=$(tick_of)
    piped "$work/log" sd restore -d --image-path "$work/img14" --bundle "$b" crsd || { tail "$work/log"; return 1; }
    wait_tick "$t" || { echo "not counting after restore"; return 1; }
    local cg=/sys/fs/cgroup/system.slice/hako-crsd.scope
    systemctl is-active -q hako-crsd.scope || { echo "no scope after restore"; return 1; }
    echo "scope: memory.max $(cat $cg/memory.max), pids.max $(cat $cg/pids.max), procs $(wc -l < $cg/cgroup.procs)"
    grep -qx 50331648 $cg/memory.max && grep -qx 21 $cg/pids.max || { echo "limits lost"; return 1; }
    grep -qx "$(sd state crsd | grep '"pid"' | tr -dc 0-9)" $cg/cgroup.procs || { echo "init not in the scope"; return 1; }
    sd pause crsd && sd resume crsd || return 1
    sd delete -f crsd || return 1
    sleep 0.5
    systemctl is-active -q hako-crsd.scope && { echo "scope left"; return 1; }
    [ ! -e "$root/crsd" ] && [ ! -e $cg ]
}
check "--systemd-cgroup: checkpoint, then restore into a new scope with the config's limits; pause; delete removes the scope" t_systemd

# LSM: the guest's kernel has AppArmor (Debian's default); the restored tree is put in the
# profile asked for.
t_lsm() {
    local enabled; enabled=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)
    echo "AppArmor enabled: ${enabled:-no}"
    counting crlsm || return 1
    h checkpoint --image-path "$work/img15" crlsm || return 1
    local t; t=$(tick_of)
    local out; out=$(piped "$work/lsm.log" h restore -d --lsm-profile apparmor:unconfined --image-path "$work/img15" --bundle "$b" crlsm; echo "rc $?")
    echo "restore --lsm-profile apparmor:unconfined: $out"; tail -3 "$work/lsm.log"
    if [ "$enabled" = Y ]; then
        echo "$out" | grep -q "rc 0" || return 1
        wait_tick "$t" || return 1
        echo "restored profile: $(cat /proc/$(h state crlsm | grep '"pid"' | tr -dc 0-9)/attr/current)"
    fi
    h delete -f crlsm 2>/dev/null; nothing_left crlsm
}
check "--lsm-profile apparmor:unconfined reaches criu (on a kernel with AppArmor, the tree is restored under it)" t_lsm

t_bad_parent() {
    config cr-counter
    piped "$work/log" h run -d --bundle "$b" cr4 || return 1
    local out; out=$(h checkpoint --pre-dump --parent-path /abs --image-path "$work/img4" cr4 2>&1)
    echo "$out"; echo "$out" | grep -q -- "--parent-path /abs: must be relative" || { h delete -f cr4; return 1; }
    out=$(h checkpoint --parent-path ../none --image-path "$work/img4" cr4 2>&1)
    echo "$out"; echo "$out" | grep -q -- "--parent-path ../none" || { h delete -f cr4; return 1; }
    h state cr4 | grep -q '"running"' && h delete -f cr4 && nothing_left cr4
}
check "a bad --parent-path is refused, naming the flag; the container runs on" t_bad_parent

t_tty() {
    config cr-tty
    ./recvtty "$work/tty1.sock" "$work/tty1.out" >/dev/null 2>&1 & local r1=$!
    sleep 0.3
    h run -d --console-socket "$work/tty1.sock" --bundle "$b" cr5 || { echo "run failed"; return 1; }
    for _ in $(seq 50); do grep -q "tick 3" "$work/tty1.out" 2>/dev/null && break; sleep 0.2; done
    h checkpoint --image-path "$work/img5" cr5 || { echo "checkpoint failed"; return 1; }
    kill $r1 2>/dev/null
    ./recvtty "$work/tty2.sock" "$work/tty2.out" >/dev/null 2>&1 & local r2=$!
    sleep 0.3
    h restore -d --console-socket "$work/tty2.sock" --image-path "$work/img5" --bundle "$b" cr5 || { echo "restore failed"; kill $r2; return 1; }
    for _ in $(seq 50); do grep -q tick "$work/tty2.out" 2>/dev/null && break; sleep 0.2; done
    echo "after restore: $(tail -c 40 "$work/tty2.out" | tr '\r\n' '  ')"
    grep -q tick "$work/tty2.out" || { echo "nothing on the new console"; kill $r2; h delete -f cr5; return 1; }
    local tty; tty=$(h exec cr5 tty 2>&1); echo "exec: $tty"
    h delete -f cr5; kill $r2 2>/dev/null; nothing_left cr5
}
check "a container on a terminal: restored with --console-socket, its pty master sent there, it prints on" t_tty

t_tcp() {
    ip netns add crnet && ip -n crnet link set lo up || return 1
    config cr-tcp
    piped "$work/cr6.log" h run -d --bundle "$b" cr6 || { cat "$work/cr6.log"; ip netns del crnet; return 1; }
    local n
    for _ in $(seq 50); do n=$(wc -l < "$b/rootfs/tcp.out" 2>/dev/null); [ "${n:-0}" -gt 3 ] && break; sleep 0.2; done
    h state cr6 | grep -q '"running"' || { echo "not running:"; cat "$work/cr6.log"; h delete -f cr6; ip netns del crnet; return 1; }
    h checkpoint --tcp-established --tcp-skip-in-flight --image-path "$work/img6" cr6 || { h delete -f cr6; ip netns del crnet; return 1; }
    n=$(wc -l < "$b/rootfs/tcp.out")
    # As engines do (podman tears the network down and sets it up again): a new namespace
    # under the same path. The dumped one keeps criu's network lock (iptables DROP rules) for
    # the restore to lift; criu 3.17 cannot lift it twice, so a reused one stays dropped.
    ip netns del crnet && ip netns add crnet && ip -n crnet link set lo up || return 1
    piped "$work/log" h restore -d --tcp-established --image-path "$work/img6" --bundle "$b" cr6 || { ip netns del crnet; return 1; }
    local m
    for _ in $(seq 50); do m=$(wc -l < "$b/rootfs/tcp.out"); [ "$m" -gt $((n + 2)) ] && break; sleep 0.2; done
    echo "echoes before: $n, after: $m"
    [ "$m" -gt $((n + 2)) ]; local rc=$?
    if [ $rc -ne 0 ]; then
        { echo "-- iptables in crnet after restore"; ip netns exec crnet iptables-save 2>&1 | grep -v '^#'
          echo "-- sockets"; ip netns exec crnet ss -tan 2>&1
          echo "-- dump.log"; grep -i -E "lock|iptables|tcp" "$work/img6/dump.log" | tail -15
          echo "-- restore.log"; grep -i -E -A3 "lock|iptables" "$work/img6/restore.log" | tail -15; } > "$work/tcp-diagnosis" 2>&1
    fi
    h delete -f cr6; ip netns del crnet; [ $rc -eq 0 ] && nothing_left cr6
}
check "an established TCP connection and its listener (netns joined by path) survive with --tcp-established" t_tcp
[ -f "$work/tcp-diagnosis" ] && sed 's/^/      /' "$work/tcp-diagnosis"

t_errors() {
    local out
    out=$(h restore -d --image-path "$work/none" --bundle "$b" cr7 2>&1); echo "$out"
    echo "$out" | grep -q -- "--image-path $work/none" || return 1
    out=$(h checkpoint --manage-cgroups-mode sometimes cr7 2>&1); echo "$out"
    config cr-counter
    piped "$work/log" h run -d --bundle "$b" cr7 || return 1
    out=$(h checkpoint --manage-cgroups-mode sometimes --image-path "$work/img7" cr7 2>&1); echo "$out"
    echo "$out" | grep -q -- "--manage-cgroups-mode sometimes" || { h delete -f cr7; return 1; }
    out=$(h checkpoint --empty-ns pid --image-path "$work/img7" cr7 2>&1); echo "$out"
    echo "$out" | grep -q -- "--empty-ns pid" || { h delete -f cr7; return 1; }
    # A restore whose id is taken fails and leaves the running one alone.
    h checkpoint --leave-running --image-path "$work/img7" cr7 || return 1
    out=$(h restore -d --image-path "$work/img7" --bundle "$b" cr7 2>&1); echo "$out"
    h state cr7 | grep -q '"running"' || return 1
    # A restore that criu refuses (the same tree restored twice: its pids are taken) leaves nothing.
    piped "$work/cr7b.log" h restore -d --image-path "$work/img7" --bundle "$b" cr7b; tail -3 "$work/cr7b.log"
    if [ -n "$(h state cr7b 2>/dev/null)" ]; then h delete -f cr7b; fi
    h delete -f cr7 && nothing_left cr7 && nothing_left cr7b
}
check "bad flags name themselves; a restore over a taken id or refused by criu leaves nothing" t_errors

# Timing against runc in the same guest: checkpoint and restore of a small container.
t_timing() {
    config cr-counter
    local i s e hk=0 hr=0 rk=0 rr=0
    for i in 1 2 3; do
        piped "$work/log" h run -d --bundle "$b" crt || return 1; sleep 0.5
        s=$(date +%s%N); h checkpoint --image-path "$work/imgt$i" crt || return 1; e=$(date +%s%N); hk=$((hk + e - s))
        s=$(date +%s%N); piped "$work/log" h restore -d --image-path "$work/imgt$i" --bundle "$b" crt || return 1; e=$(date +%s%N); hr=$((hr + e - s))
        h delete -f crt
        piped "$work/log" runc --root "$work/runc" run -d --bundle "$b" crt || return 1; sleep 0.5
        s=$(date +%s%N); runc --root "$work/runc" checkpoint --image-path "$work/rimgt$i" crt || return 1; e=$(date +%s%N); rk=$((rk + e - s))
        s=$(date +%s%N); piped "$work/log" runc --root "$work/runc" restore -d --image-path "$work/rimgt$i" --bundle "$b" crt || return 1; e=$(date +%s%N); rr=$((rr + e - s))
        runc --root "$work/runc" delete -f crt
    done
    # What a command costs either runtime here without criu, for scale.
    piped "$work/log" h run -d --bundle "$b" crs || return 1
    piped "$work/log" runc --root "$work/runc" run -d --bundle "$b" crs || return 1
    local hs=0 rs=0
    for i in 1 2 3; do
        s=$(date +%s%N); h state crs >/dev/null; e=$(date +%s%N); hs=$((hs + e - s))
        s=$(date +%s%N); runc --root "$work/runc" state crs >/dev/null; e=$(date +%s%N); rs=$((rs + e - s))
    done
    h delete -f crs; runc --root "$work/runc" delete -f crs
    echo "checkpoint: hako $((hk / 3000000)) ms, runc $((rk / 3000000)) ms; restore: hako $((hr / 3000000)) ms, runc $((rr / 3000000)) ms; state: hako $((hs / 3000000)) ms, runc $((rs / 3000000)) ms (mean of 3, software-emulated guest)" > "$work/timing"
}
check "checkpoint and restore timed against runc" t_timing
[ -f "$work/timing" ] && echo "TIMING $(cat "$work/timing")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
