#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A `cgroup` entry of config.json's mounts: on a unified host a cgroup2 mount; on a v1
/// or hybrid host a tmpfs holding one mount per hierarchy, named as on the host. Either
/// way the container sees its own cgroup as the root: with a cgroup namespace a new
/// cgroupfs mount shows it; without one, hako binds the container's cgroup directory
/// of the host's hierarchy, as runc does (podman on cgroup v1 shares the host's cgroup
/// namespace and expects this).
public struct CgroupMount {
    let root: SecureRoot
    let destination: String
    let options: MountOptions
    /// Whether the container has its own cgroup namespace.
    let ownNamespace: Bool
    /// The host's cgroup filesystems (`hostHierarchies`), read by main before it forks, so
    /// that init, on the critical path of every start, finds them read.
    let hierarchies: [MountInfo.Entry]

    /// This process's cgroup in each hierarchy, from /proc/self/cgroup: controllers -> path.
    static func ownCgroups() throws -> [String: String] {
        // "self", not getpid(): init is pid 1 of its namespace, and /proc is the host's.
        try cgroups(proc: "/proc/self/cgroup")
    }

    /// Mounts one hierarchy at `target`: a new cgroupfs in the container's namespace, or a
    /// bind of the container's directory of the host's hierarchy.
    func mountHierarchy(_ hierarchy: MountInfo.Entry, controllers: String,
                        own: [String: String], at target: String, flags: UInt) throws {
        if ownNamespace {
            do {
                try Mounts.mount(source: "cgroup", target: target, type: hierarchy.fsType, flags: flags,
                                 data: hierarchy.fsType == "cgroup" ? controllers : nil)
                return
            } catch {
                // A user namespace may not mount cgroupfs even with its own cgroup namespace
                // on older kernels: fall back to the bind below.
                guard error.errno == EPERM else { throw error }
            }
        }
        try Mounts.mount(source: Self.bindSource(hierarchy, controllers: controllers, own: own), target: target, type: nil,
                         flags: MountFlag.bind | MountFlag.recursive)
    }

    /// The host directory bound for a hierarchy without a cgroup namespace: the
    /// container's own cgroup in it.
    static func bindSource(_ hierarchy: MountInfo.Entry, controllers: String, own: [String: String]) -> String {
        let path = own[hierarchy.fsType == "cgroup2" ? "" : controllers] ?? "/"
        return hierarchy.mountPoint + (path == "/" ? "" : path)
    }

    /// The cgroup filesystems among the host's mounts (/proc/self/mountinfo, parsed).
    public static func hostHierarchies(_ mounts: [MountInfo.Entry]) -> [MountInfo.Entry] {
        mounts.filter { $0.fsType == "cgroup" || $0.fsType == "cgroup2" }
    }

    /// The binds a `cgroup` mount at `destination` is made of when the container shares
    /// the host's cgroup namespace, as (mount point, host directory), `own` being the
    /// container's cgroups as /proc/PID/cgroup lists them: CRIU must treat them as
    /// external mounts. One for a cgroup2-only host, one per hierarchy otherwise.
    public static func binds(destination: String, own: [String: String], hierarchies: [MountInfo.Entry]) -> [(destination: String, source: String)] {
        let destination = Paths.clean(destination)
        if isUnifiedOnly(hierarchies) {
            return [(destination, bindSource(hierarchies[0], controllers: "", own: own))]
        }
        return perHierarchy(hierarchies).map { (destination + "/" + $0.name, bindSource($0.hierarchy, controllers: $0.controllers, own: own)) }
    }

    /// A host with cgroup2 alone at /sys/fs/cgroup: one mount, not a tmpfs of them.
    static func isUnifiedOnly(_ hierarchies: [MountInfo.Entry]) -> Bool {
        hierarchies.count == 1 && hierarchies[0].fsType == "cgroup2" && hierarchies[0].mountPoint == "/sys/fs/cgroup"
    }

    /// The hierarchies under /sys/fs/cgroup, each with its name there and its controller
    /// options (the rest, rw and such, are mount flags).
    static func perHierarchy(_ hierarchies: [MountInfo.Entry]) -> [(hierarchy: MountInfo.Entry, name: String, controllers: String)] {
        hierarchies.filter { $0.mountPoint.hasPrefix("/sys/fs/cgroup/") }.map { hierarchy in
            (hierarchy, String(hierarchy.mountPoint.dropFirst("/sys/fs/cgroup/".count)),
             hierarchy.superOptions.split(separator: ",").filter { $0 != "rw" && $0 != "ro" }.joined(separator: ","))
        }
    }

    /// /proc/PID/cgroup as controllers -> path.
    public static func cgroups(of pid: pid_t) throws -> [String: String] {
        try cgroups(proc: "/proc/\(pid)/cgroup")
    }

    private static func cgroups(proc file: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for line in try Files.readText(file).split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { result[String(fields[1])] = String(fields[2]) }
        }
        return result
    }

    func mount() throws {
        let flags = options.flags & (MountFlag.readOnly | MountFlag.noSuid | MountFlag.noDev | MountFlag.noExec | MountFlag.relatime)
        let target = try root.ensure(destination, as: .directory, noSymlinks: true)
        defer { Files.close(target) }
        let own = try Self.ownCgroups()
        if Self.isUnifiedOnly(hierarchies) {
            try mountHierarchy(hierarchies[0], controllers: "", own: own, at: procFD(target), flags: flags)
            if !ownNamespace && flags & MountFlag.readOnly != 0 {
                let mounted = try root.open(destination)
                defer { Files.close(mounted) }
                try Mounts.mount(source: nil, target: procFD(mounted), type: nil, flags: MountFlag.bind | MountFlag.remount | flags)
            }
            return
        }
        try Mounts.mount(source: "tmpfs", target: procFD(target), type: "tmpfs", flags: flags & ~MountFlag.readOnly, data: "mode=755")
        for (hierarchy, name, controllers) in Self.perHierarchy(hierarchies) {
            let sub = try root.ensure(destination + "/" + name, as: .directory, noSymlinks: true)
            defer { Files.close(sub) }
            try mountHierarchy(hierarchy, controllers: controllers, own: own, at: procFD(sub), flags: flags)
            if !ownNamespace && flags & MountFlag.readOnly != 0 {
                let mounted = try root.open(destination + "/" + name)
                defer { Files.close(mounted) }
                try Mounts.mount(source: nil, target: procFD(mounted), type: nil, flags: MountFlag.bind | MountFlag.remount | flags)
            }
        }
        if flags & MountFlag.readOnly != 0 {
            let mounted = try root.open(destination)
            defer { Files.close(mounted) }
            try Mounts.mount(source: nil, target: procFD(mounted), type: nil, flags: MountFlag.bind | MountFlag.remount | flags)
        }
    }
}
