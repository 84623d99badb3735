#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys

/// The messages main, intermediate and init exchange while a container is created.
enum SyncMessage: Codable, Equatable {
    /// intermediate -> main: I unshared a user namespace; write my uid and gid maps.
    case mappingRequest
    /// main -> intermediate: the maps are written.
    case mappingDone
    /// intermediate -> main: init was forked with this pid (in main's pid namespace).
    case initPid(Int32)
    /// main -> init: main has done its part (cgroups); go on with the setup.
    case proceed
    /// init -> main: run these hooks in the runtime namespace now, then answer `hooksDone`.
    case runHooks(HookKind)
    case hooksDone
    /// init -> main: the seccomp notify listener fd is attached; send it to listenerPath.
    case seccompListener
    case seccompListenerSent
    /// init -> main: make the idmapped tree of mounts[N] (init's user namespace cannot).
    case idmappedMount(Int)
    /// main -> init: the detached, idmapped tree is attached to this message.
    case idmappedMountReady
    /// init -> main: setup is complete; init waits at the start barrier.
    case ready
    /// any child -> main: a step failed.
    case failure(ChildFailure)
}

/// Which hooks a `runHooks` message asks for.
enum HookKind: String, Codable {
    case prestart, createRuntime
}

/// A failure in a child process, carried back to main.
struct ChildFailure: Codable, Equatable, Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One end of a SOCK_SEQPACKET socketpair, with one method per protocol step so that a
/// peer that says something unexpected is named in the error.
struct Channel {
    let fd: Int32
    /// Who is at the other end, for error messages ("intermediate", "init").
    let peer: String

    func send(_ message: SyncMessage) throws {
        let data = try JSONEncoder().encode(message)
        do {
            try Sockets.send(fd, Array(data))
        } catch {
            throw RuntimeError("sending \(message) to \(peer)", error)
        }
    }

    /// Receives the next message; nil when the peer closed its end (exited).
    func receive() throws -> SyncMessage? {
        try receiveWithDescriptor().message
    }

    /// Receives the next message and the descriptor attached to it, if any.
    func receiveWithDescriptor() throws -> (message: SyncMessage?, fd: Int32?) {
        let (bytes, attached) = try Sockets.receive(fd)
        if bytes.isEmpty { return (nil, attached) }
        do {
            return (try JSONDecoder().decode(SyncMessage.self, from: Data(bytes)), attached)
        } catch {
            throw RuntimeError("reading a message from \(peer): \(error)")
        }
    }

    /// Sends a message with a descriptor attached (SCM_RIGHTS).
    func send(_ message: SyncMessage, attaching descriptor: Int32) throws {
        let data = try JSONEncoder().encode(message)
        do {
            try Sockets.send(fd, Array(data), fd: descriptor)
        } catch {
            throw RuntimeError("sending \(message) to \(peer)", error)
        }
    }

    /// Waits for one specific message; a failure from the peer is rethrown as is.
    func expect(_ wanted: SyncMessage) throws {
        switch try receive() {
        case wanted?: return
        case .failure(let failure)?: throw failure
        case nil: throw RuntimeError("\(peer) exited while waiting for \(wanted)")
        case let other?: throw RuntimeError("\(peer) sent \(other) while \(wanted) was expected")
        }
    }

    func close() { _ = Glibc.close(fd) }
}
