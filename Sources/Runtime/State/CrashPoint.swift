#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Named points in the operations where a test can have hako killed, to check that a
/// runtime killed there (an engine's timeout, the OOM killer, a reboot) leaves nothing
/// `delete --force` cannot clean. With `HAKO_TEST_CRASH_AT` naming a point, the process
/// that reaches it sends itself SIGKILL (`HAKO_TEST_STOP_AT`: SIGSTOP); without them each
/// point is a comparison. The
/// names are listed in `all`, which the fault-injection test walks.
public enum CrashPoint {
    /// Every point, by operation.
    public static let all: [String: [String]] = [
        "create": ["create.claimed", "create.intent", "create.cgroup", "create.forked", "create.init-recorded",
                   "create.ready", "create.saved", "create.committed"],
        "start": ["start.released", "start.fifo-removed"],
        "exec": ["exec.checked", "exec.forked", "exec.proceeding"],
        "delete": ["delete.killed", "delete.cgroup-removed", "delete.record-removed"],
        "update": ["update.applied"],
        "pause": ["pause.freezing"],
        "restore": ["restore.intent", "restore.criu-started", "restore.restored", "restore.committed"],
    ]

    /// The point this process is killed at, read once.
    static let target: String? = getenv("HAKO_TEST_CRASH_AT").map { String(cString: $0) }
    /// The point where it stops itself instead (SIGSTOP), for a test to act on the
    /// container meanwhile (a `pause` between exec's status check and its process).
    static let stopTarget: String? = getenv("HAKO_TEST_STOP_AT").map { String(cString: $0) }

    /// Kills the calling process with SIGKILL when `name` is the point asked for, or stops
    /// it with SIGSTOP.
    @inline(__always)
    static func reach(_ name: StaticString) {
        if let target, target == name.description { Processes.signalIfAlive(getpid(), SIGKILL) }
        if let stopTarget, stopTarget == name.description { Processes.signalIfAlive(getpid(), SIGSTOP) }
    }
}
