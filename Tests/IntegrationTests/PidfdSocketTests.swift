import Foundation
import LinuxSys
import Testing

/// The pid a pidfd refers to, from its fdinfo ("Pid:" line); nil if it is no pidfd.
func pidOfPidfd(_ fd: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("Pid:") {
        return Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
    }
    return nil
}

@Suite("--pidfd-socket", .enabled(if: Runner.isRoot, "needs root"))
struct PidfdSocketTests {
    @Test("create and run --detach send a pidfd of init; a signal through it stops the container",
          arguments: [(["create"], "created"), (["run", "--detach"], "running")])
    func initPidfd(command: [String], status: String) throws {
        let bundle = try TestBundle(args: ["sleep", "1000"], tag: "pidfd")
        let receiver = try DescriptorSocket()
        try bundle.writeConfig()
        let made = try bundle.hako(command + ["--bundle", bundle.path, "--pidfd-socket", receiver.path, bundle.id])
        #expect(made.status == 0, "\(made.stderr)")
        let (pidfd, name) = try receiver.receiveDescriptor()
        defer { close(pidfd) }
        #expect(name == "standard")
        let state = try #require(try bundle.state())
        #expect(state["status"] as? String == status)
        #expect(pidOfPidfd(pidfd) == state["pid"] as? Int)
        try Processes.signal(pidfd: pidfd, SIGKILL)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        bundle.deleteExpectingNothingLeft()
    }

    @Test("exec sends a pidfd of the exec'd process, not of init")
    func exec() throws {
        let bundle = try TestBundle(args: ["sleep", "1000"], tag: "pidfd")
        #expect(try bundle.run(["--detach"]).status == 0)
        let receiver = try DescriptorSocket()
        let pidFile = bundle.path + "/exec.pid"
        let execd = try bundle.hako(["exec", "--detach", "--pid-file", pidFile, "--pidfd-socket", receiver.path, bundle.id, "sleep", "999"])
        #expect(execd.status == 0, "\(execd.stderr)")
        let (pidfd, name) = try receiver.receiveDescriptor()
        defer { close(pidfd) }
        #expect(name == "setns")
        let pid = try #require(Int(try String(contentsOfFile: pidFile, encoding: .utf8)))
        #expect(pidOfPidfd(pidfd) == pid)
        try Processes.signal(pidfd: pidfd, SIGKILL)
        #expect(eventually { bundle.leftoverProcesses().count == 1 })
        #expect((try bundle.state())?["status"] as? String == "running")
        bundle.deleteExpectingNothingLeft()
    }

    @Test("a socket nobody listens on fails create and exec, naming the flag, and leaves nothing")
    func nobodyListening() throws {
        let bundle = try TestBundle(args: ["sleep", "1000"], tag: "pidfd")
        let missing = bundle.path + "/no-such.sock"
        let created = try bundle.create(["--pidfd-socket", missing])
        #expect(created.status != 0)
        #expect(created.stderr.contains("--pidfd-socket \(missing)"), "\(created.stderr)")
        bundle.expectNothingLeft()

        #expect(try bundle.run(["--detach"]).status == 0)
        let execd = try bundle.hako(["exec", "--detach", "--pidfd-socket", missing, bundle.id, "sleep", "999"])
        #expect(execd.status != 0)
        #expect(execd.stderr.contains("--pidfd-socket \(missing)"), "\(execd.stderr)")
        #expect(bundle.leftoverProcesses().count == 1, "only init: \(bundle.leftoverProcesses())")
        bundle.deleteExpectingNothingLeft()
    }
}
