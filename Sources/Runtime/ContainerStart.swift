#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

extension Container {
    /// Releases init from the start barrier so it execs the container process, then
    /// runs the poststart hooks (a failing one is logged, as runtime-spec asks).
    ///
    /// With NOTIFY_SOCKET set and `forwardNotify`, it then waits for the container's
    /// READY= and passes it on (runc's sd_notify support).
    public func start(forwardNotify: Bool = true, warn: (String) -> Void = { _ in }) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        switch status {
        case .created: break
        case .stopped: throw RuntimeError("cannot start a container that has stopped")
        case let other: throw RuntimeError("cannot start an already \(other.rawValue) container")
        }
        let notify = forwardNotify ? try NotifySocket.listen(stateDirectory: directory) : nil
        defer { if let notify { close(notify) } }
        let fifoPath = directory + "/" + StateStore.startFifo
        // Non-blocking: with init gone there is no reader, and open fails (ENXIO) instead of hanging.
        let fd = open(fifoPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENXIO { throw RuntimeError("cannot start container \"\(id)\": its init process is gone") }
            throw RuntimeError("opening the start barrier", SysError("open", path: fifoPath, errno: errno))
        }
        defer { close(fd) }
        do {
            try Files.writeAll(fd, [0x30], path: fifoPath)
        } catch {
            throw RuntimeError("releasing the start barrier", error)
        }
        unlink(fifoPath)
        do {
            try HookRunner.run(state.hooks?.poststart ?? [], kind: "poststart", state: hookState(status: .running))
        } catch {
            warn("\(error)")
        }
        if let notify {
            do {
                try NotifySocket.forwardReady(from: notify, initPid: state.pid, isAlive: { initIsAlive })
            } catch {
                throw RuntimeError("passing on the container's READY to NOTIFY_SOCKET", error)
            }
        }
    }
}
