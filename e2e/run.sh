#!/usr/bin/env bash
# End-to-end: podman, containerd (ctr, and its CRI plugin as Kubernetes drives it) and
# Docker run their containers with hako as the runtime. Installs the engines from Debian if
# missing, starts containerd and dockerd with their own roots under a temporary directory
# (no network: loopback-free, --bridge none, pods on the host's network), imports a
# busybox-static image made here, runs each scenario with a timeout, cleans up everything
# it made, and prints "N passed, N failed". Run as root from the repository.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ "$(id -u)" != 0 ]; then echo "e2e: needs root" >&2; exit 1; fi
need=()
for tool in podman:podman ctr:containerd dockerd:docker.io script:bsdutils busybox:busybox-static wat2wasm:wabt; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
# The CRI client (e2e/cri/client.py) runs on Debian's python3 with Debian's grpc (not
# whatever python3 comes first in PATH).
python=/usr/bin/python3
"$python" -c 'import grpc, grpc_tools' >/dev/null 2>&1 || need+=(python3-grpcio python3-grpc-tools)
if [ ${#need[@]} -gt 0 ]; then
    echo "e2e: installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || exit 1
fi
swift build >/dev/null || { echo "e2e: swift build failed" >&2; exit 1; }
hako="$repo/.build/debug/hako"

work=$(mktemp -d /tmp/hako-e2e-XXXXXX)
containerd_pid="" dockerd_pid="" cri_containerd_pid=""
# The parent cgroup of the CRI scenarios' pods (kubelet's would be kubepods/...), named
# after this run so cleanup finds it whatever the cgroup version.
cri_cgroup="hako-e2e-cri-${work##*-}"
# The engines make parent cgroups (libpod_parent, docker, default): remember what was
# there before, so cleanup removes only what this run made.
cgroups_before=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort)
# remove_containerd_containers SOCKET NAMESPACE: kills and deletes every task and
# container of one of this run's containerds.
remove_containerd_containers() {
    local c="command ctr --address $1 --namespace $2"
    for id in $($c containers ls -q 2>/dev/null); do
        $c task kill -s SIGKILL "$id" >/dev/null 2>&1; sleep 0.2
        $c task delete "$id" >/dev/null 2>&1; $c containers delete "$id" >/dev/null 2>&1
    done
}
cleanup() {
    # Containers a failed scenario left behind, through each engine, always addressing
    # this run's own daemons and storage (never the machine's).
    local d="command docker -H unix://$work/docker/docker.sock"
    [ -n "$dockerd_pid" ] && $d ps -aq 2>/dev/null | xargs -r $d rm -f >/dev/null 2>&1
    [ -n "$containerd_pid" ] && remove_containerd_containers "$work/containerd/containerd.sock" default
    # Pods through CRI first (as kubelet would: stop, then remove), then whatever CRI could
    # not remove through ctr: CRI's sandboxes and containers are containerd's, in k8s.io.
    if [ -n "$cri_containerd_pid" ]; then
        cri --rpc-timeout 10 cleanup >/dev/null 2>&1
        remove_containerd_containers "$work/cri/containerd.sock" k8s.io
    fi
    [ -d "$work/podman-root" ] && CONTAINERS_CONF="$work/containers.conf" command podman --root "$work/podman-root" \
        --runroot "$work/podman-run" --storage-driver vfs rm -af -t 0 >/dev/null 2>&1
    # The package, when its scenario installed it and failed before removing it.
    [ -f "$work/package-installed" ] && dpkg -r hako >/dev/null 2>&1
    [ -n "$dockerd_pid" ] && kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null
    [ -n "$containerd_pid" ] && kill "$containerd_pid" 2>/dev/null && wait "$containerd_pid" 2>/dev/null
    [ -n "$cri_containerd_pid" ] && kill "$cri_containerd_pid" 2>/dev/null && wait "$cri_containerd_pid" 2>/dev/null
    # A shim outlives its containerd: any still running is one of this run's whose task
    # could not be deleted (its -address names this run's socket). Its containers go first,
    # through hako's own state under the CRI handler's Root.
    for id in $(ls "$work/cri/hako-root/k8s.io" 2>/dev/null); do
        "$hako" --root "$work/cri/hako-root/k8s.io" delete -f "$id" >/dev/null 2>&1
    done
    for pid in $(pgrep -f -- "-address $work/" 2>/dev/null); do
        [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/containerd-shim-runc-v2 ] && kill -KILL "$pid" 2>/dev/null
    done
    comm -13 <(echo "$cgroups_before") <(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort) |
        while read -r dir; do find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    # The pods' parent cgroup, at depth 1 under cgroup2 (the comparison above starts at 2).
    find /sys/fs/cgroup -maxdepth 2 -type d -name "$cri_cgroup" 2>/dev/null |
        while read -r dir; do find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    # Unmount whatever the engines left under the work directory, deepest first.
    awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0 failures=()
# scenario NAME COMMAND...: runs the command (usually a function below) with a timeout.
scenario() {
    local name=$1; shift
    local log="$work/log.$((passed + failed))"
    # A subshell runs the scenario (functions included); a watchdog ends it after 120 s.
    # Ended early, the watchdog ends its sleep too (it would outlive the run otherwise).
    ( "$@" ) >"$log" 2>&1 &
    local pid=$!
    ( sleep 120 & s=$!; trap 'kill $s 2>/dev/null; exit' TERM
      wait $s && kill -TERM "$pid" 2>/dev/null && echo "timed out after 120 s" >>"$log" ) &
    local watchdog=$!
    wait "$pid"
    local rc=$?
    kill "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); echo "PASS  $name"
    else
        failed=$((failed + 1)); failures+=("$name"); echo "FAIL  $name"; sed 's/^/      /' "$log" | tail -15
    fi
}
# expect_failure EXPECTED COMMAND...: the command fails and prints EXPECTED somewhere.
expect_failure() {
    local expected=$1; shift
    local out; out=$("$@" 2>&1); local rc=$?
    echo "$out"
    [ $rc -ne 0 ] && grep -qF -- "$expected" <<<"$out"
}
# expect_output EXPECTED COMMAND...: the command succeeds and prints EXPECTED somewhere.
expect_output() {
    local expected=$1; shift
    local out; out=$("$@" 2>&1); local rc=$?
    echo "$out"
    [ $rc -eq 0 ] && grep -qF -- "$expected" <<<"$out"
}

# --- the image: a busybox-static rootfs ---
mkdir -p "$work/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$work/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/busybox.tar" .

# --- podman ---
# This host has no systemd: cgroupfs manager, file events. root lacks CAP_SYS_RESOURCE,
# so podman must not ask for rlimits above the hard limits (default_ulimits = []).
# podman passes --log-format=json only to runtimes listed in runtime_supports_json.
cat > "$work/containers.conf" <<CONF
[containers]
default_ulimits = []
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$work/podman-tmp"
runtime = "hako"
runtime_supports_json = ["hako"]
pull_policy = "never"
[engine.runtimes]
hako = ["$hako"]
CONF
export CONTAINERS_CONF="$work/containers.conf"
podman_command="podman --root $work/podman-root --runroot $work/podman-run --storage-driver vfs"
podman() { command $podman_command "$@"; }
# Images are made here; nothing is ever pulled (pull_policy "never" above, --pull never
# for docker; ctr run never pulls).
image=localhost/busybox:e2e
podman import -q "$work/busybox.tar" "$image" >/dev/null

p_run_rm() { expect_output "hello" podman run --rm "$image" sh -c 'echo hello; exit 0' && { podman run --rm "$image" sh -c 'exit 7'; [ $? -eq 7 ]; }; }
# script(1) gives podman a terminal to pass on.
# The process lingers a moment after printing: when a pty's last slave closes at once,
# what is still buffered may be lost to its reader (a kernel race runc and crun share).
p_run_tty() { expect_output "/dev/pts/" script -qec "$podman_command run --rm -it $image sh -c 'tty; sleep 0.3'" /dev/null; }
p_lifecycle() {
    podman run -d --name life "$image" sleep 1000 &&
    expect_output "in-exec" podman exec life sh -c 'echo in-exec' &&
    expect_output "/dev/pts/" script -qec "$podman_command exec -it life sh -c 'tty; sleep 0.3'" /dev/null &&
    podman run -d --name logger "$image" sh -c 'echo logged-line; sleep 1000' && sleep 1 &&
    expect_output "logged-line" podman logs logger &&
    podman kill logger && podman rm logger &&
    podman stop -t 1 life && podman rm life &&
    [ -z "$(podman ps -aq)" ]
}
p_limits() {
    podman run -d --name limits --memory 64m --cpus 0.5 --pids-limit 50 "$image" sleep 1000 &&
    expect_output "67108864" podman exec limits cat /sys/fs/cgroup/memory/memory.limit_in_bytes &&
    expect_output "50" podman exec limits cat /sys/fs/cgroup/pids/pids.max &&
    expect_output "50000" podman exec limits cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us
    local rc=$?; podman rm -f limits >/dev/null; return $rc
}
p_security() {
    expect_output "uid=1000(1000) gid=1000(1000)" podman run --rm --user 1000:1000 "$image" id &&
    expect_output "CapEff:	0000000000000000" podman run --rm --cap-drop all "$image" grep CapEff /proc/self/status &&
    expect_output "Read-only file system" podman run --rm --read-only "$image" sh -c 'touch /x 2>&1; true'
}
p_pause_top_stats() {
    podman run -d --name pts "$image" sleep 1000 &&
    podman pause pts && expect_output "paused" podman inspect -f '{{.State.Status}}' pts &&
    podman unpause pts && expect_output "running" podman inspect -f '{{.State.Status}}' pts &&
    expect_output "sleep 1000" podman top pts &&
    expect_output "pts" podman stats --no-stream pts
    local rc=$?; podman rm -f pts >/dev/null; return $rc
}
p_memory_1m() { expect_output "hi" podman run --rm --memory 1m "$image" echo hi; }
p_seccomp() {
    printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' > "$work/seccomp.json"
    expect_output "Operation not permitted" podman run --rm --security-opt seccomp="$work/seccomp.json" "$image" sh -c 'mkdir /tmp/x 2>&1; true'
}
p_error_surfaces() { expect_failure 'executable file not found' podman run --rm "$image" no-such-program; }

# --- the Debian package (scripts/package-deb.sh), and podman with the runtime it installs ---
deb=$("$repo/scripts/package-deb.sh" "$work/deb") || { echo "e2e: scripts/package-deb.sh failed" >&2; exit 1; }
# complete_hako WORD...: what bash completes for the last word (the installed script).
complete_hako() {
    bash -c 'source /usr/share/bash-completion/completions/hako
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        _hako "$1" "${@: -1}" "${@: -2:1}"; echo "${COMPREPLY[*]}"' complete_hako "$@"
}
pkg_install_use_remove() {
    if dpkg -s hako >/dev/null 2>&1; then echo "a hako package is installed already; not replacing it"; return 1; fi
    dpkg -i "$deb" && touch "$work/package-installed" || return 1
    local files; files=$(dpkg -L hako | while read -r f; do [ -f "$f" ] && echo "$f"; done)
    echo "installed: $(wc -l <<<"$files") files"
    expect_output "commit: $(git -C "$repo" log -1 --format=%h --abbrev=12)" /usr/sbin/hako --version &&
    expect_output "/usr/share/man/man8/hako-exec.8.gz" man -w hako-exec &&
    expect_output "Example: hako exec" env MANPAGER=cat MANWIDTH=200 man hako-exec &&
    expect_output "hako-create" env MANPAGER=cat man 8 hako &&
    expect_output "kill" complete_hako hako ki &&
    local id; id=$(podman --runtime /usr/sbin/hako run -d --name pkg "$image" sleep 1000) &&
    # podman keeps a root's runtime state in /run/NAME; ids complete from there.
    expect_output "$id" complete_hako hako --root /run/hako state "${id:0:6}" &&
    expect_output "from-package" podman --runtime /usr/sbin/hako exec pkg echo from-package &&
    podman --runtime /usr/sbin/hako rm -f -t 0 pkg >/dev/null &&
    dpkg -r hako && rm "$work/package-installed" &&
    for f in $files; do [ ! -e "$f" ] || { echo "left behind by dpkg -r: $f"; return 1; }; done
}
scenario "the Debian package: --version, man hako-exec, completion, podman --runtime /usr/sbin/hako, dpkg -r" pkg_install_use_remove
# The release binary (built for the package above) needs nothing but itself: run alone in a
# container whose rootfs holds no other file, it prints its version and features and
# writes a spec (to a directory bound in from the host).
static_alone() {
    local b="$work/static-alone"
    mkdir -p "$b/rootfs" "$b/out" && cp "$repo/.build/lean/release/hako" "$b/rootfs/hako" || return 1
    expect_output "not a dynamic executable" ldd "$b/rootfs/hako"
    "$hako" spec --bundle "$b" || return 1
    run_alone() {
        "$python" - "$b/config.json" "$b/out" "$@" <<'PY'
import json, sys
path, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(path))
c["process"].update(terminal=False, args=["/hako"] + args)
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/out"]
c["mounts"].append({"destination": "/out", "type": "bind", "source": out, "options": ["rbind", "rw"]})
json.dump(c, open(path, "w"))
PY
        "$hako" --root "$work/static-root" run --bundle "$b" "alone-$1"
    }
    expect_output "hako version" run_alone --version &&
    expect_output '"ociVersionMax"' run_alone features &&
    run_alone spec --bundle /out && "$python" -c 'import json, sys; json.load(open(sys.argv[1]))["process"]["args"]' "$b/out/config.json"
}
scenario "the release binary alone in an empty rootfs: --version, features, spec" static_alone

scenario "podman run --rm: output and exit code" p_run_rm
scenario "podman run -it: a terminal" p_run_tty
scenario "podman run -d, exec, exec -it, logs, kill, stop, rm" p_lifecycle
scenario "podman --memory --cpus --pids-limit" p_limits
scenario "podman --user --cap-drop --read-only" p_security
scenario "podman pause, unpause, top, stats --no-stream" p_pause_top_stats
scenario "podman run --memory 1m" p_memory_1m
scenario "podman --security-opt seccomp=profile.json" p_seccomp
scenario "podman shows hako's error" p_error_surfaces
# A wasm image: its rootfs holds one WASI module (e2e/wasm/hello.wat, compiled with Debian's
# wabt), its entrypoint; podman's --annotation marks the container for the wasm handler.
p_wasm() {
    mkdir -p "$work/wasm-rootfs" && wat2wasm "$repo/e2e/wasm/hello.wat" -o "$work/wasm-rootfs/hello.wasm" || return 1
    tar -C "$work/wasm-rootfs" -cf "$work/wasm.tar" . &&
    podman import -q --change 'ENTRYPOINT ["/hello.wasm"]' "$work/wasm.tar" localhost/hako-wasm:e2e >/dev/null || return 1
    local out; out=$(podman run --rm --annotation run.oci.handler=wasm localhost/hako-wasm:e2e from-podman 2>&1); local rc=$?
    echo "rc=$rc $out"
    [ $rc -eq 3 ] && grep -q "hello from a wasm image" <<<"$out" && grep -q "from-podman" <<<"$out"
}
scenario "podman run --annotation run.oci.handler=wasm of an image whose entrypoint is a .wasm" p_wasm

# --- containerd ---
mkdir -p "$work/containerd"
cat > "$work/containerd/config.toml" <<CONF
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd/containerd.sock"
[ttrpc]
  address = "$work/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
CONF
containerd --config "$work/containerd/config.toml" >"$work/containerd/log" 2>&1 &
containerd_pid=$!
ctr() { command ctr --address "$work/containerd/containerd.sock" "$@"; }
for _ in $(seq 50); do [ -S "$work/containerd/containerd.sock" ] && break; sleep 0.2; done
podman save -q --format oci-archive -o "$work/busybox-oci.tar" "$image"
ctr images import --base-name localhost/busybox "$work/busybox-oci.tar" >/dev/null

c_run_rm() { expect_output "hi from ctr" ctr run --rm --runc-binary "$hako" "$image" c1 sh -c 'echo hi from ctr'; }
c_task() {
    ctr run -d --runc-binary "$hako" "$image" c2 sleep 1000 &&
    expect_output "exec-ok" ctr task exec --exec-id e1 c2 sh -c 'echo exec-ok' &&
    { ctr task exec --exec-id e2 c2 sh -c 'exit 4'; [ $? -eq 4 ]; } &&
    ctr task pause c2 && expect_output "PAUSED" ctr task ls &&
    ctr task resume c2 && expect_output "RUNNING" ctr task ls &&
    expect_output "memory" ctr task metrics c2 &&
    expect_output "PID" ctr task ps c2 &&
    ctr task kill -s SIGKILL c2 && sleep 1 && expect_output "STOPPED" ctr task ls &&
    ctr task delete c2 && ctr container delete c2
}
c_error() { expect_failure 'executable file not found in $PATH' ctr run --rm --runc-binary "$hako" "$image" c3 no-such-program; }

scenario "ctr run --rm --runc-binary hako" c_run_rm
scenario "ctr run -d, task exec, pause, resume, metrics, ps, kill" c_task
scenario "ctr shows hako's error (runc log format)" c_error

# --- Docker ---
mkdir -p "$work/docker"
dockerd --data-root "$work/docker/data" --exec-root "$work/docker/exec" --pidfile "$work/docker/pid" \
    -H "unix://$work/docker/docker.sock" --bridge none --iptables=false --ip6tables=false \
    --containerd "$work/containerd/containerd.sock" --storage-driver vfs \
    --add-runtime "hako=$hako" >"$work/docker/log" 2>&1 &
dockerd_pid=$!
docker() { command docker -H "unix://$work/docker/docker.sock" "$@"; }
for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
docker import "$work/busybox.tar" busybox:e2e >/dev/null

d_run() { expect_output "hi from docker" docker run --rm --pull never --runtime hako --network none busybox:e2e sh -c 'echo hi from docker'; }
d_lifecycle() {
    docker run -d --pull never --runtime hako --network none --name d1 busybox:e2e sleep 1000 &&
    expect_output "exec-ok" docker exec d1 sh -c 'echo exec-ok' &&
    docker stop -t 1 d1 && docker rm d1
}
scenario "docker run --runtime hako" d_run
scenario "docker run -d, exec, stop, rm" d_lifecycle

# --- containerd's CRI plugin, as Kubernetes uses it ---
# A second containerd with CRI on (the one above has it off for ctr and Docker), its own
# root, state and socket. kubelet picks a runtime by its handler name (RuntimeClass): the
# handler "hako" is the runc shim with BinaryName = hako, and Root = a directory of this
# run's, so hako's own state there shows hako ran the pods (the default handler's runc
# keeps its state under /run/containerd/runc/k8s.io). The pods share the host's network,
# so no CNI is set up; CNI's and /opt's directories still point here (CRI watches and
# makes them). The stream server (URLs for exec/attach, unused by ExecSync) listens on
# loopback only; AppArmor is off so no profile is loaded into the host's kernel.
# CRI gives sandboxes oom_score_adj -998, which only CAP_SYS_RESOURCE may set; where root
# lacks it (runc fails there too), CRI is told to keep scores at containerd's own.
restrict_oom=false
(( 0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1 )) || restrict_oom=true
mkdir -p "$work/cri"/{cni-bin,cni-conf,opt,logs}
cat > "$work/cri/config.toml" <<CONF
version = 2
root = "$work/cri/root"
state = "$work/cri/state"
[grpc]
  address = "$work/cri/containerd.sock"
[ttrpc]
  address = "$work/cri/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/cri/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/busybox-pause:e2e"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = $restrict_oom
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$work/cri/cni-bin"
    conf_dir = "$work/cri/cni-conf"
  # Naming a runtime replaces the default list: runc stays the default handler.
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hako]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hako.options]
      BinaryName = "$hako"
      Root = "$work/cri/hako-root"
  # A RuntimeClass for wasm pods: hako again, with the pod's wasm annotations passed on to
  # the OCI configs of the pod's sandbox and containers (compat-smart: modules run as wasm,
  # the native pause program as usual).
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hako-wasm]
    runtime_type = "io.containerd.runc.v2"
    pod_annotations = ["module.wasm.image/variant", "run.oci.handler"]
    container_annotations = ["module.wasm.image/variant", "run.oci.handler"]
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hako-wasm.options]
      BinaryName = "$hako"
      Root = "$work/cri/hako-root"
