#!/usr/bin/env bash
# Regenerates scripts/hot-symbols.txt: the functions hako's everyday commands run, those of
# the processes whose memory the benchmark measures (create's, run's and --version's main
# process) first, each one's side by side, then every protocol conformance descriptor, for
# the linker to place together (see build-release.sh). Run as root after changes that move
# a lot of code; an outdated list still works, it only costs memory.
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
# valgrind refuses RLIMIT_NOFILE to its guest; another limit runs the same code.
c["process"]["rlimits"] = [{"type": "RLIMIT_CORE", "hard": 1024, "soft": 1024}]
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
import collections, os, re, subprocess, sys
binary, out, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
# Functions of the binary itself (libc and other shared libraries are not ours to order),
# IFUNC resolvers ("i") included: a static binary runs every one of them at start.
defined = set()
conformances = []
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwWi":
        defined.add(parts[2])
    # Protocol conformance descriptors ("Mc"): every process's first dynamic casts read them
    # all, so they go side by side in .rodata too (bench/README.md, ninth round).
    if len(parts) == 3 and parts[1] in "dDrR" and parts[2].endswith("Mc"):
        conformances.append(parts[2])

def executed(path):
    names, seen = {}, []
    for line in open(path, errors="replace"):
        m = re.match(r"^c?fn=\((\d+)\)(?: (.*))?$", line.strip())
        if not m:
            continue
        if m.group(2):
            names[m.group(1)] = m.group(2)
        name = names.get(m.group(1))
        if name in defined and name not in seen:
            seen.append(name)
    return seen

# A profile's role: NAME.PID; init is pid 1 in its namespace, and of a command's other
# processes the first (lowest pid) is the one the engine started.
runs = collections.defaultdict(list)
for path in profiles:
    name, pid = os.path.basename(path).rsplit(".", 1)
    runs[name].append((int(pid), executed(path)))
# valgrind gives its guest no vDSO, so static glibc's set-up of the vDSO, which every real
# process runs before main, never shows in a profile (found with a gdb breakpoint on every
# function outside the list, on `--version` and `create`: these were the only ones hit).
vdso_setup = ["_dl_new_object", "_dl_setup_hash", "_dl_add_to_namespace_list", "_dl_lookup_symbol_x",
              "do_lookup_x", "check_match"]
role = {}
for name, processes in runs.items():
    processes.sort()
    forked = [p for p in processes if p[0] != 1]
    for index, (pid, functions) in enumerate(forked):
        role[(name, "main" if index == 0 else "intermediate")] = functions
    for pid, functions in processes:
        if pid == 1:
            role[(name, "init")] = functions
for key in role:
    role[key] = vdso_setup + role[key]

# The kernel maps a binary's text 64 KiB around each page a process faults in, so what a
# process pays is the number of windows its functions spread over. The processes whose
# peak memory is measured come first (bench/run.sh: create, run and --version), each one's
# functions side by side; then the processes they fork; then the rest, most shared first.
priority = [("create", "main"), ("run", "main"), ("version", "main"),
            ("create", "intermediate"), ("create", "init"), ("run", "intermediate"), ("run", "init")]
sets = [set(role.get(key, ())) for key in priority]
uses = collections.Counter(name for functions in role.values() for name in functions)
first = {}
for functions in role.values():
    for name in functions:
        first.setdefault(name, len(first))
order = sorted(uses, key=lambda name: tuple(name not in s for s in sets) + (-uses[name], first[name]))

# valgrind's CPU is not this one: glibc's IFUNC resolvers pick other variants of memcpy,
# strcmp and the like on the real machine (evex or avx512 where valgrind gets avx2). Beside
# the variant a profile names go its siblings (about 50 KB for the families hako uses).
variant = re.compile(r"^__([a-z0-9_]+?)_(sse2|ssse3|sse4_1|sse4_2|sse42|avx|avx2|avx512|evex|erms)")
def family(name):
    m = variant.match(name)
    return m.group(1) if m else None
placed, result = set(order), []
for name in order:
    result.append(name)
    base = family(name)
    if base:
        siblings = sorted(n for n in defined if n not in placed and family(n) == base)
        result += siblings
        placed.update(siblings)
open(out, "w").write("".join(name + "\n" for name in result + conformances))
print(f"{len(order)} functions from {len(profiles)} process profiles, {len(result) - len(order)} sibling variants and {len(conformances)} conformance descriptors -> {out}")
EOF
