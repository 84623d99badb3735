import Foundation
import LinuxSys
import Testing

/// checkpoint and restore through hako's CLI against a stand-in for criu
/// (Tests/Helpers/fake-criu/criu), which speaks CRIU's RPC and plays its part without
/// dumping: Debian's criu fails `criu check` on this host's kernel. The real criu runs in
/// the guest of vm/checkpoint-check.sh. What these check is hako's side: the request it
/// sends, the notifications it answers, the state, cgroup and files it makes, and that a
/// failure leaves nothing.
@Suite("checkpoint and restore (a stand-in criu)", .enabled(if: Runner.isRoot, "needs root"))
struct CheckpointTests {
    static let fakeDirectory = Runner.packageRoot + "/Tests/Helpers/fake-criu"

    /// PATH with the fake first, and what else the fake is told.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": fakeDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")].merging(extra) { _, new in new }
    }

    /// The requests the fake recorded, in order.
    static func requests(_ path: String) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    static func option(_ request: [String: Any], _ field: Int) -> [Any]? {
        (request["opts"] as? [String: Any])?[String(field)] as? [Any]
    }

    /// A running container whose rootfs has a bind mount and whose masks include files.
    func runningBundle() throws -> TestBundle {
        let bundle = try TestBundle(args: ["sleep", "1000"], tag: "cr")
        bundle.spec.mounts?.append(.init(destination: "/mnt/data", type: "bind", source: bundle.path, options: ["bind", "ro"]))
        #expect(try bundle.run(["--detach"]).status == 0)
        return bundle
    }

    @Test("--criu names the criu that runs (not PATH's); one that does not exist is an error naming the flag, and the container runs on")
    func criuFlag() throws {
        let bundle = try runningBundle()
        let images = try Scratch.directory("images") + "/dump"
        let record = images + ".requests"
        // PATH without the stand-in: only --criu can find it.
        let environment = ["FAKE_CRIU_RECORD": record, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let missing = try bundle.hako(["--criu", "/nonexistent/criu", "checkpoint", "--image-path", images, bundle.id], environment: environment)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--criu /nonexistent/criu: not found or not executable"), "\(missing.stderr)")
        #expect((try bundle.state())?["status"] as? String == "running")
        let result = try bundle.hako(["--criu", Self.fakeDirectory + "/criu", "checkpoint", "--image-path", images, bundle.id], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.requests(record).count == 1)
        bundle.expectNothingLeft()
        let info = try Runner.run(["--criu", Self.fakeDirectory + "/criu", "info", "--format", "json"], environment: environment)
        #expect(info.stdout.contains(Self.fakeDirectory + "/criu"), "\(info.stdout)")
    }

    @Test("checkpoint: one dump request naming init, the rootfs, the freezer, the external mounts; descriptors.json; the container is gone")
    func checkpoint() throws {
        let bundle = try runningBundle()
        let pid = try #require(try bundle.state()?["pid"] as? Int)
        let images = try Scratch.directory("images") + "/dump"
        let record = images + ".requests"
        let result = try bundle.hako(["checkpoint", "--image-path", images, "--tcp-established", "--file-locks", "--manage-cgroups-mode", "full", bundle.id],
                                     environment: Self.environment(["FAKE_CRIU_RECORD": record]))
        #expect(result.status == 0, "\(result.stderr)")
        let requests = try Self.requests(record)
        #expect(requests.count == 1)
        let dump = try #require(requests.first)
        #expect(dump["type"] as? Int == 1)
        #expect(Self.option(dump, 2)?.first as? Int == pid)
        #expect(Self.option(dump, 13)?.first as? String == bundle.rootfs)
        #expect(Self.option(dump, 3)?.first as? Int == 0, "not leave_running")
        #expect(Self.option(dump, 5)?.first as? Int == 1, "tcp_established")
        #expect(Self.option(dump, 8)?.first as? Int == 1, "file_locks")
        #expect(Self.option(dump, 34)?.first as? Int == 4, "manage_cgroups_mode full")
        #expect(Self.option(dump, 44)?.first as? String == "/sys/fs/cgroup/freezer/\(bundle.id)")
        #expect(Self.option(dump, 38)?.first as? Int == 0x4000_0000, "the network namespace left empty, as runc")
        let mounts = (Self.option(dump, 23) as? [[String: Any]] ?? []).map { "\($0["1"] ?? ""):\($0["2"] ?? "")" }
        #expect(mounts.contains("/mnt/data:/mnt/data"), "\(mounts)")
        #expect(mounts.contains("/proc/timer_list:/dev/null"), "a masked file: \(mounts)")
        #expect(!mounts.contains { $0.hasPrefix("/proc/acpi:") }, "a masked directory is a tmpfs, dumped: \(mounts)")
        let descriptors = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: images + "/descriptors.json"))) as? [String]
        #expect(descriptors?.count == 3)
        #expect(FileManager.default.fileExists(atPath: images + "/fake.img"))
        // Dumped and killed: hako deletes what is left, as runc does.
        #expect(try bundle.hako(["state", bundle.id]).stderr.contains("does not exist"))
        bundle.expectNothingLeft()
    }

    @Test("checkpoint --leave-running and --pre-dump keep it running; --parent-path is checked; the work path gets the log")
    func leaveRunningAndPreDump() throws {
        let bundle = try runningBundle()
        defer { bundle.deleteExpectingNothingLeft() }
        let dir = try Scratch.directory("images")
        let record = dir + "/requests"
        let environment = Self.environment(["FAKE_CRIU_RECORD": record])
        var result = try bundle.hako(["checkpoint", "--leave-running", "--image-path", dir + "/one", "--work-path", dir + "/work", bundle.id], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try bundle.state()?["status"] as? String == "running")
        #expect(FileManager.default.fileExists(atPath: dir + "/work/dump.log"))
        // A passed criu check is remembered for this boot and this criu: not run again.
        #expect(FileManager.default.fileExists(atPath: bundle.root + "/criu@check"))
        let again = try bundle.hako(["checkpoint", "--leave-running", "--image-path", dir + "/again", bundle.id],
                                    environment: Self.environment(["FAKE_CRIU_CHECK_ERROR": "Error: not asked"]))
        #expect(again.status == 0, "\(again.stderr)")
        result = try bundle.hako(["checkpoint", "--pre-dump", "--image-path", dir + "/parent", bundle.id], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try bundle.state()?["status"] as? String == "running")
        result = try bundle.hako(["checkpoint", "--leave-running", "--parent-path", "../parent", "--image-path", dir + "/final", bundle.id], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let requests = try Self.requests(record)
        // dump; a feature check (memory tracking) and a pre-dump; the dump with its parent.
        #expect(requests.map { $0["type"] as? Int } == [1, 9, 4, 1])
        #expect(Self.option(requests[3], 14)?.first as? String == "../parent")
        #expect(Self.option(requests[3], 15)?.first as? Int == 1, "track_mem with a parent")
        result = try bundle.hako(["checkpoint", "--parent-path", "/abs", "--image-path", dir + "/x", bundle.id], environment: environment)
        #expect(result.status != 0 && result.stderr.contains("--parent-path /abs: must be relative"), "\(result.stderr)")
        result = try bundle.hako(["checkpoint", "--parent-path", "../none", "--image-path", dir + "/x", bundle.id], environment: environment)
        #expect(result.status != 0 && result.stderr.contains("--parent-path ../none"), "\(result.stderr)")
        #expect(try bundle.state()?["status"] as? String == "running")
    }

    @Test("bad flags and a failing criu check: an error naming the flag or criu's reason, and the container untouched",
          arguments: [
            (["--manage-cgroups-mode", "sometimes"], "--manage-cgroups-mode sometimes", [String: String]()),
            (["--empty-ns", "pid"], "--empty-ns pid: only network", [:]),
            (["--page-server", "nowhere"], "--page-server nowhere", [:]),
            (["--page-server", "10.0.0.1:99999"], "--page-server 10.0.0.1:99999", [:]),
            (["--status-fd", "0"], "--status-fd 0: not open for writing", [:]),
            ([], "criu check failed on this host (status 1): Error (kerndat.c): no vdso", ["FAKE_CRIU_CHECK_ERROR": "Error (kerndat.c): no vdso"]),
            ([], "the fake was told to fail", ["FAKE_CRIU_FAIL": "dump"]),
            // The flags are checked before criu, as runc does: named even where criu cannot run.
            (["--parent-path", "/abs"], "--parent-path /abs: must be relative", ["FAKE_CRIU_CHECK_ERROR": "Error (kerndat.c): no vdso"]),
            (["--pre-dump", "--parent-path", "../none"], "--parent-path ../none", ["FAKE_CRIU_CHECK_ERROR": "Error (kerndat.c): no vdso"]),
          ])
    func refused(flags: [String], message: String, fake: [String: String]) throws {
        let bundle = try runningBundle()
        defer { bundle.deleteExpectingNothingLeft() }
        let images = try Scratch.directory("images") + "/dump"
        let result = try bundle.hako(["checkpoint", "--image-path", images] + flags + [bundle.id], environment: Self.environment(fake))
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        if fake["FAKE_CRIU_FAIL"] != nil {
            // criu's log, quoted around its error.
            #expect(result.stderr.contains("Error (fake.c:1)"), "\(result.stderr)")
        } else {
            #expect(!FileManager.default.fileExists(atPath: images), "nothing made before the flags are checked")
        }
        #expect(try bundle.state()?["status"] as? String == "running")
    }

    /// A checkpoint to restore from, made by the fake.
    func checkpointed(_ bundle: TestBundle) throws -> String {
        let images = try Scratch.directory("images") + "/dump"
        let result = try bundle.hako(["checkpoint", "--image-path", images, bundle.id], environment: Self.environment())
        #expect(result.status == 0, "\(result.stderr)")
        return images
    }

    @Test("restore --detach --pid-file: a new container, running, whose init is the restored process, in its own cgroup with the config's limits; prestart hooks at setup-namespaces")
    func restoreDetached() throws {
        let bundle = try runningBundle()
        let images = try checkpointed(bundle)
        let hookOut = bundle.path + "/prestart.out"
        bundle.spec.hooks = .init(prestart: [.init(path: "/bin/sh", args: ["sh", "-c", "cat > \(hookOut)"])])
        bundle.spec.linux?.resources = .init(pids: .init(limit: 33))
        try bundle.writeConfig()
        let record = images + ".requests"
        let pidFile = bundle.path + "/restored.pid"
        let result = try bundle.hako(["restore", "--detach", "--pid-file", pidFile, "--image-path", images, "--bundle", bundle.path, "--tcp-established", bundle.id],
                                     environment: Self.environment(["FAKE_CRIU_RECORD": record, "HAKO_TEST_MARKER": bundle.id]))
        #expect(result.status == 0, "\(result.stderr)")
        let state = try #require(try bundle.state())
        #expect(state["status"] as? String == "running")
        let pid = try #require(state["pid"] as? Int)
        #expect(try String(contentsOfFile: pidFile, encoding: .utf8) == "\(pid)")
        let procs = try String(contentsOfFile: "/sys/fs/cgroup/pids/\(bundle.id)/cgroup.procs", encoding: .utf8)
        #expect(procs.split(separator: "\n").contains("\(pid)"), "the restored process in the container's cgroup: \(procs)")
        #expect(try String(contentsOfFile: "/sys/fs/cgroup/pids/\(bundle.id)/pids.max", encoding: .utf8) == "33\n")
        let hookState = try String(contentsOfFile: hookOut, encoding: .utf8)
        #expect(hookState.contains("\"id\":\"\(bundle.id)\"") || hookState.contains("\"id\": \"\(bundle.id)\""), "\(hookState)")
        let restore = try #require(try Self.requests(record).last)
        #expect(restore["type"] as? Int == 2)
        #expect(Self.option(restore, 26)?.first as? Int == 1, "rst_sibling")
        #expect(Self.option(restore, 50)?.first as? Int == 1, "orphan_pts_master")
        #expect(Self.option(restore, 5)?.first as? Int == 1, "tcp_established")
        #expect((Self.option(restore, 13)?.first as? String)?.hasSuffix("/\(bundle.id)/criu-root") == true)
        let mounts = (Self.option(restore, 23) as? [[String: Any]] ?? []).map { "\($0["1"] ?? ""):\($0["2"] ?? "")" }
        #expect(mounts.contains("/mnt/data:\(bundle.path)"), "a bind mount from its source again: \(mounts)")
        #expect(mounts.contains("/dev/null:/dev/null"), "masked files: \(mounts)")
        let roots = (Self.option(restore, 25) as? [[String: Any]] ?? []).compactMap { $0["2"] as? String }
        #expect(roots.contains("/\(bundle.id)"), "cg_root: \(roots)")
        // The criu root is gone once restored, and nothing is mounted on the host.
        #expect(!FileManager.default.fileExists(atPath: bundle.root + "/\(bundle.id)/criu-root"))
        #expect(try bundle.hako(["kill", bundle.id, "KILL"]).status == 0)
        bundle.deleteExpectingNothingLeft()
    }

    @Test("restore killed at each step: the container is listed, and delete --force leaves nothing",
          arguments: CrashPointNames.restore)
    func restoreKilled(point: String) throws {
        let bundle = try runningBundle()
        let images = try checkpointed(bundle)
        let result = try bundle.hako(["restore", "-d", "--image-path", images, "--bundle", bundle.path, bundle.id],
                                     environment: Self.environment(["HAKO_TEST_CRASH_AT": point, "HAKO_TEST_MARKER": bundle.id]))
        #expect(result.status == 9, "\(point): hako was not killed there: \(result.status) \(result.stderr)")
        let state = try bundle.hako(["state", bundle.id])
        #expect(state.status == 0, "\(point): \(state.stderr)")
        // The bind of the rootfs lived in hako's own mount namespace: gone with it.
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains("/\(bundle.id)/criu-root"), "\(point)")
        if point == "restore.committed" {
            #expect(state.stdout.contains("\"running\""), "\(point): \(state.stdout)")
            #expect(try bundle.hako(["exec", bundle.id, "true"]).status == 0)
        } else {
            // Not committed: stopped, as a create killed before its commit. Killed after
            // criu restored the tree, the tree runs on in the container's cgroup, where
            // delete --force finds and kills it.
            #expect(state.stdout.contains("\"stopped\""), "\(point): \(state.stdout)")
            if point == "restore.restored" { #expect(!bundle.leftoverProcesses().isEmpty, "the restored tree") }
            #expect(bundle.leftoverCgroups().isEmpty == (point == "restore.intent"), "\(point): \(bundle.leftoverCgroups())")
        }
        bundle.deleteExpectingNothingLeft()
    }

    @Test("restore in the foreground waits for the restored process and exits with its status, then deletes it")
    func restoreForeground() throws {
        let bundle = try runningBundle()
        let images = try checkpointed(bundle)
        let result = try bundle.hako(["restore", "--image-path", images, "--bundle", bundle.path, bundle.id],
                                     environment: Self.environment(["FAKE_CRIU_RESTORED": "sleep 0.3; exit 5", "HAKO_TEST_MARKER": bundle.id]))
        #expect(result.status == 5, "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("restore of a container on a terminal: the pty master criu sends reaches --console-socket")
    func restoreTerminal() throws {
        let bundle = try runningBundle()
        let images = try checkpointed(bundle)
        bundle.spec.process?.terminal = true
        try bundle.writeConfig()
        let console = try DescriptorSocket()
        let result = try bundle.hako(["restore", "-d", "--console-socket", console.path, "--image-path", images, "--bundle", bundle.path, bundle.id],
                                     environment: Self.environment(["FAKE_CRIU_TTY": "1", "FAKE_CRIU_RESTORED": "while :; do echo restored on a terminal; sleep 0.2; done",
                                                                    "HAKO_TEST_MARKER": bundle.id]))
        #expect(result.status == 0, "\(result.stderr)")
        let (master, name) = try console.receiveDescriptor()
        defer { close(master) }
        #expect(name == "/dev/ptmx")
        #expect(readUntil(master, marker: "restored on a terminal").contains("restored on a terminal"))
        bundle.deleteExpectingNothingLeft()
    }

    @Test("a restore that fails leaves nothing: no state, cgroup, mount or process; criu's log is quoted",
          arguments: ["fail", "taken id", "no images"])
    func restoreFails(_ how: String) throws {
        let bundle = try runningBundle()
        let images = try checkpointed(bundle)
        var environment = Self.environment(["HAKO_TEST_MARKER": bundle.id])
        var id = bundle.id
        var other: TestBundle?
        switch how {
        case "fail":
            environment["FAKE_CRIU_FAIL"] = "restore"
        case "taken id":
            other = try TestBundle(args: ["sleep", "1000"], tag: "cr")
            #expect(try other!.hako(["run", "--detach", "--bundle", other!.path, other!.id], environment: [:]).status == 0)
            id = other!.id
        default:
            try FileManager.default.removeItem(atPath: images + "/fake.img")
        }
        // The taken id lives in the other bundle's root.
        let result = try Runner.run(["--root", other?.root ?? bundle.root, "restore", "-d", "--image-path", images, "--bundle", bundle.path, id],
                                    environment: environment)
        #expect(result.status != 0)
        switch how {
        case "fail":
            #expect(result.stderr.contains("the fake was told to fail") && result.stderr.contains("Error (fake.c:1)"), "\(result.stderr)")
        case "taken id":
            #expect(result.stderr.contains("already exists"), "\(result.stderr)")
            #expect(try other!.state()?["status"] as? String == "running")
            other!.deleteExpectingNothingLeft()
        default:
            #expect(result.stderr.contains("no fake.img"), "\(result.stderr)")
        }
        bundle.expectNothingLeft()
    }
}
