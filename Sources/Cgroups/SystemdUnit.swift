/// The systemd unit of a container under the systemd cgroup driver, from
/// `linux.cgroupsPath` in runc's "slice:prefix:name" form.
public struct SystemdUnit: Sendable, Equatable {
    /// The unit: "<prefix>-<name>.scope", or `name` itself when it ends in ".slice".
    public var name: String
    /// The slice a scope goes in (a slice unit names it as its parent): "system.slice"
    /// when cgroupsPath leaves it empty.
    public var slice: String
    /// The unit's cgroup below the cgroup2 mount point: "/system.slice/hako-abc.scope".
    public var cgroupPath: String

    public var isSlice: Bool { name.hasSuffix(".slice") }

    /// The prefix runc uses is "runc"; hako's own scopes read "hako-<id>.scope".
    public static let defaultPrefix = "hako"
    public static let defaultSlice = "system.slice"
    /// The slice of a user's systemd instance that a rootless container goes in by default.
    public static let defaultUserSlice = "user.slice"

    /// Parses `linux.cgroupsPath` as runc does with `--systemd-cgroup`:
    /// - empty or absent: ":hako:<containerID>", a scope "hako-<id>.scope" in `defaultSlice`;
    /// - "slice:prefix:name": a scope "<prefix>-<name>.scope" in `slice` (`defaultSlice` when
    ///   empty), or, when `name` ends in ".slice", a slice unit of that name.
    /// - Parameter defaultSlice: system.slice for the system instance, user.slice for a
    ///   user's (as runc).
    public static func parse(_ cgroupsPath: String?, containerID: String, defaultSlice: String = defaultSlice) throws(CgroupError) -> SystemdUnit {
        let raw = cgroupsPath ?? ""
        let parts: [String]
        if raw.isEmpty {
            parts = ["", defaultPrefix, containerID]
        } else {
            parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else {
                throw CgroupError.field("linux.cgroupsPath", "\(CgroupIO.quoted(raw)) is not of the form slice:prefix:name, as the systemd cgroup driver needs")
            }
        }
        let slice = parts[0].isEmpty ? defaultSlice : parts[0]
        let prefix = parts[1], name = parts[2]
        for (what, value) in [("slice", slice), ("prefix", prefix), ("name", name)] where !isUnitNameText(value) {
            throw CgroupError.field("linux.cgroupsPath", "\(what) \(CgroupIO.quoted(value)) has characters a systemd unit name cannot have")
        }
        if name.isEmpty {
            throw CgroupError.field("linux.cgroupsPath", "\(CgroupIO.quoted(raw)) has an empty name")
        }
        let sliceDirectory = try expandSlice(slice)
        let unit: SystemdUnit
        if name.hasSuffix(".slice") {
            // systemd places a slice by its own name, whatever parent is asked for.
            let path = try expandSlice(name)
            guard path != "/" else {
                throw CgroupError.field("linux.cgroupsPath", "the root slice \"-.slice\" cannot be a container's unit")
            }
            unit = SystemdUnit(name: name, slice: slice, cgroupPath: path)
        } else {
            // runc's rule, even for an empty prefix ("-name.scope").
            let unitName = prefix + "-" + name + ".scope"
            unit = SystemdUnit(name: unitName, slice: slice, cgroupPath: (sliceDirectory == "/" ? "" : sliceDirectory) + "/" + unitName)
        }
        guard unit.name.utf8.count <= maxUnitNameLength else {
            throw CgroupError.field("linux.cgroupsPath", "unit name \(CgroupIO.quoted(unit.name)) is longer than systemd's \(maxUnitNameLength) characters")
        }
        return unit
    }

    /// systemd's UNIT_NAME_MAX, less the terminating NUL.
    static let maxUnitNameLength = 255

    /// The cgroup directory of a slice (runc's ExpandSlice): each "-" opens a level,
    /// "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" is the root "/".
    public static func expandSlice(_ slice: String) throws(CgroupError) -> String {
        let suffix = ".slice"
        guard slice.hasSuffix(suffix), !slice.contains("/") else {
            throw CgroupError.field("linux.cgroupsPath", "invalid slice name \(CgroupIO.quoted(slice)) (want e.g. system.slice or a-b.slice)")
        }
        let stem = slice.dropLast(suffix.count)
        if stem == "-" { return "/" }
        var path = "", prefix = ""
        for component in stem.split(separator: "-", omittingEmptySubsequences: false) {
            // "a--b.slice", "-a.slice", "a-.slice" and ".slice" are not slice names.
            guard !component.isEmpty else {
                throw CgroupError.field("linux.cgroupsPath", "invalid slice name \(CgroupIO.quoted(slice)) (empty level between dashes)")
            }
            path += "/" + prefix + component + suffix
            prefix += component + "-"
        }
        return path
    }

    /// A unit name as systemd checks it (unit_name_is_valid): only ASCII letters, digits
    /// and ":-_.\\@", which also keeps "/" (and so any path trick) out of the cgroup path.
    static func isUnitNameText(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "-_.\\@".utf8.contains(byte)
            }
        }
    }

    /// A unit name saved in state.json, checked again before it is used.
    static func isValidSavedName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxUnitNameLength && isUnitNameText(name)
            && (name.hasSuffix(".scope") || name.hasSuffix(".slice"))
    }
}
