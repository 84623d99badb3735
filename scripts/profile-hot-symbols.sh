#!/usr/bin/env bash
# Regenerates scripts/hot-symbols.txt: the functions hako's everyday commands run, most
# shared first, then every protocol conformance descriptor, for the linker to place side by
# side (see build-release.sh). Run as root
# after changes that move a lot of code; an outdated list still works, it only costs memory.
#
# Each command runs under valgrind's callgrind, which records every function a process
# executes, in main and in the forked intermediate and init. valgrind 3.19 (Debian 12) has
# no clone3 or openat2, so hako takes its fallbacks for old kernels there, and no pidfd_open,
# so exec, kill and delete --force are profiled up to their first pidfd. Init's profile is
# written when its execve fails: the container runs a file that is not a program.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
[ -x /bin/busybox ] || { echo "profile-hot-symbols: needs busybox-static" >&2; exit 1; }

./scripts/build-release.sh >/dev/null
work=$(mktemp -d /tmp/hako-profile.XXXXXX)
root=$work/state
trap '"$work/hako" --root "$root" delete --force hp-sleep >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# valgrind cannot read the DWARF of this binary; the symbol table is enough.
cp .build/lean/release/hako "$work/hako"
strip --strip-debug "$work/hako"
hako=$work/hako

bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs$work/profiles" "$work/profiles"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
printf '\177ELF-not-a-program' > "$bundle/rootfs/not-a-program"
chmod 755 "$bundle/rootfs/not-a-program"
"$hako" spec --bundle "$bundle" >/dev/null
config() { # ARGS_JSON: the container's args; writable root, so init can write its profile
    python3 - "$bundle/config.json" "$1" <<'EOF'
import json, sys
path, args = sys.argv[1], json.loads(sys.argv[2])
c = json.load(open(path))
c["process"].update(terminal=False, args=args)
c["root"]["readonly"] = False
c["process"].pop("rlimits", None)  # valgrind keeps RLIMIT_NOFILE for itself
json.dump(c, open(path, "w"))
EOF
}
# hako's processes write to $work/profiles; init, after pivot_root, to the same path in the
# rootfs.
profile() { # NAME COMMAND...
    local name=$1; shift
    valgrind --tool=callgrind --demangle=no -q --callgrind-out-file="$work/profiles/$name.%p" "$@" \
        >/dev/null 2>>"$work/stderr" || true
}
config '["/not-a-program"]'
profile version "$hako" --version
profile create "$hako" --root "$root" create --bundle "$bundle" hp-create
profile state "$hako" --root "$root" state hp-create
profile start "$hako" --root "$root" start hp-create
profile delete "$hako" --root "$root" delete hp-create
profile run "$hako" --root "$root" run --bundle "$bundle" hp-run
config '["sleep", "100"]'
"$hako" --root "$root" create --bundle "$bundle" hp-sleep
"$hako" --root "$root" start hp-sleep
printf '{"args":["/not-a-program"],"cwd":"/","env":["PATH=/bin"]}' > "$work/process.json"
profile exec "$hako" --root "$root" exec hp-sleep /not-a-program
profile exec-process "$hako" --root "$root" exec --process "$work/process.json" hp-sleep
profile pause "$hako" --root "$root" pause hp-sleep
profile resume "$hako" --root "$root" resume hp-sleep
profile kill "$hako" --root "$root" kill hp-sleep KILL
profile delete-force "$hako" --root "$root" delete --force hp-sleep
profile list "$hako" --root "$root" list
mv "$bundle/rootfs$work"/profiles/* "$work/profiles/"

python3 - "$hako" scripts/hot-symbols.txt "$work"/profiles/* <<'EOF'
import collections, re, subprocess, sys
binary, out, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
# Functions of the binary itself (libc and other shared libraries are not ours to order).
defined = set()
conformances = []
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        defined.add(parts[2])
    # Protocol conformance descriptors ("Mc"): every process's first dynamic casts read them
    # all, so they go side by side in .rodata too (bench/README.md, ninth round).
    if len(parts) == 3 and parts[1] in "dDrR" and parts[2].endswith("Mc"):
        conformances.append(parts[2])
uses = collections.Counter()
first = {}
for index, path in enumerate(profiles):
    names, seen = {}, set()
    for line in open(path, errors="replace"):
        m = re.match(r"^c?fn=\((\d+)\)(?: (.*))?$", line.strip())
        if not m:
            continue
        if m.group(2):
            names[m.group(1)] = m.group(2)
        name = names.get(m.group(1))
        if name in defined and name not in seen:
            seen.add(name)
            uses[name] += 1
            first.setdefault(name, (index, len(first)))
# Functions every process runs first, then those fewer commands share.
order = sorted(uses, key=lambda name: (-uses[name], first[name]))
open(out, "w").write("".join(name + "\n" for name in order + conformances))
print(f"{len(order)} functions from {len(profiles)} process profiles and {len(conformances)} conformance descriptors -> {out}")
EOF
