#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Rootfs
import Testing

/// `RootfsBuilder.prepare` (everything before pivot_root) when a call fails: the error
/// names the step and keeps the errno, nothing after the failure is attempted, and every
/// descriptor opened on the way is closed. No root: the recorder pretends the mounts.
@Suite("rootfs preparation failures")
struct PrepareFailureTests {
    @Test("making / a slave refused: stops before the rootfs is bound")
    func propagationRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "host:/", errno: EPERM)
        let error = s.failure { try s.builder(s.spec()).prepare() }
        #expect("\(error!)".hasPrefix("making / rslave: mount on /: "))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        #expect(s.log == ["mount host:/ (failed: errno \(EPERM))"])
        s.expectNoDescriptorLeft()
    }

    @Test("binding the rootfs onto itself refused")
    func rootfsBindRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/", errno: EACCES)
        let error = s.failure { try s.builder(s.spec()).prepare() }
        #expect("\(error!)".hasPrefix("binding the rootfs \(s.rootfs): mount bind \(s.rootfs) on \(s.rootfs): "))
        #expect(Scratch.sysError(error)?.errno == EACCES)
        #expect(s.log.last == "mount / (failed: errno \(EACCES))")
        s.expectNoDescriptorLeft()
    }

    @Test("a refused proc mount names mounts[N] and its destination; nothing after it runs")
    func procRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/proc", errno: EPERM)
        let spec = s.spec(mounts: [Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs"),
                                   Mount(destination: "/proc", type: "proc", source: "proc")])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("mounts[1] (/proc): mount proc proc on "))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        #expect(s.recorder.paths(of: .mount) == ["host:/", "/", "/tmp", "/proc"])
        #expect(s.recorder.paths(of: .mknod).isEmpty)
        s.expectNoDescriptorLeft()
    }

    @Test("sysfs refused in a user namespace: the host's /sys is bound instead")
    func sysfsFallsBackInUserNamespace() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys", errno: EPERM)
        let spec = s.spec(mounts: [Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "ro"])])
        try s.recorder.run { try s.builder(spec, userNamespace: true).prepare() }
        let sys = s.recorder.calls.filter { $0.syscall == .mount && $0.path == "/sys" }
        #expect(sys.map(\.failedWith) == [EPERM, nil, nil], "\(sys)")  // sysfs, the bind, its read-only remount
        s.expectNoDescriptorLeft()
    }

    @Test("sysfs refused outside a user namespace is an error")
    func sysfsRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys", errno: EPERM)
        let spec = s.spec(mounts: [Mount(destination: "/sys", type: "sysfs", source: "sysfs")])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/sys): mount sysfs sysfs on "))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        s.expectNoDescriptorLeft()
    }

    @Test("proc through a symlink of the image is refused, and nothing is mounted")
    func procThroughSymlink() throws {
        let s = try Scratch(directories: ["etc", "dev"])
        try s.symlink("/proc", to: "/etc")
        let spec = s.spec(mounts: [Mount(destination: "/proc", type: "proc", source: "proc")])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)" == "mounts[0] (/proc): /proc must be mounted on ordinary directory, not through a symlink")
        #expect(s.recorder.paths(of: .mount) == ["host:/", "/"])
        s.expectNoDescriptorLeft()
    }

    @Test("proc onto a file of the image is refused")
    func procOntoFile() throws {
        let s = try Scratch(directories: ["dev"])
        try s.write("/proc", "not a directory")
        let spec = s.spec(mounts: [Mount(destination: "/proc", type: "proc", source: "proc")])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)" == "mounts[0] (/proc): /proc must be mounted on ordinary directory, not on a file")
        #expect(s.recorder.paths(of: .mount) == ["host:/", "/"])
        s.expectNoDescriptorLeft()
    }

    @Test("a bind source that does not exist: error, and no mount point made")
    func missingBindSource() throws {
        let s = try Scratch()
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "bind", source: "nowhere", options: ["rbind"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)" == "mounts[0] (/data): bind source \(s.bundle)/nowhere does not exist")
        #expect(!Files.exists(s.rootfs + "/data"))
        s.expectNoDescriptorLeft()
    }

    @Test("a bind refused with EACCES")
    func bindRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/data", errno: EACCES)
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/data): mount \(s.bundle) on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EACCES)
        s.expectNoDescriptorLeft()
    }

    @Test("the read-only remount of a bind refused")
    func readOnlyRemountRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/data", errno: EPERM, after: 1)
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind", "ro"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/data): mount on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        #expect(s.recorder.calls.filter { $0.path == "/data" && $0.syscall == .mount }.map(\.failedWith) == [nil, EPERM])
        s.expectNoDescriptorLeft()
    }

    @Test("a propagation option refused after the mount")
    func propagationOptionRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/data", errno: EINVAL, after: 1)
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind", "rprivate"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect(Scratch.sysError(error)?.errno == EINVAL)
        #expect("\(error!)".hasPrefix("mounts[0] (/data): "))
        s.expectNoDescriptorLeft()
    }

    @Test("recursive options on a kernel without mount_setattr (ENOSYS)")
    func mountSetattrMissing() throws {
        let s = try Scratch()
        s.recorder.fail(.mountSetattr, errno: ENOSYS)
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind", "rro"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/data): mount_setattr /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == ENOSYS)
        s.expectNoDescriptorLeft()
    }

    @Test("a mount point that cannot be made")
    func mountPointRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mkdir, path: "/run", errno: EROFS)
        let spec = s.spec(mounts: [Mount(destination: "/run", type: "tmpfs", source: "tmpfs")])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)" == "mounts[0] (/run): mkdir \(s.rootfs)/run: Read-only file system")
        #expect(s.recorder.paths(of: .mount) == ["host:/", "/"])
        s.expectNoDescriptorLeft()
    }

    @Test("process.cwd that cannot be made")
    func cwdRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mkdir, path: "/work", errno: EACCES)
        let error = s.failure { try s.builder(s.spec(cwd: "/work/here")).prepare() }
        #expect("\(error!)" == "creating process.cwd /work/here: mkdir \(s.rootfs)/work: Permission denied")
        s.expectNoDescriptorLeft()
    }

    @Test("an unknown rootfsPropagation is refused before anything is mounted")
    func unknownPropagation() throws {
        let s = try Scratch()
        let error = s.failure { try s.builder(s.spec(propagation: "sideways")).prepare() }
        #expect("\(error!)" == "linux.rootfsPropagation: unknown propagation \"sideways\"")
        #expect(s.log.isEmpty)
    }

    @Test("tmpcopyup on anything but a tmpfs")
    func copyUpNeedsTmpfs() throws {
        let s = try Scratch()
        let spec = s.spec(mounts: [Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["tmpcopyup"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)" == "mounts[0] (/dev/pts): option tmpcopyup: only for tmpfs mounts, not devpts")
        s.expectNoDescriptorLeft()
    }

    @Test("a read-only tmpfs is made read-only last; that remount refused")
    func delayedReadOnlyRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/data", errno: EPERM, after: 1)
        let spec = s.spec(mounts: [Mount(destination: "/data", type: "tmpfs", source: "tmpfs", options: ["ro"])])
        let error = s.failure { try s.builder(spec).prepare() }
        #expect("\(error!)".hasPrefix("making /data read-only: mount on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        // /dev was populated in between: the read-only step is the very last.
        #expect(s.recorder.paths(of: .mknod).contains("/dev/null"))
        s.expectNoDescriptorLeft()
    }

    @Test("binds cloned by main, with no way to ask main")
    func bindWithoutMain() throws {
        let s = try Scratch()
        var builder = s.builder(s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind"])]))
        builder.bindsThroughMain = true
        let error = s.failure { try builder.prepare() }
        #expect("\(error!)" == "mounts[0] (/data): bind sources are cloned by main, which is not reachable here")
        s.expectNoDescriptorLeft()
    }

    @Test("attaching main's detached tree refused: the tree's descriptor is closed")
    func attachRefused() throws {
        let s = try Scratch()
        var builder = s.builder(s.spec(mounts: [Mount(destination: "/data", type: "bind", source: s.bundle, options: ["rbind"])]))
        builder.bindsThroughMain = true
        var asked: [Int] = []
        builder.mountTree = { index in
            asked.append(index)
            return try Files.open(s.bundle, Files.pathOnly | O_DIRECTORY)
        }
        s.recorder.fail(.moveMount, errno: EINVAL)
        let error = s.failure { try builder.prepare() }
        #expect(asked == [0])
        #expect("\(error!)" == "mounts[0] (/data): move_mount /data: Invalid argument")
        s.expectNoDescriptorLeft()
    }

    @Test("openat2 refused by a seccomp profile: the walk resolves, and the rootfs is made")
    func openat2Refused() throws {
        let s = try Scratch()
        s.recorder.fail(.openat2, errno: EPERM, times: .max)
        let spec = s.spec(mounts: [Mount(destination: "/proc", type: "proc", source: "proc"),
                                   Mount(destination: "/dev/shm", type: "tmpfs", source: "shm")])
        try s.recorder.run { try s.builder(spec).prepare() }
        #expect(s.recorder.paths(of: .mount).starts(with: ["host:/", "/", "/proc", "/dev/shm"]))
        #expect(s.recorder.paths(of: .open).contains("/dev/shm"))
        s.expectNoDescriptorLeft()
    }

    @Test("the whole default config under the recorder: mounts in order, nothing mounted on the host")
    func defaultConfig() throws {
        let s = try Scratch()
        let before = try Files.readText("/proc/self/mountinfo")
        var spec = Spec.defaultSpec(rootless: false)
        spec.root = Root(path: "rootfs")
        let hierarchies = [MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup", fsType: "cgroup2", superOptions: "rw")]
        try s.recorder.run { try s.builder(spec, hierarchies: hierarchies).prepare() }
        #expect(s.recorder.paths(of: .mount).prefix(9) == ["host:/", "/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"])
        #expect(s.recorder.calls.allSatisfy { !$0.syscall.changesProcessOrHost || !$0.made })
        #expect(try Files.readText("/proc/self/mountinfo") == before)
        s.expectNoDescriptorLeft()
    }
}

/// /dev: the default nodes, the config's devices, and the standard links.
@Suite("device failures")
struct DeviceFailureTests {
    @Test("mknod refused")
    func mknodRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mknod, path: "/dev/null", errno: EPERM)
        let error = s.failure { try s.builder(s.spec()).prepare() }
        #expect("\(error!)" == "creating /dev/null: mknod /dev/null: Operation not permitted")
        s.expectNoDescriptorLeft()
    }

    @Test("in a user namespace devices are bound from the host, never made")
    func userNamespaceBinds() throws {
        let s = try Scratch()
        try s.recorder.run { try s.builder(s.spec(), userNamespace: true).prepare() }
        #expect(s.recorder.paths(of: .mknod).isEmpty)
        #expect(s.recorder.paths(of: .mount).contains("/dev/null"))
        #expect(Files.exists(s.rootfs + "/dev/null"))
        s.expectNoDescriptorLeft()
    }

    @Test("an unknown device type names the field")
    func unknownType() throws {
        let s = try Scratch()
        let error = s.failure { try s.builder(s.spec(devices: [LinuxDevice(path: "/dev/x", type: "q")])).prepare() }
        #expect("\(error!)" == "linux.devices[0].type: unknown device type \"q\"")
        s.expectNoDescriptorLeft()
    }

    @Test("a device whose owner cannot be set")
    func chownRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.chown, path: "/dev/fuse", errno: EPERM)
        let fuse = LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1000)
        let error = s.failure { try s.builder(s.spec(devices: [fuse])).prepare() }
        #expect("\(error!)" == "creating device /dev/fuse: chown /dev/fuse: Operation not permitted")
        #expect(s.recorder.paths(of: .chmod).contains("/dev/fuse"))
        s.expectNoDescriptorLeft()
    }

    @Test("a /dev link refused")
    func symlinkRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.symlink, path: "/dev/fd", errno: EACCES)
        let error = s.failure { try s.builder(s.spec()).prepare() }
        #expect("\(error!)" == "linking /dev/fd: symlink /dev/fd: Permission denied")
        s.expectNoDescriptorLeft()
    }

    @Test("an existing /dev link is kept (EEXIST is no failure)")
    func existingLink() throws {
        let s = try Scratch()
        s.recorder.fail(.symlink, path: "/dev/stdin", errno: EEXIST)
        try s.recorder.run { try s.builder(s.spec()).prepare() }
        #expect(s.recorder.paths(of: .symlink).contains("/dev/stderr"))
        s.expectNoDescriptorLeft()
    }
}