CONF
# The client makes its Python stubs from e2e/cri/cri.proto into the work directory.
cri() { "$python" "$repo/e2e/cri/client.py" --socket "$work/cri/containerd.sock" --stubs "$work/cri/stubs" "$@"; }
containerd --config "$work/cri/config.toml" >"$work/cri/log" 2>&1 &
cri_containerd_pid=$!
# CRI answers "not initialized" for a moment after the socket appears.
for _ in $(seq 100); do cri --rpc-timeout 2 version >/dev/null 2>&1 && break; sleep 0.2; done
cri version >/dev/null || grep -m1 'failed to load plugin io.containerd.grpc.v1.cri' "$work/cri/log" >&2
# The sandbox (pause) image is busybox whose command is a long sleep; the containers run
# the image above. Both go into k8s.io, the namespace CRI uses.
podman import -q --change 'CMD ["/bin/sleep", "86400"]' "$work/busybox.tar" localhost/busybox-pause:e2e >/dev/null
podman save -q --format oci-archive -o "$work/busybox-pause-oci.tar" localhost/busybox-pause:e2e
command ctr --address "$work/cri/containerd.sock" --namespace k8s.io images import --base-name localhost/busybox \
    "$work/busybox-oci.tar" >/dev/null
command ctr --address "$work/cri/containerd.sock" --namespace k8s.io images import --base-name localhost/busybox-pause \
    "$work/busybox-pause-oci.tar" >/dev/null

