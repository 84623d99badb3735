#!/usr/bin/env bash
# Runs vm/cgroup-v2-check.sh in the cgroup v2 + systemd guest of ../shared/vm,
# vm/cgroup-hybrid-check.sh in the same guest booted with systemd's hybrid layout, and
# vm/checkpoint-check.sh (criu) in the v2 guest (build the image first with
# ../shared/vm/build-image.sh), and, when asked for, vm/podman-check.sh (rootless podman with
# hako as its runtime) in a guest image that has podman, which is built once with
#   VM_IMAGE_DIR=/var/tmp/hako-vm-podman EXTRA_PKGS=podman,containernetworking-plugins,conmon,uidmap,fuse-overlayfs,slirp4netns,catatonit ../shared/vm/build-image.sh
# (PODMAN_VM_IMAGE_DIR names another place). Slow (software emulation): several minutes.
# Usage: vm/run.sh [v2] [hybrid] [checkpoint] [podman]   (none: the first three)
set -euo pipefail
cd "$(dirname "$0")/.."
vmdir="${VM_DIR:-../shared/vm}"
./scripts/build-release.sh >/dev/null
share=$(mktemp -d /tmp/hako-vm-share-XXXXXX)
trap 'rm -rf "$share"' EXIT
cp .build/lean/release/hako vm/cgroup-v2-check.sh "$share/"
cp /bin/busybox "$share/busybox"
# One config per check, from hako's default spec (the guest has no python3).
mkdir "$share/configs"
.build/lean/release/hako spec --bundle "$share" >/dev/null
mkdir "$share/rootless"
.build/lean/release/hako spec --rootless --bundle "$share/rootless" >/dev/null
python3 - "$share" <<'PY'
import json, sys
share = sys.argv[1]
base = json.load(open(share + "/config.json"))
# Rootless containers of the guest's user u1 (uid and gid 1000, the first useradd gives),
# under their systemd instance: cgroupsPath empty (user.slice:hako:ID) or podman's form.
rootless = json.load(open(share + "/rootless/config.json"))
def make_rootless(name, args, resources, cgroups_path=None):
    c = json.loads(json.dumps(rootless))
    c["process"]["terminal"] = False
    c["process"]["args"] = args
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    c["linux"]["resources"] = resources
    if cgroups_path:
        c["linux"]["cgroupsPath"] = cgroups_path
    json.dump(c, open(f"{share}/configs/{name}.json", "w"))
def make(name, args, resources, cgroups_path=None, mounts=(), apparmor=None, annotations=None):
    c = json.loads(json.dumps(base))
    c["process"]["terminal"] = False
    if annotations:
        c["annotations"] = annotations
    if apparmor:
        c["process"]["apparmorProfile"] = apparmor
    c["process"]["args"] = args
    c["linux"]["resources"] = resources
    c["linux"]["namespaces"].append({"type": "cgroup"})
    c["mounts"] += list(mounts)
    if cgroups_path:
        c["linux"]["cgroupsPath"] = cgroups_path
    json.dump(c, open(f"{share}/configs/{name}.json", "w"))
make("run", ["sh", "-c", "echo hi; cat /proc/self/cgroup"], {})
make("limits", ["sleep", "100"], {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
     "cpu": {"shares": 2048, "quota": 50000, "period": 100000, "cpus": "0"}, "pids": {"limit": 42}, "blockIO": {"weight": 500}},
     "/hako-v2/limits")
