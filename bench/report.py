#!/usr/bin/env python3
"""Turns bench/results/ (hyperfine JSON, memory and limit TSVs) into results/latest.md and
prints the table with the ratios hako/runc and hako/crun of the medians.

Usage: python3 bench/report.py bench/results [STRACE_DIR]
With STRACE_DIR (where run.sh left strace-<runtime>.txt), the strace logs are summarised into
results/strace-summary.json; without it, that summary is read back.
"""
import json
import re
import os
import statistics
import sys

OUT = sys.argv[1]
STRACE_DIR = sys.argv[2] if len(sys.argv) > 2 else None
RUNTIMES = ("hako", "runc", "crun")


def load(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def tsv(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def fmt_time(s):
    if s is None:
        return "-"
    return "%.2f s" % s if s >= 1 else "%.1f ms" % (s * 1000)


def fmt_kib(k):
    return "%.1f MiB" % (k / 1024) if k >= 1024 else "%d KiB" % k


# Calls that wait for another process or for input: their duration is not work.
WAITS = {"wait4", "waitid", "futex", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll",
         "select", "pselect6", "read", "recvmsg", "recvfrom", "nanosleep", "clock_nanosleep",
         "rt_sigtimedwait", "rt_sigsuspend", "pause", "accept", "accept4", "sched_yield"}
CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()")
DURATION = re.compile(r"<(\d+\.\d+)>$")


def short(line):
    call = line.split(None, 1)[1]
    call = re.sub(r"\s*<unfinished \.\.\.>$", "", call)
    call = re.sub(r"\s+= .*$", "", call)
    return call[:64] + ("..." if len(call) > 64 else "")


def strace_summary(path):
    """Calls, time in non-waiting calls, and the slowest non-waiting calls of an strace -f -T log."""
    calls, work, slow, pending = 0, 0.0, [], {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip()
            m = CALL.match(line)
            if not m:
                continue
            pid, resumed, name = m.group(1), m.group(2), m.group(3)
            if name:
                calls += 1
                if line.endswith("<unfinished ...>"):
                    pending[pid] = short(line)
                    continue
                text = short(line)
            else:
                name = resumed
                text = pending.pop(pid, name)
            d = DURATION.search(line)
            if d and name not in WAITS:
                work += float(d.group(1))
                slow.append((float(d.group(1)), text))
    slow.sort(reverse=True)
    return calls, work, slow[:3]


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


machine = load("machine.json") or {}

# figure key, title
FIGURES = [
    ("cycle", "create + start + delete --force (`true`)"),
    ("run", "run `true`"),
    ("run100", "100 x run `true` in a row"),
    ("concurrent50", "50 creates (xargs -P 2) then 50 deletes"),
    ("start50", "50 x create + start of `sleep` at once (xargs -P 50), until all run"),
    ("exec", "`exec` of `true` into a running container"),
    ("list100", "`list` with 100 containers"),
    ("version", "`--version`"),
    ("state", "`state` of a created container"),
]

rows = []          # (title, hako, runc, crun, hako/runc, hako/crun)
ratio_lines = []
for key, title in FIGURES:
    data = load(key + ".json")
    if not data:
        continue
    res = data["results"]
    med = {rt: res[i]["median"] for i, rt in enumerate(RUNTIMES)}
    cpu = {rt: res[i]["user"] + res[i]["system"] for i, rt in enumerate(RUNTIMES)}
    rows.append((title, fmt_time(med["hako"]), fmt_time(med["runc"]), fmt_time(med["crun"]),
                 ratio(med["hako"], med["runc"]), ratio(med["hako"], med["crun"])))
    ratio_lines.append("%-45s hako/runc %s  hako/crun %s" % (
        title, ratio(med["hako"], med["runc"]), ratio(med["hako"], med["crun"])))
    if key == "run":
        rows.append(("  CPU of run `true` (user + sys, mean)", fmt_time(cpu["hako"]),
                     fmt_time(cpu["runc"]), fmt_time(cpu["crun"]),
                     ratio(cpu["hako"], cpu["runc"]), ratio(cpu["hako"], cpu["crun"])))

mem = {}
for rt, verb, kib in tsv("memory.tsv"):
    mem.setdefault((rt, verb), []).append(int(kib))
for verb, title in (("create", "peak RSS of `create` (median)"), ("run", "peak RSS of `run` (median)"),
                    ("version", "peak RSS of `--version` (median)")):
    if (("hako", verb)) not in mem:
        continue
    m = {rt: statistics.median(mem[(rt, verb)]) for rt in RUNTIMES}
    rows.append((title, fmt_kib(m["hako"]), fmt_kib(m["runc"]), fmt_kib(m["crun"]),
                 ratio(m["hako"], m["runc"]), ratio(m["hako"], m["crun"])))
    ratio_lines.append("%-45s hako/runc %s  hako/crun %s" % (
        title, ratio(m["hako"], m["runc"]), ratio(m["hako"], m["crun"])))

limits = {r[0]: r[1] for r in tsv("limits.tsv") if len(r) > 1}
if limits:
    def lim(v):
        return fmt_kib(int(v)) if v and v.isdigit() else (v or "-")
    rows.append(("smallest memory limit for `echo hi`", lim(limits.get("hako")),
                 lim(limits.get("runc")), lim(limits.get("crun")), "-", "-"))

left = {rt: [] for rt in RUNTIMES}
dirs = {rt: [] for rt in RUNTIMES}
for r in tsv("leftovers.tsv"):
    (dirs if len(r) > 1 and r[1] == "dir" else left).setdefault(r[0], []).append(r)
if os.path.exists(os.path.join(OUT, "leftovers.tsv")):
    rows.append(("left behind (state dirs, processes, cgroups)",) + tuple(
        "none" if not left[rt] else "%d item(s)" % len(left[rt]) for rt in RUNTIMES) + ("-", "-"))
    if any(dirs.values()):
        rows.append(("directories left in the unmounted `/sys/fs/cgroup/unified` (see below)",) + tuple(
            "none" if not dirs[rt] else "%d" % len(dirs[rt]) for rt in RUNTIMES) + ("-", "-"))

header = ("figure", "hako", "runc", "crun", "hako/runc", "hako/crun")
table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
table += ["| " + " | ".join(r) + " |" for r in rows]

md = ["# hako vs runc vs crun", ""]
md.append("Machine: %s cores, kernel %s, %s, %.1f GiB; cgroups %s." % (
    machine.get("nproc"), machine.get("kernel"), machine.get("cpu"),
    machine.get("memory_kib", 0) / 1048576, machine.get("cgroups")))
md.append("")
md.append("Versions: %s (%s); %s; %s; %s. Date: %s. Medians of hyperfine runs after %s warm-up runs." % (
    machine.get("hako"), machine.get("hako_commit"), machine.get("runc"), machine.get("crun"),
    machine.get("hyperfine"), machine.get("date"), machine.get("warmup")))
md.append("")
loads = [machine.get("loadavg_start"), machine.get("loadavg_end")]
if all(loads):
    # The end figure includes the benchmark's own load (50 containers at once, the bisection):
    # only the start tells whether something else was running.
    busy = float(loads[0].split()[0]) > 0.5
    md.append("Load average (1, 5, 15 min) at the start: %s; after the memory figures (the "
              "benchmark's own load included): %s.%s" % (
        loads[0], loads[1], " **The machine was busy: expect noise; rerun on a quiet machine.**" if busy else ""))
    md.append("")
if machine.get("mount_namespace"):
    md.append("The whole session ran in one mount namespace without the cgroup2 mount at "
              "`/sys/fs/cgroup/unified` (`unshare -m`, then `umount`; crun refuses hybrid cgroups), "
              "so hako, runc and crun saw the same host, cgroup v1 only, and every call was direct: "
              "no wrapper, nothing subtracted.")
    md.append("")
md += table
md.append("")
if not machine.get("hako_applies_memory_limit", False):
    md.append("This hako did not apply the memory limit of its config (checked on a created container), "
              "so its smallest-limit figure is n/a; if it creates no cgroup at all, its lifecycle figures "
              "skip work that runc and crun do.")
if any(dirs.values()):
    if md[-1]:
        md.append("")
    md.append("In the benchmark's mount namespace `/sys/fs/cgroup/unified` is a plain directory of the "
              "`/sys/fs/cgroup` tmpfs, not a cgroup. %s made a directory there for each of its containers, "
              "named after it, with its pid written to a `cgroup.procs` file, and did not remove it on "
              "`delete` (the sweeps between runs remove them). This comes from the namespace the "
              "benchmark makes, not from a cgroup hierarchy of the host." % " and ".join(
                  rt for rt in RUNTIMES if dirs[rt]))
if any(left.values()):
    md.append("")
    md.append("Left behind:")
    md.append("")
    for rt in RUNTIMES:
        for r in left[rt][:10]:
            md.append("- " + " ".join(r))
summaries = {}
if STRACE_DIR:
    for rt in RUNTIMES:
        path = os.path.join(STRACE_DIR, "strace-%s.txt" % rt)
        if os.path.exists(path):
            summaries[rt] = strace_summary(path)
    with open(os.path.join(OUT, "strace-summary.json"), "w") as f:
        json.dump(summaries, f, indent=2)
else:
    summaries = load("strace-summary.json") or {}
profile_rows = []
for rt in RUNTIMES:
    if rt in summaries:
        calls, work, slow = summaries[rt]
        profile_rows.append("| %s | %d | %.1f ms | %s |" % (
            rt, calls, work * 1000,
            "<br>".join("%.1f ms `%s`" % (t * 1000, c.replace("|", "/")) for t, c in slow)))
if profile_rows:
    md += ["", "## Profile of one `run` (strace -f -T, container process included)", "",
           "Time in calls that do not wait for another process (wait4, futex, read, ... left out); "
           "strace slows every call, so these are larger than untraced.", "",
           "| runtime | syscalls | time in non-waiting syscalls | slowest non-waiting syscalls |",
           "|---|---|---|---|"] + profile_rows
profile = os.path.join(OUT, "profile.txt")
if os.path.exists(profile):
    md += ["", "```", open(profile).read().rstrip(), "```"]
with open(os.path.join(OUT, "latest.md"), "w") as f:
    f.write("\n".join(md) + "\n")

print("== results (%s)" % os.path.join(OUT, "latest.md"))
print("\n".join(table))
print()
print("== ratios of the medians")
print("\n".join(ratio_lines))
