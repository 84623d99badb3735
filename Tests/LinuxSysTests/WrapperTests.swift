#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Testing

// The LinuxSys wrappers on their own: each does its call, and each failure comes back as a
// SysError carrying the step, the path and the errno the kernel gave. Only calls whose
// success leaves this test process as it was are made to succeed (no hostname is set);
// the rest are made to fail on purpose.

/// A scratch directory under /tmp, removed by the caller.
func scratch(_ name: String) throws -> String {
    let path = "/tmp/hako-linuxsys-\(name)-\(getpid())-\(MonotonicClock.milliseconds())"
    try Files.makeDirectories(path)
    return path
}

@Suite("SysError and check")
struct SysErrorTests {
    @Test("a failed call keeps the step, the path and errno; the text is the step, the path and strerror")
    func carriesTheCause() {
        do {
            _ = try Files.open("/nonexistent/hako", O_RDONLY)
            Issue.record("opened a path that does not exist")
        } catch {
            #expect(error.errno == ENOENT)
            #expect(error.path == "/nonexistent/hako")
            #expect(error.description == "open /nonexistent/hako: No such file or directory")
        }
        #expect(SysError("setns", errno: EINVAL).description == "setns: Invalid argument")
    }

    @Test("check passes a result through, and throws only for a negative one")
    func checkPassesThrough() throws {
        #expect(try check(7, "seven") == 7)
        errno = EPERM
        #expect(throws: SysError("minus one", errno: EPERM)) { try check(-1, "minus one") }
    }

    @Test("retrying calls again after EINTR and stops at another errno")
    func retryingOnEINTR() throws {
        var calls = 0
        let result = try retrying("flaky") { () -> Int32 in
            calls += 1
            if calls < 3 { errno = EINTR; return -1 }
            return 5
        }
        #expect(result == 5 && calls == 3)
        #expect(throws: SysError("broken", errno: EIO)) { try retrying("broken") { errno = EIO; return -1 } }
    }
}

@Suite("Files")
struct FilesWrapperTests {
    @Test("pipe: both ends close-on-exec, bytes pass through")
    func pipeEnds() throws {
        let (readEnd, writeEnd) = try Files.pipe()
        defer { close(readEnd); close(writeEnd) }
        #expect(fcntl(readEnd, F_GETFD) & FD_CLOEXEC != 0 && fcntl(writeEnd, F_GETFD) & FD_CLOEXEC != 0)
        try Files.writeAll(writeEnd, Array("through".utf8))
        close(writeEnd)
        #expect(try Files.readAll(readEnd) == Array("through".utf8))
    }

    @Test("closeRange marks a range close-on-exec, or closes it")
    func closeRange() throws {
        // One descriptor per call: tests run in parallel, and a range between two of ours
        // could hold another test's.
        let (readEnd, writeEnd) = try Files.pipe(flags: 0)
        #expect(fcntl(readEnd, F_GETFD) & FD_CLOEXEC == 0)
        for fd in [readEnd, writeEnd] { try Files.closeRange(UInt32(fd), UInt32(fd), onlyMarkCloseOnExec: true) }
        #expect(fcntl(readEnd, F_GETFD) & FD_CLOEXEC != 0 && fcntl(writeEnd, F_GETFD) & FD_CLOEXEC != 0)
        for fd in [readEnd, writeEnd] { try Files.closeRange(UInt32(fd), UInt32(fd)) }
        #expect(fcntl(readEnd, F_GETFD) == -1 && errno == EBADF)
        #expect(fcntl(writeEnd, F_GETFD) == -1 && errno == EBADF)
    }

