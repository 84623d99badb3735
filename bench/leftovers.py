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
  dir      a directory named after one of the runtime's containers under /sys/fs/cgroup that
           is not on a cgroup file system: on a hybrid host the benchmark runs in a mount
           namespace without the cgroup2 mount, and /sys/fs/cgroup/unified is then a plain
           directory of the /sys/fs/cgroup tmpfs (crun makes one per container there and
           writes its pid to a cgroup.procs file in it)

With --sweep, state directories are deleted with the runtime itself (delete --force, with
the runtime's own --root), empty leftover cgroups are removed, and so are leftover dirs (with
the files in them: they are on tmpfs, not cgroups). Processes are never
killed here: a process that survives the runtime's delete is reported, not hidden.

With --delete NAME, the containers a figure leaves on purpose (ids PREFIX-RUNTIME-NAME,
optionally followed by a number: the 50 started at once, the 100 listed) are first deleted
with delete --force, several at a time, and are not counted; what is left after that is.

Prints one line per leftover ("RUNTIME<TAB>KIND<TAB>DETAIL"), nothing when clean.
Settings come from the environment: BENCH_WORK, BENCH_PREFIX, BENCH_HAKO.
"""
import glob
import os
import re
import subprocess
import sys
import time

WORK = os.environ["BENCH_WORK"]
PREFIX = os.environ["BENCH_PREFIX"]
HAKO = os.environ["BENCH_HAKO"]
RUNTIMES = ("hako", "runc", "crun")
RUNTIME_EXES = {"hako", "runc", "crun"}


def root_of(rt):
    return os.path.join(WORK, "root", rt)


def runtime_cmd(rt):
    binary = {"hako": HAKO, "runc": "runc", "crun": "crun"}[rt]
    return [binary, "--root", root_of(rt)]


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


def fs_type(path):
    """The file system type of the mount that holds path, from /proc/self/mountinfo."""
    best, kind = "", None
    for line in (read("/proc/self/mountinfo") or "").splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mountpoint = fields[4].replace("\\040", " ")
        fstype = line.split(" - ", 1)[1].split()[0]
        if (path == mountpoint or path.startswith(mountpoint.rstrip("/") + "/")) and len(mountpoint) >= len(best):
            best, kind = mountpoint, fstype
    return kind


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
                kind = "cgroup" if fs_type(path) in ("cgroup", "cgroup2") else "dir"
                found.append((rt, kind, path))
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


def delete_expected(name, parallel=4):
    """delete --force of every container named PREFIX-RUNTIME-NAME[digits], a few at a time."""
    jobs = []
    for rt in RUNTIMES:
        pattern = re.compile(re.escape("%s-%s-%s" % (PREFIX, rt, name)) + r"[0-9]*$")
        jobs += [runtime_cmd(rt) + ["delete", "--force", cid]
                 for cid in state_leftovers(rt) if pattern.match(cid)]
    running = []
    for job in jobs:
        if len(running) >= parallel:
            running.pop(0).wait()
        running.append(subprocess.Popen(job, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))
    for p in running:
        p.wait()


def sweep():
    for rt in RUNTIMES:
        for cid in state_leftovers(rt):
            subprocess.run(runtime_cmd(rt) + ["delete", "--force", cid],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(20):
        if not process_leftovers():
            break
        time.sleep(0.1)
    for _, kind, path in cgroup_leftovers():
        try:
            if kind == "dir" and fs_type(path) == "tmpfs":
                for name in os.listdir(path):
                    if os.path.isfile(os.path.join(path, name)):
                        os.unlink(os.path.join(path, name))
            os.rmdir(path)
        except OSError:
            pass


def main():
    args = sys.argv[1:]
    label = ""
    if "--label" in args:
        label = args[args.index("--label") + 1]
    if "--delete" in args:
        delete_expected(args[args.index("--delete") + 1])
    found = check()
    for rt, kind, detail in found:
        print("%s\t%s\t%s%s" % (rt, kind, detail, "\t" + label if label else ""))
    sys.stdout.flush()
    if "--sweep" in args:
        sweep()


if __name__ == "__main__":
    main()
