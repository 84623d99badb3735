import Cgroups
import LinuxSys
import OCISpec

extension Container {
    /// Freezes every process of the container (runc's `pause`).
    public func pause() throws {
        let (lock, container) = try locked()
        defer { lock.release() }
        guard container.status == .running else { throw RuntimeError.notRunning(id) }
        CrashPoint.reach("pause.freezing")
        do { try container.cgroup().freeze() } catch { throw RuntimeError("pausing container \"\(id)\"", error) }
    }

    /// Thaws a paused container (runc's `resume`).
    public func resume() throws {
        let (lock, container) = try locked()
        defer { lock.release() }
        guard container.status == .paused else { throw RuntimeError("container \"\(id)\" is not paused") }
        do { try container.cgroup().thaw() } catch { throw RuntimeError("resuming container \"\(id)\"", error) }
    }

    /// Usage and limits of the container's cgroup.
    public func stats() throws -> CgroupStats {
        guard status != .stopped else { throw RuntimeError.notRunning(id) }
        do { return try cgroup().stats() } catch { throw RuntimeError("reading the stats of container \"\(id)\"", error) }
    }

    /// How many processes of the container the OOM killer has killed so far.
    public func oomKillCount() -> UInt64? {
        Cgroups.oomKillCount(paths: state.cgroupPaths)
    }

    /// Changes the L3 cache or memory bandwidth schema of the container's resctrl group
    /// (`update --l3-cache-schema`, `--mem-bw-schema`).
    public func updateIntelRdt(l3CacheSchema: String?, memBwSchema: String?) throws {
        guard let applied = state.intelRdt, let config = try state.config.linux?.intelRdt else {
            throw RuntimeError("--l3-cache-schema, --mem-bw-schema: container \"\(id)\" has no linux.intelRdt")
        }
        guard status != .stopped else { throw RuntimeError.notRunning(id) }
        let root = Paths.parent(applied.group)
        let lines = [l3CacheSchema, memBwSchema].compactMap { $0 }.filter { !$0.isEmpty }
        try IntelRdt(root: root, config: config, containerID: id).writeSchemata(lines)
    }

    /// Changes the container's limits (runc's `update`): `change` edits the resources the
    /// container has now; the result is written to the cgroup and saved in state.json.
    public func update(_ change: (inout LinuxResources) throws -> Void) throws {
        let (lock, container) = try locked()
        defer { lock.release() }
        try container.updateLocked(change)
    }

    private func updateLocked(_ change: (inout LinuxResources) throws -> Void) throws {
        guard status != .stopped, state.creation == nil else { throw RuntimeError.notRunning(id) }
        let config = try state.config
        var resources = config.linux?.resources ?? LinuxResources()
        try change(&resources)
        var written = resources
        // Device rules stay as they are unless the update names some.
        if written.devices == config.linux?.resources?.devices { written.devices = nil } else if written.devices != nil {
            var withDefaults = config
            withDefaults.linux?.resources = written
            written.devices = ContainerCgroup.resources(for: withDefaults).devices
        }
        do {
            try cgroup().apply(resources: written)
        } catch {
            throw RuntimeError("updating container \"\(id)\"", error)
        }
        // Killed here, the limits are written and the config not yet: the next `update`
        // starts from the old config, and writes everything it names again.
        CrashPoint.reach("update.applied")
        var updated = state
        var newConfig = config
        if newConfig.linux == nil { newConfig.linux = Linux() }
        newConfig.linux?.resources = resources
        updated.setConfig(newConfig)
        try store.save(updated)
    }
}