    @Test("open(under:) resolves an absolute symlink inside the root (RESOLVE_IN_ROOT), refuses it with RESOLVE_NO_SYMLINKS")
    func openUnderRoot() throws {
        let root = try scratch("openat2")
        defer { try? Files.removeTree(root) }
        try Files.makeDirectories(root + "/etc")
        try Files.write(root + "/etc/hostname", "inside")
        #expect(symlink("/etc", root + "/link") == 0)
        let rootFD = try Files.open(root, O_RDONLY | O_DIRECTORY)
        defer { close(rootFD) }
        let resolveInRoot: UInt64 = 0x10, resolveNoSymlinks: UInt64 = 0x04
        let fd = try Files.open("link/hostname", under: rootFD, flags: O_RDONLY | O_CLOEXEC, resolve: resolveInRoot)
        defer { close(fd) }
        #expect(try Files.readAll(fd) == Array("inside".utf8), "the link's /etc is the root's, not the host's")
        #expect(throws: SysError("openat2", path: "link/hostname", errno: ELOOP)) {
            try Files.open("link/hostname", under: rootFD, flags: O_RDONLY, resolve: resolveInRoot | resolveNoSymlinks)
        }
        #expect(throws: SysError("openat2", path: "missing", errno: ENOENT)) {
            try Files.open("missing", under: rootFD, flags: O_RDONLY, resolve: resolveInRoot)
        }
        // O_PATH: a descriptor that names without opening.
        let pathFD = try Files.open("etc", under: rootFD, flags: Files.pathOnly | O_CLOEXEC, resolve: resolveInRoot)
        defer { close(pathFD) }
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(read(pathFD, &buffer, 8) == -1 && errno == EBADF)
    }

    @Test("setAttribute writes an extended attribute; an unknown namespace fails naming the attribute and the path")
    func extendedAttributes() throws {
        let directory = try scratch("xattr")
        defer { try? Files.removeTree(directory) }
        let file = directory + "/file"
        try Files.write(file, "")
        var failure: SysError?
        do { try Files.setAttribute(file, name: "user.hako", value: "label") } catch { failure = error }
        if let failure {
            // A /tmp without user xattrs: the failure still names the call and the path.
            #expect(failure.errno == EOPNOTSUPP && failure.path == file, "\(failure)")
        } else {
            #expect(try Files.attribute(file, name: "user.hako") == Array("label".utf8))
        }
        #expect(throws: SysError("getxattr user.none", path: file, errno: ENODATA)) { try Files.attribute(file, name: "user.none") }
        #expect(throws: SysError("setxattr bogus.name", path: file, errno: EOPNOTSUPP)) {
            try Files.setAttribute(file, name: "bogus.name", value: "x")
        }
    }

    @Test("deviceNumber is the st_rdev the kernel reports")
    func deviceNumbers() throws {
        #expect(try Files.status("/dev/null").st_rdev == Files.deviceNumber(major: 1, minor: 3))
        #expect(try Files.status("/dev/zero").st_rdev == Files.deviceNumber(major: 1, minor: 5))
    }
}

@Suite("Terminals")
struct TerminalTests {
    @Test("openMaster gives an unlocked master and its slave's path; the size set on one reads back")
    func masterAndSize() throws {
        let (master, slave) = try Terminals.openMaster(flags: O_RDWR | O_NOCTTY | O_CLOEXEC)
        defer { close(master) }
        #expect(slave.hasPrefix("/dev/pts/"), "\(slave)")
        let slaveFD = try Files.open(slave, O_RDWR | O_NOCTTY)
        defer { close(slaveFD) }
        try Terminals.setWindowSize(master, winsize(ws_row: 33, ws_col: 101, ws_xpixel: 0, ws_ypixel: 0))
        let size = try #require(Terminals.windowSize(slaveFD))
        #expect(size.ws_row == 33 && size.ws_col == 101)
    }

    @Test("disableNewlineTranslation clears ONLCR; makeRaw and restore round-trip the modes")
    func modes() throws {
        let (master, slave) = try Terminals.openMaster(flags: O_RDWR | O_NOCTTY | O_CLOEXEC)
        defer { close(master) }
        let slaveFD = try Files.open(slave, O_RDWR | O_NOCTTY)
        defer { close(slaveFD) }
        var attributes = termios()
        tcgetattr(slaveFD, &attributes)
        #expect(attributes.c_oflag & tcflag_t(ONLCR) != 0, "a new pty translates newlines")
        try Terminals.disableNewlineTranslation(slaveFD, path: slave)
        tcgetattr(slaveFD, &attributes)
        #expect(attributes.c_oflag & tcflag_t(ONLCR) == 0)
        #expect(attributes.c_lflag & tcflag_t(ICANON) != 0)
        let saved = try #require(Terminals.makeRaw(slaveFD))
        tcgetattr(slaveFD, &attributes)
        #expect(attributes.c_lflag & tcflag_t(ICANON | ECHO) == 0, "raw: no line editing, no echo")
        Terminals.restore(slaveFD, saved)
        tcgetattr(slaveFD, &attributes)
        #expect(attributes.c_lflag & tcflag_t(ICANON) != 0)
    }

