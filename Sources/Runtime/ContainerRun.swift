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
                let reaped: (pid: pid_t, status: ExitStatus)?
                do {
                    reaped = try Processes.wait(-1, options: WNOHANG)
                } catch {
                    guard error.errno == ECHILD else { throw error }
                    throw RuntimeError("waiting for the container: init (pid \(pid)) is not a child of hako")
                }
                guard let reaped else { break }
                if reaped.pid == pid { return reaped.status }
            }
            let (signal, _) = try SignalMask.waitInfo()
            if signal == SIGCHLD { continue }
            Processes.signalIfAlive(pid, signal)
        }
    }
}
