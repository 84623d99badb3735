#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys

extension Container {
    /// Deletes a stopped (or, like runc, a created) container; with `force`, kills a
    /// running one first. Runs the poststop hooks and removes the state directory.
    ///
    /// A container whose `create` was killed before committing (`status` stopped, its
    /// record an intent) is removed the same way: its init, if it lives on, is killed, and
    /// the cgroup and resctrl group the record names go, made or not.
    public func delete(force: Bool, warn: (String) -> Void = { _ in }) throws {
        // Waits for a `create` still making it: its creator holds the lock until it commits.
        let (lock, container) = try locked()
        defer { lock.release() }
        try container.deleteLocked(force: force, warn: warn)
    }

    func deleteLocked(force: Bool, warn: (String) -> Void) throws {
        let status = self.status
        switch status {
        case .stopped where state.creation != nil:
            try killAndWait()
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
        CrashPoint.reach("delete.killed")
        if state.cgroupPaths?.isEmpty == false {
            try step("removing the cgroup") {
                let cgroup = try self.cgroup()
                // A cgroup half removed (a delete killed midway, systemd dropping a unit)
                // lists nothing readable: what is left of it is removed below.
                if !((try? cgroup.pids()) ?? []).isEmpty {
                    if try createdPidNamespace() {
                        // Its processes died with init, which took its pid namespace along:
                        // what is left belongs to another container sharing the cgroupsPath
                        // (runc lets two share one), which keeps the cgroup.
                        if !awaitEmpty(cgroup, timeoutMicroseconds: 1_000_000) {
                            warn("the cgroup of container \"\(id)\" still holds processes of another container; it is left in place")
                            return
                        }
                    } else {
                        // Without a pid namespace, processes may outlive init: they go with the cgroup.
                        try killEverything(cgroup)
                    }
                }
                try cgroup.remove()
            }
        }
        CrashPoint.reach("delete.cgroup-removed")
        if let intelRdt = state.intelRdt { IntelRdt.remove(intelRdt) }
        HookRunner.runEach(state.hooks?.poststop ?? [], kind: "poststop", state: hookState(status: .stopped), warn: warn)
        try step("removing the state directory") { try store.remove(id) }
    }

    /// SIGKILL to every process of the cgroup; a frozen cgroup is thawed so they can die.
    func killEverything(_ cgroup: any CgroupManager) throws {
        try signalEverything(cgroup)
        guard awaitEmpty(cgroup, timeoutMicroseconds: 5_000_000) else {
            throw RuntimeError("processes of container \"\(id)\" survived SIGKILL")
        }
    }

    /// Whether the container's config created a pid namespace for it (one joined by path
    /// may hold other containers' processes). Read from the saved config, which costs a
    /// decode: only asked when processes remain after init.
    func createdPidNamespace() throws -> Bool {
        try state.config.linux?.namespaces?.contains { $0.kind == .pid && ($0.path ?? "").isEmpty } ?? false
    }

    /// Whether init, alive, is pid 1 of a pid namespace of its own: the last NSpid field of
    /// /proc/PID/status is its pid in its innermost namespace. Killing it then kills every
    /// process of that namespace, and nothing of the container can outlive it.
    var initLeadsPidNamespace: Bool {
        guard let status = try? Files.readText("/proc/\(state.pid)/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("NSpid:") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.count > 2 && fields.last == "1"
        }
        return false
    }

    /// SIGKILL to every process of the cgroup; a frozen one is thawed so that they can die.
    func signalEverything(_ cgroup: any CgroupManager) throws {
        try cgroup.killAll(signal: SIGKILL)
        if try cgroup.isFrozen { try cgroup.thaw() }
    }

    /// Waits until the cgroup holds no process: dying processes take a moment to leave it,
    /// so the first checks come soon (from 0.25 ms, doubling up to 10 ms).
    /// - Returns: false if processes remain after the timeout.
    func awaitEmpty(_ cgroup: any CgroupManager, timeoutMicroseconds: UInt32) -> Bool {
        var delay: UInt32 = 250
        var waited: UInt32 = 0
        while waited < timeoutMicroseconds {
            if (try? cgroup.pids().isEmpty) ?? true { return true }
            usleep(delay)
            waited += delay
            delay = min(delay * 2, 10_000)
        }
        return false
    }

    /// Kills init and everything else of the container, and waits until they are gone:
    /// init through its pidfd (it is not hako's child), the rest through the cgroup.
    func killAndWait() throws {
        if let pidfd = try? openInit() {
            defer { Files.close(pidfd) }
            var cgroup: (any CgroupManager)?
            if state.cgroupPaths?.isEmpty == false && initLeadsPidNamespace {
                // Its namespace dies with init; the cgroup may be another container's too.
                _ = try? Processes.signal(pidfd: pidfd, SIGKILL)
                let manager = try self.cgroup()
                if (try? manager.isFrozen) == true { try manager.thaw() }
            } else if state.cgroupPaths?.isEmpty == false {
                let manager = try self.cgroup()
                try signalEverything(manager)
                cgroup = manager
            } else {
                for pid in (try? processes()) ?? [] where pid != state.pid { Processes.signalIfAlive(pid, SIGKILL) }
            }
            _ = try? Processes.signal(pidfd: pidfd, SIGKILL)
            guard try Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: 10_000) else {
                throw RuntimeError("container \"\(id)\": init (pid \(state.pid)) did not die after SIGKILL")
            }
            if let cgroup, !awaitEmpty(cgroup, timeoutMicroseconds: 5_000_000) {
                throw RuntimeError("processes of container \"\(id)\" survived SIGKILL")
            }
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