    @Test("what is no terminal: no window size, no raw mode, TIOCSCTTY fails with ENOTTY")
    func notATerminal() throws {
        let null = try Files.open("/dev/null", O_RDWR)
        defer { close(null) }
        #expect(Terminals.windowSize(null) == nil)
        #expect(Terminals.makeRaw(null) == nil)
        #expect(throws: SysError("ioctl(TIOCSCTTY)", errno: ENOTTY)) { try Terminals.makeControlling(null) }
    }
}

@Suite("Credentials, scheduling and namespaces: failures")
struct RefusedCallTests {
    @Test("a hostname or domain name longer than the kernel's 64 bytes is EINVAL, and names itself")
    func longNames() {
        let long = String(repeating: "h", count: 65)
        #expect(throws: SysError("sethostname \(long)", errno: EINVAL)) { try Credentials.setHostname(long) }
        #expect(throws: SysError("setdomainname \(long)", errno: EINVAL)) { try Credentials.setDomainname(long) }
    }

    @Test("an unknown resource limit, a soft limit above the hard one: EINVAL")
    func resourceLimits() {
        #expect(throws: SysError("prlimit", errno: EINVAL)) { try Credentials.setResourceLimit(99, soft: 1, hard: 1) }
        #expect(throws: SysError("prlimit", errno: EINVAL)) { try Credentials.setResourceLimit(Int32(RLIMIT_NOFILE.rawValue), soft: 10, hard: 5) }
    }

    @Test("scheduling: an unknown policy, I/O class and memory mode, and an empty CPU mask are EINVAL")
    func scheduling() {
        #expect(throws: SysError("sched_setattr", errno: EINVAL)) {
            try ThreadScheduling.setAttributes(policy: 99, flags: 0, nice: 0, priority: 0, runtime: 0, deadline: 0, period: 0)
        }
        #expect(throws: SysError("ioprio_set", errno: EINVAL)) { try ThreadScheduling.setIOPriority(7 << 13) }
        #expect(throws: SysError("sched_setaffinity", errno: EINVAL)) { try ThreadScheduling.setAffinity([UInt8](repeating: 0, count: 8)) }
        #expect(throws: SysError("set_mempolicy", errno: EINVAL)) { try ThreadScheduling.setMemoryPolicy(mode: 99, nodes: []) }
    }

    @Test("setns: a bad descriptor is EBADF; a path that does not exist fails at its open, naming it")
    func joins() {
        #expect(throws: SysError("setns", path: "nowhere", errno: EBADF)) { try Namespaces.join(fd: -1, type: 0, path: "nowhere") }
        #expect(throws: SysError("open", path: "/proc/self/ns/none", errno: ENOENT)) {
            try Namespaces.join(path: "/proc/self/ns/none", type: 0)
        }
        #expect(Namespaces.inode("/proc/self/ns/mnt") != nil)
        #expect(Namespaces.inode("/proc/self/ns/none") == nil)
    }
}

@Suite("Processes")
struct ProcessWrapperTests {
    @Test("output: stdout apart from stderr, and the exit status; combinedOutput: both; 127 for no such program")
    func captures() throws {
        let script = "echo out; echo err >&2; exit 3"
        let (stdout, status) = try Processes.output(of: "sh", ["-c", script])
        #expect(String(decoding: stdout, as: UTF8.self) == "out\n" && status == .exited(3))
        let (combined, _) = try Processes.combinedOutput(of: "sh", ["-c", script])
        #expect(String(decoding: combined, as: UTF8.self) == "out\nerr\n")
        #expect(try Processes.output(of: "hako-no-such-program", []).status == .exited(127))
    }

    @Test("spawn places the descriptors given as 0, 1, 2, 3 and closes the rest")
    func spawnDescriptors() throws {
        let (readEnd, writeEnd) = try Files.pipe()
        let (extraRead, extraWrite) = try Files.pipe()
        defer { close(readEnd); close(extraRead) }
        let null = try Files.open("/dev/null", O_RDONLY | O_CLOEXEC)
        let pid = try Processes.spawn("sh", ["-c", "echo to-three >&3; ls /proc/self/fd | tr '\\n' ' '"], descriptors: [null, writeEnd, 2, extraWrite])
        close(writeEnd); close(extraWrite); close(null)
        let listed = String(decoding: try Files.readAll(readEnd), as: UTF8.self)
        #expect(try Processes.wait(pid)?.status == .exited(0))
        #expect(String(decoding: try Files.readAll(extraRead), as: UTF8.self) == "to-three\n")
        // 0-3, and the descriptor ls opens to list them.
        #expect(listed == "0 1 2 3 4 ", "\(listed)")
    }