make("sleep", ["sleep", "100"], {})
make("update", ["sleep", "100"], {"pids": {"limit": 10}})
make("pids", ["sh", "-c", "for i in 1 2 3 4 5 6; do sleep 3 & done; wait"], {"pids": {"limit": 3}})
make("oom", ["sh", "-c", "tail /dev/zero"], {"memory": {"limit": 16777216, "swap": 16777216}})
make("unified", ["sleep", "100"], {"unified": {"memory.high": "50000000", "pids.max": "7"}})
make("tiny", ["echo", "hi"], {"memory": {"limit": 1048576}, "pids": {"limit": 1}})
# The systemd driver (--systemd-cgroup): cgroupsPath as slice:prefix:name; annotations
# set further unit properties (seconds become microseconds).
unit_annotations = {"org.systemd.property.TimeoutStopSec": "uint64 7", "org.systemd.property.CollectMode": "'inactive-or-failed'"}
make("sd-run", ["sh", "-c", "echo hi; cat /proc/self/cgroup"], {"pids": {"limit": 50}}, "system.slice:hako:sdrun")
make("sd-limits", ["sleep", "100"], {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
     "cpu": {"shares": 2048, "quota": 50000, "period": 100000, "cpus": "0"}, "pids": {"limit": 42}, "blockIO": {"weight": 500}},
     "system.slice:hako:sdlim", annotations=unit_annotations)
# The same without blkio weights, which a v1 kernel has only with the BFQ scheduler (not the guest's).
make("sd-limits-v1", ["sleep", "100"], {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
     "cpu": {"shares": 2048, "quota": 50000, "period": 100000, "cpus": "0"}, "pids": {"limit": 42}},
     "system.slice:hako:sdlim", annotations=unit_annotations)
make("sd-sleep", ["sleep", "100"], {"pids": {"limit": 10}}, "system.slice:hako:sdp")
make("sd-default", ["sleep", "100"], {})
make("sd-nested", ["sleep", "100"], {"memory": {"limit": 33554432}}, "hako-test.slice:hako:sdnest")
make("sd-true", ["true"], {}, "system.slice:hako:sdtrue")
make("sd-crash", ["sleep", "100"], {"pids": {"limit": 20}}, "system.slice:hako:sdcrash")
# Device rules: /dev/kmsg bind-mounted from the guest is allowed by no default rule, and
# anyone may open it for writing when the cgroup allows it.
kmsg = [{"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]
write_kmsg = ["sh", "-c", "echo hako device rule test > /dev/kmsg && echo kmsg-written; echo x > /dev/null && echo null-written"]
allow_kmsg = {"devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"}]}
make("dev-deny", write_kmsg, {}, mounts=kmsg)
make("dev-allow", write_kmsg, allow_kmsg, mounts=kmsg)
# AppArmor (the guest's kernel has it enabled): a profile set at exec, and a missing one.
make("aa-unconfined", ["cat", "/proc/self/attr/current"], {}, apparmor="unconfined")
make("aa-missing", ["true"], {}, apparmor="hako-no-such-profile")
make("sd-dev-deny", write_kmsg, {}, "system.slice:hako:sddevd", mounts=kmsg)
make("sd-dev-allow", ["sh", "-c", write_kmsg[2] + "; sleep 100"], allow_kmsg, "system.slice:hako:sddeva", mounts=kmsg)
make_rootless("rl-limits", ["sleep", "1000"], {"memory": {"limit": 67108864}, "cpu": {"quota": 50000, "period": 100000, "shares": 512},
              "pids": {"limit": 42}, "blockIO": {"weight": 300}})
make_rootless("rl-podman", ["sh", "-c", "cat /proc/self/cgroup"], {"pids": {"limit": 9}}, "user.slice:libpod:rlpod")
make_rootless("rl-cpuset", ["true"], {"cpu": {"cpus": "0"}})
# Checkpoint and restore (vm/checkpoint-check.sh): a counter, a terminal, the caller's terminal,
# a deleted file held open, the systemd driver, a TCP echo.
def make_cr(name, args, terminal=False, netns=None, resources=None, cgroups_path=None, pts_from_host=False):
    c = json.loads(json.dumps(base))
    if pts_from_host:
        c["mounts"] = [m if m["destination"] != "/dev/pts" else {"destination": "/dev/pts", "type": "bind", "source": "/dev/pts", "options": ["rbind", "nosuid", "noexec"]}
                       for m in c["mounts"]]
    if cgroups_path:
        c["linux"]["cgroupsPath"] = cgroups_path
    c["process"]["terminal"] = terminal
    c["process"]["args"] = args
    c["root"]["readonly"] = False
    c["linux"]["resources"] = resources or {}
    if netns:
        c["linux"]["namespaces"] = [n if n["type"] != "network" else {"type": "network", "path": netns} for n in c["linux"]["namespaces"]]
    json.dump(c, open(f"{share}/configs/{name}.json", "w"))
