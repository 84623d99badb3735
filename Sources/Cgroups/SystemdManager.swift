#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The systemd cgroup driver (`--systemd-cgroup`), as runc's: the container's cgroup is a
/// transient unit that systemd creates over D-Bus (a scope with the container's init in
/// it, delegated), with the limits systemd knows as unit properties; then every limit is
/// also written to the unit's cgroup files through the cgroupfs manager of the host's
/// version, so what systemd lacks applies too. On cgroup v1 and hybrid hosts systemd makes
/// the unit's directory only in the hierarchies it manages; the others (cpuset, freezer,
/// net_cls, ...) are made at the same path here. Processes, freezing, stats and kills go
/// straight to the cgroup files; `remove` stops the unit, then removes what is left.
public final class SystemdManager: CgroupManager {
    /// The key under which `paths` keeps the unit's name, for `Cgroups.restore`.
    public static let unitKey = "systemd-unit"
    /// How long to wait for systemd to start or stop the unit (runc waits 30 s).
    public var jobTimeout: UInt64 = 30_000_000

    public let host: CgroupHost
    /// The unit's name: "hako-abc.scope".
    public let unitName: String
    /// The unit's cgroup directory that tells whether it still exists: the cgroup2 one on
    /// v2 (/sys/fs/cgroup/system.slice/hako-abc.scope), the pids or memory one on v1.
    public let directory: String
    /// What `create` asked for; nil for a manager restored from saved paths.
    let unit: SystemdUnit?
    let containerID: String
    /// The cgroupfs manager of the unit's directories (V2Manager or V1Manager).
    let files: any CgroupManager
    let system: any CgroupSystem
    private let connector: () throws(CgroupError) -> any SystemdConnection
    private var connection: (any SystemdConnection)?
    private var ownWarnings: [String] = []
    /// Properties from `org.systemd.property.*` annotations, sent after (so over) the others.
    public var annotationProperties: [UnitProperty] = []

    public var mode: CgroupMode { files.mode }
    public var paths: [String: String] { files.paths.merging([Self.unitKey: unitName]) { a, _ in a } }
    public var devicesEnforced: Bool { files.devicesEnforced }
    public var deviceRules: [LinuxDeviceCgroup] { files.deviceRules }
    public var warnings: [String] { ownWarnings + files.warnings }
    /// Whether the unit's properties take the v1 names (MemoryLimit, CPUShares, BlockIOWeight).
    var legacy: Bool { host.mode != .unified }

    /// A manager for a new container's unit; nothing happens until `setUp`.
    /// - Parameter connect: opens the connection to systemd (the system bus by default).
    /// - Parameter rootless: the unit is a user instance's (see `V2Manager.rootless`).
    public init(host: CgroupHost, unit: SystemdUnit, containerID: String, system: any CgroupSystem = HostCgroupSystem(), rootless: Bool = false,
                connect: @escaping () throws(CgroupError) -> any SystemdConnection = { () throws(CgroupError) in try SystemdBusConnection.connect() }) {
        self.host = host
        self.unit = unit
        self.unitName = unit.name
        self.containerID = containerID
        self.system = system
        // The unit's path is the same in every hierarchy, from each one's root.
        self.files = Cgroups.manager(host: host, path: .absolute(unit.cgroupPath), system: system, rootless: rootless)
        self.directory = Self.witness(files.paths)
        self.connector = connect
    }

    /// A manager for a unit made earlier (from the saved paths, less the unit's name).
    init(host: CgroupHost, unitName: String, files: any CgroupManager, system: any CgroupSystem,
         connect: @escaping () throws(CgroupError) -> any SystemdConnection) {
        self.host = host
        self.unit = nil
        self.unitName = unitName
        self.containerID = ""
        self.system = system
        self.files = files
        self.directory = Self.witness(files.paths)
        self.connector = connect
    }

    /// The directory whose absence means systemd has dropped the unit: cgroup2's on a v2
    /// host; on v1, one of a controller systemd manages.
    static func witness(_ paths: [String: String]) -> String {
        if paths.count == 1, let only = paths.first?.value { return only }
        for key in ["pids", "memory", "cpu", "name=systemd", ""] { if let dir = paths[key] { return dir } }
        return paths.sorted { $0.key < $1.key }.first?.value ?? "/"
    }

    private func connect() throws(CgroupError) -> any SystemdConnection {
        if let connection { return connection }
        let made = try connector()
        connection = made
        return made
    }

    // MARK: - Lifecycle

    /// systemd makes a scope only with its first process in it: use `setUp(pid:resources:)`.
    public func create() throws(CgroupError) {
        throw CgroupError("creating systemd unit \(unitName)", reason: "a unit is started with its first process (setUp), not empty")
    }

    /// Starts the unit with `pid` in it and the resources systemd knows as properties, waits
    /// for systemd to finish, then writes every limit to the unit's cgroup. On failure the
    /// unit is stopped again.
    public func setUp(pid: Int32, resources: LinuxResources) throws(CgroupError) {
        guard let unit else {
            throw CgroupError("starting systemd unit \(unitName)", reason: "a restored unit cannot be started again")
        }
        // systemd first: without it nothing else matters.
        let systemd = try connect()
        let properties = SystemdProperties.unit(unit, description: "hako container \(containerID)", pid: pid, legacy: legacy)
            + (try SystemdProperties.resources(resources, systemdVersion: systemd.version, legacy: legacy))
            + (resources.devices.map { SystemdProperties.devices($0, warnings: &ownWarnings) } ?? [])
            + annotationProperties
        try start(systemd, properties: properties)
        do throws(CgroupError) {
            guard system.isDirectory(directory) else {
                throw CgroupError("finding the cgroup of systemd unit \(unitName)", path: directory, errno: ENOENT)
            }
            // As runc: on v2 the controllers systemd does not manage (cpuset, hugetlb, rdma,
            // misc) are enabled in the unit's ancestors; on v1 their hierarchies get the
            // unit's directory; then every limit goes to the files.
            try files.create()
            try files.apply(resources: resources)
            // A slice has no PIDs property, and systemd puts a scope's process only in the
            // hierarchies it manages: cgroup.procs does the rest.
            if unit.isSlice || legacy { try files.join(pid: pid) }
        } catch {
            try? remove()
            throw error
        }
        // Later commands connect anew; nothing of this one is kept open.
        connection = nil
    }

