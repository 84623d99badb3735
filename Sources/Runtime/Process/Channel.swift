#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys

/// The messages main, intermediate and init exchange while a container is created.
/// On the wire: one tag byte, then the payload (see `encoded`). Not JSON: every child would
/// pay for the generic Codable machinery at each step of every container start.
enum SyncMessage: Equatable {
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
    /// init -> main: make a detached tree of mounts[N]'s bind source: idmapped, or a plain
    /// clone of a source init's user namespace may not reach (IDMappedMounts.swift).
    case mountTree(Int)
    /// main -> init: the detached tree is attached to this message.
    case mountTreeReady
    /// init -> main: setup is complete; init waits for the commit.
    case ready
    /// main -> init: state.json is written; drop the parent-death signal. main -> an exec'd
    /// process: run even though `hako exec` stops waiting (the process froze on joining).
    case commit
    /// init -> main: done; init waits at the start barrier.
    case committed
    /// any child -> main: a step failed.
    case failure(ChildFailure)
}

/// Which hooks a `runHooks` message asks for.
enum HookKind: String, Codable {
    case prestart, createRuntime
}

extension SyncMessage {
    /// Tag byte, then: initPid a little-endian Int32, mountTree an Int64, runHooks one
    /// byte (0 prestart, 1 createRuntime), failure the message in UTF-8; the rest nothing.
    var encoded: [UInt8] {
        switch self {
        case .mappingRequest: return [0]
        case .mappingDone: return [1]
        case .initPid(let pid): return [2] + Self.bytes(of: pid.littleEndian)
        case .proceed: return [3]
        case .runHooks(let kind): return [4, kind == .prestart ? 0 : 1]
        case .hooksDone: return [5]
        case .seccompListener: return [6]
        case .seccompListenerSent: return [7]
        case .mountTree(let index): return [8] + Self.bytes(of: Int64(index).littleEndian)
        case .mountTreeReady: return [9]
        case .ready: return [10]
        case .failure(let failure): return [11] + Array(failure.message.utf8)
        case .commit: return [12]
        case .committed: return [13]
        }
    }

    /// The message `encoded` made; nil for anything else.
    init?(decoding bytes: [UInt8]) {
        guard let tag = bytes.first else { return nil }
        let payload = bytes.dropFirst()
        switch (tag, payload.count) {
        case (0, 0): self = .mappingRequest
        case (1, 0): self = .mappingDone
        case (2, 4): self = .initPid(Int32(littleEndian: Self.value(payload)))
        case (3, 0): self = .proceed
        case (4, 1) where payload.first! <= 1: self = .runHooks(payload.first! == 0 ? .prestart : .createRuntime)
        case (5, 0): self = .hooksDone
        case (6, 0): self = .seccompListener
        case (7, 0): self = .seccompListenerSent
        case (8, 8): self = .mountTree(Int(Int64(littleEndian: Self.value(payload))))
        case (9, 0): self = .mountTreeReady
        case (10, 0): self = .ready
        case (11, _): self = .failure(ChildFailure(message: String(decoding: payload, as: UTF8.self)))
        case (12, 0): self = .commit
        case (13, 0): self = .committed
        default: return nil
        }
    }

    private static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    private static func value<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>) -> T {
        var result: T = 0
        withUnsafeMutableBytes(of: &result) { $0.copyBytes(from: bytes) }
        return result
    }
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
        do {
            try Sockets.send(fd, message.encoded)
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
        guard let message = SyncMessage(decoding: bytes) else {
            if let attached { Files.close(attached) }
            throw RuntimeError("reading a message from \(peer): \(bytes.count) bytes that are no message (tag \(bytes.first ?? 0))")
        }
        return (message, attached)
    }

    /// Sends a message with a descriptor attached (SCM_RIGHTS).
    func send(_ message: SyncMessage, attaching descriptor: Int32) throws {
        do {
            try Sockets.send(fd, message.encoded, fd: descriptor)
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

    /// Waits until a message (or the peer's end of file) can be read; false on timeout.
    func isReadable(timeoutMilliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&entry, 1, timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready != 0
        }
    }

    /// Whether the peer has closed its end (exited), without waiting or reading.
    /// (A closed SOCK_SEQPACKET peer shows as POLLHUP, and as POLLRDHUP, 0x2000, which
    /// Glibc's module does not export.)
    var peerIsGone: Bool {
        let readHangUp: Int16 = 0x2000
        var entry = pollfd(fd: fd, events: Int16(POLLIN) | readHangUp, revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        return entry.revents & (Int16(POLLHUP) | readHangUp) != 0
    }

    func close() { Files.close(fd) }
}