counter = 'start=$RANDOM$RANDOM; i=0; while :; do i=$((i+1)); echo "$start $i" > /count.tmp && mv /count.tmp /count; sleep 0.2; done'
make_cr("cr-counter", ["sh", "-c", counter], resources={"memory": {"limit": 67108864}, "pids": {"limit": 20}})
make_cr("cr-lock", ["/bin/flockhold", "/lock", "sh", "-c", counter])
make_cr("cr-tty", ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done"], terminal=True)
make_cr("cr-shell", ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done"])
# The same on the host's /dev/pts (bound in place of the container's own devpts), so that the
# caller's terminal is a file criu can find in the container's mounts.
make_cr("cr-shell-pts", ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done"],
        pts_from_host=True)
make_cr("cr-remap", ["sh", "-c", "exec 3>/held; echo held-data >&3; rm /held; " + counter])
make_cr("cr-systemd", ["sh", "-c", counter], resources={"memory": {"limit": 50331648}, "pids": {"limit": 21}},
        cgroups_path="system.slice:hako:crsd")
make_cr("cr-tcp", ["sh", "-c", "rm -f /tcp.out; nc -ll -p 9000 -e cat & sleep 0.5; while :; do echo ping; sleep 0.3; done | nc 127.0.0.1 9000 >> /tcp.out"],
        netns="/var/run/netns/crnet")
PY
rm -r "$share/config.json" "$share/rootless"
cp vm/cgroup-hybrid-check.sh vm/check-lib.sh vm/checkpoint-check.sh vm/podman-check.sh "$share/"
# A console socket for the guest, which has no python3.
gcc -static -O2 -o "$share/recvtty" vm/recvtty.c
# A lock holder for the --file-locks check: busybox has no flock.
gcc -static -O2 -o "$share/flockhold" vm/flockhold.c
# Three boots: pure cgroup v2, systemd's hybrid layout (v1 controllers, cgroup2 for
# systemd's own tracking) for the systemd driver on v1, and checkpoint/restore with criu
# on cgroup v2. Arguments pick some of them (v2, hybrid, checkpoint); none runs all.
runs=("$@"); [ ${#runs[@]} -gt 0 ] || runs=(v2 hybrid checkpoint)
status=0
for run in "${runs[@]}"; do
    case $run in
    v2) echo "### cgroup v2 guest"
        "$vmdir/run-in-vm.sh" "$share" cgroup-v2-check.sh | tee "$share/$run.out" || status=1 ;;
    hybrid) echo "### hybrid (systemd.unified_cgroup_hierarchy=0) guest"
        VM_APPEND="systemd.unified_cgroup_hierarchy=0" "$vmdir/run-in-vm.sh" "$share" cgroup-hybrid-check.sh | tee "$share/$run.out" || status=1 ;;
    checkpoint) echo "### checkpoint/restore (criu) in the cgroup v2 guest"
        "$vmdir/run-in-vm.sh" "$share" checkpoint-check.sh | tee "$share/$run.out" || status=1 ;;
    podman) echo "### rootless podman in the cgroup v2 guest (image with podman)"
        VM_IMAGE_DIR="${PODMAN_VM_IMAGE_DIR:-/var/tmp/hako-vm-podman}" "$vmdir/run-in-vm.sh" "$share" podman-check.sh | tee "$share/$run.out" || status=1 ;;
    *) echo "vm/run.sh: unknown run $run (v2, hybrid, checkpoint or podman)" >&2; exit 2 ;;
    esac
done
# One total over the guests.
for run in "${runs[@]}"; do cat "$share/$run.out"; done | awk '/^[0-9]+ passed, [0-9]+ failed$/ {p += $1; f += $3} END {print p " passed, " f " failed"}'
exit $status
