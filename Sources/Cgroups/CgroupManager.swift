import LinuxSys
import OCISpec

/// What the runtime does with a container's cgroup, whichever cgroup version the host runs.
public protocol CgroupManager: AnyObject {
    var mode: CgroupMode { get }
    /// Controller -> absolute directory, to persist in the container's state and hand back
    /// to `Cgroups.restore`. v1 keys are controller names ("memory", "name=systemd"); the
    /// cgroup2 directory (unified mode, or the unified mount in hybrid mode) has the key "".
    var paths: [String: String] { get }
    /// Whether the device rules of the last `apply` are enforced by the kernel: through the
    /// devices controller on v1 (false on a v1 host without it), an eBPF program on v2.
    var devicesEnforced: Bool { get }
    /// The device rules of the last `apply`, in order.
    var deviceRules: [LinuxDeviceCgroup] { get }
    /// Settings that were accepted but have no effect here (e.g. swappiness on cgroup v2),
    /// as `field: why` lines for the runtime to log.
    var warnings: [String] { get }

    /// Creates the container's cgroup in every hierarchy (v2: enabling the controllers in
    /// the parents' cgroup.subtree_control). An existing cgroup is reused.
    func create() throws(CgroupError)
    /// Writes the limits. Fails, naming the config field, when a limit needs a controller
    /// the host lacks; nothing is written in that case.
    func apply(resources: LinuxResources) throws(CgroupError)
    /// Moves a process into the cgroup (cgroup.procs of each hierarchy).
    func join(pid: Int32) throws(CgroupError)
    /// Every process in the cgroup and its sub-cgroups.
    func pids() throws(CgroupError) -> [Int32]
    /// Freezes every process and waits until the kernel reports them frozen.
    func freeze() throws(CgroupError)
    func thaw() throws(CgroupError)
    var isFrozen: Bool { get throws(CgroupError) }
    /// Signals every process (v2 and SIGKILL: cgroup.kill when the kernel has it).
    func killAll(signal: Int32) throws(CgroupError)
    /// Removes the cgroup (sub-cgroups first) and the parents `create` made, retrying
    /// briefly while the kernel still reports it busy. A missing cgroup is not an error.
    func remove() throws(CgroupError)
    /// Usage and limits, shaped like the "data" of `runc events --stats`.
    func stats() throws(CgroupError) -> CgroupStats
    /// A new container's cgroup in one step: created, limits written, `pid` moved in;
    /// removed again if any of it fails. (The systemd driver needs the pid to make the unit.)
    func setUp(pid: Int32, resources: LinuxResources) throws(CgroupError)
}

extension CgroupManager {
    /// Looks at the cgroup a new container is about to use, before anything is made, and
    /// refuses it as runc 1.2 does, in its words: frozen (a process that enters it freezes
    /// before it can report back, and the runtime would wait on it for ever), or holding
    /// processes already (another container's or anyone's: their limits, `kill --all`,
    /// `pause` and `delete` would become the new container's; runc 1.1 only warned).
    public func checkBeforeCreating() throws(CgroupError) {
        if (try? isFrozen) == true {
            throw CgroupError("creating the container's cgroup", path: paths["freezer"] ?? paths[""],
                              reason: "container's cgroup unexpectedly frozen (thaw it, or give another linux.cgroupsPath)")
        }
        if let pids = try? self.pids(), !pids.isEmpty {
            throw CgroupError("creating the container's cgroup", path: paths["pids"] ?? paths[""] ?? paths.values.sorted().first,
                              reason: "container's cgroup is not empty: \(pids.count) process(es) found (give another linux.cgroupsPath)")
        }
    }

    public func setUp(pid: Int32, resources: LinuxResources) throws(CgroupError) {
        try prepare(resources: resources)
        do {
            try join(pid: pid)
        } catch {
            try? remove()
            throw error
        }
    }

    /// A new container's cgroup, created with its limits written but no process in it yet
    /// (one that will enter by itself); removed again if writing the limits fails. Not for
    /// the systemd driver, whose unit starts with its first process.
    public func prepare(resources: LinuxResources) throws(CgroupError) {
        try create()
        do {
            try apply(resources: resources)
        } catch {
            try? remove()
            throw error
        }
    }
}

/// Entry points: pick the manager that fits the host.
public enum Cgroups {
    /// A manager for a container's cgroup, not yet created.
    /// - Parameter rootless: the cgroup is delegated to a user (see `V2Manager.rootless`).
    public static func manager(
        host: CgroupHost,
        path: CgroupPath,
        system: any CgroupSystem = HostCgroupSystem(),
        rootless: Bool = false
    ) -> any CgroupManager {
        switch host.mode {
        case .unified:
            let dir = host.unified.map { $0.directory(for: path) } ?? host.root
            return V2Manager(host: host, directory: dir, system: system, rootless: rootless)
        case .legacy, .hybrid:
            var dirs: [String: String] = [:]
            for hierarchy in host.hierarchies {
                for controller in hierarchy.controllers { dirs[controller] = hierarchy.directory(for: path) }
            }
            if host.mode == .hybrid, let unified = host.unified { dirs[""] = unified.directory(for: path) }
            return V1Manager(host: host, paths: dirs, system: system)
        }
    }

