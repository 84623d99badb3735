#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A `cgroup` entry of config.json's mounts: on a unified host a cgroup2 mount; on a v1
/// or hybrid host a tmpfs holding one mount per hierarchy, named as on the host. With a
/// cgroup namespace each mount shows the container's own cgroup as its root.
struct CgroupMount {
    let root: SecureRoot
    let destination: String
    let options: MountOptions

    /// The cgroup filesystems mounted on the host: mount point and super options.
    static func hostHierarchies() throws -> [(mountPoint: String, type: String, options: String)] {
        let text = try Files.readText("/proc/self/mountinfo")
        var result: [(String, String, String)] = []
        for line in text.split(separator: "\n") {
            // "... mountpoint opts ... - fstype source superopts"
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let before = halves[0].split(separator: " ")
            let after = halves[1].split(separator: " ")
            guard before.count > 4, after.count > 2 else { continue }
            let type = String(after[0])
            if type == "cgroup" || type == "cgroup2" {
                result.append((String(before[4]), type, String(after[2])))
            }
        }
        return result
    }

    func mount() throws {
        let flags = options.flags & (MountFlag.readOnly | MountFlag.noSuid | MountFlag.noDev | MountFlag.noExec | MountFlag.relatime)
        let hierarchies = try Self.hostHierarchies()
        let target = try root.ensure(destination, as: .directory, noSymlinks: true)
        defer { close(target) }
        if hierarchies.count == 1 && hierarchies[0].type == "cgroup2" && hierarchies[0].mountPoint == "/sys/fs/cgroup" {
            try Mounts.mount(source: "cgroup2", target: procFD(target), type: "cgroup2", flags: flags)
            return
        }
        try Mounts.mount(source: "tmpfs", target: procFD(target), type: "tmpfs", flags: flags & ~MountFlag.readOnly, data: "mode=755")
        for hierarchy in hierarchies where hierarchy.mountPoint.hasPrefix("/sys/fs/cgroup/") {
            let name = String(hierarchy.mountPoint.dropFirst("/sys/fs/cgroup/".count))
            let sub = try root.ensure(destination + "/" + name, as: .directory, noSymlinks: true)
            defer { close(sub) }
            // Only the controller options; the rest (rw, relatime...) are mount flags.
            let controllers = hierarchy.options.split(separator: ",").filter { $0 != "rw" && $0 != "ro" }.joined(separator: ",")
            do {
                try Mounts.mount(source: "cgroup", target: procFD(sub), type: hierarchy.type, flags: flags,
                                 data: hierarchy.type == "cgroup" ? controllers : nil)
            } catch {
                // A user namespace without its own cgroup namespace may not mount cgroupfs;
                // bind the host's hierarchy instead, as runc does.
                guard error.errno == EPERM else { throw error }
                try Mounts.mount(source: hierarchy.mountPoint, target: procFD(sub), type: nil, flags: MountFlag.bind | MountFlag.recursive)
            }
        }
        if flags & MountFlag.readOnly != 0 {
            let mounted = try root.open(destination)
            defer { close(mounted) }
            try Mounts.mount(source: nil, target: procFD(mounted), type: nil, flags: MountFlag.bind | MountFlag.remount | flags)
        }
    }
}
