#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// What a child (the intermediate, init, an exec'd process) says to main while a container
/// is created or a process exec'd. On the wire: one tag byte, then the payload (see
/// `encoded`). Not JSON: every child would pay for the generic Codable machinery at each
/// step of every container start. Tags are unique across both directions.
enum ChildMessage: ChannelMessage {
    /// intermediate: I unshared a user namespace; write my uid and gid maps.
    case mappingRequest
    /// intermediate: init (or the exec'd process) was forked with this pid, in main's pid namespace.
    case initPid(Int32)
    /// init: run these hooks in the runtime namespace now, then answer `hooksDone`.
    case runHooks(HookKind)
    /// init or an exec'd process: the seccomp notify listener fd is attached; send it to
    /// listenerPath.
    case seccompListener
    /// init: make a detached tree of mounts[N]'s bind source: idmapped, or a plain clone of
    /// a source init's user namespace may not reach (IDMappedMounts.swift).
    case mountTree(Int)
    /// init: setup is complete; init waits for the commit.
    case ready
    /// init: done; init waits at the start barrier.
    case committed
    /// any child: a step failed.
    case failure(ChildFailure)

    var encoded: [UInt8] {
        switch self {
        case .mappingRequest: return [0]
        case .initPid(let pid): return [2] + Wire.bytes(of: pid.littleEndian)
        case .runHooks(let kind): return [4, kind == .prestart ? 0 : 1]
        case .seccompListener: return [6]
        case .mountTree(let index): return [8] + Wire.bytes(of: Int64(index).littleEndian)
        case .ready: return [10]
        case .failure(let failure): return [11] + Array(failure.message.utf8)
        case .committed: return [13]
        }
    }

    init?(decoding bytes: [UInt8]) {
        guard let tag = bytes.first else { return nil }
        let payload = bytes.dropFirst()
        switch (tag, payload.count) {
        case (0, 0): self = .mappingRequest
        case (2, 4): self = .initPid(Int32(littleEndian: Wire.value(payload)))
        case (4, 1) where payload.first! <= 1: self = .runHooks(payload.first! == 0 ? .prestart : .createRuntime)
        case (6, 0): self = .seccompListener
        case (8, 8): self = .mountTree(Int(Int64(littleEndian: Wire.value(payload))))
        case (10, 0): self = .ready
        case (11, _): self = .failure(ChildFailure(message: String(decoding: payload, as: UTF8.self)))
        case (13, 0): self = .committed
        default: return nil
        }
    }

    var failure: ChildFailure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

/// What main answers a child.
enum MainMessage: ChannelMessage {
    /// to the intermediate: the maps are written.
    case mappingDone
    /// to init: main has done its part (cgroups); go on with the setup. To an exec'd
    /// process: it is in the container's cgroup.
    case proceed
    /// to init: the hooks ran.
    case hooksDone
    /// the listener went to listenerPath.
    case seccompListenerSent
    /// to init: the detached tree is attached to this message.
    case mountTreeReady
    /// to init: state.json is written; drop the parent-death signal. To an exec'd process:
    /// run even though `hako exec` stops waiting (the process froze on joining).
    case commit

    var encoded: [UInt8] {
        switch self {
        case .mappingDone: return [1]
        case .proceed: return [3]
        case .hooksDone: return [5]
        case .seccompListenerSent: return [7]
        case .mountTreeReady: return [9]
        case .commit: return [12]
        }
    }

    init?(decoding bytes: [UInt8]) {
        guard bytes.count == 1 else { return nil }
        switch bytes[0] {
        case 1: self = .mappingDone
        case 3: self = .proceed
        case 5: self = .hooksDone
        case 7: self = .seccompListenerSent
        case 9: self = .mountTreeReady
        case 12: self = .commit
        default: return nil
        }
    }

    var failure: ChildFailure? { nil }
}

/// A message of one direction of the channel.
protocol ChannelMessage: Equatable {
    var encoded: [UInt8] { get }
    /// The message `encoded` made; nil for anything else (the other direction's included).
    init?(decoding bytes: [UInt8])
    /// The failure this message carries, if it is one.
    var failure: ChildFailure? { get }
}

/// Which hooks a `runHooks` message asks for.
enum HookKind: String, Codable {
    case prestart, createRuntime
}

/// Little-endian integers in a message's payload.
enum Wire {
    static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func value<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>) -> T {
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
/// peer that says something unexpected is named in the error. Typed by direction: main's
/// end (`MainEnd`) sends `MainMessage`s and receives `ChildMessage`s, a child's end
/// (`ChildEnd`) the other way round, so neither side can send what only the other says.
struct Channel<Outgoing: ChannelMessage, Incoming: ChannelMessage> {
    let fd: Int32
    /// Who is at the other end, for error messages ("intermediate", "init").
    let peer: String

    func send(_ message: Outgoing) throws {
        do {
            try Sockets.send(fd, message.encoded)
        } catch {
            throw RuntimeError("sending \(message) to \(peer)", error)
        }
    }

    /// Receives the next message; nil when the peer closed its end (exited).
    func receive() throws -> Incoming? {
        try receiveWithDescriptor().message
    }

    /// Receives the next message and the descriptor attached to it, if any.
    func receiveWithDescriptor() throws -> (message: Incoming?, fd: Int32?) {
        let (bytes, attached) = try Sockets.receive(fd)
        if bytes.isEmpty { return (nil, attached) }
        guard let message = Incoming(decoding: bytes) else {
            if let attached { Files.close(attached) }
            throw RuntimeError("reading a message from \(peer): \(bytes.count) bytes that are no message (tag \(bytes.first ?? 0))")
        }
        return (message, attached)
    }

    /// Sends a message with a descriptor attached (SCM_RIGHTS).
    func send(_ message: Outgoing, attaching descriptor: Int32) throws {
        do {
            try Sockets.send(fd, message.encoded, fd: descriptor)
        } catch {
            throw RuntimeError("sending \(message) to \(peer)", error)
        }
    }

    /// Waits for one specific message; a failure from the peer is rethrown as is.
    func expect(_ wanted: Incoming) throws {
        let message = try receive()
        if let message, message == wanted { return }
        if let failure = message?.failure { throw failure }
        guard let message else { throw RuntimeError("\(peer) exited while waiting for \(wanted)") }
        throw RuntimeError("\(peer) sent \(message) while \(wanted) was expected")
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

/// main's end of a channel to a child.
typealias MainEnd = Channel<MainMessage, ChildMessage>
/// A child's end of its channel to main.
typealias ChildEnd = Channel<ChildMessage, MainMessage>
