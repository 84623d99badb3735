#!/usr/bin/env bash
# Soak test: CYCLES create/start/delete cycles, then CYCLES `run`s, of a busybox container
# with hako. Fails if anything is left (state directory, cgroup, process, mount) or if the
# last 100 cycles take more than twice as long as the first 100 (a leak shows as a
# slowdown: state root, cgroups, descriptors). Prints both means; not a benchmark.
#   sudo ./bench/soak.sh [CYCLES]     (default 1000; CI runs 200)
# HAKO=/path/to/hako soaks that binary; else the release build, else the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLES=${1:-1000}
if [ "$CYCLES" -lt 200 ]; then
    echo "error: CYCLES must be at least 200 (the first and last 100 are compared)" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "run as root: sudo ./bench/soak.sh" >&2
    exit 1
fi
. bench/lib.sh
find_hako

WORK=$(mktemp -d /tmp/hako-soak.XXXXXX)
ROOT=$WORK/state
PREFIX=soak$$-
cleanup() {
    for dir in "$ROOT"/"$PREFIX"*; do
        [ -d "$dir" ] && "$HAKO" --root "$ROOT" delete --force "$(basename "$dir")" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

make_bundle "$WORK/bundle" true

# Milliseconds per cycle, one line each, in $1.
now() { date +%s%N; }
soak() {
    local kind=$1 times=$2 i start end
    : >"$times"
    for i in $(seq 1 "$CYCLES"); do
        local id=$PREFIX$kind$i
        start=$(now)
        if [ "$kind" = cycle ]; then
            "$HAKO" --root "$ROOT" create --bundle "$WORK/bundle" "$id" </dev/null
            "$HAKO" --root "$ROOT" start "$id"
            # `true` exits at once; delete waits for nothing but the removal.
            "$HAKO" --root "$ROOT" delete --force "$id"
        else
            "$HAKO" --root "$ROOT" run --bundle "$WORK/bundle" "$id" </dev/null
        fi
        end=$(now)
        echo $(( (end - start) / 1000 )) >>"$times"
    done
}


failed=0
report() {
    local kind=$1 times=$2
    python3 - "$kind" "$times" <<'EOF'
import sys
kind, path = sys.argv[1], sys.argv[2]
times = [int(line) for line in open(path)]
first, last = times[:100], times[-100:]
mean = lambda xs: sum(xs) / len(xs) / 1000
ratio = mean(last) / mean(first)
print(f"{kind}: {len(times)} cycles, first 100 {mean(first):.1f} ms, last 100 {mean(last):.1f} ms (x{ratio:.2f})")
sys.exit(1 if ratio > 2 else 0)
EOF
}

for kind in cycle run; do
    soak "$kind" "$WORK/$kind.times"
    report "$kind" "$WORK/$kind.times" || { echo "error: $kind slowed down over the soak" >&2; failed=1; }
    left=$(leftovers "$ROOT" "$PREFIX" "$WORK" "$WORK/bundle")
    if [ -n "$left" ]; then
        echo "error: $kind left:" >&2
        echo "$left" >&2
        failed=1
    fi
done
if [ "$failed" = 0 ]; then echo "soak: nothing left, no slowdown"; fi
exit "$failed"
