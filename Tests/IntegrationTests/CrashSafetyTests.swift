import Foundation
import OCISpec
import Testing

/// hako killed at any moment: at each named step (`HAKO_TEST_CRASH_AT`, see CrashPoint)
/// and at random moments. Afterwards the container is either intact and usable, or
/// `delete --force` removes it leaving no process, cgroup, mount or state behind.
@Suite("crash safety", .enabled(if: Runner.isRoot, "needs root"), .serialized)
struct CrashSafetyTests {
    static let killedBySIGKILL: Int32 = 9

    /// hako with a crash point: it must have killed itself there.
    func crash(_ bundle: TestBundle, at point: String, _ arguments: [String],
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        try bundle.writeConfig()
        let result = try bundle.hako(arguments, environment: ["HAKO_TEST_CRASH_AT": point])
        #expect(result.status == Self.killedBySIGKILL, "\(point): hako was not killed there: \(result.status) \(result.stderr)",
                sourceLocation: sourceLocation)
    }

    /// The container's status, or nil when `state` says it does not exist. Any other
    /// answer fails the test: state must be valid JSON or a clear error.
    func status(_ bundle: TestBundle, sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        let result = try bundle.hako(["state", bundle.id])
        if result.status != 0 {
            // The moment between the claim of the directory and the intent record in it.
            if result.stderr.contains("is still being created") { return "creating" }
            #expect(result.stderr.contains("does not exist"), "state: \(result.stderr)", sourceLocation: sourceLocation)
            return nil
        }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let status = object?["status"] as? String
        #expect(status != nil, "state printed \(result.stdout)", sourceLocation: sourceLocation)
        return status
    }

    @Test("create killed at each step: stopped, listed, and delete --force leaves nothing",
          arguments: CrashPointNames.create)
    func createKilled(point: String) throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crash")
        defer { bundle.cleanUp() }
        try crash(bundle, at: point, ["create", "--bundle", bundle.path, bundle.id])
        let status = try status(bundle)
        if point == "create.committed" {
            // The commit is done: the container is intact and usable.
            #expect(status == "created")
            #expect(try bundle.hako(["start", bundle.id]).status == 0)
            #expect(try eventually { try self.status(bundle) == "running" })
        } else if point == "create.claimed" {
            // Only the state directory existed: not a container.
            #expect(status == nil)
        } else {
            // The creator died without committing: stopped, and listed as such. At
            // create.saved the record is committed, and init is dying of its parent-death
            // signal: stopped a moment later.
            #expect(status == "stopped" || point == "create.saved", "\(point): \(status ?? "none")")
            #expect(try eventually(timeout: 5) { try self.status(bundle) == "stopped" }, "\(point)")
            let list = try bundle.hako(["list", "--format", "json"])
            #expect(list.stdout.contains(bundle.id))
            // Nothing of it runs: init died with its creator.
            #expect(try eventually(timeout: 5) { bundle.leftoverProcesses().isEmpty }, "\(point): \(bundle.leftoverProcesses())")
        }
        bundle.deleteExpectingNothingLeft()
    }

    @Test("run killed at each step of create: delete --force leaves nothing", arguments: CrashPointNames.create)
    func runKilled(point: String) throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashrun")
        defer { bundle.cleanUp() }
        try crash(bundle, at: point, ["run", "--bundle", bundle.path, bundle.id])
        bundle.deleteExpectingNothingLeft()
    }

    @Test("start killed after releasing init: the container runs, start says so, delete cleans",
          arguments: CrashPointNames.start)
    func startKilled(point: String) throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashstart")
        defer { bundle.cleanUp() }
        #expect(try bundle.create().status == 0)
        try crash(bundle, at: point, ["start", bundle.id])
        #expect(try eventually { try self.status(bundle) == "running" })
        let again = try bundle.hako(["start", bundle.id])
        #expect(again.status != 0 && again.stderr.contains("already running"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bundle.root + "/" + bundle.id + "/exec.fifo"))
        #expect(try bundle.hako(["exec", bundle.id, "true"]).status == 0)
        bundle.deleteExpectingNothingLeft()
    }

    @Test("delete killed at each step: delete --force finishes it", arguments: CrashPointNames.delete)
    func deleteKilled(point: String) throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashdel")
        defer { bundle.cleanUp() }
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        try crash(bundle, at: point, ["delete", "--force", bundle.id])
        let status = try status(bundle)
        #expect(status == nil || status == "stopped", "\(point): \(status ?? "")")
        bundle.deleteExpectingNothingLeft()
    }

    @Test("exec killed before its process runs: the process never runs, the container is intact")
    func execKilledBeforeTheProcessRuns() throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashexec")
        defer { bundle.cleanUp() }
        // Writable, so that a process that does run leaves its mark.
        bundle.spec.root?.readonly = false
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        try crash(bundle, at: "exec.forked", ["exec", bundle.id, "sh", "-c", "echo ran > /tmp/exec-ran"])
        usleep(300_000)
        #expect(!FileManager.default.fileExists(atPath: bundle.rootfs + "/tmp/exec-ran"), "the exec'd process ran")
        // The same exec, not killed, does leave the mark.
        #expect(try bundle.hako(["exec", bundle.id, "sh", "-c", "echo ran > /tmp/exec-ran-check"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: bundle.rootfs + "/tmp/exec-ran-check"))
        // Intact: nothing of the exec is left in it, and a new exec works.
        let ps = try bundle.hako(["exec", bundle.id, "ps", "-o", "args"])
        #expect(!ps.stdout.contains("exec-ran"), "\(ps.stdout)")
        #expect(try bundle.hako(["exec", bundle.id, "true"]).status == 0)
        // Killed once the process was told to go: the container stays usable either way.
        try crash(bundle, at: "exec.proceeding", ["exec", bundle.id, "true"])
        #expect(try status(bundle) == "running")
        #expect(try bundle.hako(["exec", bundle.id, "true"]).status == 0)
        bundle.deleteExpectingNothingLeft()
    }

    @Test("exec whose container is paused between its check and its process: exec returns, the process runs on resume",
          arguments: [false, true])
    func execRacingPause(detach: Bool) throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "execpause")
        defer { bundle.cleanUp() }
        bundle.spec.root?.readonly = false
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        let errors = bundle.path + "/exec.out"
        let exec = try bundle.launch(["exec"] + (detach ? ["-d"] : []) + [bundle.id, "sh", "-c", "echo ran > /tmp/exec-ran"],
                                     environment: ["HAKO_TEST_STOP_AT": "exec.checked"], output: errors)
        let pid = exec.processIdentifier
        // Stopped right after it found the container running.
        #expect(eventually(timeout: 10) {
            ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").contains(") T ")
        })
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        kill(pid, SIGCONT)
        if detach {
            // exec -d returns once it sees the process frozen.
            #expect(eventually(timeout: 10) { !exec.isRunning }, "exec -d did not return")
        } else {
            usleep(500_000)
            #expect(exec.isRunning)
        }
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        #expect(eventually(timeout: 10) { FileManager.default.fileExists(atPath: bundle.rootfs + "/tmp/exec-ran") },
                "the process did not run after resume")
        #expect(eventually(timeout: 10) { !exec.isRunning }, "exec did not return")
        if exec.isRunning { kill(pid, SIGKILL) }
        exec.waitUntilExit()
        #expect(exec.terminationStatus == 0, "\((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
        bundle.deleteExpectingNothingLeft()
    }

    @Test("update and pause killed half-way: the container stays usable")
    func updateAndPauseKilled() throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashupd")
        defer { bundle.cleanUp() }
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        try crash(bundle, at: "update.applied", ["update", "--pids-limit", "50", bundle.id])
        #expect(try status(bundle) == "running")
        #expect(try bundle.hako(["update", "--pids-limit", "60", bundle.id]).status == 0)
        try crash(bundle, at: "pause.freezing", ["pause", bundle.id])
        #expect(try status(bundle) == "running")
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        #expect(try status(bundle) == "paused")
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        bundle.deleteExpectingNothingLeft()
    }

    @Test("state says creating while the creator lives, stopped once it is killed")
    func creatingThenStopped() throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashhook")
        defer { bundle.cleanUp() }
        // A prestart hook holds the creator in the middle of create.
        bundle.spec.hooks = Hooks(prestart: [Hook(path: "/bin/sh", args: ["sh", "-c", "sleep 2"])])
        try bundle.writeConfig()
        let create = try bundle.launch(["create", "--bundle", bundle.path, bundle.id])
        // Listed once the intent record is written (state says "still being created" a
        // moment before).
        #expect(try eventually(timeout: 5) { try bundle.hako(["list"]).stdout.contains("creating") })
        #expect(try status(bundle) == "creating")
        kill(create.processIdentifier, SIGKILL)
        create.waitUntilExit()
        #expect(try status(bundle) == "stopped")
        #expect(try eventually(timeout: 5) { bundle.leftoverProcesses().isEmpty }, "\(bundle.leftoverProcesses())")
        bundle.deleteExpectingNothingLeft()
    }

    @Test("create and run killed at random moments, 30 times each: nothing is left")
    func killedAtRandom() throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashrnd")
        defer { bundle.cleanUp() }
        try bundle.writeConfig()
        for round in 0..<60 {
            let command = round % 2 == 0 ? "create" : "run"
            let process = try bundle.launch([command] + (command == "run" ? ["--detach"] : []) + ["--bundle", bundle.path, bundle.id])
            usleep(UInt32.random(in: 0..<40_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let deleted = try bundle.hako(["delete", "--force", bundle.id])
            #expect(deleted.status == 0, "round \(round): \(deleted.stderr)")
            // Killed before init was recorded, the intermediate and init are not delete's
            // to kill: they are dying of their parent-death signal, or of end of file on
            // their channel. Give them a moment.
            #expect(eventually(timeout: 3) { bundle.leftoverProcesses().isEmpty }, "round \(round): \(bundle.leftoverProcesses())")
            bundle.expectNothingLeft()
        }
    }

    @Test("many hako calls on one id at once: state is JSON or a clear error, nothing is lost or left")
    func concurrentCalls() throws {
        let bundle = try TestBundle(args: ["sleep", "100"], tag: "crashconc")
        defer { bundle.cleanUp() }
        try bundle.writeConfig()
        let scratch = try Scratch.directory("conc")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for round in 0..<8 {
            let commands: [[String]] = [
                ["create", "--bundle", bundle.path, bundle.id], ["create", "--bundle", bundle.path, bundle.id],
                ["start", bundle.id], ["state", bundle.id], ["exec", bundle.id, "true"], ["state", bundle.id],
                ["kill", bundle.id, "KILL"], ["list"], ["delete", "--force", bundle.id], ["state", bundle.id],
                ["pause", bundle.id], ["resume", bundle.id], ["delete", bundle.id], ["state", bundle.id],
            ].shuffled()
            var running: [(Process, [String], String)] = []
            for (index, arguments) in commands.enumerated() {
                let out = "\(scratch)/\(round)-\(index).out"
                running.append((try bundle.launch(arguments, output: out), arguments, out))
            }
            for (process, arguments, out) in running {
                process.waitUntilExit()
                let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                if arguments.first == "state" {
                    if process.terminationStatus == 0 {
                        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "state printed: \(text)")
                    } else {
                        #expect(text.hasPrefix("hako: ") || text.contains("level=error"), "state failed unclearly: \(text)")
                    }
                }
                // Every hako either succeeds or says why; none crashes.
                #expect(process.terminationReason == .exit, "\(arguments): \(text)")
            }
            let deleted = try bundle.hako(["delete", "--force", bundle.id])
            #expect(deleted.status == 0, "round \(round): \(deleted.stderr)")
            bundle.expectNothingLeft()
        }
    }
}

/// The crash points of `CrashPoint.all` (Runtime) that tests walk one by one. A name hako
/// does not know fails its test: `crash` expects hako to have been killed there.
enum CrashPointNames {
    static let create = ["create.claimed", "create.intent", "create.cgroup", "create.forked", "create.init-recorded",
                         "create.ready", "create.saved", "create.committed"]
    static let start = ["start.released", "start.fifo-removed"]
    static let delete = ["delete.killed", "delete.cgroup-removed", "delete.record-removed"]
    static let restore = ["restore.intent", "restore.criu-started", "restore.restored", "restore.committed"]
}