# cri_pod NAME: runs a pod sandbox with runtime_handler "hako"; prints its id. Its
# config is kept in $work/cri/NAME.pod for the containers made in it.
cri_pod() {
    cri runp --handler hako --log-dir "$work/cri/logs/$1" --cgroup-parent "/$cri_cgroup" \
        --config-out "$work/cri/$1.pod" "$1"
}
# The shim passes hako --root ROOT/NAMESPACE.
cri_hako_root="$work/cri/hako-root/k8s.io"
# hako_runs ID [PID]: hako's own state under the handler's Root has ID running (with PID).
# Had the shim run runc with that Root, the state.json there would be runc's, without
# hako's initStartTime.
hako_runs() {
    local state; state=$("$hako" --root "$cri_hako_root" state "$1" | tr -d ' \n') && echo "$state" &&
        grep -qF '"status":"running"' <<<"$state" && grep -q '"initStartTime"' "$cri_hako_root/$1/state.json" &&
        { [ -z "${2:-}" ] || grep -qF "\"pid\":$2," <<<"$state"; }
}
# cri_gone ID...: neither CRI nor hako knows any of the pods and containers any more.
cri_gone() {
    local known; known="$(cri pods; cri ps; "$hako" --root "$cri_hako_root" list -q 2>/dev/null)" || return 1
    for id in "$@"; do ! grep -qF "$id" <<<"$known" || { echo "$id is left"; return 1; }; done
}

