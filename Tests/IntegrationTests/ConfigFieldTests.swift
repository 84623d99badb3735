import Foundation
import OCISpec
import Testing

/// config-linux.md fields beyond the basics, each checked from inside the container or
/// from the host, with its bad-input case.
@Suite("config fields", .enabled(if: Runner.isRoot, "needs root"))
struct ConfigFieldTests {
    func output(_ bundle: TestBundle, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try bundle.runExpectingSuccess(extra, sourceLocation: sourceLocation)
    }

    func expectRefused(_ bundle: TestBundle, saying text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try bundle.create()
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        bundle.expectNothingLeft(sourceLocation: sourceLocation)
    }

    @Test("sysctls of the container's namespaces are set; host-wide ones are refused")
    func sysctl() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni"])
        bundle.spec.linux?.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"]
        #expect(try output(bundle) == "1\n1234\n")
        let host = try TestBundle(args: ["true"])
        host.spec.linux?.sysctl = ["vm.swappiness": "10"]
        try expectRefused(host, saying: "linux.sysctl[\"vm.swappiness\"]: not in a namespace of the container")
        let noNet = try TestBundle(args: ["true"])
        noNet.spec.linux?.namespaces?.removeAll { $0.type == "network" }
        noNet.spec.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        try expectRefused(noNet, saying: "needs the container's own network namespace")
        // A name that climbs out of /proc/sys/net: ".." alone is enough to refuse it.
        let climbing = try TestBundle(args: ["true"])
        climbing.spec.linux?.sysctl = ["net.ipv4..conf": "1"]
        try expectRefused(climbing, saying: "linux.sysctl[\"net.ipv4..conf\"]: not a sysctl name")
    }

    @Test("oomScoreAdj is set on the process")
    func oomScoreAdj() throws {
        let bundle = try TestBundle(args: ["cat", "/proc/self/oom_score_adj"])
        bundle.spec.process?.oomScoreAdj = 321
        #expect(try output(bundle) == "321\n")
    }

    @Test("personality LINUX32 makes uname report a 32-bit machine")
    func personality() throws {
        let bundle = try TestBundle(args: ["uname", "-m"])
        bundle.spec.linux?.personality = LinuxPersonality(domain: "LINUX32")
        #expect(try output(bundle) == "i686\n")
        // exec'd processes get it too.
        let running = try TestBundle(args: ["sleep", "600"])
        running.spec.linux?.personality = LinuxPersonality(domain: "LINUX32")
        #expect(try running.run(["--detach"]).status == 0)
        let exec = try running.hako(["exec", running.id, "uname", "-m"])
        #expect(exec.stdout == "i686\n", "\(exec.stderr)")
        running.deleteExpectingNothingLeft()
        let bad = try TestBundle(args: ["true"])
        bad.spec.linux?.personality = LinuxPersonality(domain: "WINDOWS")
        let result = try bad.create()
        #expect(result.status != 0)
        bad.expectNothingLeft()
    }

    @Test("a time namespace with offsets shifts the boot clock")
    func timeOffsets() throws {
        let bundle = try TestBundle(args: ["cut", "-d.", "-f1", "/proc/uptime"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "time"))
        bundle.spec.linux?.timeOffsets = ["boottime": LinuxTimeOffset(secs: 10_000_000, nanosecs: 0)]
        let uptime = Int(try output(bundle).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(uptime >= 10_000_000)
        // With a user namespace of its own too (the time namespace then belongs to it).
        let mapped = try TestBundle(args: ["cat", "/proc/self/timens_offsets"])
        mapped.spec.linux?.namespaces? += [LinuxNamespace(type: "time"), LinuxNamespace(type: "user")]
        mapped.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        mapped.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        mapped.spec.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 7881, nanosecs: 2_718_281),
                                          "boottime": LinuxTimeOffset(secs: 1337, nanosecs: 3_141_519)]
        chownTree(mapped.rootfs, to: 100000)
        let offsets = try output(mapped).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(offsets == ["monotonic 7881 2718281", "boottime 1337 3141519"], "\(offsets)")
    }

    @Test("scheduler policy and nice value")
    func scheduler() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "awk '{print $19, $41}' /proc/$$/stat"])
        bundle.spec.process?.scheduler = Scheduler(policy: "SCHED_BATCH", nice: 7)
        #expect(try output(bundle) == "7 3\n")
        let bad = try TestBundle(args: ["true"])
        bad.spec.process?.scheduler = Scheduler(policy: "SCHED_FOO")
        try expectRefused(bad, saying: "SCHED_FOO")
    }

    @Test("SCHED_DEADLINE with a cpuset of fewer CPUs than the host's is refused in runc's words",
          .enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1, "needs two CPUs"))
    func deadlineWithCpuset() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.process?.scheduler = Scheduler(policy: "SCHED_DEADLINE", nice: 19, runtime: 42_000, deadline: 1_000_000, period: 1_000_000)
        bundle.spec.linux?.resources?.cpu = LinuxCPU(cpus: "0")
        try expectRefused(bundle, saying: "process.scheduler: process scheduler can't be used together with AllowedCPUs (linux.resources.cpu.cpus \"0\")")
    }

    @Test("ioPriority is set on the container process")
    func ioPriority() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        bundle.spec.process?.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_IDLE", priority: 0)
        #expect(try bundle.run(["--detach"]).status == 0)
        let pid = try #require((try bundle.state())?["pid"] as? Int)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ionice")
        process.arguments = ["-p", "\(pid)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "idle\n")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
    }

    @Test("execCPUAffinity.final pins the container process")
    func cpuAffinity() throws {
        let bundle = try TestBundle(args: ["grep", "Cpus_allowed_list", "/proc/self/status"])
        bundle.spec.process?.execCPUAffinity = CPUAffinity(initial: "0", final: "0")
        #expect(try output(bundle) == "Cpus_allowed_list:\t0\n")
        let bad = try TestBundle(args: ["true"])
        bad.spec.process?.execCPUAffinity = CPUAffinity(final: "3-1")
        try expectRefused(bad, saying: "execCPUAffinity.final")
    }

    @Test("without execCPUAffinity the container's processes get every CPU, not the affinity hako was started with (taskset)",
          .enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1, "needs two CPUs"))
    func affinityReset() throws {
        let host = try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("Cpus_allowed_list:") }.map(String.init) ?? ""
        let bundle = try TestBundle(args: ["sh", "-c", "grep Cpus_allowed_list /proc/self/status; sleep 600"])
        try bundle.writeConfig()
        let pinned = ["-c", "0", Runner.binary, "--root", bundle.root]
        let run = try Runner.run(pinned + ["run", "--detach", "--bundle", bundle.path, bundle.id], executable: "/usr/bin/taskset")
        #expect(run.status == 0, "\(run.stderr)")
        let exec = try Runner.run(pinned + ["exec", bundle.id, "grep", "Cpus_allowed_list", "/proc/self/status"], executable: "/usr/bin/taskset")
        #expect(exec.stdout == host + "\n", "\(exec.stderr)")
        let pid = try #require((try bundle.state())?["pid"] as? Int)
        let initAffinity = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("Cpus_allowed_list:") }.map(String.init)
        #expect(initAffinity == host)
        bundle.deleteExpectingNothingLeft()
    }

    @Test("memoryPolicy binds memory to the given nodes")
    func memoryPolicy() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep -c bind:0 /proc/self/numa_maps"])
        bundle.spec.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "0")
        let count = Int(try output(bundle).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(count > 0)
        let bad = try TestBundle(args: ["true"])
        bad.spec.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "x")
        try expectRefused(bad, saying: "linux.memoryPolicy.nodes")
    }

    @Test("LISTEN_FDS given to hako is passed on with the sockets, as runc does")
    func listenFds() throws {
        let file = try Scratch.directory("listen") + "/socket-stand-in"
        try "activated\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bundle = try TestBundle(args: ["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; cat <&3"])
        try bundle.writeConfig()
        let out = file + ".out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec 3<\"$1\"; LISTEN_FDS=1 exec \"$2\" --root \"$3\" run --bundle \"$4\" \"$5\" > \"$6\"", "sh", file, Runner.binary, bundle.root, bundle.path, bundle.id, out]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "1 1\nactivated\n")
    }
}
