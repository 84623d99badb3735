import Foundation
import OCISpec
import Testing

@Suite("exec", .enabled(if: Runner.isRoot, "needs root"))
struct ExecTests {
    /// A running container with `sleep` as its process.
    func runningContainer(_ configure: (TestBundle) -> Void = { _ in }) throws -> TestBundle {
        let bundle = try TestBundle(args: ["sleep", "1000"], tag: "exec")
        bundle.spec.hostname = "execbox"
        try FileManager.default.createDirectory(atPath: bundle.rootfs + "/work", withIntermediateDirectories: true)
        configure(bundle)
        let result = try bundle.run(["--detach"])
        #expect(result.status == 0, "\(result.stderr)")
        return bundle
    }

    @Test("the process joins the container's namespaces and its status is hako's")
    func joinsNamespaces() throws {
        let bundle = try runningContainer()
        let result = try bundle.hako(["exec", bundle.id, "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 7"])
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stdout == "execbox\nsleep 1000 \n")
        let pid = try #require((try bundle.state())?["pid"] as? Int)
        for ns in ["pid", "net", "mnt", "uts", "ipc"] {
            let inside = try bundle.hako(["exec", bundle.id, "readlink", "/proc/self/ns/\(ns)"]).stdout
            let initNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(ns)")
            #expect(inside == initNS + "\n", "\(ns)")
        }
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("--user, --additional-gids, --env, --cwd, --cap, --no-new-privs")
    func flags() throws {
        let bundle = try runningContainer()
        let result = try bundle.hako(["exec", "-u", "1000:1001", "-g", "5", "-e", "GREETING=hi", "--cwd", "/work", "--cap", "CAP_SYS_TIME", "--no-new-privs",
                                      bundle.id, "sh", "-c", "id; pwd; echo $GREETING; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "uid=1000 gid=1001 groups=5")
        #expect(lines.dropFirst().first == "/work")
        #expect(lines.dropFirst(2).first == "hi")
        // CAP_SYS_TIME is bit 25, added to the config's bounding set.
        let bounding = try #require(lines.first { $0.hasPrefix("CapBnd:") }?.split(separator: "\t").last)
        #expect((UInt64(bounding, radix: 16) ?? 0) & (1 << 25) != 0)
        #expect(lines.contains("NoNewPrivs:\t1"))
        _ = try bundle.hako(["delete", "--force", bundle.id])
    }

    @Test("--cap adds to the bounding, effective and permitted sets; to ambient only where the config has an inheritable set")
    func capAmbient() throws {
        func capabilities(_ bundle: TestBundle, _ extra: [String]) throws -> [String] {
            let result = try bundle.hako(["exec"] + extra + [bundle.id, "grep", "^Cap", "/proc/self/status"])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        let bare = try runningContainer { $0.spec.process?.capabilities = LinuxCapabilities() }
        #expect(try capabilities(bare, []) == ["CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                                              "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000"])
        // CAP_KILL is bit 5, CAP_AUDIT_WRITE bit 29.
        #expect(try capabilities(bare, ["--cap", "CAP_KILL", "--cap", "CAP_AUDIT_WRITE"])
            == ["CapInh:\t0000000000000000", "CapPrm:\t0000000020000020", "CapEff:\t0000000020000020",
                "CapBnd:\t0000000020000020", "CapAmb:\t0000000000000000"])
        _ = try bare.hako(["delete", "--force", bare.id])

        let inheriting = try runningContainer {
            $0.spec.process?.capabilities = LinuxCapabilities(bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"], effective: ["CAP_KILL"],
                                                              inheritable: ["CAP_CHOWN", "CAP_SYSLOG"], permitted: ["CAP_KILL", "CAP_CHOWN"],
                                                              ambient: ["CAP_CHOWN"])
        }
        // CAP_CHOWN is bit 0, CAP_SYSLOG bit 34.
        #expect(try capabilities(inheriting, ["--cap", "CAP_SYSLOG"])
            == ["CapInh:\t0000000400000001", "CapPrm:\t0000000400000021", "CapEff:\t0000000400000021",
                "CapBnd:\t0000000400000021", "CapAmb:\t0000000400000001"])
        _ = try inheriting.hako(["delete", "--force", inheriting.id])
    }

    @Test("an execve that fails says so in runc's words; hako exits 255")
    func execveFailure() throws {
        let bundle = try runningContainer()
        try "#!/mmnnttbb foo bar\nsh\n".write(toFile: bundle.rootfs + "/run.sh", atomically: true, encoding: .utf8)
        chmod(bundle.rootfs + "/run.sh", 0o755)
        let result = try bundle.hako(["exec", bundle.id, "/run.sh"])
        #expect(result.status == 255)
        #expect(result.stderr.contains("exec /run.sh: no such file or directory"), "\(result.stderr)")
        bundle.deleteExpectingNothingLeft()
    }

    @Test("--process runs a runtime-spec process.json")
    func processFile() throws {
        let bundle = try runningContainer()
        let process = ProcessSpec(user: User(uid: 7, gid: 8), args: ["sh", "-c", "id -u; id -g; echo $X"], env: ["X=from-json", "PATH=/bin"], cwd: "/")
        let file = bundle.path + "/process.json"
        try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: file))
        let result = try bundle.hako(["exec", "--process", file, bundle.id])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "7\n8\nfrom-json\n")
        _ = try bundle.hako(["delete", "--force", bundle.id])
    }

    @Test("--detach with --pid-file returns at once with the process running")
    func detached() throws {
        let bundle = try runningContainer()
        let pidFile = bundle.path + "/exec.pid"
        let result = try bundle.hako(["exec", "--detach", "--pid-file", pidFile, bundle.id, "sleep", "500"])
        #expect(result.status == 0, "\(result.stderr)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
        let cmdline = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
        #expect(cmdline == "sleep\u{0}500\u{0}")
        // In every hierarchy of the container's cgroup, as init is (it enters them itself:
        // v1 tasks files and, for cgroup2, a fork straight into the directory).
        let initPid = try #require((try bundle.state())?["pid"] as? Int)
        let initCgroups = try String(contentsOfFile: "/proc/\(initPid)/cgroup", encoding: .utf8)
        #expect(try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) == initCgroups)
        #expect(initCgroups.contains("/\(bundle.id)\n"), "\(initCgroups)")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        #expect(try eventually { kill(pid, 0) != 0 })
        bundle.expectNothingLeft()
    }

    @Test("errors: a missing program, a stopped container, an unknown id")
    func errors() throws {
        let bundle = try runningContainer()
        let missing = try bundle.hako(["exec", bundle.id, "no-such-program"])
        // 255 when hako itself fails, as runc: callers tell it from the process's own status.
        #expect(missing.status == 255)
        #expect(missing.stderr.contains("executable file not found"))
        #expect(try bundle.hako(["exec", bundle.id, "sh", "-c", "exit 7"]).status == 7)
        let outside = try bundle.hako(["exec", "--cgroup", "..", bundle.id, "true"])
        #expect(outside.status == 255)
        #expect(outside.stderr.contains("--cgroup .. is not a sub cgroup path"), "\(outside.stderr)")
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        let paused = try bundle.hako(["exec", bundle.id, "true"])
        #expect(paused.status == 255 && paused.stderr.contains("cannot exec in a paused container"), "\(paused.stderr)")
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        #expect(try bundle.hako(["kill", bundle.id, "KILL"]).status == 0)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        let stopped = try bundle.hako(["exec", bundle.id, "true"])
        #expect(stopped.status == 255)
        #expect(stopped.stderr.contains("cannot exec in a stopped container"))
        let unknown = try bundle.hako(["exec", "nosuch", "true"])
        #expect(unknown.stderr.contains("does not exist"))
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("--ignore-paused execs into a paused container; --preserve-fds passes descriptors")
    func ignorePausedAndPreserveFds() throws {
        let bundle = try runningContainer()
        #expect(try bundle.hako(["pause", bundle.id]).status == 0)
        // The process is frozen with the rest: run it detached, then thaw and see it ran.
        let detached = try bundle.hako(["exec", "--ignore-paused", "--detach", bundle.id, "sh", "-c", "echo ran > /dev/shm/marker"])
        #expect(detached.status == 0, "\(detached.stderr)")
        #expect(try bundle.hako(["resume", bundle.id]).status == 0)
        #expect(try eventually { (try? bundle.hako(["exec", bundle.id, "cat", "/dev/shm/marker"]).stdout) == "ran\n" })
        let file = bundle.path + "/fd-data"
        try "passed\n".write(toFile: file, atomically: true, encoding: .utf8)
        let out = bundle.path + "/fd-out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec 3<\"$1\"; exec \"$2\" --root \"$3\" exec --preserve-fds 1 \"$4\" sh -c 'cat <&3' > \"$5\"", "sh", file, Runner.binary, bundle.root, bundle.id, out]
        try process.run()
        process.waitUntilExit()
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "passed\n")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
    }

    @Test("--tty without --console-socket relays the terminal itself, stdin not being one; fds 0-2 are the pty")
    func ttyRelayed() throws {
        let bundle = try runningContainer()
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try bundle.hako(["exec", "-t", bundle.id, "sh", "-c", "for f in /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; do readlink $f; done; read line; echo got:$line; exit 3"],
                                   stdin: "hello\n")
        #expect(exec.status == 3, "\(exec.stderr)")
        // The pty echoes the input line among them.
        let ptys = exec.stdout.replacingOccurrences(of: "\r", with: "").split(separator: "\n").filter { $0.hasPrefix("/dev/pts/") }
        #expect(ptys.count == 3 && Set(ptys).count == 1, "\(exec.stdout.debugDescription)")
        #expect(exec.stdout.contains("got:hello"), "\(exec.stdout)")
    }

    @Test("--debug exec logs the exec'd process, to stderr or to --log")
    func debugExec() throws {
        let bundle = try runningContainer()
        defer { bundle.deleteExpectingNothingLeft() }
        let plain = try bundle.hako(["--debug", "exec", bundle.id, "true"])
        #expect(plain.status == 0)
        #expect(plain.stderr.contains("level=debug"), "\(plain.stderr)")
        let log = bundle.path + "/log.out"
        #expect(try bundle.hako(["--debug", "--log", log, "exec", bundle.id, "true"]).status == 0)
        #expect((try? String(contentsOfFile: log, encoding: .utf8))?.contains("level=debug") == true)
    }

    @Test("--tty sends a pty master to the console socket")
    func tty() throws {
        let bundle = try runningContainer()
        let exec = try execOnTerminal(bundle, command: ["sh", "-c", "tty; echo done"], marker: "done")
        let name = try #require(exec.name)
        #expect(exec.output?.contains(name) == true, "\(exec.output ?? "")")
        #expect(exec.status == 0)
        _ = try bundle.hako(["delete", "--force", bundle.id])
    }
}
