#!/usr/bin/env bash
# WebAssembly containers, measured: `hako run` of a container whose process is a WASI module
# (e2e/wasm/hello.wat, compiled with Debian's wabt), against `hako run` of a busybox `echo`
# container, and the same module outside any container in wasmtime (PyPI's package, driven
# by bench/wasm-reference.py; Python's own start-up is in its figure, and measured alone
# beside it). hyperfine -N, then peak RSS. Writes bench/results/wasm.md and wasm.json.
# Run as root: sudo ./bench/wasm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=$PWD/bench
OUT=$BENCH/results
RUNS=${WASM_RUNS:-40}

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v wat2wasm >/dev/null || need+=(wabt)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
./scripts/build-release.sh >/dev/null
HAKO=$PWD/.build/lean/release/hako
. "$BENCH/lib.sh"

WORK=$(mktemp -d /tmp/hako-wasm-bench-XXXXXX)
trap '"$HAKO" --root "$WORK/root" delete --force wb-echo >/dev/null 2>&1; "$HAKO" --root "$WORK/root" delete --force wb-wasm >/dev/null 2>&1; rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv" >/dev/null
"$WORK/venv/bin/pip" install -q wasmtime
make_bundle "$WORK/echo" echo hello >/dev/null
make_bundle "$WORK/wasm" /hello.wasm >/dev/null
wat2wasm e2e/wasm/hello.wat -o "$WORK/wasm/rootfs/hello.wasm"
python3 - "$WORK/wasm/config.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec.setdefault("annotations", {})["run.oci.handler"] = "wasm"
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
mkdir -p "$OUT"
# The module exits with status 3 (e2e checks it): -i lets hyperfine accept that.
hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$OUT/wasm.json" \
    -n "hako run, busybox echo" "$HAKO --root $WORK/root run --bundle $WORK/echo wb-echo" \
    -n "hako run, wasm module" "$HAKO --root $WORK/root run --bundle $WORK/wasm wb-wasm" \
    -n "wasmtime (Python), no container" "$WORK/venv/bin/python $BENCH/wasm-reference.py $WORK/wasm/rootfs/hello.wasm" \
    -n "Python alone (import wasmtime)" "$WORK/venv/bin/python -c 'import wasmtime'" >/dev/null
peak() { # COMMAND...: median peak RSS of 5 runs, KiB
    # (the module exits with 3: its status is not the point here)
    for _ in 1 2 3 4 5; do { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1; done | sort -n | sed -n 3p
}
rss_echo=$(peak "$HAKO" --root "$WORK/root" run --bundle "$WORK/echo" wb-echo)
rss_wasm=$(peak "$HAKO" --root "$WORK/root" run --bundle "$WORK/wasm" wb-wasm)
rss_ref=$(peak "$WORK/venv/bin/python" "$BENCH/wasm-reference.py" "$WORK/wasm/rootfs/hello.wasm")
python3 - "$OUT/wasm.json" "$OUT/wasm.md" "$rss_echo" "$rss_wasm" "$rss_ref" "$(git log -1 --format=%h)" <<'PY'
import json, sys, datetime
results = json.load(open(sys.argv[1]))["results"]
rss = {0: sys.argv[3], 1: sys.argv[4], 2: sys.argv[5]}
lines = ["# WebAssembly containers", "",
         f"hako commit {sys.argv[6]}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}; "
         f"hyperfine -N, {len(results[0]['times'])} runs after 3 warm-ups; peak RSS the median of 5 runs.", "",
         "| command | median | mean ± σ | peak RSS |", "|---|---|---|---|"]
for i, r in enumerate(results):
    peak = f"{int(rss[i]) / 1024:.1f} MiB" if i in rss else "-"
    lines.append(f"| {r['command']} | {r['median'] * 1000:.1f} ms | {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} ms | {peak} |")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
