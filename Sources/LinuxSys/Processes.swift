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
        fflush(nil)
        return try check(hako_fork(), "fork")
    }

    /// Forks into the cgroup2 directory open at `cgroupFD` (clone3 with CLONE_INTO_CGROUP).
    /// Same rules as `fork`; the child must not use raise(3) or pthread_kill(3), which would
    /// target the parent's thread id (see hako_clone3_into_cgroup).
    public static func fork(intoCgroup cgroupFD: Int32) throws(SysError) -> pid_t {
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

    @discardableResult
    public static func prctl(_ option: Int32, _ arg2: UInt = 0, _ arg3: UInt = 0, _ arg4: UInt = 0, _ arg5: UInt = 0, step: String) throws(SysError) -> Int32 {
        try check(hako_prctl(option, arg2, arg3, arg4, arg5), step)
    }

    /// Whether the calling process adopts orphaned descendants (PR_GET_CHILD_SUBREAPER).
    public static func isChildSubreaper() throws(SysError) -> Bool {
        let value = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { value.deallocate() }
        value.pointee = 0
        try check(hako_prctl(37, UInt(bitPattern: Int(bitPattern: value)), 0, 0, 0), "prctl(PR_GET_CHILD_SUBREAPER)")
        return value.pointee != 0
    }

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat) and its
    /// state letter; nil when the process does not exist. The start time tells a process apart
    /// from a later one that reuses its pid.
    public static func startInfo(_ pid: pid_t, proc: String = "/proc") -> (startTime: UInt64, state: Character)? {
        guard let text = try? Files.readText("\(proc)/\(pid)/stat") else { return nil }
        // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return (start, state)
    }
}

/// prctl(2) options (from <linux/prctl.h>, which Swift's Glibc module does not carry).
public enum Prctl {
    public static let setDeathSignal: Int32 = 1
    public static let setDumpable: Int32 = 4
    public static let setKeepCaps: Int32 = 8
    public static let capBoundingDrop: Int32 = 24
    public static let setChildSubreaper: Int32 = 36
    public static let setNoNewPrivileges: Int32 = 38
    public static let capAmbient: Int32 = 47
}
