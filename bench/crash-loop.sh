#!/usr/bin/env bash
# hako killed with SIGKILL at a random moment (0-29 ms in) of one operation, N times per
# stage, each time followed by `delete --force`; then counts what is left: state
# directories, cgroups (every hierarchy), processes and mounts of these containers.
#   sudo ./bench/crash-loop.sh [N] [STAGE...]   (default 200; stages: create run start exec delete update pause)
# HAKO=/path/to/hako uses that binary; else the release build, else the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
shift || true
STAGES=("$@")
[ ${#STAGES[@]} -gt 0 ] || STAGES=(create run start exec delete update pause)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
. bench/lib.sh
find_hako

WORK=$(mktemp -d /tmp/hako-crash.XXXXXX)
ROOT=$WORK/state
B=$WORK/bundle
PREFIX=crash$$-
trap 'for d in "$ROOT"/"$PREFIX"*; do [ -e "$d" ] && "$HAKO" --root "$ROOT" delete --force "$(basename "$d")" >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT
make_bundle "$B" sleep 1000 >/dev/null

hako() { "$HAKO" --root "$ROOT" "$@"; }
# Runs hako in the background and kills it 0-29 ms in.
killed() {
    "$HAKO" --root "$ROOT" "$@" </dev/null >/dev/null 2>&1 &
    local pid=$!
    sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# Counts of what is left, by kind.
left_counts() {
    local left
    left=$(leftovers "$ROOT" "$PREFIX" "$WORK" "$B")
    echo "state $(grep -c '^state ' <<<"$left"), cgroups $(grep -c '^cgroup ' <<<"$left"), processes $(grep -c '^process ' <<<"$left"), mounts $(grep -c '^mount ' <<<"$left")"
}

failed=0
for stage in "${STAGES[@]}"; do
    failures=0
    for i in $(seq 1 "$N"); do
        id=$PREFIX$stage$i
        case $stage in
            create) killed create --bundle "$B" "$id" ;;
            run) killed run --detach --bundle "$B" "$id" ;;
            *)
                hako create --bundle "$B" "$id" </dev/null >/dev/null
                if [ "$stage" != start ]; then hako start "$id"; fi
                case $stage in
                    start) killed start "$id" ;;
                    exec) killed exec "$id" touch "/tmp/exec$i" ;;
                    delete) killed delete --force "$id" ;;
                    update) killed update --pids-limit $((100 + i)) "$id" ;;
                    pause) killed pause "$id"; hako resume "$id" >/dev/null 2>&1 || true ;;
                esac
                # Intact and usable after an interrupted start, exec, update or pause.
                if [ "$stage" != delete ] && [ "$stage" != start ] && ! hako exec "$id" true; then
                    echo "$stage $i: exec into the container failed afterwards" >&2
                    failures=$((failures + 1))
                fi
                ;;
        esac
        if ! hako delete --force "$id"; then
            echo "$stage $i: delete --force failed" >&2
            failures=$((failures + 1))
        fi
    done
    left=$(left_counts)
    echo "$stage: $N kills, $failures failures; left: $left"
    if [ "$failures" != 0 ] || [ "$left" != "state 0, cgroups 0, processes 0, mounts 0" ]; then failed=1; fi
done
exit "$failed"
