#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The calling thread's signal mask and dispositions, and waiting for blocked signals:
/// hako blocks every signal while it waits for a container, to forward each one, and its
/// children put the mask and handlers back before they exec.
public enum SignalMask {
    /// Blocks every signal, so that they queue for `waitInfo` or a signalfd.
    public static func blockAll() {
        var old = sigset_t()
        _ = hako_sigfillset_block(&old)
    }

    /// Unblocks every signal.
    public static func unblockAll() {
        _ = hako_sigunblock_all()
    }

    /// Sets every signal's action back to its default, ignored ones included: a program
    /// hako starts begins as from a fresh login, not with what hako caught or ignored.
    public static func resetHandlers() {
        _ = hako_reset_signal_handlers()
    }

    /// Makes the signals that end a process by default (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
    /// SIGUSR1, SIGUSR2) end the caller with status 128 + the signal through a handler.
    /// Pid 1 of a pid namespace needs one: the kernel drops a signal it has no handler for,
    /// whoever sends it (SIGKILL and SIGSTOP aside). They are unblocked too, since a mask
    /// the caller inherited may block them.
    public static func exitOnTerminatingSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in _exit(128 + signal) }
            sigemptyset(&action.sa_mask)
            _ = sigaction(signal, &action, nil)
            sigaddset(&set, signal)
        }
        _ = sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Waits for a blocked signal; returns it and the pid that sent it.
    public static func waitInfo() throws(SysError) -> (signal: Int32, sender: pid_t) {
        var signal: Int32 = 0
        var sender: pid_t = 0
        try check(hako_sigwait_info(&signal, &sender), "sigwaitinfo")
        return (signal, sender)
    }

    /// A non-blocking signalfd(2) for every signal (they must be blocked).
    public static func signalFD() throws(SysError) -> Int32 {
        try check(hako_signalfd_all(), "signalfd")
    }

    /// The next signal queued on a `signalFD`, or nil when none is.
    public static func next(_ signalFD: Int32) -> Int32? {
        let signal = hako_signalfd_read(signalFD)
        return signal > 0 ? signal : nil
    }
}