    /// Resolves `linux.cgroupsPath` and makes the manager.
    public static func manager(
        host: CgroupHost,
        cgroupsPath: String?,
        containerID: String,
        system: any CgroupSystem = HostCgroupSystem()
    ) throws(CgroupError) -> any CgroupManager {
        manager(host: host, path: try CgroupPath.resolve(cgroupsPath, containerID: containerID), system: system)
    }

    /// The systemd driver's manager (`--systemd-cgroup`): `linux.cgroupsPath` in the
    /// "slice:prefix:name" form names the unit, `org.systemd.property.*` annotations add
    /// unit properties. The system's systemd is asked nothing until `setUp`; a user's
    /// instance (rootless) is asked at once where its own cgroup is, since the unit's
    /// cgroup lies below it ("/user.slice/user-1000.slice/user@1000.service/user.slice/...").
    /// - Parameters:
    ///   - userInstance: whether to use the user's systemd instance on the user bus.
    ///   - connect: opens the connection to systemd.
    public static func systemdManager(
        host: CgroupHost,
        cgroupsPath: String?,
        containerID: String,
        annotations: [String: String]? = nil,
        system: any CgroupSystem = HostCgroupSystem(),
        userInstance: Bool = SystemdBusConnection.usesUserInstance(),
        connect: @escaping () throws(CgroupError) -> any SystemdConnection = { () throws(CgroupError) in try SystemdBusConnection.connect() }
    ) throws(CgroupError) -> SystemdManager {
        var unit = try SystemdUnit.parse(cgroupsPath, containerID: containerID,
                                         defaultSlice: userInstance ? SystemdUnit.defaultUserSlice : SystemdUnit.defaultSlice)
        let annotationProperties = try SystemdAnnotations.properties(annotations)
        var connector = connect
        if userInstance {
            // As runc: a user's instance delegates cgroup2 controllers only.
            guard host.mode == .unified else {
                throw CgroupError("--systemd-cgroup without root", reason: "a user's systemd instance needs cgroup v2 (this host has \(host.mode == .hybrid ? "hybrid" : "v1") cgroups)")
            }
            let connection = try connect()
            unit.cgroupPath = try connection.controlGroup() + unit.cgroupPath
            connector = { () throws(CgroupError) in connection }
        }
        let manager = SystemdManager(host: host, unit: unit, containerID: containerID, system: system, rootless: userInstance, connect: connector)
        manager.annotationProperties = annotationProperties
        return manager
    }

    /// A manager for a cgroup made earlier, from the `paths` saved in the container's state
    /// (the systemd driver's also hold the unit's name, under `SystemdManager.unitKey`).
    public static func restore(
        host: CgroupHost,
        paths: [String: String],
        system: any CgroupSystem = HostCgroupSystem(),
        userInstance: Bool = SystemdBusConnection.usesUserInstance(),
        connectSystemd: @escaping () throws(CgroupError) -> any SystemdConnection = { () throws(CgroupError) in try SystemdBusConnection.connect() }
    ) throws(CgroupError) -> any CgroupManager {
        var paths = paths
        let unitName = paths.removeValue(forKey: SystemdManager.unitKey)
        for (key, dir) in paths {
            let within = host.mode == .unified ? host.root : (key.isEmpty ? host.unified?.mountPoint : host.hierarchy(for: key)?.mountPoint)
            guard let within, dir.hasPrefix(within + "/"), Paths.isClean(dir) else {
                throw CgroupError("restoring cgroup paths", path: dir, reason: "not a cgroup of the \(key.isEmpty ? "cgroup2" : key) hierarchy")
            }
        }
        let files: any CgroupManager
        switch host.mode {
        case .unified:
            guard let dir = paths[""], paths.count == 1 else {
                throw CgroupError("restoring cgroup paths", reason: "not a single cgroup2 directory in the saved paths of a cgroup v2 host")
            }
            // A user instance's unit, as `systemdManager` made it.
            files = V2Manager(host: host, directory: dir, system: system, rootless: unitName != nil && userInstance)
        case .legacy, .hybrid:
            files = V1Manager(host: host, paths: paths, system: system)
        }
        if let unitName {
            guard SystemdUnit.isValidSavedName(unitName) else {
                throw CgroupError("restoring cgroup paths", reason: "invalid systemd unit name \(CgroupIO.quoted(unitName))")
            }
            return SystemdManager(host: host, unitName: unitName, files: files, system: system, connect: connectSystemd)
        }
        return files
    }
}

extension Paths {
    /// True when a path is absolute and has no "." or ".." components or doubled slashes.
    static func isClean(_ path: String) -> Bool {
        path.hasPrefix("/") && clean(path) == path
    }
}
