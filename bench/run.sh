#!/usr/bin/env bash
# Benchmarks hako against runc and crun on a busybox-static bundle: lifecycle and `run`
# times, 50 containers started at once, `exec` into a running container, `list` of 100,
# peak memory, the smallest memory limit a container runs under, and --version/state
# start-up. Writes bench/results/latest.md and the raw hyperfine JSON.
# Run as root: sudo ./bench/run.sh   (see bench/README.md)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
REPO=$PWD
BENCH=$REPO/bench
OUT=$BENCH/results
WARMUP=${WARMUP:-3}

if [ "$(id -u)" != 0 ]; then
    echo "run as root: sudo ./bench/run.sh" >&2
    exit 1
fi

# ---------------------------------------------------------------- dependencies
missing=()
command -v runc >/dev/null || missing+=(runc)
command -v crun >/dev/null || missing+=(crun)
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v strace >/dev/null || missing+=(strace)
command -v python3 >/dev/null || missing+=(python3)
command -v unshare >/dev/null || missing+=(util-linux)
[ -x /usr/bin/time ] || missing+=(time)
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing from Debian: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ldd /bin/busybox >/dev/null 2>&1; then
    echo "error: /bin/busybox is dynamically linked; the rootfs needs busybox-static" >&2
    exit 1
fi

# ---------------------------------------------------------------- one mount namespace
# crun refuses hybrid cgroups (v1 controllers + cgroup2 at /sys/fs/cgroup/unified); in a mount
# namespace without the cgroup2 mount it works. So on a hybrid host the script runs itself again,
# once, in such a namespace (private: the host keeps its mount), and everything below, the three
# runtimes alike, runs there directly: all three see the same host, cgroup v1 only.
hybrid() {
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
        [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]
}
if [ -z "${HAKO_BENCH_NAMESPACE:-}" ] && hybrid; then
    echo "== hybrid cgroups: running the benchmark in a mount namespace without /sys/fs/cgroup/unified"
    export HAKO_BENCH_NAMESPACE=1
    exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$BENCH/run.sh" "$@"
fi
if [ -n "${HAKO_BENCH_NAMESPACE:-}" ] && hybrid; then
    echo "error: HAKO_BENCH_NAMESPACE is set but /sys/fs/cgroup/unified is still mounted" >&2
    exit 1
fi
IN_NAMESPACE=0
if [ -n "${HAKO_BENCH_NAMESPACE:-}" ] && [ -d /sys/fs/cgroup/unified ] &&
   [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    IN_NAMESPACE=1
fi

# ---------------------------------------------------------------- build
# HAKO=/path/to/hako benchmarks that binary instead of building the work tree.
if [ -n "${HAKO:-}" ]; then
    echo "== using HAKO=$HAKO (no build)"
    HAKO_SRC=$HAKO
else
    echo "== building hako (release)"
    buildlog=$(mktemp /tmp/hako-bench-build.XXXXXX)
    # Two tries: a file edited during the build fails the first ("modified during the build").
    if ! ./scripts/build-release.sh >"$buildlog" 2>&1 && ! ./scripts/build-release.sh >"$buildlog" 2>&1; then
        tail -30 "$buildlog" >&2
        rm -f "$buildlog"
        echo "error: the release build failed (HAKO=/path/to/hako benchmarks a built binary)" >&2
        exit 1
    fi
    tail -1 "$buildlog"
    rm -f "$buildlog"
    HAKO_SRC=.build/lean/release/hako
fi

# ---------------------------------------------------------------- work dir and cleanup
WORK=$(mktemp -d /tmp/hako-bench.XXXXXX)
P=hb$$                                   # container-id prefix: $P-<runtime>-<name>
mkdir -p "$WORK/bin" "$WORK/root/hako" "$WORK/root/runc" "$WORK/root/crun" "$OUT"
# A copy: another build may replace .build/lean/release/hako while the benchmark runs.
cp "$HAKO_SRC" "$WORK/bin/hako"
HAKO_BIN=$WORK/bin/hako

export BENCH_WORK=$WORK BENCH_PREFIX=$P BENCH_HAKO=$HAKO_BIN
LEFTOVERS="python3 $BENCH/leftovers.py"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -d "$WORK" ]; then
        local left
        left=$($LEFTOVERS --sweep --label exit 2>/dev/null || true)
        [ -z "$left" ] || printf 'removed at exit:\n%s\n' "$left" >&2
        left=$($LEFTOVERS 2>/dev/null || true)
        [ -z "$left" ] || printf 'WARNING: still left after cleanup:\n%s\n' "$left" >&2
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RUNTIMES=(hako runc crun)
# cmd RT: the runtime's command line (a string, for hyperfine and sh -c).
cmd() {
    case $1 in
        hako) echo "$HAKO_BIN --root $WORK/root/hako" ;;
        runc) echo "runc --root $WORK/root/runc" ;;
        crun) echo "crun --root $WORK/root/crun" ;;
    esac
}

