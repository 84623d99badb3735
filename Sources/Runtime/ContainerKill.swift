#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys

extension Container {
    /// Sends a signal to init, or with `all` to every process of the container.
    ///
    /// A stopped container is an error for a plain kill, but not with `all` (as runc 1.1):
    /// whatever its init left in the cgroup is signalled and that is success. containerd
    /// kills every task it deletes with `--all`, exited ones included, and takes a failure
    /// there as a reason to retry forever.
    ///
    /// SIGKILL to a container without a pid namespace of its own goes to every process of its
    /// cgroup, as runc 1.2 does: its init is no pid 1 whose death takes the rest along, and
    /// what it started would outlive it. A frozen cgroup is thawed after a SIGKILL, since a
    /// process frozen by the v1 freezer cannot die.
    public func kill(signal: Int32, all: Bool = false) throws {
        let status = self.status
        if status == .creating { throw RuntimeError("cannot signal container \"\(id)\": it is still being created") }
        let hasCgroup = state.cgroupPaths?.isEmpty == false
        if try signal == SIGKILL && hasCgroup && !createdPidNamespace() {
            try signalCgroup(SIGKILL)
            try thawAfterKill()
            return
        }
        if status == .stopped {
            guard all else { throw RuntimeError.notRunning(id) }
            if hasCgroup { try? signalCgroup(signal) }
            return
        }
        if all && hasCgroup {
            try signalCgroup(signal)
            return
        }
        let pidfd = try openInit()
        defer { Files.close(pidfd) }
        if all {
            // No cgroup of its own (rootless): the processes of its pid namespace.
            for pid in try processes() where pid != state.pid {
                Processes.signalIfAlive(pid, signal)
            }
        }
        do { try Processes.signal(pidfd: pidfd, signal) } catch {
            // Init exiting between the check and the signal is a race `--all` may lose.
            if error.errno == ESRCH && all { return }
            if error.errno == ESRCH { throw RuntimeError.notRunning(id) }
            throw RuntimeError("signalling init (pid \(state.pid))", error)
        }
        if signal == SIGKILL && hasCgroup { try thawAfterKill() }
    }

    /// Thaws a frozen cgroup once its processes were sent SIGKILL, so that they die. A
    /// cgroup whose freezer state cannot be read (gone, or no freezer) is taken as thawed:
    /// the signal went out, which is what kill reports.
    func thawAfterKill() throws {
        guard let manager = try? cgroup(), (try? manager.isFrozen) == true else { return }
        do { try manager.thaw() } catch {
            throw RuntimeError("thawing container \"\(id)\" for SIGKILL", error)
        }
    }

    /// Signals every process of the container's cgroup through its manager, which freezes
    /// the cgroup around the signals (none can fork away meanwhile) or, for SIGKILL on
    /// cgroup v2, writes cgroup.kill. A paused container is signalled as it is, and stays
    /// paused: thawing it is `resume`'s business.
    func signalCgroup(_ signal: Int32) throws {
        let manager = try cgroup()
        do {
            if (try? manager.isFrozen) == true {
                for pid in try manager.pids() { Processes.signalIfAlive(pid, signal) }
            } else {
                try manager.killAll(signal: signal)
            }
        } catch {
            throw RuntimeError("signalling the processes of container \"\(id)\"", error)
        }
    }

    /// The pids (in hako's pid namespace) of the container's processes: those in its
    /// cgroup; for a container without one, those in init's pid namespace when the
    /// container has its own, else init alone.
    public func processes() throws -> [pid_t] {
        if state.cgroupPaths?.isEmpty == false {
            do {
                return try cgroup().pids().sorted()
            } catch {
                throw RuntimeError("listing the processes of container \"\(id)\"", error)
            }
        }
        guard initIsAlive else { return [] }
        let mine = Namespaces.inode("/proc/self/ns/pid")
        guard let theirs = Namespaces.inode("/proc/\(state.pid)/ns/pid"), theirs != mine else {
            return [state.pid]
        }
        var result: [pid_t] = []
        for name in try Files.listDirectory("/proc") {
            guard let pid = pid_t(name) else { continue }
            if Namespaces.inode("/proc/\(pid)/ns/pid") == theirs { result.append(pid) }
        }
        return result.sorted()
    }

    /// Waits until init is gone (it is not hako's child, so a pidfd tells).
    func awaitInitExit(timeoutMilliseconds: Int32) throws -> Bool {
        guard let fd = try? Processes.pidfd(state.pid) else { return true }
        defer { Files.close(fd) }
        if !initIsAlive { return true }
        return try Processes.awaitExit(pidfd: fd, timeoutMilliseconds: timeoutMilliseconds)
    }
}