/// The `cgroup` mount, with the host's hierarchies given as main reads them.
@Suite("cgroup mount failures")
struct CgroupMountFailureTests {
    func spec(_ s: Scratch, ownNamespace: Bool) -> Spec {
        var spec = s.spec(mounts: [Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"])])
        if ownNamespace { spec.linux?.namespaces?.append(LinuxNamespace(type: "cgroup")) }
        return spec
    }

    @Test("cgroup2 refused in the container's own cgroup namespace: its cgroup is bound instead")
    func cgroup2FallsBack() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys/fs/cgroup", errno: EPERM)
        let unified = [MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup", fsType: "cgroup2", superOptions: "rw")]
        try s.recorder.run { try s.builder(spec(s, ownNamespace: true), hierarchies: unified).prepare() }
        #expect(s.recorder.calls.filter { $0.syscall == .mount && $0.path == "/sys/fs/cgroup" }.map(\.failedWith) == [EPERM, nil])
        s.expectNoDescriptorLeft()
    }

    @Test("cgroup2 refused for another reason is an error")
    func cgroup2Refused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys/fs/cgroup", errno: EBUSY)
        let unified = [MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup", fsType: "cgroup2", superOptions: "rw")]
        let error = s.failure { try s.builder(spec(s, ownNamespace: true), hierarchies: unified).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/sys/fs/cgroup): mount cgroup2 cgroup on "))
        #expect(Scratch.sysError(error)?.errno == EBUSY)
        s.expectNoDescriptorLeft()
    }

    @Test("v1: the tmpfs holding the hierarchies refused")
    func v1TmpfsRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys/fs/cgroup", errno: ENOMEM)
        let v1 = [MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup/memory", fsType: "cgroup", superOptions: "rw,memory"),
                  MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup/unified", fsType: "cgroup2", superOptions: "rw")]
        let error = s.failure { try s.builder(spec(s, ownNamespace: false), hierarchies: v1).prepare() }
        #expect("\(error!)".hasPrefix("mounts[0] (/sys/fs/cgroup): mount tmpfs tmpfs on "))
        #expect(Scratch.sysError(error)?.errno == ENOMEM)
        #expect(!Files.exists(s.rootfs + "/sys/fs/cgroup/memory"))
        s.expectNoDescriptorLeft()
    }

    @Test("v1: one hierarchy's bind refused, after the tmpfs and the hierarchy before it")
    func v1HierarchyRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/sys/fs/cgroup/unified", errno: EACCES)
        let v1 = [MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup/memory", fsType: "cgroup", superOptions: "rw,memory"),
                  MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup/unified", fsType: "cgroup2", superOptions: "rw")]
        let error = s.failure { try s.builder(spec(s, ownNamespace: false), hierarchies: v1).prepare() }
        #expect(Scratch.sysError(error)?.errno == EACCES)
        let mounts = s.recorder.paths(of: .mount)
        #expect(mounts.suffix(4) == ["/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"], "\(mounts)")
        s.expectNoDescriptorLeft()
    }
}
