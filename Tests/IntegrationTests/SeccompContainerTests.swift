import Foundation
import OCISpec
import Testing

/// linux.seccomp in real containers: actions, argument comparisons, exec, the notify
/// listener, and bad profiles.
@Suite("seccomp in containers", .enabled(if: Runner.isRoot, "needs root"))
struct SeccompContainerTests {
    func profile(_ rules: [LinuxSyscall], defaultAction: String = "SCMP_ACT_ALLOW") -> LinuxSeccomp {
        LinuxSeccomp(defaultAction: defaultAction, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], syscalls: rules)
    }

    @Test("SCMP_ACT_ERRNO with errnoRet, and unknown syscall names skipped", arguments: [true, false])
    func errno(noNewPrivileges: Bool) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "mkdir /tmp/x 2>&1; mkdir /tmp/y 2>&1; echo done"])
        bundle.spec.process?.noNewPrivileges = noNewPrivileges
        bundle.spec.process?.user = User(uid: 1000, gid: 1000)
        bundle.spec.linux?.seccomp = profile([
            LinuxSyscall(names: ["mkdir", "mkdirat", "no_such_syscall_name"], action: "SCMP_ACT_ERRNO", errnoRet: 38),
        ])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Function not implemented"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("done\n"))
        bundle.expectNothingLeft()
    }

    @Test("a compiled profile is kept under the root and used again; a damaged cache file is compiled anew; list ignores the cache")
    func compiledCache() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "mkdir /tmp/x 2>&1; echo done"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 38)])
        let cache = bundle.root + "/seccomp@cache"
        for round in 0..<3 {
            if round == 2 {
                // Damaged: the same file name, garbage inside.
                for file in try FileManager.default.contentsOfDirectory(atPath: cache) {
                    try Data("garbage".utf8).write(to: URL(fileURLWithPath: cache + "/" + file))
                }
            }
            let result = try bundle.run()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "mkdir: can't create directory '/tmp/x': Function not implemented\ndone\n", "round \(round): \(result.stdout)")
            let files = try FileManager.default.contentsOfDirectory(atPath: cache)
            #expect(files.count == 1, "\(files)")
            let size = try FileManager.default.attributesOfItem(atPath: cache + "/" + files[0])[.size] as? Int ?? 0
            #expect(size > 100, "the cache file holds a program again")
        }
        #expect(try bundle.hako(["list", "-q"]).stdout == "")
        try FileManager.default.removeItem(atPath: cache)
        bundle.expectNothingLeft()
    }

    @Test("SCMP_ACT_KILL_PROCESS kills the process with SIGSYS")
    func killProcess() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "exec mkdir /tmp/x; echo survived"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL_PROCESS")])
        let result = try bundle.run()
        #expect(result.status == 128 + 31, "\(result.stderr)")
        #expect(!result.stdout.contains("survived"))
    }

    @Test("each action on mkdir(2): TRAP and KILL_THREAD kill with SIGSYS, TRACE without a tracer fails with ENOSYS, LOG and ALLOW let it run",
          arguments: [("SCMP_ACT_TRAP", "signal"), ("SCMP_ACT_KILL_THREAD", "signal"), ("SCMP_ACT_KILL", "signal"),
                      ("SCMP_ACT_TRACE", "Function not implemented"), ("SCMP_ACT_LOG", "made"), ("SCMP_ACT_ERRNO", "Operation not permitted")])
    func actions(action: String, expected: String) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "exec mkdir /dev/shm/x"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: action)])
        if expected == "made" || expected.contains(" ") {
            bundle.spec.process?.args = ["sh", "-c", "mkdir /dev/shm/x 2>&1 && echo made"]
        }
        let result = try bundle.run()
        if expected == "signal" {
            #expect(result.status == 128 + 31, "\(action): \(result.status) \(result.stderr)")
        } else {
            #expect(result.stdout.contains(expected), "\(action): \(result.stdout)")
        }
        bundle.expectNothingLeft()
    }

    @Test("argument comparisons: a rule on kill(2) with SIGUSR1 only")
    func argumentComparison() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "sleep 100 & p=$!; kill -USR1 $p 2>&1; kill -TERM $p && echo term-ok"])
        bundle.spec.linux?.seccomp = profile([
            LinuxSyscall(names: ["kill"], action: "SCMP_ACT_ERRNO", args: [LinuxSeccompArg(index: 1, value: 10, op: "SCMP_CMP_EQ")]),
        ])
        let result = try bundle.run()
        #expect(result.stdout.contains("Operation not permitted"), "\(result.stdout)")
        #expect(result.stdout.contains("term-ok"))
    }

    @Test("an ERRNO rule with errnoRet 1 makes uname(2) fail")
    func unameDenied() throws {
        let control = try TestBundle(args: ["uname", "-s"])
        #expect(try control.run().stdout == "Linux\n")
        let bundle = try TestBundle(args: ["uname", "-s"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["uname"], action: "SCMP_ACT_ERRNO", errnoRet: 1)])
        let result = try bundle.run()
        #expect(!result.stdout.contains("Linux"), "\(result.stdout) \(result.stderr)")
    }

    @Test("exec'd processes get the container's filter")
    func execInheritsFilter() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO")])
        #expect(try bundle.run(["--detach"]).status == 0)
        let result = try bundle.hako(["exec", bundle.id, "sh", "-c", "mkdir /tmp/x 2>&1; grep Seccomp: /proc/self/status"])
        #expect(result.stdout.contains("Operation not permitted"), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("Seccomp:\t2"))
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
    }

    /// `hako run` of the bundle in the background (it blocks until the listener answers),
    /// its stdout on a pipe.
    func startRun(_ bundle: TestBundle) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Runner.binary)
        process.arguments = ["--root", bundle.root, "run", "--bundle", bundle.path, bundle.id]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        return (process, output)
    }

    @Test("SCMP_ACT_NOTIFY: the listener gets the fd and the container process state")
    func notifyListener() throws {
        let listener = try DescriptorSocket()
        let bundle = try TestBundle(args: ["sh", "-c", "mkdir /tmp/notified 2>&1; echo after"])
        var seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY")])
        seccomp.listenerPath = listener.path
        seccomp.listenerMetadata = "hello-agent"
        bundle.spec.linux?.seccomp = seccomp
        try bundle.writeConfig()
        let (process, output) = try startRun(bundle)
        let (fd, payload) = try listener.receiveDescriptor()
        // Closing the listener without answering makes the notified call fail with ENOSYS.
        close(fd)
        let state = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        #expect(state["metadata"] as? String == "hello-agent")
        #expect(state["fds"] as? [String] == ["seccompFd"])
        #expect((state["pid"] as? Int ?? 0) > 0)
        #expect((state["state"] as? [String: Any])?["id"] as? String == bundle.id)
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("Function not implemented"), "\(text)")
        #expect(text.hasSuffix("after\n"))
        bundle.expectNothingLeft()
    }

    @Test("every filter flag loads, WAIT_KILLABLE_RECV with a listener included")
    func flags() throws {
        let listener = try DescriptorSocket()
        let bundle = try TestBundle(args: ["sh", "-c", "grep Seccomp: /proc/self/status"])
        var seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY")])
        seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
        seccomp.listenerPath = listener.path
        bundle.spec.linux?.seccomp = seccomp
        try bundle.writeConfig()
        let (process, output) = try startRun(bundle)
        let (fd, _) = try listener.receiveDescriptor()
        close(fd)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "Seccomp:\t2\n")
        bundle.expectNothingLeft()
    }

    @Test("SCMP_ACT_NOTIFY with no agent at listenerPath fails create in runc's words and leaves nothing")
    func notifyWithoutAgent() throws {
        let bundle = try TestBundle(args: ["true"])
        var seccomp = profile([LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY")])
        seccomp.listenerPath = bundle.path + "/no-agent.sock"
        bundle.spec.linux?.seccomp = seccomp
        let result = try bundle.run()
        #expect(result.status != 0)
        #expect(result.stderr.contains("failed to connect with seccomp agent"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a bad profile fails create with its JSON path and leaves nothing")
    func badProfile() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.seccomp = profile([LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_BOGUS")])
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("linux.seccomp.syscalls[0].action"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }
}
