#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LinuxSys
import OCISpec

/// The message a seccomp agent receives on `linux.seccomp.listenerPath` (config-linux.md
/// "The Container Process State"): this JSON as the data, the listener fd as SCM_RIGHTS,
/// with `fds` naming the attached descriptors in order.
public struct ContainerProcessState: Codable, Equatable, Sendable {
    /// The runtime-spec version the runtime implements.
    public var ociVersion: String
    /// Names of the attached descriptors: ["seccompFd"].
    public var fds: [String]
    /// The container process, in the runtime's pid namespace.
    public var pid: Int
    /// `linux.seccomp.listenerMetadata`; left out when empty, as runc does.
    public var metadata: String?
    /// The container's state (status "creating" at this point).
    public var state: State

    public init(ociVersion: String, fds: [String] = [SeccompNotifyMessage.seccompFdName], pid: Int, metadata: String?, state: State) {
        self.ociVersion = ociVersion
        self.fds = fds
        self.pid = pid
        self.metadata = metadata?.isEmpty == true ? nil : metadata
        self.state = state
    }
}

/// Hands the listener fd of an SCMP_ACT_NOTIFY filter to the seccomp agent.
public struct SeccompNotifyMessage: Sendable, Equatable {
    /// The name of the listener fd in `fds`.
    public static let seccompFdName = "seccompFd"

    public var processState: ContainerProcessState

    public init(processState: ContainerProcessState) {
        self.processState = processState
    }

    /// The message for a container: its state, its init pid and the profile's metadata.
    public init(state: State, pid: Int, metadata: String?, ociVersion: String? = nil) {
        processState = ContainerProcessState(ociVersion: ociVersion ?? state.ociVersion, pid: pid, metadata: metadata, state: state)
    }

    /// The JSON payload (keys sorted).
    public func encoded() throws(SeccompError) -> [UInt8] {
        do {
            return try JSONCoding.encode(processState)
        } catch {
            throw SeccompError("encoding the seccomp container process state", reason: "\(error)")
        }
    }

    /// Sends the message with `listenerFD` attached over a connected socket, in one sendmsg(2).
    public func send(over socket: Int32, listenerFD: Int32) throws(SeccompError) {
        let payload = try encoded()
        do {
            try Sockets.send(socket, payload, fd: listenerFD)
        } catch {
            throw SeccompError("sending the seccomp fd to the listener", error)
        }
    }

    /// Connects to the agent's socket at `listenerPath`, sends the message and disconnects.
    public func send(toListenerAt path: String, listenerFD: Int32) throws(SeccompError) {
        let socket: Int32
        do {
            socket = try Sockets.connect(path: path)
        } catch {
            throw SeccompError("failed to connect with seccomp agent", error)
        }
        defer { close(socket) }
        try send(over: socket, listenerFD: listenerFD)
    }
}
