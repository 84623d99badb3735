import LinuxSys

/// How the host mounts cgroups.
public enum CgroupMode: String, Sendable, Equatable, Codable {
    /// cgroup v1 only: one `cgroup` mount per hierarchy.
    case legacy
    /// cgroup v1 hierarchies for the controllers, plus a `cgroup2` mount (usually
    /// <root>/unified) that holds few or no controllers.
    case hybrid
    /// cgroup v2 only: a single `cgroup2` mount at the root.
    case unified
}

/// One mounted cgroup hierarchy and where this process sits in it.
public struct CgroupHierarchy: Sendable, Equatable {
    /// Where the hierarchy is mounted, e.g. /sys/fs/cgroup/memory.
    public var mountPoint: String
    /// The cgroup shown at the mount point (mountinfo field 4): "/" on a host; a
    /// sub-cgroup when a container engine bind-mounted part of the tree.
    public var mountRoot: String
    /// v1 controllers from the super options ("cpu", "cpuacct", "name=systemd"); empty for cgroup2.
    public var controllers: [String]
    /// This process's cgroup in the hierarchy, from /proc/self/cgroup.
    public var currentPath: String
    public var isUnified: Bool

    public init(mountPoint: String, mountRoot: String = "/", controllers: [String], currentPath: String = "/", isUnified: Bool = false) {
        self.mountPoint = mountPoint
        self.mountRoot = mountRoot
        self.controllers = controllers
        self.currentPath = currentPath
        self.isUnified = isUnified
    }

    /// This process's own cgroup directory in the hierarchy: the current path seen
    /// relative to the mount root, under the mount point.
    public var ownDirectory: String {
        let root = Paths.clean(mountRoot)
        let current = Paths.clean(currentPath)
        if root == "/" { return Paths.clean(mountPoint + current) }
        if current == root { return mountPoint }
        if current.hasPrefix(root + "/") { return Paths.clean(mountPoint + current.dropFirst(root.count)) }
        // The process's cgroup is outside what is mounted here (a cgroup namespace, or
        // a mount of a sibling subtree): the mount point is the best we can see.
        return mountPoint
    }

    /// The directory of a container cgroup in this hierarchy (runc's semantics: an
    /// absolute path is under the mount point, a relative one under our own cgroup).
    public func directory(for path: CgroupPath) -> String {
        switch path {
        case .absolute(let p): return Paths.clean(mountPoint + p)
        case .relative(let p): return Paths.clean(ownDirectory + "/" + p)
        }
    }
}

/// The cgroup layout of the host, from /proc/self/mountinfo and /proc/self/cgroup.
public struct CgroupHost: Sendable, Equatable {
    public var mode: CgroupMode
    /// The cgroup filesystem root, /sys/fs/cgroup on a normal host.
    public var root: String
    /// The v1 hierarchies (empty in unified mode), in mountinfo order.
    public var hierarchies: [CgroupHierarchy]
    /// The cgroup2 hierarchy: at the root in unified mode, below it in hybrid mode.
    public var unified: CgroupHierarchy?

    public init(mode: CgroupMode, root: String, hierarchies: [CgroupHierarchy], unified: CgroupHierarchy?) {
        self.mode = mode
        self.root = root
        self.hierarchies = hierarchies
        self.unified = unified
    }

    /// Detects the layout. Only `cgroup`/`cgroup2` mounts at or below `root` count: a busy
    /// host also lists cgroup mounts inside containers' root filesystems. Directory names
    /// prove nothing (engines leave empty directories for unmounted controllers), so the
    /// controllers come from each mount's super options.
    /// - Parameters:
    ///   - mountinfo: /proc/self/mountinfo's text; read from the host when nil.
    ///   - selfCgroup: /proc/self/cgroup's text; read from the host when nil.
    /// This process's view of the host, detected the first time it is asked for: the
    /// layout does not change under one command, which may need it several times
    /// (delete: to kill, then to remove).
    public static func current() throws(CgroupError) -> CgroupHost {
        try detected.get()
    }

    private static let detected = Result { () throws(CgroupError) -> CgroupHost in try detect() }

    /// This process's mounts, read from /proc/self/mountinfo the first time they are asked
    /// for: by `current()`, and by a container's `cgroup` mount, which lists the host's
    /// hierarchies (both in main, before it forks).
    public static func hostMounts() throws(CgroupError) -> [MountEntry] {
        try mounted.get()
    }

    private static let mounted = Result { () throws(CgroupError) -> [MountEntry] in
        parseMountinfo(try readProc("/proc/self/mountinfo"))
    }

