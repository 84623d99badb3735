#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.intelRdt through the resctrl filesystem: a resource group named by closID (or
/// the container id), its schemata, and the container's tasks in it; with monitoring,
/// a monitoring group of its own under mon_groups. The resctrl root is a parameter so
/// tests use a temporary directory.
struct IntelRdt {
    static let defaultRoot = "/sys/fs/resctrl"

    let root: String
    let config: LinuxIntelRdt
    let containerID: String

    var groupPath: String { root + "/" + (config.closID ?? containerID) }
    var monitorPath: String? {
        config.enableMonitoring == true || config.enableCMT == true || config.enableMBM == true
            ? groupPath + "/mon_groups/" + containerID : nil
    }

    /// The schemata lines to write: `schemata` as given, then the L3 and MB ones.
    var schemataLines: [String] {
        var lines = (config.schemata ?? "").split(separator: "\n").map(String.init)
        if let l3 = config.l3CacheSchema, !l3.isEmpty { lines.append(l3) }
        if let mb = config.memBwSchema, !mb.isEmpty { lines.append(mb) }
        return lines
    }

    /// Checked in main before any fork.
    func checkAvailable() throws {
        guard Files.exists(root + "/schemata") else {
            throw RuntimeError("linux.intelRdt: Intel RDT is not available on this host: resctrl is not mounted at \(root)")
        }
        if let closID = config.closID {
            guard !closID.isEmpty, !closID.contains("/"), closID != ".", closID != "..", closID != "info", closID != "mon_groups" else {
                throw RuntimeError("linux.intelRdt.closID: \"\(closID)\" is not a resctrl group name")
            }
        }
    }

    /// What delete must undo: the groups this container made.
    struct Applied: Codable, Sendable {
        var group: String
        var createdGroup: Bool
        var monitor: String?
    }

    /// What `apply` will make, for the intent record written before it runs.
    var planned: Applied {
        Applied(group: groupPath, createdGroup: !Files.isDirectory(groupPath), monitor: monitorPath)
    }

    /// Creates (or joins an existing closID's) group, writes the schemata, moves `pid` in.
    func apply(pid: Int32) throws -> Applied {
        let created = !Files.isDirectory(groupPath)
        if created {
            try step("creating the resctrl group") { try Files.makeDirectory(groupPath, mode: 0o755) }
        }
        var applied = Applied(group: groupPath, createdGroup: created, monitor: nil)
        do {
            try writeSchemata(schemataLines)
            try step("moving init into the resctrl group") { try Files.write(groupPath + "/tasks", "\(pid)", flags: O_WRONLY) }
            if let monitor = monitorPath {
                try step("creating the resctrl monitoring group") { try Files.makeDirectory(monitor, mode: 0o755) }
                applied.monitor = monitor
                try Files.write(monitor + "/tasks", "\(pid)", flags: O_WRONLY)
            }
        } catch {
            Self.remove(applied)
            throw error
        }
        return applied
    }

    /// One write with every line: resctrl parses a schemata write line by line.
    func writeSchemata(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        try step("writing linux.intelRdt schemata") {
            try Files.write(groupPath + "/schemata", lines.joined(separator: "\n") + "\n", flags: O_WRONLY)
        }
    }

    static func remove(_ applied: Applied) {
        if let monitor = applied.monitor { try? Files.removeDirectory(monitor) }
        if applied.createdGroup { try? Files.removeDirectory(applied.group) }
    }
}
