#!/usr/bin/env python3
"""Finds, and with --sweep removes, what the benchmark's containers left behind.

Used by bench/run.sh, between hyperfine runs (--prepare/--cleanup) and at exit. Every
runtime has its own --root, its own bundle copy and its own container-id prefix, so each
leftover is charged to the runtime that made it:

  state    a directory under the runtime's --root (a container that was not deleted)
  process  a process whose executable is the bundle's busybox copy (a container process),
           whose cgroup is named after one of the runtime's containers (runc init, crun),
           or a runtime process whose command line names the runtime's --root
  cgroup   a cgroup directory named after one of the runtime's containers

With --sweep, state directories are deleted with the runtime itself (delete --force, with
the runtime's own --root) and empty leftover cgroups are removed. Processes are never
killed here: a process that survives the runtime's delete is reported, not hidden.

Prints one line per leftover ("RUNTIME<TAB>KIND<TAB>DETAIL"), nothing when clean.
Settings come from the environment: BENCH_WORK, BENCH_PREFIX, BENCH_HAKO, BENCH_CRUN_NS.
"""
import glob
import os
import subprocess
import sys
import time

WORK = os.environ["BENCH_WORK"]
PREFIX = os.environ["BENCH_PREFIX"]
HAKO = os.environ["BENCH_HAKO"]
CRUN_NS = os.environ.get("BENCH_CRUN_NS", "0") == "1"
RUNTIMES = ("hako", "runc", "crun")
RUNTIME_EXES = {"hako", "runc", "crun"}
# crun refuses hybrid cgroups; in a mount namespace without the cgroup2 mount it works.
NS_PREFIX = ["unshare", "-m", "sh", "-c", 'umount /sys/fs/cgroup/unified && exec "$0" "$@"']


def root_of(rt):
    return os.path.join(WORK, "root", rt)


def runtime_cmd(rt, wrapped=False):
    binary = {"hako": HAKO, "runc": "runc", "crun": "crun"}[rt]
    cmd = [binary, "--root", root_of(rt)]
    if rt == "crun" and wrapped and CRUN_NS:
        cmd = NS_PREFIX + cmd
    return cmd


def state_leftovers(rt):
    root = root_of(rt)
    if not os.path.isdir(root):
        return []
    # hako keeps compiled seccomp filters in "seccomp@cache" (no container id has an "@").
    return sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and d != "seccomp@cache")


def busybox_inodes():
    inodes = {}
    for rt in RUNTIMES:
        try:
            st = os.stat(os.path.join(WORK, "b-" + rt, "rootfs", "bin", "busybox"))
            inodes[(st.st_dev, st.st_ino)] = rt
        except OSError:
            pass
    return inodes


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def process_leftovers():
    found = []
    inodes = busybox_inodes()
    me = os.getpid()
    for d in glob.glob("/proc/[0-9]*"):
        pid = int(d[6:])
        if pid == me:
            continue
        owner = None
        try:
            st = os.stat(d + "/exe")
            owner = inodes.get((st.st_dev, st.st_ino))
        except OSError:
            pass
        raw = read(d + "/cmdline", "rb") or b""
        argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
        cmdline = " ".join(argv)
        if owner is None:
            cgroups = read(d + "/cgroup") or ""
            for rt in RUNTIMES:
                if "/%s-%s-" % (PREFIX, rt) in cgroups:
                    owner = rt
        if owner is None and argv:
            exe = os.path.basename(argv[0])
            if exe in RUNTIME_EXES:
                for rt in RUNTIMES:
                    if root_of(rt) in argv:
                        owner = rt
        if owner is not None:
            found.append((owner, "process", "pid %d: %s" % (pid, cmdline[:120])))
    return found


def cgroup_leftovers():
    found = []
    for rt in RUNTIMES:
        # Containers' cgroups sit under the caller's own cgroup in some controllers
        # (e.g. memory/<service>/<id>), so look a few levels deep.
        paths = []
        for depth in range(0, 4):
            paths += glob.glob("/sys/fs/cgroup/" + "*/" * depth + "%s-%s-*" % (PREFIX, rt))
        for path in paths:
            if os.path.isdir(path):
                found.append((rt, "cgroup", path))
    return found


def check():
    found = []
    for rt in RUNTIMES:
        found += [(rt, "state", d) for d in state_leftovers(rt)]
    # A container killed by delete may take a moment to be gone from /proc.
    for _ in range(20):
        procs = process_leftovers()
        if not procs:
            break
        time.sleep(0.1)
    found += procs
    found += cgroup_leftovers()
    return found


def sweep():
    for rt in RUNTIMES:
        for cid in state_leftovers(rt):
            for wrapped in (False, True):
                r = subprocess.run(runtime_cmd(rt, wrapped) + ["delete", "--force", cid],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if r.returncode == 0 and not os.path.isdir(os.path.join(root_of(rt), cid)):
                    break
    for _ in range(20):
        if not process_leftovers():
            break
        time.sleep(0.1)
    for _, _, path in cgroup_leftovers():
        try:
            os.rmdir(path)
        except OSError:
            pass


def main():
    args = sys.argv[1:]
    label = ""
    if "--label" in args:
        label = args[args.index("--label") + 1]
    found = check()
    for rt, kind, detail in found:
        print("%s\t%s\t%s%s" % (rt, kind, detail, "\t" + label if label else ""))
    sys.stdout.flush()
    if "--sweep" in args:
        sweep()


if __name__ == "__main__":
    main()
