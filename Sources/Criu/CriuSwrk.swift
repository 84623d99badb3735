#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A failure talking to CRIU: the step, and what CRIU or the system said.
public struct CriuError: Error, CustomStringConvertible, Sendable {
    public let step: String
    public let reason: String
    public var errno: Int32?

    public init(_ step: String, reason: String, errno: Int32? = nil) {
        self.step = step
        self.reason = reason
        self.errno = errno
    }

    public var description: String { "\(step): \(reason)" }
}

/// One `criu swrk` process: CRIU as a service on the far end of a SOCK_SEQPACKET pair
/// (its fd 3), one protobuf message per packet, as runc and podman drive it. Spoken rather
/// than run as `criu dump`/`criu restore` because only the RPC hands back a restored
/// terminal's master (a descriptor in a notification) and lets the client act between
/// restore steps (hooks once namespaces exist, the pid before the tree runs).
public final class CriuSwrk {
    /// CRIU's pid, until a restore with `restoreSibling` replaces nothing: the restored
    /// tree is the client's child beside it.
    public let pid: pid_t
    private var socket: Int32
    private var exited: ExitStatus?

    /// Starts `criu swrk 3` with `stdio` as its 0, 1 and 2 (the restored tree's inherited
    /// descriptors) and `extra` from fd 4 on (the `inheritFDs` of its options).
    public init(criu: String = "criu", stdio: [Int32], extra: [Int32] = []) throws(CriuError) {
        precondition(stdio.count == 3)
        let pair: (Int32, Int32)
        do { pair = try Sockets.pair() } catch { throw CriuError("starting criu swrk", reason: "\(error)", errno: error.errno) }
        do {
            pid = try Processes.spawn(criu, ["swrk", "3"], descriptors: stdio + [pair.1] + extra)
        } catch {
            close(pair.0)
            close(pair.1)
            throw CriuError("starting \(criu) swrk", reason: "\(error)", errno: error.errno)
        }
        close(pair.1)
        socket = pair.0
    }

    deinit {
        if socket >= 0 { close(socket) }
        if exited == nil {
            kill(pid, SIGKILL)
            _ = try? Processes.wait(pid)
        }
    }

    /// Sends `request` and answers CRIU's notifications with `notified` (given the
    /// notification and any descriptor that came with it, which it must close) until the
    /// response to the request arrives. A response that says CRIU failed is thrown.
    public func call(_ request: CriuRequest, notified: (CriuResponse, Int32?) throws -> Void = { _, fd in if let fd { close(fd) } }) throws -> CriuResponse {
        let step = "criu \(request.type)"
        try send(request.encoded(), step: step)
        while true {
            let received: (bytes: [UInt8], fd: Int32?)
            do { received = try Sockets.receive(socket, capacity: 10 * 4096) } catch {
                throw CriuError(step, reason: "reading its answer: \(error)", errno: error.errno)
            }
            guard !received.bytes.isEmpty else {
                if let fd = received.fd { close(fd) }
                throw CriuError(step, reason: "criu closed the connection without an answer\(exitNote())")
            }
            let response: CriuResponse
            do { response = try CriuResponse(decoding: received.bytes) } catch {
                if let fd = received.fd { close(fd) }
                throw CriuError(step, reason: "\(error)")
            }
            guard response.success else {
                if let fd = received.fd { close(fd) }
                let message = response.errorMessage.map { ": \($0)" } ?? ""
                throw CriuError(step, reason: "criu failed\(message)", errno: response.errno.flatMap { $0 > 0 ? $0 : nil })
            }
            if response.type == CriuRequestType.notify.rawValue {
                let script = response.notification?.script ?? "?"
                do {
                    try notified(response, received.fd)
                } catch {
                    throw CriuError("\(step), at its notification \(script)", reason: "\(error)")
                }
                var answer = CriuRequest(type: .notify)
                answer.notifySuccess = true
                try send(answer.encoded(), step: "\(step), answering \(script)")
                continue
            }
            if let fd = received.fd { close(fd) }
            guard response.type == request.type.rawValue else {
                throw CriuError(step, reason: "criu answered a request of type \(response.type)")
            }
            return response
        }
    }

    /// Ends the session: CRIU sees end of file and exits. Returns how it ended.
    @discardableResult
    public func finish() -> ExitStatus? {
        if socket >= 0 {
            close(socket)
            socket = -1
        }
        if exited == nil, let (_, status) = try? Processes.wait(pid) { exited = status }
        return exited
    }

    private func send(_ bytes: [UInt8], step: String) throws(CriuError) {
        do { try Sockets.send(socket, bytes) } catch {
            throw CriuError(step, reason: "sending the request: \(error)\(exitNote())", errno: error.errno)
        }
    }

    /// ", criu exited with N" when it has.
    private func exitNote() -> String {
        if exited == nil, let (_, status) = (try? Processes.wait(pid, options: WNOHANG)).flatMap({ $0 }) { exited = status }
        guard let exited else { return "" }
        switch exited {
        case .exited(let code): return " (criu exited with status \(code))"
        case .signaled(let signal): return " (criu was killed by signal \(signal))"
        }
    }
}

extension CriuRequestType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: return "empty"
        case .dump: return "dump"
        case .restore: return "restore"
        case .check: return "check"
        case .preDump: return "pre-dump"
        case .pageServer: return "page-server"
        case .notify: return "notify"
        case .featureCheck: return "feature check"
        case .version: return "version"
        }
    }
}
