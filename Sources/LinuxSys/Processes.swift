#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// How a process ended.
public enum ExitStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    public init(rawWaitStatus status: Int32) {
        if hako_wifsignaled(status) != 0 {
            self = .signaled(hako_wtermsig(status))
        } else {
            self = .exited(hako_wexitstatus(status))
        }
    }

    /// The shell convention: the exit code, or 128 + the signal number.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}

/// Process-level calls.
public enum Processes {
    /// Forks. The caller must be single-threaded and must `fflush(nil)` first.
    public static func fork() throws(SysError) -> pid_t {
        // A test's recorder cannot pretend a process, and a real fork of a test runner
        // would run its threads' locks into the child.
        if Seam.isRecording { throw SysError("fork (not made under a SyscallRecorder)", errno: ENOTSUP) }
        fflush(nil)
        return try check(hako_fork(), "fork")
    }

    /// Forks into the cgroup2 directory open at `cgroupFD` (clone3 with CLONE_INTO_CGROUP).
    /// Same rules as `fork`; the child must not use raise(3) or pthread_kill(3), which would
    /// target the parent's thread id (see hako_clone3_into_cgroup).
    public static func fork(intoCgroup cgroupFD: Int32) throws(SysError) -> pid_t {
        if Seam.isRecording { throw SysError("clone3 (not made under a SyscallRecorder)", errno: ENOTSUP) }
        fflush(nil)
        return try check(hako_clone3_into_cgroup(cgroupFD), "clone3(CLONE_INTO_CGROUP)")
    }

    /// Waits for a child; retries on EINTR.
    public static func wait(_ pid: pid_t, options: Int32 = 0) throws(SysError) -> (pid: pid_t, status: ExitStatus)? {
        var status: Int32 = 0
        let result = try retrying("waitpid \(pid)") { waitpid(pid, &status, options) }
        if result == 0 { return nil }
        return (result, ExitStatus(rawWaitStatus: status))
    }

    public static func signal(_ pid: pid_t, _ signal: Int32) throws(SysError) {
        try check(kill(pid, signal), "kill \(pid)")
    }

    /// A pidfd for a process, so that later signals cannot reach a different process
    /// that reused the pid.
    public static func pidfd(_ pid: pid_t) throws(SysError) -> Int32 {
        try check(hako_pidfd_open(pid, 0), "pidfd_open \(pid)")
    }

    public static func signal(pidfd: Int32, _ signal: Int32) throws(SysError) {
        try check(hako_pidfd_send_signal(pidfd, signal, 0), "pidfd_send_signal")
    }

    /// Blocks until the process behind a pidfd exits or the timeout (ms, -1 for none) passes.
    /// Returns true when it exited.
    public static func awaitExit(pidfd: Int32, timeoutMilliseconds: Int32) throws(SysError) -> Bool {
        var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        let ready = try retrying("poll pidfd") { poll(&entry, 1, timeoutMilliseconds) }
        return ready > 0
    }

    /// Runs a program found in PATH, stdin from /dev/null and stderr shared, and returns
    /// what it wrote to stdout and how it ended (127 when it could not be executed, as a
    /// shell says). The caller must be single-threaded, as for `fork`.
    public static func output(of program: String, _ arguments: [String]) throws(SysError) -> (stdout: [UInt8], status: ExitStatus) {
        let (output, status) = try capture(program, arguments, stderr: false)
        return (output, status)
    }

    /// Starts a program found in PATH with the given descriptors as its 0, 1, 2, 3 ...
    /// (`descriptors[n]` becomes its fd n; every other descriptor is close-on-exec or
    /// closed) and returns its pid. The caller must be single-threaded, as for `fork`.
    public static func spawn(_ program: String, _ arguments: [String], descriptors: [Int32]) throws(SysError) -> pid_t {
        try spawn(ChildProgram(path: program, arguments: [program] + arguments, descriptors: descriptors))
    }

