#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Seccomp

/// main's side of runtime-spec's seccomp notify protocol, for create and exec alike: the
/// process that loaded a filter with SCMP_ACT_NOTIFY rules sends its listener descriptor
/// over the channel, and main hands it, with the container's state, to the agent at
/// linux.seccomp.listenerPath.
enum SeccompListener {
    /// - Parameters:
    ///   - fd: the descriptor that came with the `seccompListener` message, if any.
    ///   - peer: who sent it, for the error ("init").
    ///   - pid: the process the filter is on, in hako's pid namespace.
    static func forward(_ fd: Int32?, from peer: String, seccomp: LinuxSeccomp?, state: State, pid: pid_t) throws {
        guard let fd else { throw RuntimeError("\(peer) sent no seccomp listener descriptor") }
        guard let path = seccomp?.listenerPath, !path.isEmpty else {
            throw RuntimeError("linux.seccomp: a rule uses SCMP_ACT_NOTIFY but listenerPath is not set")
        }
        let message = SeccompNotifyMessage(state: state, pid: Int(pid), metadata: seccomp?.listenerMetadata)
        do {
            try message.send(toListenerAt: path, listenerFD: fd)
        } catch {
            throw RuntimeError("sending the seccomp listener to \(path)", error)
        }
    }
}