k_run() {
    local pod ctr
    pod=$(cri_pod k1) && echo "pod $pod" &&
    expect_output "state=SANDBOX_READY handler=hako" cri inspectp "$pod" && hako_runs "$pod" &&
    ctr=$(cri create --pod-config "$work/cri/k1.pod" "$pod" k1c "$image" sh -c 'echo hello from cri; exit 3') &&
    cri start "$ctr" && expect_output 3 cri wait "$ctr" &&
    expect_output "state=CONTAINER_EXITED exit_code=3" cri inspect "$ctr" &&
    expect_output "hello from cri" cri logs "$ctr" &&
    cri rm "$ctr" && cri stopp "$pod" && cri rmp "$pod" && cri_gone "$pod" "$ctr"
}
k_exec() {
    local pod ctr pid
    pod=$(cri_pod k2) &&
    ctr=$(cri create --pod-config "$work/cri/k2.pod" "$pod" k2c "$image" sleep 1000) && cri start "$ctr" &&
    pid=$(cri inspect "$ctr" | sed -n 's/.*state=CONTAINER_RUNNING.* pid=\([0-9][0-9]*\).*/\1/p') &&
    echo "container $ctr pid $pid" && [ -n "$pid" ] && hako_runs "$ctr" "$pid" &&
    expect_output "exec-ok sleep" cri exec "$ctr" sh -c 'echo exec-ok $(cat /proc/1/comm)' &&
    { cri exec "$ctr" sh -c 'echo to-stderr >&2; exit 4' 2>"$work/cri/k2.err"; [ $? -eq 4 ]; } &&
    grep -q "to-stderr" "$work/cri/k2.err" &&
    cri stop --timeout 1 "$ctr" && expect_output "state=CONTAINER_EXITED" cri inspect "$ctr" &&
    cri rm "$ctr" && cri stopp "$pod" && cri rmp "$pod" && cri_gone "$pod" "$ctr"
}
k_error() {
    local pod ctr
    pod=$(cri_pod k3) &&
    ctr=$(cri create --pod-config "$work/cri/k3.pod" "$pod" k3c "$image" no-such-program) &&
    expect_failure 'executable file not found in $PATH' cri start "$ctr" &&
    cri rm "$ctr" && cri stopp "$pod" && cri rmp "$pod" && cri_gone "$pod" "$ctr"
}

