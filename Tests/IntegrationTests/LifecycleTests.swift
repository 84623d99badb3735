import Foundation
import Testing

@Suite("container lifecycle", .enabled(if: Runner.isRoot, "needs root"))
struct LifecycleTests {
    @Test("run prints the container's output and exits with its status")
    func runOutputAndStatus() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "echo hello from $(hostname); exit 3"])
        bundle.spec.hostname = "box"
        let result = try bundle.run()
        #expect(result.stdout == "hello from box\n")
        #expect(result.status == 3)
        bundle.expectNothingLeft()
    }

    @Test("the container process is pid 1 of its own pid namespace")
    func pidOne() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "echo $$"])
        let result = try bundle.run()
        #expect(result.stdout == "1\n")
        #expect(result.status == 0)
    }

    @Test("a container killed by a signal makes run exit with 128 + the signal")
    func runKilledBySignal() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "kill -KILL $$"])
        // Pid 1 of a pid namespace cannot be killed from inside it: share the host's.
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "pid" }
        let result = try bundle.run()
        #expect(result.status == 128 + 9)
    }

    @Test("create, state, start, state, kill, state, delete")
    func fullLifecycle() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        let pidFile = bundle.path + "/init.pid"
        let created = try bundle.create(["--pid-file", pidFile])
        #expect(created.status == 0, "\(created.stderr)")

        let state1 = try #require(try bundle.state())
        #expect(state1["status"] as? String == "created")
        #expect(state1["id"] as? String == bundle.id)
        #expect(state1["bundle"] as? String == bundle.path)
        let pid = try #require(state1["pid"] as? Int)
        #expect(pid > 0)
        #expect(try String(contentsOfFile: pidFile, encoding: .utf8) == "\(pid)")
        // Until start, init is hako itself waiting at the barrier, not sleep.
        let commBefore = try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
        #expect(commBefore != "sleep\n")

        let started = try bundle.hako(["start", bundle.id])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(try eventually { (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n" })
        let state2 = try #require(try bundle.state())
        #expect(state2["status"] as? String == "running")
        #expect(state2["pid"] as? Int == pid)

        let again = try bundle.hako(["start", bundle.id])
        #expect(again.status != 0)
        #expect(again.stderr.contains("running"))

        let killed = try bundle.hako(["kill", bundle.id, "KILL"])
        #expect(killed.status == 0, "\(killed.stderr)")
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })

        let deleted = try bundle.hako(["delete", bundle.id])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try bundle.state() == nil)
        bundle.expectNothingLeft()
    }

    @Test("kill delivers the signal asked for, by name or number")
    func killDeliversSignal() throws {
        let out = try Scratch.directory("kill")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bundle = try TestBundle(args: ["sh", "-c", "trap 'echo got-usr1 > /out/signal; exit 0' USR1; echo ready > /out/ready; while true; do sleep 0.05; done"])
        bundle.spec.mounts?.append(.init(destination: "/out", type: "bind", source: out, options: ["rbind", "rw"]))
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        #expect(try eventually { FileManager.default.fileExists(atPath: out + "/ready") })
        let killed = try bundle.hako(["kill", bundle.id, "10"])  // SIGUSR1
        #expect(killed.status == 0, "\(killed.stderr)")
        #expect(try eventually { (try? String(contentsOfFile: out + "/signal", encoding: .utf8)) == "got-usr1\n" })
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("a created container's init ends on SIGTERM, SIGINT or SIGHUP (pid 1 of its namespace, with handlers while it waits for start)",
          arguments: ["TERM", "INT", "HUP"])
    func killCreated(signal: String) throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["kill", bundle.id, signal]).status == 0)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("kill --all reaches every process of the container")
    func killAll() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "sleep 100 & sleep 100 & wait"])
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        #expect(try eventually { bundle.leftoverProcesses().count >= 3 })
        #expect(try bundle.hako(["kill", "--all", bundle.id, "SIGKILL"]).status == 0)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        #expect(try eventually { bundle.leftoverProcesses().isEmpty })
        bundle.expectNothingLeft()
    }

    @Test("without a pid namespace of its own, SIGKILL reaches every process of the cgroup, after init is gone too, and thaws a paused one")
    func killSharedPidNamespace() throws {
        for initGone in [false, true] {
            let bundle = try TestBundle(args: ["sleep", "600"])
            bundle.spec.linux?.namespaces?.removeAll { $0.type == "pid" }
            #expect(try bundle.run(["--detach"]).status == 0)
            for _ in 1...3 { #expect(try bundle.hako(["exec", "--detach", bundle.id, "sleep", "600"]).status == 0) }
            #expect(bundle.leftoverProcesses().count == 4)
            if initGone {
                let pid = try #require((try bundle.state())?["pid"] as? Int)
                Glibc.kill(pid_t(pid), SIGKILL)
                #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
                #expect(bundle.leftoverProcesses().count == 3)
            } else {
                #expect(try bundle.hako(["pause", bundle.id]).status == 0)
            }
            let killed = try bundle.hako(["kill", bundle.id, "KILL"])
            #expect(killed.status == 0, "\(killed.stderr)")
            #expect(eventually { bundle.leftoverProcesses().isEmpty }, "initGone \(initGone): \(bundle.leftoverProcesses())")
            #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
            #expect(try bundle.hako(["delete", bundle.id]).status == 0)
            bundle.expectNothingLeft()
        }
    }

    @Test("a stopped container: kill says \"container not running\" (runc's words), kill --all succeeds (containerd sends it to every task it deletes)")
    func killStopped() throws {
        let bundle = try TestBundle(args: ["true"])
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        let plain = try bundle.hako(["kill", bundle.id, "KILL"])
        #expect(plain.status != 0)
        #expect(plain.stderr.contains("container not running"), "\(plain.stderr)")
        let all = try bundle.hako(["kill", "--all", bundle.id, "9"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("delete refuses a running container; --force kills and deletes it")
    func deleteRunning() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        let refused = try bundle.hako(["delete", bundle.id])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not stopped: running"))
        let forced = try bundle.hako(["delete", "--force", bundle.id])
        #expect(forced.status == 0, "\(forced.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("delete of a created container kills its init")
    func deleteCreated() throws {
        let bundle = try TestBundle(args: ["true"])
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("run --detach returns while the container runs; run --keep keeps the state")
    func runDetachAndKeep() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.run(["--detach"]).status == 0)
        #expect((try bundle.state())?["status"] as? String == "running")
        #expect(try bundle.hako(["delete", "-f", bundle.id]).status == 0)

        let kept = try TestBundle(args: ["true"])
        #expect(try kept.run(["--keep"]).status == 0)
        #expect((try kept.state())?["status"] as? String == "stopped")
        #expect(try kept.hako(["delete", kept.id]).status == 0)
        kept.expectNothingLeft()
    }

    @Test("run forwards signals it receives to the container")
    func runForwardsSignals() throws {
        let out = try Scratch.directory("fwd")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bundle = try TestBundle(args: ["sh", "-c", "trap 'exit 42' TERM; touch /out/ready; while true; do sleep 0.05; done"])
        bundle.spec.mounts?.append(.init(destination: "/out", type: "bind", source: out, options: ["rbind"]))
        try bundle.writeConfig()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Runner.binary)
        process.arguments = ["--root", bundle.root, "run", "--bundle", bundle.path, bundle.id]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        #expect(try eventually { FileManager.default.fileExists(atPath: out + "/ready") })
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 42)
        bundle.expectNothingLeft()
    }

    @Test("list shows containers as a table, JSON, or ids")
    func list() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.create().status == 0)
        let table = try bundle.hako(["list"])
        #expect(table.stdout.hasPrefix("ID"))
        #expect(table.stdout.contains(bundle.id))
        #expect(table.stdout.contains("created"))
        let quiet = try bundle.hako(["list", "-q"])
        #expect(quiet.stdout == bundle.id + "\n")
        let json = try bundle.hako(["list", "--format", "json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["id"] as? String == bundle.id)
        #expect(entries.first?["status"] as? String == "created")
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        #expect(try bundle.hako(["list", "-q"]).stdout == "")
    }

    @Test("global flags work before the command, as engines pass them")
    func globalFlagsFirst() throws {
        let bundle = try TestBundle(args: ["true"])
        #expect(try bundle.create().status == 0)
        let log = bundle.path + "/log.json"
        let state = try Runner.run(["--root", bundle.root, "--log", log, "--log-format=json", "state", bundle.id])
        #expect(state.status == 0, "\(state.stderr)")
        let after = try Runner.run(["state", "--root", bundle.root, bundle.id])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
    }
}
