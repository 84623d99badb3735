#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// What a handler of `MainEnd.serve` says after a message.
enum Serving {
    case goOn, done
}

/// Where a seccomp listener a child sends goes (linux.seccomp.listenerPath), with the state
/// and pid the agent gets.
struct ListenerDestination {
    let seccomp: LinuxSeccomp?
    let state: State
    let pid: pid_t
}

extension Channel where Outgoing == MainMessage, Incoming == ChildMessage {
    /// main's loop over one child's messages, shared by create (the intermediate, then
    /// init) and exec (the process being exec'd). What every child may say is handled
    /// here: a step that failed is thrown as the error, a seccomp listener is forwarded to
    /// the agent (when `listener` says where; else it is unexpected), and end of file (the
    /// child exited or exec'd) goes to `atEnd`. Everything else goes to `handle`, which
    /// throws `unexpected` for what its child has no business sending.
    /// - Parameters:
    ///   - idleMilliseconds: with `whenIdle`, how long the channel may stay quiet before
    ///     `whenIdle` is asked whether to stop waiting (exec: the process froze on joining
    ///     a cgroup that a `pause` froze meanwhile); -1 waits for as long as it takes.
    func serve(listener: (() throws -> ListenerDestination)? = nil,
               idleMilliseconds: Int32 = -1, whenIdle: () throws -> Serving = { .goOn },
               atEnd: () throws -> Void,
               handle: (ChildMessage, _ attached: Int32?) throws -> Serving) throws {
        while true {
            if idleMilliseconds >= 0 && !isReadable(timeoutMilliseconds: idleMilliseconds) {
                if try whenIdle() == .done { return }
                continue
            }
            let (message, fd) = try receiveWithDescriptor()
            defer { if let fd { Files.close(fd) } }
            switch message {
            case nil:
                try atEnd()
                return
            case .failure(let failure)?:
                throw failure
            case .seccompListener? where listener != nil:
                let destination = try listener!()
                try SeccompListener.forward(fd, from: peer, seccomp: destination.seccomp, state: destination.state, pid: destination.pid)
                try send(.seccompListenerSent)
            case let message?:
                if try handle(message, fd) == .done { return }
            }
        }
    }

    /// The error for a message this child should not send.
    func unexpected(_ message: ChildMessage) -> RuntimeError {
        RuntimeError("\(peer) sent an unexpected \(message)")
    }
}
