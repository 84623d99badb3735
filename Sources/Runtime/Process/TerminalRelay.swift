#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `run` in the foreground with process.terminal and no --console-socket: hako itself
/// receives the pty master and relays it to its own stdin and stdout, as runc does. The
/// caller's terminal, if stdin is one, is put in raw mode so keys reach the container
/// untranslated, and its size follows SIGWINCH.
public final class TerminalRelay {
    /// hako's end of the socketpair given to create as the console socket.
    public let socket: Int32
    /// The other end, for CreateOptions.consoleSocketFD.
    public let containerEnd: Int32
    private var master: Int32 = -1
    private var savedTerminal: Terminals.SavedModes?

    public init() throws {
        (socket, containerEnd) = try Sockets.pair()
    }

    /// Takes the pty master init sent, and sizes it like hako's terminal.
    public func receiveMaster() throws {
        Files.close(containerEnd)
        let (_, fd) = try Sockets.receive(socket)
        guard let fd else { throw RuntimeError("the container sent no terminal") }
        master = fd
        Files.close(socket)
        copyWindowSize()
        savedTerminal = Terminals.makeRaw(0)
    }

    func copyWindowSize() {
        if isatty(0) != 0, let size = Terminals.windowSize(0) {
            try? Terminals.setWindowSize(master, size)
        }
    }

    /// Relays until the process `pid` (hako's child or adopted orphan) exits, forwarding
    /// signals to it; returns how it ended. Signals must be blocked.
    public func relay(until pid: pid_t) throws -> ExitStatus {
        defer { restoreTerminal() }
        let signals = try SignalMask.signalFD()
        defer { Files.close(signals) }
        var stdinOpen = true
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        var status: ExitStatus?
        while true {
            if status == nil { status = reap(pid) }
            if let status {
                drainMaster(&buffer)
                return status
            }
            var fds = [
                pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                pollfd(fd: master, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stdinOpen ? 0 : -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 3, -1) < 0 {
                if errno == EINTR { continue }
                throw SysError("poll", errno: errno)
            }
            if fds[0].revents != 0 {
                while let signal = SignalMask.next(signals) {
                    if signal == SIGCHLD { continue }
                    if signal == SIGWINCH { copyWindowSize(); continue }
                    Processes.signalIfAlive(pid, signal)
                }
            }
            if fds[1].revents != 0 {
                let n = read(master, &buffer, buffer.count)
                // EIO: every slave end is closed, the container's output is over.
                if n > 0 { _ = try? Files.writeAll(1, Array(buffer[0..<n])) } else if n < 0 && errno != EINTR && errno != EAGAIN {
                    status = try waitFor(pid)
                }
            }
            if stdinOpen && fds[2].revents != 0 {
                let n = read(0, &buffer, buffer.count)
                if n > 0 { _ = try? Files.writeAll(master, Array(buffer[0..<n])) } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    stdinOpen = false
                }
            }
        }
    }

    /// Reaps any exited child; returns `pid`'s status once it has exited.
    private func reap(_ pid: pid_t) -> ExitStatus? {
        while true {
            guard let reaped = try? Processes.wait(-1, options: WNOHANG) else { return nil }
            if reaped.pid == pid { return reaped.status }
        }
    }

    private func waitFor(_ pid: pid_t) throws -> ExitStatus {
        while true {
            // Retried on EINTR by Processes.wait; without WNOHANG it returns a child.
            if let reaped = try Processes.wait(-1), reaped.pid == pid { return reaped.status }
        }
    }

    /// Whatever the container wrote just before it exited.
    private func drainMaster(_ buffer: inout [UInt8]) {
        try? Files.setNonBlocking(master)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { return }
            _ = try? Files.writeAll(1, Array(buffer[0..<n]))
        }
    }

    private func restoreTerminal() {
        if let saved = savedTerminal {
            Terminals.restore(0, saved)
            savedTerminal = nil
        }
    }

    deinit {
        restoreTerminal()
        if master >= 0 { Files.close(master) }
    }
}