# ---------------------------------------------------------------- bundles
# One identical bundle per runtime (its busybox inode tells whose container a process is).
echo "== making busybox bundles under $WORK"
for rt in "${RUNTIMES[@]}"; do
    b=$WORK/b-$rt
    mkdir -p "$b/rootfs/bin"
    cp /bin/busybox "$b/rootfs/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -s busybox "$b/rootfs/bin/$applet"
    done
    (cd "$b" && runc spec)
    python3 - "$b/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(path, "w"), indent=2)
PY
    # Same rootfs, other process: the memory-limit bundle runs `echo hi` (limit set per
    # probe), the sleep bundle `sleep 1000` (containers that stay running).
    for x in "m:echo hi" "s:sleep 1000"; do
        mkdir -p "$WORK/${x%%:*}-$rt"
        python3 - "$b/config.json" "$WORK/${x%%:*}-$rt/config.json" "$b/rootfs" "${x#*:}" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"]["path"] = sys.argv[3]
c["process"]["args"] = sys.argv[4].split()
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
    done
done

# Sanity: every runtime runs the bundle.
for rt in "${RUNTIMES[@]}"; do
    sh -c "$(cmd "$rt") run --bundle $WORK/b-$rt $P-$rt-check" </dev/null
done

# ---------------------------------------------------------------- machine
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
HAKO_VERSION=$("$HAKO_BIN" --version | head -1)
RUNC_VERSION=$(runc --version | head -1)
CRUN_VERSION=$(crun --version | head -1)
HYPERFINE_VERSION=$(hyperfine --version)
HAKO_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "${HAKO:-}" ]; then
    HAKO_COMMIT="binary $HAKO; the work tree is at commit $HAKO_COMMIT"
elif [ -n "$(git -C "$REPO" status --porcelain -- Sources Package.swift 2>/dev/null)" ]; then
    HAKO_COMMIT="built from commit $HAKO_COMMIT + uncommitted changes"
else
    HAKO_COMMIT="built from commit $HAKO_COMMIT"
fi
if [ "$IN_NAMESPACE" = 1 ]; then
    CGROUPS="hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)"
    NAMESPACE="the whole benchmark ran in one mount namespace without the cgroup2 mount at /sys/fs/cgroup/unified (crun refuses hybrid cgroups): hako, runc and crun all saw the same host, cgroup v1 only, and were called directly"
