#if canImport(Glibc)
import Glibc
#endif
import Seccomp

/// Loading a compiled filter in a child of main, and handing main the notify listener fd
/// when the profile has SCMP_ACT_NOTIFY rules (main passes it on to listenerPath).
enum SeccompLoading {
    static func load(_ program: SeccompProgram, channel: Channel) throws {
        let listener: Int32?
        do {
            listener = try program.load()
        } catch {
            throw RuntimeError("loading linux.seccomp", error)
        }
        guard let listener else { return }
        defer { close(listener) }
        try channel.send(.seccompListener, attaching: listener)
        try channel.expect(.seccompListenerSent)
    }
}
