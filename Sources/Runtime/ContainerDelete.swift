#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys

extension Container {
    /// Deletes a stopped (or, like runc, a created) container; with `force`, kills a
    /// running one first. Runs the poststop hooks and removes the state directory.
    public func delete(force: Bool, warn: (String) -> Void = { _ in }) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let status = self.status
        switch status {
        case .stopped:
            break
        case .created:
            try killAndWait()
        case .running, .paused, .creating:
            guard force else {
                throw RuntimeError("cannot delete container \"\(id)\" that is not stopped: \(status.rawValue)")
            }
            try killAndWait()
        }
        if state.cgroupPaths?.isEmpty == false {
            try step("removing the cgroup") {
                let cgroup = try self.cgroup()
                // Without a pid namespace, processes may outlive init: they go with the cgroup.
                if try !cgroup.pids().isEmpty { try killEverything(cgroup) }
                try cgroup.remove()
            }
        }
        if let intelRdt = state.intelRdt { IntelRdt.remove(intelRdt) }
        do {
            try HookRunner.run(state.hooks?.poststop ?? [], kind: "poststop", state: hookState(status: .stopped))
        } catch {
            warn("\(error)")
        }
        try step("removing the state directory") { try store.remove(id) }
    }

    /// SIGKILL to every process of the cgroup; a frozen cgroup is thawed so they can die.
    func killEverything(_ cgroup: any CgroupManager) throws {
        try signalEverything(cgroup)
        try awaitEmpty(cgroup)
    }

    /// SIGKILL to every process of the cgroup; a frozen one is thawed so that they can die.
    func signalEverything(_ cgroup: any CgroupManager) throws {
        try cgroup.killAll(signal: SIGKILL)
        if try cgroup.isFrozen { try cgroup.thaw() }
    }

    /// Waits until the cgroup holds no process: dying processes take a moment to leave it,
    /// so the first checks come soon (from 0.25 ms, doubling up to 10 ms), for up to ~5 s.
    func awaitEmpty(_ cgroup: any CgroupManager) throws {
        var delay: UInt32 = 250
        var waited: UInt32 = 0
        while waited < 5_000_000 {
            if try cgroup.pids().isEmpty { return }
            usleep(delay)
            waited += delay
            delay = min(delay * 2, 10_000)
        }
        throw RuntimeError("processes of container \"\(id)\" survived SIGKILL")
    }

    /// Kills init and everything else of the container, and waits until they are gone:
    /// init through its pidfd (it is not hako's child), the rest through the cgroup.
    func killAndWait() throws {
        if let pidfd = try? openInit() {
            defer { close(pidfd) }
            var cgroup: (any CgroupManager)?
            if state.cgroupPaths?.isEmpty == false {
                let manager = try self.cgroup()
                try signalEverything(manager)
                cgroup = manager
            } else {
                for pid in (try? processes()) ?? [] where pid != state.pid { _ = Glibc.kill(pid, SIGKILL) }
            }
            _ = try? Processes.signal(pidfd: pidfd, SIGKILL)
            guard try Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: 10_000) else {
                throw RuntimeError("container \"\(id)\": init (pid \(state.pid)) did not die after SIGKILL")
            }
            if let cgroup { try awaitEmpty(cgroup) }
        }
    }
}

extension StateStore {
    /// Removes what a `create` killed half-way left: a directory without state.json whose
    /// lock nobody holds.
    public func removeAbandoned(_ id: String) throws -> Bool {
        let dir = directory(of: id)
        guard let lock = ContainerLock.tryLock(directory: dir) else { return false }
        defer { lock.release() }
        guard try load(id) == nil else { return false }
        try remove(id)
        return true
    }
}