elif [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CGROUPS="v2 (unified)"; NAMESPACE=""
else CGROUPS="v1"; NAMESPACE=""; fi
echo "== machine: $(nproc) cores, kernel $(uname -r), $CPU; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   cgroups: $CGROUPS"
echo "   $HAKO_VERSION ($HAKO_COMMIT) | $RUNC_VERSION | $CRUN_VERSION | $HYPERFINE_VERSION"
[ -z "$NAMESPACE" ] || echo "   $NAMESPACE"
python3 - "$OUT/machine.json" <<PY
import json, sys
json.dump({"nproc": $(nproc), "kernel": "$(uname -r)", "cpu": """$CPU""",
           "memory_kib": $(awk '/MemTotal/ {print $2}' /proc/meminfo), "cgroups": "$CGROUPS",
           "hako": "$HAKO_VERSION", "hako_commit": "$HAKO_COMMIT", "runc": "$RUNC_VERSION",
           "crun": "$CRUN_VERSION", "hyperfine": "$HYPERFINE_VERSION",
           "mount_namespace": """$NAMESPACE""", "warmup": $WARMUP,
           "loadavg_start": "$(cut -d' ' -f1-3 /proc/loadavg)",
           "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}, open(sys.argv[1], "w"), indent=2)
PY
rm -f "$OUT/leftovers.tsv"

# hf NAME [hyperfine options] -- CMD_HAKO CMD_RUNC CMD_CRUN: one hyperfine run per figure.
hf() {
    local name=$1; shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    echo
    echo "== $name"
    hyperfine --warmup "$WARMUP" "${opts[@]}" --export-json "$OUT/$name.json" \
        -n hako "$1" -n runc "$2" -n crun "$3"
}

# ---------------------------------------------------------------- 1. create + start + delete
cycle() { # RT: create, start, delete --force, the same three calls for every runtime
    local id=$P-$1-cycle
    echo "$(cmd "$1") create --bundle $WORK/b-$1 $id && $(cmd "$1") start $id && $(cmd "$1") delete --force $id"
}
hf cycle --min-runs 40 --prepare "$LEFTOVERS --sweep --label cycle >> $OUT/leftovers.tsv" \
    -- "$(cycle hako)" "$(cycle runc)" "$(cycle crun)"

# ---------------------------------------------------------------- 2. run true, once and 100 times
run1() { echo "$(cmd "$1") run --bundle $WORK/b-$1 $P-$1-run"; }
hf run -N -- "$(run1 hako)" "$(run1 runc)" "$(run1 crun)"
$LEFTOVERS --sweep --label run >> "$OUT/leftovers.tsv"

run100() {
    echo "i=0; while [ \$i -lt 100 ]; do $(run1 "$1") || exit 1; i=\$((i+1)); done"
}
hf run100 --runs 6 -- "$(run100 hako)" "$(run100 runc)" "$(run100 crun)"
$LEFTOVERS --sweep --label run100 >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 5. 50 concurrent creates, then deletes
concurrent() {
    local id=$P-$1-c
    echo "seq 1 50 | xargs -P 2 -I{} $(cmd "$1") create --bundle $WORK/b-$1 $id{} && seq 1 50 | xargs -P 2 -I{} $(cmd "$1") delete --force $id{}"
}
: > "$WORK/concurrent.tsv"
hf concurrent50 --runs 3 \
    --prepare "$LEFTOVERS --sweep --label concurrent50 >> $WORK/concurrent.tsv" \
    --cleanup "$LEFTOVERS --sweep --label concurrent50 >> $WORK/concurrent.tsv" \
    -- "$(concurrent hako)" "$(concurrent runc)" "$(concurrent crun)"
$LEFTOVERS --label concurrent50 >> "$WORK/concurrent.tsv"
cat "$WORK/concurrent.tsv" >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 6. --version and state
hf version -N -- "$HAKO_BIN --version" "runc --version" "crun --version"
for rt in "${RUNTIMES[@]}"; do
    sh -c "$(cmd "$rt") create --bundle $WORK/b-$rt $P-$rt-state" </dev/null
done
statecmd() { echo "$(cmd "$1") state $P-$1-state"; }
hf state -N -- "$(statecmd hako)" "$(statecmd runc)" "$(statecmd crun)"
for rt in "${RUNTIMES[@]}"; do
    sh -c "$(cmd "$rt") delete --force $P-$rt-state" </dev/null
done
$LEFTOVERS --sweep --label state >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 7. 50 containers started at once
# What an engine does when many containers come up together: 50 create + start pairs of a
# `sleep 1000` container, all 50 at once; the command returns when every start has returned
# (every container running). Before each run (and after each runtime's last) the 50 are deleted
# with delete --force, outside the timing, and anything else left is swept and counted.
start50() {
    local c
    c=$(cmd "$1")
    echo "seq 1 50 | xargs -P 50 -I{} sh -c '$c create --bundle $WORK/s-$1 $P-$1-up{} >/dev/null && $c start $P-$1-up{}'"
}
down50="$LEFTOVERS --delete up --sweep --label start50 >> $OUT/leftovers.tsv"
hf start50 --runs "${START50_RUNS:-15}" --prepare "$down50" --cleanup "$down50" \
    -- "$(start50 hako)" "$(start50 runc)" "$(start50 crun)"

# ---------------------------------------------------------------- 8. exec into a running container
# `exec ID true` into one running `sleep 1000` container per runtime, as podman healthchecks
# and Kubernetes exec probes do.
for rt in "${RUNTIMES[@]}"; do
    sh -c "$(cmd "$rt") create --bundle $WORK/s-$rt $P-$rt-exec && $(cmd "$rt") start $P-$rt-exec" </dev/null >/dev/null
done
execcmd() { echo "$(cmd "$1") exec $P-$1-exec true"; }
hf exec -N -- "$(execcmd hako)" "$(execcmd runc)" "$(execcmd crun)"
$LEFTOVERS --delete exec --sweep --label exec >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 9. list with 100 containers
# `list` with 100 created containers per runtime (made before, deleted after).
for rt in "${RUNTIMES[@]}"; do
    seq 1 100 | xargs -P 2 -I{} sh -c "$(cmd "$rt") create --bundle $WORK/b-$rt $P-$rt-ls{}" >/dev/null
done
listcmd() { echo "$(cmd "$1") list"; }
hf list100 -N -- "$(listcmd hako)" "$(listcmd runc)" "$(listcmd crun)"
$LEFTOVERS --delete ls --sweep --label list100 >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 3. peak memory
# /usr/bin/time -f %M: the largest RSS of the runtime process and its reaped descendants,
# in KiB.
MEM_RUNS=${MEM_RUNS:-10}
echo
echo "== peak memory (max RSS, KiB, $MEM_RUNS runs each)"
maxrss() { # RT VERB ARGS...: runs one command under /usr/bin/time, prints KiB
    local rt=$1; shift
    local f=$WORK/rss
    sh -c "/usr/bin/time -f %M -o $f $(cmd "$rt") $*" </dev/null >/dev/null
    tail -1 "$f"
}
# The same binary peaks up to 0.7 MiB apart depending on how its pages came into the page
# cache (written by cp or dpkg, or read back from disk). So each runtime's binary is evicted
# (dd iflag=nocache drops its cached pages) and read back by one --version first: all three
# are then measured alike.
evict() { # BINARY
    local path
    path=$(command -v "$1")
    sync "$path"
    dd if="$path" iflag=nocache count=0 status=none
    "$path" --version >/dev/null
}
: > "$WORK/memory.tsv"
for rt in "${RUNTIMES[@]}"; do
    case $rt in hako) evict "$HAKO_BIN" ;; *) evict "$rt" ;; esac
    for i in $(seq "$MEM_RUNS"); do
        kib=$(maxrss "$rt" create --bundle "$WORK/b-$rt" "$P-$rt-mem")
        printf '%s\tcreate\t%s\n' "$rt" "$kib" >> "$WORK/memory.tsv"
        sh -c "$(cmd "$rt") delete --force $P-$rt-mem" </dev/null
        kib=$(maxrss "$rt" run --bundle "$WORK/b-$rt" "$P-$rt-memrun")
        printf '%s\trun\t%s\n' "$rt" "$kib" >> "$WORK/memory.tsv"
    done
    for i in $(seq "$MEM_RUNS"); do
        f=$WORK/rss
        case $rt in hako) b=$HAKO_BIN ;; *) b=$rt ;; esac
        /usr/bin/time -f %M -o "$f" "$b" --version >/dev/null
        printf '%s\tversion\t%s\n' "$rt" "$(tail -1 "$f")" >> "$WORK/memory.tsv"
    done
    echo "   $rt: create $(awk -F'\t' -v r="$rt" '$1==r && $2=="create" {printf "%s ", $3}' "$WORK/memory.tsv")"
    echo "   $rt: run    $(awk -F'\t' -v r="$rt" '$1==r && $2=="run" {printf "%s ", $3}' "$WORK/memory.tsv")"
