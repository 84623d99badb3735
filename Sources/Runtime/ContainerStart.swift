#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

extension Container {
    /// Waits until init has exec'd the container process (or died) after `start` wrote to
    /// the barrier: init holds the FIFO open read-write and close-on-exec, so once init has
    /// read the byte, a reader of ours sees end of file (POLLHUP) when init's descriptor goes,
    /// that is at execve(2). Bounded: a slow startContainer hook or a frozen init make start
    /// go on with a warning rather than hang.
    /// - Parameter reader: the FIFO opened for reading before the byte was written.
    func awaitExec(reader: Int32, fifoPath: String, warn: (String) -> Void) {
        // Each startContainer hook may take its timeout (30 s counted for one without).
        let hookTime = (state.hooks?.startContainer ?? []).reduce(0) { $0 + ($1.timeout ?? 30) }
        let deadline = MonotonicClock.milliseconds() + Int64(10 + hookTime) * 1000
        // First the byte must have been taken by init, or ours would be read back.
        while (try? Files.unreadBytes(reader, path: fifoPath)) ?? 0 > 0 {
            if MonotonicClock.milliseconds() > deadline || !initIsAlive { return }
            usleep(200)
        }
        var entry = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
        while true {
            let left = deadline - MonotonicClock.milliseconds()
            if left <= 0 {
                warn("poststart hooks: init (pid \(state.pid)) has not exec'd the container process yet; running them anyway")
                return
            }
            let ready = poll(&entry, 1, Int32(min(left, 1000)))
            if ready > 0 && entry.revents & Int16(POLLHUP) != 0 { return }
            if ready < 0 && errno != EINTR { return }
            if !initIsAlive { return }
        }
    }

    /// Releases init from the start barrier so it execs the container process, then
    /// runs the poststart hooks (a failing one is logged, as runtime-spec asks).
    ///
    /// With NOTIFY_SOCKET set and `forwardNotify`, it then waits for the container's
    /// READY= and passes it on (runc's sd_notify support).
    public func start(forwardNotify: Bool = true, warn: (String) -> Void = { _ in }) throws {
        let (lock, container) = try locked()
        defer { lock.release() }
        try container.startLocked(forwardNotify: forwardNotify, warn: warn)
    }

    private func startLocked(forwardNotify: Bool, warn: (String) -> Void) throws {
        let fifoPath = directory + "/" + StateStore.startFifo
        switch status {
        case .created: break
        case .stopped: throw RuntimeError("cannot start a container that has stopped")
        case .running where Files.exists(fifoPath):
            // A `start` killed after releasing init left the barrier behind.
            try? Files.unlink(fifoPath)
            throw RuntimeError("cannot start an already running container")
        case let other: throw RuntimeError("cannot start an already \(other.rawValue) container")
        }
        let notify = forwardNotify ? try NotifySocket.listen(stateDirectory: directory) : nil
        defer { if let notify { Files.close(notify) } }
        // Non-blocking: with init gone there is no reader, and open fails (ENXIO) instead of hanging.
        let fd: Int32
        do {
            fd = try Files.open(fifoPath, O_WRONLY | O_NONBLOCK)
        } catch {
            if error.errno == ENXIO { throw RuntimeError("cannot start container \"\(id)\": its init process is gone") }
            throw RuntimeError("opening the start barrier", error)
        }
        let poststart = state.hooks?.poststart ?? []
        // runtime-spec: poststart hooks run after the process is executed. Only then is
        // init's end of the barrier gone (close-on-exec): a reader opened now tells.
        let reader = poststart.isEmpty ? -1 : ((try? Files.open(fifoPath, O_RDONLY | O_NONBLOCK)) ?? -1)
        defer { if reader >= 0 { Files.close(reader) } }
        do {
            defer { Files.close(fd) }
            try Files.writeAll(fd, [0x30], path: fifoPath)
        } catch {
            throw RuntimeError("releasing the start barrier", error)
        }
        CrashPoint.reach("start.released")
        // Gone at once, so that the container is running for every later command.
        try? Files.unlink(fifoPath)
        CrashPoint.reach("start.fifo-removed")
        if reader >= 0 { awaitExec(reader: reader, fifoPath: fifoPath, warn: warn) }
        HookRunner.runEach(poststart, kind: "poststart", state: hookState(status: .running), warn: warn)
        if let notify {
            do {
                try NotifySocket.forwardReady(from: notify, initPid: state.pid, isAlive: { initIsAlive })
            } catch {
                throw RuntimeError("passing on the container's READY to NOTIFY_SOCKET", error)
            }
        }
    }
}
