#!/usr/bin/env bash
# Fuzzes hako's decoding of config.json, state.json and hook state with libFuzzer
# (swiftc -sanitize=fuzzer,address) for SECONDS seconds (default 300; CI runs 60).
# The seed corpus is real configs: the test fixtures (podman's, runtime-tools', runc's),
# and, where the tools are installed, `ctr oci spec` (containerd's defaults), `runc spec`,
# `crun spec`, podman's default seccomp profile inside a config, and the state.json of a
# container hako creates. A crash, leak or timeout fails the run and leaves its input in
# fuzz/findings/; each one found becomes a test in Tests/OCISpecTests or RuntimeTests.
#   ./fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_TO_RUN=${1:-300}
FUZZ=$PWD
CORPUS=$(mktemp -d /tmp/hako-fuzz-corpus.XXXXXX)
trap '[ -n "${KEEP_CORPUS:-}" ] || rm -rf "$CORPUS"' EXIT

echo "== building the fuzzer"
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product HakoFuzz 2>&1 | tail -1

echo "== seed corpus"
cp ../Tests/OCISpecTests/Fixtures/*.json "$CORPUS/"
command -v ctr >/dev/null && ctr oci spec >"$CORPUS/containerd-default.json" 2>/dev/null || true
for runtime in runc crun; do
    if command -v "$runtime" >/dev/null; then
        dir=$(mktemp -d)
        (cd "$dir" && "$runtime" spec >/dev/null 2>&1 && cp config.json "$CORPUS/$runtime-spec.json") || true
        (cd "$dir" && rm -f config.json && "$runtime" spec --rootless >/dev/null 2>&1 && cp config.json "$CORPUS/$runtime-spec-rootless.json") || true
        rm -rf "$dir"
    fi
done
if [ -f /usr/share/containers/seccomp.json ]; then
    python3 - "$CORPUS/runc-spec.json" /usr/share/containers/seccomp.json "$CORPUS/podman-seccomp-config.json" <<'EOF' || true
import json, sys
spec = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else {}
spec.setdefault("linux", {})["seccomp"] = json.load(open(sys.argv[2]))
json.dump(spec, open(sys.argv[3], "w"))
EOF
fi
# hako's own state.json, as `create` writes it (needs root, a built hako and busybox-static).
. ../bench/lib.sh
if [ "$(id -u)" = 0 ] && HAKO=$(cd .. && find_hako 2>/dev/null && echo "$HAKO"); then
    work=$(mktemp -d)
    if make_bundle "$work" sleep 10 >/dev/null 2>&1 &&
        "$HAKO" --root "$work/state" create --bundle "$work" fuzzseed </dev/null >/dev/null 2>&1; then
        cp "$work/state/fuzzseed/state.json" "$CORPUS/hako-state.json"
        "$HAKO" --root "$work/state" delete --force fuzzseed >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
fi
echo "$(ls "$CORPUS" | wc -l) seeds"

echo "== fuzzing for $SECONDS_TO_RUN s"
mkdir -p "$FUZZ/findings"
status=0
.build/release/HakoFuzz "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$FUZZ/findings/" -print_final_stats=1 >"$CORPUS.log" 2>&1 || status=$?
grep -E "^(stat::number_of_executed_units|stat::new_units_added|Done)" "$CORPUS.log" || true
if [ "$status" != 0 ]; then
    tail -40 "$CORPUS.log"
    echo "error: the fuzzer found a failing input (exit $status): see fuzz/findings/" >&2
fi
rm -f "$CORPUS.log"
exit "$status"