done
cp "$WORK/memory.tsv" "$OUT/memory.tsv"
$LEFTOVERS --sweep --label memory >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- 4. smallest memory limit
# Bisection over linux.resources.memory.limit (= memory.swap, so no swap), in 16 KiB steps,
# between 16 KiB and 64 MiB (crun needs less than 256 KiB, so the floor is lower than that).
# A probe succeeds if `run` prints "hi" and exits 0. A runtime is bisected only if it really
# applies the limit: a container it created must sit in a memory cgroup with that limit.
echo
echo "== smallest memory limit under which \`echo hi\` runs"
set_limit() { # RT KIB: writes the limit into the runtime's memory-limit bundle
    python3 - "$WORK/m-$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
b = int(sys.argv[2]) * 1024
c["linux"].setdefault("resources", {})["memory"] = {"limit": b, "swap": b}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
}
applies_limit() { # RT -> 0 if a container created with a 64 MiB limit has that limit
    local rt=$1 id=$P-$1-limcheck pid ok=1
    set_limit "$rt" 65536
    if sh -c "$(cmd "$rt") create --bundle $WORK/m-$rt $id" </dev/null >/dev/null 2>&1; then
        pid=$(sh -c "$(cmd "$rt") state $id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
        if python3 - "$pid" $((65536 * 1024)) <<'PY'
import sys
pid, want = sys.argv[1], int(sys.argv[2])
v1 = v2 = None
for line in open("/proc/%s/cgroup" % pid):
    _, controllers, path = line.rstrip("\n").split(":", 2)
    if "memory" in controllers.split(","):
        v1 = path
    elif controllers == "":
        v2 = path
files = []
if v1 is not None:
    files.append("/sys/fs/cgroup/memory%s/memory.limit_in_bytes" % v1)
if v2 is not None:
    files.append("/sys/fs/cgroup%s/memory.max" % v2)
for f in files:
    try:
        if open(f).read().strip() == str(want):
            sys.exit(0)
    except OSError:
        pass
sys.exit(1)
PY
        then ok=0; fi
    fi
    $LEFTOVERS --sweep >/dev/null
    return $ok
}
probe() { # RT KIB -> 0 if the container ran
    local rt=$1 kib=$2 out rc
    set_limit "$rt" "$kib"
    set +e
    out=$(timeout 30 sh -c "$(cmd "$rt") run --bundle $WORK/m-$rt $P-$rt-limit" </dev/null 2>>"$OUT/memlimit-$rt.log")
    rc=$?
    set -e
    $LEFTOVERS --sweep >/dev/null    # a failed run may leave its container behind
    out=${out//$'\n'/ }
    printf '%s\t%s\t%s\t%s\n' "$rt" "$kib" "$rc" "${out:0:40}" >> "$OUT/memlimit.tsv"
    [ "$rc" = 0 ] && [ "$out" = hi ]
}
: > "$OUT/memlimit.tsv"
rm -f "$OUT"/memlimit-*.log
: > "$WORK/limits.tsv"
HAKO_LIMITS=false
for rt in "${RUNTIMES[@]}"; do
    if ! applies_limit "$rt"; then
        result="n/a (cgroup limits not yet applied)"
    else
        [ "$rt" = hako ] && HAKO_LIMITS=true
        lo=1 hi=4096                      # in 16 KiB units: 16 KiB .. 64 MiB
        if ! probe "$rt" $((hi * 16)); then
            result="> 64 MiB"
        elif probe "$rt" $((lo * 16)); then
            result="<= 16 KiB"
        else
            while [ $((hi - lo)) -gt 1 ]; do
                mid=$(((lo + hi) / 2))
                if probe "$rt" $((mid * 16)); then hi=$mid; else lo=$mid; fi
            done
            result=$((hi * 16))
        fi
    fi
    case $result in [0-9]*) echo "   $rt: $result KiB" ;; *) echo "   $rt: $result" ;; esac
    printf '%s\t%s\n' "$rt" "$result" >> "$WORK/limits.tsv"
