#if canImport(Glibc)
import Glibc
#endif

/// Signal names and numbers as `kill` accepts them: "KILL", "SIGKILL", "9", "RTMIN+3".
public enum Signals {
    static let table: [(String, Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("IOT", SIGIOT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL),
        ("USR1", SIGUSR1), ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM),
        ("TERM", SIGTERM), ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP),
        ("TSTP", SIGTSTP), ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG), ("XCPU", SIGXCPU),
        ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH), ("IO", SIGIO),
        ("POLL", SIGPOLL), ("PWR", SIGPWR), ("SYS", SIGSYS),
    ]

    /// The names `parse` takes, without "SIG", in signal order (for shell completion).
    public static var names: [String] { table.map(\.0) }

    /// SIGRTMIN and SIGRTMAX as the C library reports them (glibc reserves the first few).
    static var realtimeMin: Int32 { __libc_current_sigrtmin() }
    static var realtimeMax: Int32 { __libc_current_sigrtmax() }

    /// A signal in words as Go (and so runc) prints it: strsignal(3)'s text with a
    /// lower-case first letter, "bad system call" for SIGSYS.
    public static func describe(_ signal: Int32) -> String {
        guard let text = strsignal(signal).map({ String(cString: $0) }), let first = text.first else { return "signal \(signal)" }
        return first.lowercased() + text.dropFirst()
    }

    /// Parses a signal given by name (with or without "SIG") or number. 0 is no signal, only
    /// the check that the process exists, which kill(1) and runc accept as a liveness probe.
    public static func parse(_ text: String) throws(RuntimeError) -> Int32 {
        if let number = Int32(text) {
            guard number >= 0 && number <= realtimeMax else { throw RuntimeError("invalid signal \"\(text)\"") }
            return number
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let entry = table.first(where: { $0.0 == name }) { return entry.1 }
        for (prefix, base, sign) in [("RTMIN+", realtimeMin, Int32(1)), ("RTMAX-", realtimeMax, Int32(-1))] where name.hasPrefix(prefix) {
            if let offset = Int32(name.dropFirst(prefix.count)), offset >= 0, base + sign * offset >= realtimeMin, base + sign * offset <= realtimeMax {
                return base + sign * offset
            }
        }
        if name == "RTMIN" { return realtimeMin }
        if name == "RTMAX" { return realtimeMax }
        throw RuntimeError("invalid signal \"\(text)\"")
    }
}
