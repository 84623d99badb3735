#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Support for `run`: hako stays the parent of the container's init and relays signals.
public enum Supervision {
    /// Makes the calling process adopt orphaned descendants, so init (whose parent, the
    /// intermediate, exits during create) becomes hako's child and can be waited for.
    public static func becomeSubreaper() throws {
        let PR_SET_CHILD_SUBREAPER = Prctl.setChildSubreaper
        try Processes.prctl(PR_SET_CHILD_SUBREAPER, 1, step: "prctl(PR_SET_CHILD_SUBREAPER)")
    }

    /// Blocks signals so they queue for `waitForwardingSignals` instead of killing hako.
    public static func blockSignals() {
        SignalMask.blockAll()
    }

    /// Waits for the process `pid` (a child or adopted orphan), forwarding every signal
    /// hako receives to it, and reaping any other orphan that exits meanwhile.
    /// Signals must already be blocked.
    public static func waitForwardingSignals(to pid: pid_t) throws -> ExitStatus {
        while true {
            while true {
                var raw: Int32 = 0
                let reaped = waitpid(-1, &raw, WNOHANG)
                if reaped == pid { return ExitStatus(rawWaitStatus: raw) }
                if reaped > 0 { continue }
                if reaped < 0 && errno == EINTR { continue }
                if reaped < 0 && errno == ECHILD {
                    throw RuntimeError("waiting for the container: init (pid \(pid)) is not a child of hako")
                }
                break
            }
            let (signal, _) = try SignalMask.waitInfo()
            if signal == SIGCHLD { continue }
            _ = kill(pid, signal)
        }
    }
}