done
cp "$WORK/limits.tsv" "$OUT/limits.tsv"
python3 - "$OUT/machine.json" "$HAKO_LIMITS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["hako_applies_memory_limit"] = sys.argv[2] == "true"
m["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY

# ---------------------------------------------------------------- profile: where the time goes
# One `run` per runtime under strace -f -T (every syscall with its duration; the container
# process included) and perf stat; perf record for hako.
echo
echo "== profile of one \`run\` per runtime (strace -f -T, perf)"
rm -f "$OUT"/strace-*.txt "$OUT/strace-summary.json"
: > "$OUT/profile.txt"
for rt in "${RUNTIMES[@]}"; do
    sh -c "strace -f -T -qq -o $WORK/strace-$rt.txt $(cmd "$rt") run --bundle $WORK/b-$rt $P-$rt-strace" </dev/null
done
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
    for rt in "${RUNTIMES[@]}"; do
        {
            echo "### perf stat: $rt run"
            sh -c "perf stat -e task-clock,context-switches,page-faults $(cmd "$rt") run --bundle $WORK/b-$rt $P-$rt-perf" </dev/null 2>&1 |
                grep -E 'task-clock|context-switches|page-faults|elapsed|user|sys' || true
            echo
        } >> "$OUT/profile.txt"
    done
    if perf record -q -F 20000 -g -o "$WORK/perf.data" -- \
        "$HAKO_BIN" --root "$WORK/root/hako" run --bundle "$WORK/b-hako" "$P-hako-perf" >/dev/null 2>&1; then
        {
            echo "### perf record: hako run, top symbols (self time)"
            perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null |
                awk '/^ +[0-9.]+%/ && n < 20 { print substr($0, 1, 150); n++ }'
        } >> "$OUT/profile.txt"
    fi
else
    echo "(perf not available: skipped)" >> "$OUT/profile.txt"
fi
$LEFTOVERS --sweep --label profile >> "$OUT/leftovers.tsv"

# ---------------------------------------------------------------- report
echo
python3 "$BENCH/report.py" "$OUT" "$WORK"
python3 "$BENCH/chart.py" "$OUT"