    /// Starts `program` (see `ChildProgram`) and returns its pid: every helper program hako
    /// runs (hooks, newuidmap, criu, ps) starts here. The caller must be single-threaded,
    /// as for `fork`.
    /// - Parameter prepare: run in the child after its descriptors and signals are set and
    ///   before execve; a failure is reported on stderr and the child exits 127. Only for a
    ///   single-threaded caller: it runs Swift code in the child, which could wait forever
    ///   on a lock another thread held at the fork.
    public static func spawn(_ program: ChildProgram, prepare: (() throws -> Void)? = nil) throws(SysError) -> pid_t {
        // Everything the child needs is laid out in C memory before the fork, and without
        // `prepare` the child runs only C: no Swift runtime call that could take a lock
        // another thread held at the fork (hako is single-threaded; a test process is not).
        let argv = CStringArray(program.arguments)
        let envp = program.environment.map { CStringArray($0) }
        let path = strdup(program.path)
        let fds = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, program.descriptors.count))
        for (index, fd) in program.descriptors.enumerated() { (fds + index).initialize(to: fd) }
        defer {
            argv.free()
            envp?.free()
            Glibc.free(path)
            fds.deallocate()
        }
        let count = Int32(program.descriptors.count)
        var flags: Int32 = 0
        if program.searchPath { flags |= HAKO_CHILD_SEARCH_PATH }
        if program.newProcessGroup { flags |= HAKO_CHILD_NEW_PROCESS_GROUP }
        let pid = try fork()
        if pid == 0 {
            hako_child_setup(fds, count, flags)
            if let prepare {
                do {
                    try prepare()
                } catch {
                    let message = "hako: preparing \(program.path): \(error)\n"
                    _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
                    _exit(127)
                }
            }
            hako_child_exec(path, argv.pointer, envp?.pointer, flags)
        }
        return pid
    }

    /// Like `output(of:_:)`, with stderr in the same pipe: for a program that explains
    /// itself on stderr (`criu check`, newuidmap).
    public static func combinedOutput(of program: String, _ arguments: [String]) throws(SysError) -> (output: [UInt8], status: ExitStatus) {
        try capture(program, arguments, stderr: true)
    }

    /// `program`'s stdout (and stderr too when `stderr`, else hako's own), stdin from
    /// /dev/null, read to its end; then how it ended.
    private static func capture(_ program: String, _ arguments: [String], stderr: Bool) throws(SysError) -> (output: [UInt8], status: ExitStatus) {
        let (readEnd, writeEnd): (Int32, Int32)
        do { (readEnd, writeEnd) = try Files.pipe() } catch { throw SysError("pipe2 for \(program)", errno: error.errno) }
        let null = (try? Files.open("/dev/null", O_RDONLY)) ?? -1
        let pid: pid_t
        do {
            pid = try spawn(program, arguments, descriptors: [null >= 0 ? null : readEnd, writeEnd, stderr ? writeEnd : 2])
        } catch {
            Files.close(readEnd)
            Files.close(writeEnd)
            if null >= 0 { Files.close(null) }
            throw error
        }
        Files.close(writeEnd)
        if null >= 0 { Files.close(null) }
        defer { Files.close(readEnd) }
        let output = try Files.readAll(readEnd, path: "output of \(program)")
        guard let (_, status) = try wait(pid) else { throw SysError("waitpid \(pid)", errno: ECHILD) }
        return (output, status)
    }

    @discardableResult
    public static func prctl(_ option: Int32, _ arg2: UInt = 0, _ arg3: UInt = 0, _ arg4: UInt = 0, _ arg5: UInt = 0, step: String) throws(SysError) -> Int32 {
        try check(Seam.call(.prctl) { hako_prctl(option, arg2, arg3, arg4, arg5) }, step)
    }

    /// Whether the calling process adopts orphaned descendants (PR_GET_CHILD_SUBREAPER).
    public static func isChildSubreaper() throws(SysError) -> Bool {
        let value = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { value.deallocate() }
        value.pointee = 0
        try check(hako_prctl(Prctl.getChildSubreaper, UInt(bitPattern: Int(bitPattern: value)), 0, 0, 0), "prctl(PR_GET_CHILD_SUBREAPER)")
        return value.pointee != 0
    }

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat) and its
    /// state letter; nil when the process does not exist. The start time tells a process apart
    /// from a later one that reuses its pid.
    public static func startInfo(_ pid: pid_t, proc: String = "/proc") -> (startTime: UInt64, state: Character)? {
        // Every command asks this of init (status), `list` of each container: bytes, one
        // read into a stack buffer, no String (Character-wise splitting cost ~250k
        // instructions a call).
        let fd = Glibc.open("\(proc)/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> (UInt64, Character)? in
            var count = 0
            while count < buffer.count {
                let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                count += n
            }
            return parseStat(UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Field 3 (state) and field 22 (start time) of a /proc/PID/stat line. The command name
    /// (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
    static func parseStat(_ line: UnsafeBufferPointer<UInt8>) -> (startTime: UInt64, state: Character)? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var field = 2
        var state: UInt8 = 0
        var start: UInt64 = 0
        var index = close + 1
        while index < line.count {
            let byte = line[index]
            index += 1
            if byte == UInt8(ascii: " ") {
                field += 1
                if field > 22 { break }
                continue
            }
            if field == 3 && state == 0 { state = byte }
            if field == 22 {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                start = start &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            }
        }
        guard field >= 22, state != 0 else { return nil }
        return (start, Character(Unicode.Scalar(state)))
    }
}

/// prctl(2) options (from <linux/prctl.h>, which Swift's Glibc module does not carry).
public enum Prctl {
    public static let setDeathSignal: Int32 = 1
    public static let setDumpable: Int32 = 4
    public static let setKeepCaps: Int32 = 8
    public static let capBoundingDrop: Int32 = 24
    public static let setChildSubreaper: Int32 = 36
    public static let getChildSubreaper: Int32 = 37
    public static let setNoNewPrivileges: Int32 = 38
    public static let capAmbient: Int32 = 47
}

/// A program for `Processes.spawn` to run.
public struct ChildProgram: Sendable {
    /// The file to execute; looked up in PATH when `searchPath` is set.
    public var path: String
    /// Its argv, argv[0] included.
    public var arguments: [String]
    /// Its whole environment; nil for hako's own.
    public var environment: [String]?
    /// `descriptors[n]` becomes the program's fd n; every other descriptor is closed.
    public var descriptors: [Int32]
    public var searchPath: Bool
    /// A process group of its own, so that killing the group kills what it started too.
    public var newProcessGroup: Bool

    public init(path: String, arguments: [String], environment: [String]? = nil, descriptors: [Int32],
                searchPath: Bool = true, newProcessGroup: Bool = false) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.descriptors = descriptors
        self.searchPath = searchPath
        self.newProcessGroup = newProcessGroup
    }
}

/// A NULL-terminated array of C strings (argv, envp), in C memory until `free()`.
struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { (pointer + index).initialize(to: strdup(string)) }
        (pointer + strings.count).initialize(to: nil)
    }

    func free() {
        for index in 0..<count { Glibc.free(pointer[index]) }
        pointer.deallocate()
    }
}
