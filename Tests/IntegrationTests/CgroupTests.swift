import Foundation
import OCISpec
import Testing

/// cgroup limits and the commands built on them, on this host's cgroups (hybrid v1 here).
@Suite("cgroups", .enabled(if: Runner.isRoot && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids"), "needs root and v1 cgroups"))
struct CgroupTests {
    func cgroupFile(_ controller: String, _ bundle: TestBundle, _ file: String) throws -> String {
        try String(contentsOfFile: "/sys/fs/cgroup/\(controller)/\(bundle.id)/\(file)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("limits are written to the container's cgroup, which init joins, and delete removes it")
    func limitsWritten() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        bundle.spec.linux?.resources = LinuxResources(
            memory: LinuxMemory(limit: 64 << 20, reservation: 32 << 20),
            cpu: LinuxCPU(shares: 512, quota: 50_000, period: 100_000),
            pids: LinuxPids(limit: 42))
        #expect(try bundle.create().status == 0)
        let pid = try #require((try bundle.state())?["pid"] as? Int)
        #expect(try cgroupFile("memory", bundle, "memory.limit_in_bytes") == "\(64 << 20)")
        #expect(try cgroupFile("memory", bundle, "memory.soft_limit_in_bytes") == "\(32 << 20)")
        #expect(try cgroupFile("cpu", bundle, "cpu.shares") == "512")
        #expect(try cgroupFile("cpu", bundle, "cpu.cfs_quota_us") == "50000")
        #expect(try cgroupFile("pids", bundle, "pids.max") == "42")
        #expect(try cgroupFile("pids", bundle, "cgroup.procs") == "\(pid)")
        let selfCgroup = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        #expect(selfCgroup.contains("pids:/\(bundle.id)"))
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("the container sees its own cgroup at /sys/fs/cgroup, with or without a cgroup namespace", arguments: [true, false])
    func ownCgroupVisible(cgroupNamespace: Bool) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/pids/x 2>/dev/null || echo ro"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "cgroup" }
        if cgroupNamespace { bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "cgroup")) }
        bundle.spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 48 << 20), pids: LinuxPids(limit: 33))
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(48 << 20)\n33\nro\n")
        bundle.expectNothingLeft()
    }

    @Test("linux.resources.devices decide which device nodes the container may open", arguments: [false, true])
    func deviceRules(allowKmsg: Bool) throws {
        // /dev/kmsg bind-mounted from the host: a node that no rule allows by default, which
        // anyone may open for writing when the cgroup allows it.
        let bundle = try TestBundle(args: ["sh", "-c", "echo hako device rule test > /dev/kmsg && echo kmsg-written; echo x > /dev/null && echo null-written"])
        bundle.spec.mounts?.append(Mount(destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]))
        if allowKmsg {
            bundle.spec.linux?.resources = LinuxResources(devices: [
                LinuxDeviceCgroup(allow: false, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 11, access: "w"),
            ])
        }
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (allowKmsg ? "kmsg-written\nnull-written\n" : "null-written\n"), "\(result.stderr)")
        if !allowKmsg { #expect(result.stderr.contains("Operation not permitted"), "\(result.stderr)") }
        bundle.expectNothingLeft()
    }

    @Test("a node of linux.devices is created but not allowed by that alone: a deny-all list keeps it closed, across update too")
    func devicesAreNotImplicitlyAllowed() throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        bundle.spec.linux?.resources = LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")])
        bundle.spec.linux?.devices = [LinuxDevice(path: "/dev/kmsg", type: "c", major: 1, minor: 11)]
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        for round in ["after run", "after update"] {
            let write = try bundle.hako(["exec", bundle.id, "sh", "-c", "ls /dev/kmsg && echo hako > /dev/kmsg"])
            #expect(write.status != 0, "\(round)")
            #expect(write.stdout == "/dev/kmsg\n", "\(round): the node exists: \(write.stdout)")
            #expect(write.stderr.contains("Operation not permitted"), "\(round): \(write.stderr)")
            let read = try bundle.hako(["exec", bundle.id, "head", "-n", "1", "/dev/kmsg"])
            #expect(read.status != 0 && read.stderr.contains("Operation not permitted"), "\(round): \(read.stderr)")
            if round == "after run" { #expect(try bundle.hako(["update", "--pids-limit", "42", bundle.id]).status == 0) }
        }
    }

    @Test("update rewrites device rules by minimal transitions: a process using allowed devices never sees them denied")
    func deviceUpdateMinimalTransition() throws {
        // As runc's "update devices [minimal transition rules]": /dev/null stays usable
        // while the same rules are applied again and again.
        let bundle = try TestBundle(args: ["sh", "-c", "exec 2>/tmp/errors; while true; do head -c 100 /dev/kmsg 2>/dev/null; echo x > /dev/null; done"])
        bundle.spec.linux?.resources = LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm"),
                                                                LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 11, access: "rwm")])
        bundle.spec.linux?.devices = [LinuxDevice(path: "/dev/kmsg", type: "c", major: 1, minor: 11)]
        bundle.spec.root?.readonly = false
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        for _ in 0..<30 {
            let update = try bundle.hako(["update", "--pids-limit", "30", bundle.id])
            #expect(update.status == 0, "\(update.stderr)")
        }
        usleep(100_000)
        let errors = (try? String(contentsOfFile: bundle.rootfs + "/tmp/errors", encoding: .utf8)) ?? "missing"
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test("a pids limit stops forks inside the container")
    func pidsLimitFelt() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo forked"])
        bundle.spec.linux?.resources = LinuxResources(pids: LinuxPids(limit: 4))
        let result = try bundle.run()
        #expect(result.stderr.contains("can't fork") || result.stderr.contains("Resource temporarily unavailable"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a memory limit triggers the OOM killer, and events reports it")
    func memoryLimitOOM() throws {
        // tail keeps every byte of a file without newlines: it grows until the OOM killer stops it.
        let bundle = try TestBundle(args: ["sh", "-c", "sleep 0.5; tail /dev/zero; echo survived"])
        bundle.spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 16 << 20, swap: 16 << 20))
        #expect(try bundle.create().status == 0)
        let events = Process()
        events.executableURL = URL(fileURLWithPath: Runner.binary)
        events.arguments = ["--root", bundle.root, "events", "--interval", "10s", bundle.id]
        let output = Pipe()
        events.standardOutput = output
        try events.run()
        usleep(200_000)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        #expect(try eventually(timeout: 20) { (try bundle.state())?["status"] as? String == "stopped" })
        events.waitUntilExit()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        let types = lines.compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
        }
        #expect(types.contains("oom"), "events: \(lines)")
        #expect(types.first == "stats")
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("pause and resume freeze and thaw the container; state says paused")
    func pauseResume() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.run(["--detach"]).status == 0)
        #expect(try bundle.hako(["resume", bundle.id]).stderr.contains("not paused"))
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        #expect((try bundle.state())?["status"] as? String == "paused")
        #expect(try cgroupFile("freezer", bundle, "freezer.state") == "FROZEN")
        #expect(try bundle.hako(["pause", bundle.id]).stderr.contains("not running"))
        #expect(try bundle.hako(["exec", bundle.id, "true"]).stderr.contains("paused"))
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        #expect((try bundle.state())?["status"] as? String == "running")
        #expect(try cgroupFile("freezer", bundle, "freezer.state") == "THAWED")
        // A paused container can still be force-deleted.
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("kill --all of a paused container signals every process and leaves it paused; resume lets them handle it")
    func killAllPaused() throws {
        let out = try Scratch.directory("killpaused")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Neither exits on the signal: init's exit would kill the child before it wrote.
        func waiter(_ name: String) -> String {
            "trap 'echo \(name) >> /out/got' USR1; echo > /out/ready-\(name); while :; do sleep 0.05; done"
        }
        let bundle = try TestBundle(args: ["sh", "-c", "sh -c \"\(waiter("child"))\" & \(waiter("init"))"])
        bundle.spec.mounts?.append(.init(destination: "/out", type: "bind", source: out, options: ["rbind", "rw"]))
        #expect(try bundle.run(["--detach"]).status == 0)
        #expect(try eventually { FileManager.default.fileExists(atPath: out + "/ready-child") && FileManager.default.fileExists(atPath: out + "/ready-init") })
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        let killed = try bundle.hako(["kill", "--all", bundle.id, "USR1"])
        #expect(killed.status == 0, "\(killed.stderr)")
        #expect((try bundle.state())?["status"] as? String == "paused")
        #expect(try cgroupFile("freezer", bundle, "freezer.state") == "FROZEN")
        #expect(!FileManager.default.fileExists(atPath: out + "/got"))
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        let handled = try eventually {
            let got = (try? String(contentsOfFile: out + "/got", encoding: .utf8)) ?? ""
            return got.split(separator: "\n").sorted() == ["child", "init"]
        }
        #expect(handled, "got: \((try? String(contentsOfFile: out + "/got", encoding: .utf8)) ?? "nothing"); processes: \(bundle.leftoverProcesses())")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("pause freezes a busy container throttled to 1% of a CPU: its task reaches the freezer only in its next period")
    func pauseThrottled() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "while :; do :; done"])
        bundle.spec.linux?.resources = .init(cpu: .init(quota: 1_000, period: 100_000))
        #expect(try bundle.run(["--detach"]).status == 0)
        // Spent its quota: throttled for most of each period from here on.
        usleep(300_000)
        for _ in 0..<3 {
            let pause = try bundle.hako(["pause", bundle.id])
            #expect(pause.status == 0, "\(pause.stderr)")
            #expect(try cgroupFile("freezer", bundle, "freezer.state") == "FROZEN")
            #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        }
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("a pre-existing frozen cgroup is refused by run and create, not waited on; the cgroup is left as it was")
    func frozenCgroupRefused() throws {
        let bundle = try TestBundle(args: ["true"])
        let freezer = "/sys/fs/cgroup/freezer/\(bundle.id)"
        try FileManager.default.createDirectory(atPath: freezer, withIntermediateDirectories: false)
        defer { rmdir(freezer) }
        try "FROZEN".write(toFile: freezer + "/freezer.state", atomically: false, encoding: .utf8)
        for command in [["run"], ["create"]] {
            try bundle.writeConfig()
            let result = try bundle.hako(command + ["--bundle", bundle.path, bundle.id], timeout: 20)
            #expect(result.status == 1)
            #expect(result.stderr.contains("container's cgroup unexpectedly frozen"), "\(result.stderr)")
            #expect(try bundle.state() == nil)
            #expect(bundle.leftoverProcesses().isEmpty)
        }
        #expect(try cgroupFile("freezer", bundle, "freezer.state") == "FROZEN")
    }

    @Test("a cgroupsPath that holds processes is refused in runc 1.2's words, leaving nothing; a process that joins the cgroup later outlives a delete of the container with its own pid namespace")
    func nonEmptyCgroup() throws {
        let first = try TestBundle(args: ["sleep", "600"])
        first.spec.linux?.cgroupsPath = "/hako-shared-\(first.id)"
        let second = try TestBundle(args: ["sleep", "600"])
        second.spec.linux?.cgroupsPath = first.spec.linux?.cgroupsPath
        #expect(try first.run(["--detach"]).status == 0)
        for command in [["run", "--detach"], ["create"]] {
            try second.writeConfig()
            let refused = try second.hako(command + ["--bundle", second.path, second.id])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("container's cgroup is not empty: 1 process(es) found"), "\(refused.stderr)")
            second.expectNothingLeft()
        }
        #expect((try first.state())?["status"] as? String == "running")

        // A process put into the cgroup from outside is no process of the container's, whose
        // pid namespace died with its init: delete leaves it, and the cgroup, in place.
        let cgroup = "/sys/fs/cgroup/pids" + (first.spec.linux?.cgroupsPath ?? "")
        let outsider = Process()
        outsider.executableURL = URL(fileURLWithPath: "/bin/sleep")
        outsider.arguments = ["600"]
        try outsider.run()
        // SIGKILL: a test before may have left this process's signal mask blocking SIGTERM.
        let stopOutsider = { if outsider.isRunning { kill(outsider.processIdentifier, SIGKILL); outsider.waitUntilExit() } }
        defer { stopOutsider() }
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            let procs = "/sys/fs/cgroup/\(hierarchy)\(first.spec.linux?.cgroupsPath ?? "")/cgroup.procs"
            if FileManager.default.fileExists(atPath: procs) { try? "\(outsider.processIdentifier)".write(toFile: procs, atomically: false, encoding: .utf8) }
        }
        let deleted = try first.hako(["delete", "--force", first.id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stderr.contains("still holds processes of another container"), "\(deleted.stderr)")
        #expect(outsider.isRunning)
        #expect(FileManager.default.fileExists(atPath: cgroup))
        stopOutsider()
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            rmdir("/sys/fs/cgroup/\(hierarchy)\(first.spec.linux?.cgroupsPath ?? "")")
        }
        first.expectNothingLeft()
    }

    @Test("ps lists the container's processes as JSON pids or ps lines")
    func ps() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "sleep 100 & sleep 100 & wait"])
        #expect(try bundle.run(["--detach"]).status == 0)
        #expect(try eventually { bundle.leftoverProcesses().count >= 3 })
        let json = try bundle.hako(["ps", "--format", "json", bundle.id])
        let pids = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Int])
        #expect(pids.count == 3)
        let table = try bundle.hako(["ps", bundle.id, "-o", "pid,comm"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.contains("PID") == true)
        #expect(lines.filter { $0.contains("sleep") }.count == 2)
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("update changes limits by flag and by --resources (file and stdin), and saves them")
    func update() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.run(["--detach"]).status == 0)
        let flags = try bundle.hako(["update", "--memory", "128m", "--memory-swap", "256m", "--cpu-shares", "256", "--pids-limit", "77", bundle.id])
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(try cgroupFile("memory", bundle, "memory.limit_in_bytes") == "\(128 << 20)")
        #expect(try cgroupFile("cpu", bundle, "cpu.shares") == "256")
        #expect(try cgroupFile("pids", bundle, "pids.max") == "77")
        let stdin = try bundle.hako(["update", "--resources", "-", bundle.id], stdin: "{\"pids\":{\"limit\":88},\"cpu\":{\"quota\":20000,\"period\":100000}}")
        #expect(stdin.status == 0, "\(stdin.stderr)")
        #expect(try cgroupFile("pids", bundle, "pids.max") == "88")
        #expect(try cgroupFile("cpu", bundle, "cpu.cfs_quota_us") == "20000")
        // Values not named stay as they were.
        #expect(try cgroupFile("memory", bundle, "memory.limit_in_bytes") == "\(128 << 20)")
        let file = bundle.path + "/resources.json"
        try "{\"memory\":{\"limit\":100000000,\"swap\":200000000}}".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try bundle.hako(["update", "-r", file, bundle.id]).status == 0)
        #expect(try cgroupFile("memory", bundle, "memory.limit_in_bytes") == "99999744")
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.idle") {
            for value in ["1", "0"] {
                #expect(try bundle.hako(["update", "--cpu-idle", value, bundle.id]).status == 0)
                #expect(try cgroupFile("cpu", bundle, "cpu.idle") == value)
            }
        }
        let bad = try bundle.hako(["update", "--memory", "lots", bundle.id])
        #expect(bad.status != 0 && bad.stderr.contains("--memory lots"))
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("events --stats prints one stats event shaped like runc's")
    func statsOnce() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        bundle.spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 50 << 20), pids: LinuxPids(limit: 10))
        #expect(try bundle.run(["--detach"]).status == 0)
        let result = try bundle.hako(["events", "--stats", bundle.id])
        #expect(result.status == 0, "\(result.stderr)")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(event["type"] as? String == "stats")
        #expect(event["id"] as? String == bundle.id)
        let data = try #require(event["data"] as? [String: Any])
        let pids = try #require(data["pids"] as? [String: Any])
        #expect(pids["current"] as? Int == 1)
        #expect(pids["limit"] as? Int == 10)
        let memory = try #require((data["memory"] as? [String: Any])?["usage"] as? [String: Any])
        #expect(memory["limit"] as? Int == 50 << 20)
        #expect((memory["usage"] as? Int ?? 0) > 0)
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
    }

    @Test("a memory limit too low for init says so, and leaves nothing")
    func memoryLimitTooLow() throws {
        let bundle = try TestBundle(args: ["echo", "hi"])
        bundle.spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 64 << 10, swap: 64 << 10))
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("killed by the OOM killer before it was ready: linux.resources.memory.limit (65536 bytes) is too low"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a resource the host cannot apply fails create with the field and leaves nothing")
    func badResource() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.resources = LinuxResources(unified: ["memory.max": "1000000"])
        let result = try bundle.create()
        #expect(result.status != 0)
        // runc's words on a v1 or hybrid host, which its test looks for.
        #expect(result.stderr.contains("linux.resources.unified: invalid configuration"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("exec --cgroup runs the process in a sub-cgroup of the container's")
    func execSubCgroup() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.run(["--detach"]).status == 0)
        try FileManager.default.createDirectory(atPath: "/sys/fs/cgroup/pids/\(bundle.id)/sub", withIntermediateDirectories: false)
        let result = try bundle.hako(["exec", "--cgroup", "pids:sub", bundle.id, "grep", "pids", "/proc/self/cgroup"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix(":pids:/\(bundle.id)/sub\n"), "\(result.stdout)")
        // "/" names the container's own cgroup.
        let top = try bundle.hako(["exec", "--cgroup", "/", bundle.id, "cat", "/proc/self/cgroup"])
        #expect(top.status == 0 && top.stdout.contains(":pids:/\(bundle.id)\n"), "\(top.stderr)")
        let unknown = try bundle.hako(["exec", "--cgroup", "whaaat:/", bundle.id, "true"])
        #expect(unknown.status == 255 && unknown.stderr.contains("unknown controller whaaat"), "\(unknown.stderr)")
        let missing = try bundle.hako(["exec", "--cgroup", "nosuch", bundle.id, "true"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--cgroup nosuch: adding pid ") && missing.stderr.contains("/nosuch/cgroup.procs: no such file or directory"), "\(missing.stderr)")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("kill --all signals every process in the cgroup, even without a pid namespace")
    func killAllCgroup() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "sleep 100 & sleep 100 & wait"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "pid" }
        #expect(try bundle.run(["--detach"]).status == 0)
        #expect(try eventually { bundle.leftoverProcesses().count >= 3 })
        #expect(try bundle.hako(["kill", "--all", bundle.id, "KILL"]).status == 0)
        #expect(try eventually { bundle.leftoverProcesses().isEmpty })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }
}