    @Test("a pidfd signals the process it was opened for, waits for its exit, and refuses once it is reaped")
    func pidfds() throws {
        let null = try Files.open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let pid = try Processes.spawn("sleep", ["100"], descriptors: [null, null, null])
        let pidfd = try Processes.pidfd(pid)
        defer { close(pidfd) }
        #expect(try !Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: 0))
        #expect(Processes.startInfo(pid) != nil)
        try Processes.signal(pidfd: pidfd, SIGTERM)
        #expect(try Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: 5000))
        #expect(try Processes.wait(pid)?.status == .signaled(SIGTERM))
        #expect(Processes.startInfo(pid) == nil)
        #expect(throws: SysError("pidfd_send_signal", errno: ESRCH)) { try Processes.signal(pidfd: pidfd, SIGTERM) }
    }
}

@Suite("Processes.spawn")
struct SpawnTests {
    /// Runs `program` with its stdout in a pipe; what it printed and how it ended.
    static func run(_ program: ChildProgram) throws -> (output: String, status: LinuxSys.ExitStatus) {
        let (readEnd, writeEnd) = try Files.pipe()
        var program = program
        program.descriptors = program.descriptors.map { $0 == -100 ? writeEnd : $0 }
        let pid = try Processes.spawn(program)
        Files.close(writeEnd)
        defer { Files.close(readEnd) }
        let output = try Files.readAll(readEnd, path: "pipe")
        let status = try #require(try Processes.wait(pid)).status
        return (String(decoding: output, as: UTF8.self), status)
    }

    @Test("argv, exactly the environment given, only the descriptors given, its own process group")
    func childGetsWhatItIsGiven() throws {
        // -100 stands for the pipe's write end, as fd 1 and 3.
        let program = ChildProgram(path: "/bin/sh", arguments: ["named", "-c", "echo $0 $HOME $ONLY; ls /proc/self/fd; cut -d' ' -f5 /proc/self/stat; echo $$"],
                                   environment: ["ONLY=1", "PATH=/bin:/usr/bin"], descriptors: [-1, -100, 2, -100],
                                   searchPath: false, newProcessGroup: true)
        let (output, status) = try Self.run(program)
        #expect(status == .exited(0))
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == "named 1", "\(lines)")
        // 0 was given as not open (-1), so the directory ls opens takes it; 1 2 3 placed;
        // nothing else of the test process's.
        let descriptors = Array(lines.dropFirst().prefix { (line: String) in line.count == 1 && line.allSatisfy { $0.isNumber } })
        #expect(descriptors == ["0", "1", "2", "3"], "\(lines)")
        // cut's process group is the shell's pid: the shell leads a group of its own.
        #expect(lines.count >= 2 && lines[lines.count - 2] == lines[lines.count - 1], "\(lines)")
    }

    @Test("a program that cannot be executed says why on stderr and exits 127")
    func cannotExecute() throws {
        let (readEnd, writeEnd) = try Files.pipe()
        let pid = try Processes.spawn(ChildProgram(path: "/nonexistent/program", arguments: ["x"], descriptors: [-1, 1, writeEnd], searchPath: false))
        Files.close(writeEnd)
        defer { Files.close(readEnd) }
        let said = String(decoding: try Files.readAll(readEnd, path: "pipe"), as: UTF8.self)
        #expect(said == "hako: exec /nonexistent/program: No such file or directory\n")
        #expect(try Processes.wait(pid)?.status == .exited(127))
    }

    @Test("with PATH searched and no environment given, hako's own environment and PATH")
    func searchesPath() throws {
        let (output, status) = try Self.run(ChildProgram(path: "sh", arguments: ["sh", "-c", "echo ${PATH:+set}"], descriptors: [-1, -100, 2]))
        #expect(status == .exited(0))
        #expect(output == "set\n")
    }
}