    /// StartTransientUnit, retried once after ResetFailedUnit when a unit of that name
    /// exists (a failed one left over), as runc does.
    private func start(_ systemd: any SystemdConnection, properties: [UnitProperty]) throws(CgroupError) {
        let step = "starting systemd unit \(unitName)"
        var outcome = try systemd.startTransientUnit(unitName, properties: properties, timeoutMicroseconds: jobTimeout)
        if outcome == .unitExists {
            try? systemd.resetFailedUnit(unitName)
            outcome = try systemd.startTransientUnit(unitName, properties: properties, timeoutMicroseconds: jobTimeout)
        }
        switch outcome {
        case .finished("done"):
            return
        case .unitExists:
            throw CgroupError(step, reason: "a unit of that name exists already")
        case .finished(let result):
            try? systemd.resetFailedUnit(unitName)
            throw CgroupError(step, reason: "the job ended with \"\(result)\"")
        case .noSuchUnit:
            throw CgroupError(step, reason: "no such unit")
        }
    }

    /// Stops the unit (a unit systemd has already dropped is fine) and makes sure its
    /// cgroup is gone. When systemd cannot be reached, the cgroup is removed directly and
    /// the failure reported only if that does not succeed.
    public func remove() throws(CgroupError) {
        var failure: CgroupError?
        do {
            let systemd = try connect()
            switch try systemd.stopUnit(unitName, timeoutMicroseconds: jobTimeout) {
            case .finished("done"), .noSuchUnit, .unitExists:
                break
            case .finished(let result):
                failure = CgroupError("stopping systemd unit \(unitName)", reason: "the job ended with \"\(result)\"")
            }
            // A unit that failed to stop stays loaded until reset.
            try? systemd.resetFailedUnit(unitName)
        } catch {
            failure = error
        }
        do {
            try files.remove()
        } catch {
            throw failure ?? error
        }
        if let failure, system.isDirectory(directory) { throw failure }
    }

    public func join(pid: Int32) throws(CgroupError) {
        try files.join(pid: pid)
    }

    // MARK: - Resources

    /// `update`: the properties systemd knows go to the unit (SetUnitProperties, runtime),
    /// so that systemd keeps them when it re-applies its settings; then every limit is
    /// written to the files.
    public func apply(resources: LinuxResources) throws(CgroupError) {
        if !legacy, let memory = resources.memory, memory.checkBeforeUpdate == true, let limit = memory.limit, limit > 0,
           let usage = try CgroupIO(system: system).readUIntIfPresent(directory, "memory.current"), usage > UInt64(limit) {
            // Checked before systemd sees the limit: it would OOM-kill rather than refuse.
            throw CgroupError.field("linux.resources.memory.limit", "rejecting memory limit \(limit) below current usage \(usage)")
        }
        // Without a property to set (only what systemd lacks), systemd is not asked at all.
        var deviceWarnings: [String] = []
        let devices = resources.devices.map { SystemdProperties.devices($0, warnings: &deviceWarnings) } ?? []
        let probe = try SystemdProperties.resources(resources, systemdVersion: Int.max, legacy: legacy)
        if !probe.isEmpty || !devices.isEmpty {
            let systemd = try connect()
            let properties = try SystemdProperties.resources(resources, systemdVersion: systemd.version, legacy: legacy) + devices
            if !properties.isEmpty { try systemd.setUnitProperties(unitName, properties: properties) }
        }
        try files.apply(resources: resources)
    }

    // MARK: - Through the cgroup files

    /// Every process of the unit. systemd removes a scope's cgroup once it is empty, so
    /// a cgroup that is gone holds none.
    public func pids() throws(CgroupError) -> [Int32] {
        do {
            return try files.pids()
        } catch {
            if isGone(error) { return [] }
            throw error
        }
    }

    public func freeze() throws(CgroupError) {
        try files.freeze()
    }

    public func thaw() throws(CgroupError) {
        try files.thaw()
    }

    public var isFrozen: Bool {
        get throws(CgroupError) {
            do {
                return try files.isFrozen
            } catch {
                if isGone(error) { return false }
                throw error
            }
        }
    }

    public func killAll(signal: Int32) throws(CgroupError) {
        do {
            try files.killAll(signal: signal)
        } catch {
            if isGone(error) { return }
            throw error
        }
    }

    public func stats() throws(CgroupError) -> CgroupStats {
        try files.stats()
    }

    /// A failure because the unit's cgroup no longer exists: systemd removes a scope's
    /// cgroups once its last process exits, which can happen while hako reads them (a file
    /// of a cgroup being removed reads as ENODEV). It removes them one hierarchy at a time,
    /// so a file is also gone when its own directory went before the unit's witness.
    private func isGone(_ error: CgroupError) -> Bool {
        if error.errno == ENODEV { return true }
        guard error.errno == ENOENT else { return false }
        return !system.isDirectory(directory) || error.path.map { !system.isDirectory(Paths.parent($0)) } == true
    }
}