    public static func detect(root: String = "/sys/fs/cgroup", mountinfo: String? = nil, selfCgroup: String? = nil) throws(CgroupError) -> CgroupHost {
        let root = Paths.clean(root)
        let mounts = if let mountinfo { parseMountinfo(mountinfo) } else { try hostMounts() }
        let cgroupText = if let selfCgroup { selfCgroup } else { try readProc("/proc/self/cgroup") }
        let memberships = parseSelfCgroup(cgroupText)

        var hierarchies: [CgroupHierarchy] = []
        var unifiedMounts: [CgroupHierarchy] = []
        var seen = Set<[String]>()
        for mount in mounts {
            let point = Paths.clean(mount.mountPoint)
            guard point == root || point.hasPrefix(root == "/" ? "/" : root + "/") else { continue }
            if mount.fsType == "cgroup2" {
                let current = memberships.first { $0.controllers.isEmpty && $0.hierarchyID == "0" }?.path ?? "/"
                unifiedMounts.append(CgroupHierarchy(mountPoint: point, mountRoot: mount.root, controllers: [], currentPath: current, isUnified: true))
            } else if mount.fsType == "cgroup" {
                let controllers = v1Controllers(superOptions: mount.superOptions)
                guard !controllers.isEmpty else { continue }
                let key = controllers.sorted()
                // The same hierarchy bind-mounted twice: keep the first mount.
                guard seen.insert(key).inserted else { continue }
                let current = memberships.first { Set($0.controllers) == Set(controllers) }?.path ?? "/"
                hierarchies.append(CgroupHierarchy(mountPoint: point, mountRoot: mount.root, controllers: controllers, currentPath: current))
            }
        }

        // cgroup2 at the root is a unified host, whatever named v1 hierarchies (a
        // compatibility name=systemd, say) are mounted on top of it.
        if let top = unifiedMounts.first(where: { $0.mountPoint == root }) {
            return CgroupHost(mode: .unified, root: root, hierarchies: [], unified: top)
        }
        // Without a v1 hierarchy that holds a real controller, the cgroup2 mount holds them all.
        if !hierarchies.contains(where: { $0.controllers.contains { !$0.hasPrefix("name=") } }) {
            if let top = unifiedMounts.first {
                return CgroupHost(mode: .unified, root: top.mountPoint, hierarchies: [], unified: top)
            }
            if hierarchies.isEmpty {
                throw CgroupError("detecting cgroups", path: root, reason: "no cgroup or cgroup2 filesystem is mounted there")
            }
        }
        if let below = unifiedMounts.first {
            return CgroupHost(mode: .hybrid, root: root, hierarchies: hierarchies, unified: below)
        }
        return CgroupHost(mode: .legacy, root: root, hierarchies: hierarchies, unified: nil)
    }

    private static func readProc(_ path: String) throws(CgroupError) -> String {
        do {
            return try Files.readText(path)
        } catch {
            throw CgroupError("reading", path: path, errno: error.errno)
        }
    }

    /// The v1 hierarchy holding a controller ("memory", "name=systemd"), if mounted.
    public func hierarchy(for controller: String) -> CgroupHierarchy? {
        hierarchies.first { $0.controllers.contains(controller) }
    }

    /// Every v1 controller mounted, named hierarchies included.
    public var v1Controllers: [String] {
        hierarchies.flatMap(\.controllers)
    }

    // MARK: - Parsing

    /// A line of /proc/self/mountinfo (LinuxSys.MountInfo).
    public typealias MountEntry = MountInfo.Entry

    /// Parses /proc/self/mountinfo (LinuxSys.MountInfo.parse).
    public static func parseMountinfo(_ text: String) -> [MountEntry] {
        MountInfo.parse(text)
    }

    /// The controllers named by a v1 mount's super options: every option that is not a
    /// mount or hierarchy flag ("rw,nosuid,cpu,cpuacct" -> cpu, cpuacct; "rw,xattr,name=systemd"
    /// -> name=systemd).
    static func v1Controllers(superOptions: String) -> [String] {
        let flags: Set<Substring> = ["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                                     "none", "all", "favordynmods", "nosuid", "nodev", "noexec", "relatime"]
        return superOptions.split(separator: ",").compactMap { option in
            if flags.contains(option) || option.hasPrefix("release_agent=") { return nil }
            return String(option)
        }
    }

    struct Membership: Equatable {
        var hierarchyID: String
        var controllers: [String]
        var path: String
    }

    /// Parses /proc/self/cgroup: "ID:controller,list:/path"; "0::/path" is cgroup2.
    static func parseSelfCgroup(_ text: String) -> [Membership] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            let controllers = parts[1].split(separator: ",").map(String.init)
            return Membership(hierarchyID: String(parts[0]), controllers: controllers, path: String(parts[2]))
        }
    }
}
