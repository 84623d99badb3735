# Sourced by bench/soak.sh, bench/crash-loop.sh, bench/wasm.sh and fuzz/run.sh: the hako binary, a
# busybox bundle, and what a run's containers left behind.

# Sets HAKO: $HAKO if set, else the release build, else the debug build (paths from the
# repository root, which the caller is in). Fails when there is none.
find_hako() {
    HAKO=${HAKO:-}
    if [ -z "$HAKO" ]; then
        for candidate in .build/lean/release/hako .build/release/hako .build/debug/hako; do
            if [ -x "$candidate" ]; then HAKO=$PWD/$candidate; break; fi
        done
    fi
    [ -x "${HAKO:-}" ] || { echo "error: no hako binary: build it, or set HAKO" >&2; return 1; }
}

# make_bundle DIR ARG...: a bundle in DIR whose rootfs is busybox-static (sh, sleep, touch,
# true), with hako's default config, no terminal, and ARG... as the process.
make_bundle() {
    local dir=$1; shift
    if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
        echo "error: needs busybox-static (apt-get install busybox-static)" >&2
        return 1
    fi
    mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys" "$dir/rootfs/tmp"
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    local applet
    for applet in sh sleep touch true; do ln -sf busybox "$dir/rootfs/bin/$applet"; done
    (cd "$dir" && "$HAKO" spec)
    python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["process"]["terminal"] = False
spec["process"]["args"] = sys.argv[2:]
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
}

# leftovers ROOT PREFIX WORK BUNDLE: one line per thing left by containers whose ids start
# with PREFIX under --root ROOT ("state ID", "cgroup DIR", "mount LINE", "process PID"): a
# hako whose command line names ROOT, or a process running BUNDLE's busybox.
leftovers() {
    local root=$1 prefix=$2 work=$3 bundle=$4 proc
    ls "$root" 2>/dev/null | grep "^$prefix" | sed 's/^/state /' || true
    find /sys/fs/cgroup -maxdepth 3 -type d -name "$prefix*" 2>/dev/null | sed 's/^/cgroup /' || true
    grep -F "$work" /proc/self/mountinfo | sed 's/^/mount /' || true
    for proc in /proc/[0-9]*; do
        if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -qF "$root" ||
            [ "$(readlink "$proc/exe" 2>/dev/null)" = "$bundle/rootfs/bin/busybox" ]; then
            echo "process ${proc#/proc/}"
        fi
    done
}
