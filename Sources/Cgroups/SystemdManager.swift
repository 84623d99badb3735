#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The systemd cgroup driver (`--systemd-cgroup`) on a cgroup v2 host, as runc's: the
/// container's cgroup is a transient unit that systemd creates over D-Bus (a scope with
/// the container's init in it, delegated), with the limits systemd knows as unit
/// properties; then every limit is also written to the unit's cgroup files through a
/// `V2Manager`, so what systemd lacks applies too. Processes, freezing, stats and kills
/// go straight to the cgroup files; `remove` stops the unit.
///
/// cgroup v1 and hybrid hosts are refused: runc supports systemd there, hako not yet.
public final class SystemdManager: CgroupManager {
    /// The key under which `paths` keeps the unit's name, for `Cgroups.restore`.
    public static let unitKey = "systemd-unit"
    /// How long to wait for systemd to start or stop the unit (runc waits 30 s).
    public var jobTimeout: UInt64 = 30_000_000

    public let host: CgroupHost
    /// The unit's name: "hako-abc.scope".
    public let unitName: String
    /// The unit's cgroup directory: /sys/fs/cgroup/system.slice/hako-abc.scope.
    public let directory: String
    /// What `create` asked for; nil for a manager restored from saved paths.
    let unit: SystemdUnit?
    let containerID: String
    let v2: V2Manager
    private let connector: () throws(CgroupError) -> any SystemdConnection
    private var connection: (any SystemdConnection)?
    private var ownWarnings: [String] = []

    public var mode: CgroupMode { .unified }
    public var paths: [String: String] { ["": directory, Self.unitKey: unitName] }
    public var devicesEnforced: Bool { v2.devicesEnforced }
    public var deviceRules: [LinuxDeviceCgroup] { v2.deviceRules }
    public var warnings: [String] { ownWarnings + v2.warnings }

    /// A manager for a new container's unit; nothing happens until `setUp`.
    /// - Parameter connect: opens the connection to systemd (the system bus by default).
    public init(host: CgroupHost, unit: SystemdUnit, containerID: String, system: any CgroupSystem = HostCgroupSystem(),
                connect: @escaping () throws(CgroupError) -> any SystemdConnection = { () throws(CgroupError) in try SDBusConnection.connect() }) {
        self.host = host
        self.unit = unit
        self.unitName = unit.name
        self.containerID = containerID
        let mountPoint = host.unified?.mountPoint ?? host.root
        self.directory = Paths.clean(mountPoint + unit.cgroupPath)
        self.v2 = V2Manager(host: host, directory: directory, system: system)
        self.connector = connect
    }

    /// A manager for a unit made earlier (from the saved paths).
    init(host: CgroupHost, unitName: String, directory: String, system: any CgroupSystem,
         connect: @escaping () throws(CgroupError) -> any SystemdConnection) {
        self.host = host
        self.unit = nil
        self.unitName = unitName
        self.containerID = ""
        self.directory = directory
        self.v2 = V2Manager(host: host, directory: directory, system: system)
        self.connector = connect
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
        guard host.mode == .unified else {
            throw CgroupError("--systemd-cgroup", reason: "the systemd cgroup driver needs a cgroup v2 host here (this host runs cgroups in \(host.mode.rawValue) mode)")
        }
        let properties = SystemdProperties.unit(unit, description: "hako container \(containerID)", pid: pid)
            + (try SystemdProperties.resources(resources, systemdVersion: systemd.version))
        try start(systemd, properties: properties)
        do throws(CgroupError) {
            guard v2.io.system.isDirectory(directory) else {
                throw CgroupError("finding the cgroup of systemd unit \(unitName)", path: directory, errno: ENOENT)
            }
            // As runc (fs2.CreateCgroupPath): the controllers systemd does not manage
            // (cpuset, hugetlb, rdma, misc) are enabled in the unit's ancestors too.
            try v2.create()
            try v2.apply(resources: resources)
            // A slice has no PIDs property: its first process goes in through cgroup.procs.
            if unit.isSlice { try v2.join(pid: pid) }
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
            try v2.remove()
        } catch {
            throw failure ?? error
        }
        if let failure, v2.io.system.isDirectory(directory) { throw failure }
    }

    public func join(pid: Int32) throws(CgroupError) {
        try v2.join(pid: pid)
    }

    // MARK: - Resources

    /// `update`: the properties systemd knows go to the unit (SetUnitProperties, runtime),
    /// so that systemd keeps them when it re-applies its settings; then every limit is
    /// written to the files.
    public func apply(resources: LinuxResources) throws(CgroupError) {
        if let memory = resources.memory, memory.checkBeforeUpdate == true, let limit = memory.limit, limit > 0,
           let usage = try v2.io.readUIntIfPresent(directory, "memory.current"), usage > UInt64(limit) {
            // Checked before systemd sees the limit: it would OOM-kill rather than refuse.
            throw CgroupError.field("linux.resources.memory.limit", "rejecting memory limit \(limit) below current usage \(usage)")
        }
        // Without a property to set (only what systemd lacks), systemd is not asked at all.
        let probe = try SystemdProperties.resources(resources, systemdVersion: Int.max)
        if !probe.isEmpty {
            let systemd = try connect()
            let properties = try SystemdProperties.resources(resources, systemdVersion: systemd.version)
            if !properties.isEmpty { try systemd.setUnitProperties(unitName, properties: properties) }
        }
        try v2.apply(resources: resources)
    }

    // MARK: - Through the cgroup files

    /// Every process of the unit. systemd removes a scope's cgroup once it is empty, so
    /// a cgroup that is gone holds none.
    public func pids() throws(CgroupError) -> [Int32] {
        do {
            return try v2.pids()
        } catch {
            if isGone(error) { return [] }
            throw error
        }
    }

    public func freeze() throws(CgroupError) {
        try v2.freeze()
    }

    public func thaw() throws(CgroupError) {
        try v2.thaw()
    }

    public var isFrozen: Bool {
        get throws(CgroupError) {
            do {
                return try v2.isFrozen
            } catch {
                if isGone(error) { return false }
                throw error
            }
        }
    }

    public func killAll(signal: Int32) throws(CgroupError) {
        do {
            try v2.killAll(signal: signal)
        } catch {
            if isGone(error) { return }
            throw error
        }
    }

    public func stats() throws(CgroupError) -> CgroupStats {
        try v2.stats()
    }

    /// A failure because the unit's cgroup no longer exists.
    private func isGone(_ error: CgroupError) -> Bool {
        error.errno == ENOENT && !v2.io.system.isDirectory(directory)
    }
}
