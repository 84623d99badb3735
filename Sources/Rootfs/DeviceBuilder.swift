#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Populates /dev: the devices every container gets, the config's linux.devices, and the
/// standard symlinks. In a user namespace mknod(2) is refused, so devices are bind mounts
/// of the host's nodes instead, as runc does.
public struct DeviceBuilder {
    public let root: SecureRoot
    public let inUserNamespace: Bool

    public init(root: SecureRoot, inUserNamespace: Bool) {
        self.root = root
        self.inUserNamespace = inUserNamespace
    }

    /// The nodes runtime-spec requires in every container.
    static let defaults: [(name: String, major: Int64, minor: Int64)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    static let symlinks: [(name: String, target: String)] = [
        ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
    ]

    public func createDefaults() throws {
        for device in Self.defaults {
            try step("creating /dev/\(device.name)") {
                try createNode(path: "/dev/\(device.name)", type: S_IFCHR, major: device.major, minor: device.minor, mode: 0o666, uid: 0, gid: 0)
            }
        }
        let dev = try root.ensure("/dev", as: .directory)
        defer { Files.close(dev) }
        var links = Self.symlinks
        if Files.exists("/proc/kcore") { links.append(("core", "/proc/kcore")) }
        for link in links {
            try step("linking /dev/\(link.name)") { try symlink(link.target, named: link.name, in: dev) }
        }
        // /dev/ptmx must be the container's devpts instance's, not the host's.
        if (try? root.open("/dev/pts/ptmx")).map({ Files.close($0); return true }) == true {
            try step("linking /dev/ptmx") {
                _ = try? Files.unlink("ptmx", at: dev, path: "/dev/ptmx")
                try symlink("pts/ptmx", named: "ptmx", in: dev)
            }
        }
    }

    public func create(_ devices: [LinuxDevice]) throws {
        for (index, device) in devices.enumerated() {
            let type: mode_t
            switch device.type {
            case "c", "u": type = S_IFCHR
            case "b": type = S_IFBLK
            case "p": type = S_IFIFO
            default: throw RootfsError("linux.devices[\(index)].type: unknown device type \"\(device.type)\"")
            }
            try step("creating device \(device.path)") {
                try createNode(path: device.path, type: type, major: device.major, minor: device.minor,
                               mode: mode_t(device.fileMode ?? 0o666) & 0o7777, uid: device.uid ?? 0, gid: device.gid ?? 0)
            }
        }
    }

    private func createNode(path: String, type: mode_t, major: Int64, minor: Int64, mode: mode_t, uid: UInt32, gid: UInt32) throws {
        let clean = Paths.clean(path)
        let parent = try root.ensure(Paths.parent(clean), as: .directory)
        defer { Files.close(parent) }
        let name = String(clean.split(separator: "/").last ?? "")
        // Whatever is there (a file from the image, a stale node) is replaced.
        _ = try? Files.unlink(name, at: parent, path: clean)
        if inUserNamespace {
            guard type != S_IFIFO else {
                try Files.makeFIFO(name, at: parent, mode: mode, path: clean)
                return
            }
            Files.close(try Files.open(name, at: parent, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o000, path: clean))
            let target = try root.open(clean, noSymlinks: true)
            defer { Files.close(target) }
            try Mounts.mount(source: clean, target: procFD(target), type: nil, flags: MountFlag.bind)
            return
        }
        let dev = Files.deviceNumber(major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor))
        try Files.makeNode(name, at: parent, mode: type | mode, device: dev, path: clean)
        // mknod(2) applies the umask; the config's mode is meant literally.
        try Files.setMode(name, at: parent, mode: mode, path: clean)
        try Files.setOwner(name, at: parent, uid: uid, gid: gid, path: clean)
    }

    private func symlink(_ target: String, named name: String, in dir: Int32) throws {
        let dirFD = try Files.open(".", at: dir, flags: O_RDONLY | O_DIRECTORY, path: "/dev")
        defer { Files.close(dirFD) }
        do {
            try Files.symlink(target, named: name, at: dirFD, path: "/dev/\(name)")
        } catch {
            if error.errno != EEXIST { throw error }
        }
    }
}
