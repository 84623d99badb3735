#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Seccomp

/// Loading a compiled filter in a child of main, and handing main the notify listener fd
/// when the profile has SCMP_ACT_NOTIFY rules (main passes it on to listenerPath).
enum SeccompLoading {
    /// - Parameter channel: the channel to main, which forwards the listener; nil once
    ///   main is gone (init after `start`), which only a filter without notify rules allows.
    static func load(_ program: SeccompProgram, channel: ChildEnd?) throws {
        let listener: Int32?
        do {
            listener = try program.load()
        } catch {
            throw RuntimeError("loading linux.seccomp", error)
        }
        guard let listener else { return }
        defer { Files.close(listener) }
        guard let channel else { throw RuntimeError("loading linux.seccomp: no one to take the notify listener") }
        try channel.send(.seccompListener, attaching: listener)
        try channel.expect(.seccompListenerSent)
    }
}