k_wasm() {
    local pod ctr
    mkdir -p "$work/cri-wasm" && wat2wasm "$repo/e2e/wasm/hello.wat" -o "$work/cri-wasm/hello.wasm" &&
    tar -C "$work/cri-wasm" -cf "$work/cri-wasm.tar" . &&
    podman import -q --change 'ENTRYPOINT ["/hello.wasm"]' "$work/cri-wasm.tar" localhost/hako-wasm-cri:e2e >/dev/null &&
    podman save -q --format oci-archive -o "$work/cri-wasm-oci.tar" localhost/hako-wasm-cri:e2e &&
    command ctr --address "$work/cri/containerd.sock" --namespace k8s.io images import --base-name localhost/hako-wasm-cri \
        "$work/cri-wasm-oci.tar" >/dev/null || return 1
    pod=$(cri runp --handler hako-wasm --annotation module.wasm.image/variant=compat-smart --log-dir "$work/cri/logs/k4" \
        --cgroup-parent "/$cri_cgroup" --config-out "$work/cri/k4.pod" k4) && echo "pod $pod" &&
    expect_output "state=SANDBOX_READY handler=hako-wasm" cri inspectp "$pod" && hako_runs "$pod" &&
    grep -q '"module.wasm.image/variant":"compat-smart"' <(tr -d ' \n' < "$cri_hako_root/$pod/config.json") &&
    ctr=$(cri create --pod-config "$work/cri/k4.pod" "$pod" k4c localhost/hako-wasm-cri:e2e /hello.wasm from-cri) &&
    cri start "$ctr" && expect_output 3 cri wait "$ctr" &&
    expect_output "hello from a wasm image" cri logs "$ctr" && expect_output "from-cri" cri logs "$ctr" &&
    cri rm "$ctr" && cri stopp "$pod" && cri rmp "$pod" && cri_gone "$pod" "$ctr"
}
scenario "CRI pod with runtime_handler hako (BinaryName): container output, exit code" k_run
scenario "CRI container in a hako pod: ExecSync, stop, remove" k_exec
scenario "CRI shows hako's error" k_error
scenario "CRI wasm pod: RuntimeClass handler hako-wasm, compat-smart passed on, a .wasm entrypoint run by hako" k_wasm

echo
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
