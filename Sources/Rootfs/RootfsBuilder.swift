#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Builds the container's filesystem view inside its new mount namespace: mount
/// propagation, the rootfs bind, the config's mounts, /dev, and the switch of root.
/// init runs it; every system call it makes goes through LinuxSys (and its `Seam`).
public struct RootfsBuilder {
    public let spec: Spec
    public let rootfs: String
    public let bundle: String
    /// Whether the process is in a user namespace, the container's new one or the one hako
    /// runs in (mknod and some mounts are refused there, mount flags are locked).
    public let inUserNamespace: Bool
    /// The host's cgroup filesystems (`CgroupMount.hostHierarchies`), which main reads
    /// before it forks; only a `cgroup` mount needs them.
    public let cgroupHierarchies: [MountInfo.Entry]
    /// Asks main for the detached tree of mounts[N]'s bind source (IDMappedMounts.swift).
    public var mountTree: ((Int) throws -> Int32)?
    /// Whether bind sources come from main as detached trees: in a new user namespace,
    /// when main is root of the host (a rootless main could not clone them, and its
    /// sources are its own anyway).
    public var bindsThroughMain = false

    public init(spec: Spec, rootfs: String, bundle: String, inUserNamespace: Bool, cgroupHierarchies: [MountInfo.Entry]) {
        self.spec = spec
        self.rootfs = rootfs
        self.bundle = bundle
        self.inUserNamespace = inUserNamespace
        self.cgroupHierarchies = cgroupHierarchies
    }

    // MARK: before the switch of root

    /// Everything up to (not including) pivot_root.
    public func prepare() throws {
        var propagation = try rootPropagation()
        // Nothing can be bound from under an unbindable mount, the rootfs onto itself
        // included: private for now, and `finalize` makes the new / unbindable as asked.
        if propagation & MountFlag.unbindable != 0 {
            propagation = MountFlag.private | MountFlag.recursive
        }
        try step("making / \(propagationName(propagation))") {
            try Mounts.mount(source: nil, target: "/", type: nil, flags: propagation)
        }
        if propagation & (MountFlag.shared) != 0 {
            try makeParentMountPrivate()
        }
        try step("binding the rootfs \(rootfs)") {
            try Mounts.mount(source: rootfs, target: rootfs, type: "bind", flags: MountFlag.bind | MountFlag.recursive)
        }
        let root = try SecureRoot(path: rootfs)
        defer { root.close() }
        var readOnlyLater: [String] = []
        for (index, mount) in (spec.mounts ?? []).enumerated() {
            let delay = Self.delaysReadOnly(mount)
            try step("mounts[\(index)] (\(mount.destination))") { try self.mount(mount, index: index, in: root, readOnlyLater: delay) }
            if delay { readOnlyLater.append(Paths.clean(mount.destination)) }
        }
        if needsDevSetup {
            try DeviceBuilder(root: root, inUserNamespace: inUserNamespace).createDefaults()
        }
        try DeviceBuilder(root: root, inUserNamespace: inUserNamespace).create(spec.linux?.devices ?? [])
        // runc creates a missing process.cwd; do it now, while the rootfs may still be written.
        if let cwd = spec.process?.cwd, !cwd.isEmpty {
            try step("creating process.cwd \(cwd)") { Files.close(try root.ensure(cwd, as: .directory)) }
        }
        // The terminal is bound on /dev/console after pivot_root; its mount point is made
        // now, while /dev may still be written.
        if spec.process?.terminal == true && needsDevSetup {
            try step("creating /dev/console") { Files.close(try root.ensure("/dev/console", as: .file)) }
        }
        // Innermost first, so each is still writable while what lies on it is done.
        for destination in readOnlyLater.reversed() {
            try step("making \(destination) read-only") {
                let mounted = try root.open(destination)
                defer { Files.close(mounted) }
                try remountBind(procFD(mounted), flags: MountFlag.readOnly, cleared: 0)
            }
        }
    }

    /// A read-only tmpfs, or a read-only /dev, is mounted writable and made read-only once
    /// the mounts inside it and the /dev nodes are made (runc's rule: a "ro" tmpfs on /dev
    /// would otherwise refuse /dev/pts and every device node).
    static func delaysReadOnly(_ mount: Mount) -> Bool {
        let options = mount.options ?? []
        guard options.contains("ro"), !mount.isBind else { return false }
        return mount.type == "tmpfs" || Paths.clean(mount.destination) == "/dev"
    }

    /// runc's rule: hako populates /dev unless the config bind-mounts it from somewhere.
    var needsDevSetup: Bool {
        for mount in spec.mounts ?? [] where Paths.clean(mount.destination) == "/dev" && mount.isBind {
            return false
        }
        return true
    }

    func rootPropagation() throws -> UInt {
        guard let name = spec.linux?.rootfsPropagation, !name.isEmpty else {
            return MountFlag.slave | MountFlag.recursive
        }
        guard let flag = MountOptions.propagationOptions[name] else {
            throw RootfsError("linux.rootfsPropagation: unknown propagation \"\(name)\"")
        }
        return flag
    }

    func propagationName(_ flag: UInt) -> String {
        MountOptions.propagationOptions.first(where: { $0.value == flag })?.key ?? "rslave"
    }

    /// pivot_root(2) refuses a new root whose parent mount is shared; with a shared
    /// rootfsPropagation, make the mount holding the rootfs private first (as runc does).
    func makeParentMountPrivate() throws {
        let mountInfo = try Files.readText("/proc/self/mountinfo")
        var best = "/"
        for line in mountInfo.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = String(fields[4])
            if (rootfs == point || rootfs.hasPrefix(point == "/" ? "/" : point + "/")) && point.count > best.count {
                best = point
            }
        }
        try step("making \(best) private") {
            try Mounts.mount(source: nil, target: best, type: nil, flags: MountFlag.private)
        }
    }

    /// Mounts one entry of config.json's mounts list.
    /// - Parameter readOnlyLater: mount it writable; `prepare` makes it read-only at the end.
    func mount(_ mount: Mount, index: Int, in root: SecureRoot, readOnlyLater: Bool = false) throws {
        var options = try MountOptions(parsing: mount.options ?? [])
        if readOnlyLater { options.flags &= ~MountFlag.readOnly }
        var type = mount.type
        if type == "bind" { options.flags |= MountFlag.bind; type = nil }
        if type == "cgroup" || type == "cgroup2" {
            let ownNamespace = spec.linux?.namespaces?.contains { $0.type == "cgroup" } ?? false
            try CgroupMount(root: root, destination: mount.destination, options: options, ownNamespace: ownNamespace,
                            hierarchies: cgroupHierarchies).mount()
            return
        }
        let destination = containerPath(mount.destination)
        var source = mount.source ?? ""
        if options.isBind {
            source = Paths.absolute(source, base: bundle)
            let idmapped = try IDMapRequest.resolve(mount, index: index, spec: spec) != nil
            if bindsThroughMain || idmapped {
                guard let mountTree else { throw RootfsError("bind sources are cloned by main, which is not reachable here") }
                let tree = try mountTree(index)
                defer { Files.close(tree) }
                let st = try Files.status(of: tree, path: source)
                let target = try root.ensure(destination, as: (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file)
                defer { Files.close(target) }
                try IDMappedMounts.attach(tree, onto: target, destination: destination)
            } else {
                let kind: SecureRoot.Kind = Files.isDirectory(source) ? .directory : .file
                if !Files.exists(source) {
                    throw RootfsError("bind source \(source) does not exist")
                }
                let target = try root.ensure(destination, as: kind)
                defer { Files.close(target) }
                try Mounts.mount(source: source, target: procFD(target), type: nil, flags: MountFlag.bind | (options.flags & MountFlag.recursive))
            }
        } else {
            if try mountFilesystem(type: type, source: source, destination: destination, options: options, in: root) {
                options.flags |= MountFlag.bind
            }
        }
        try applyAfterMount(options, destination: destination, in: root)
    }

    /// A mount destination in the container: one that starts with the rootfs's own host
    /// path is taken as that path inside the rootfs, as runc takes it (its tests write
    /// such destinations, and configs made by old tools too).
    func containerPath(_ destination: String) -> String {
        let clean = Paths.clean(destination)
        guard rootfs != "/", clean == rootfs || clean.hasPrefix(rootfs + "/") else { return clean }
        return Paths.clean("/" + clean.dropFirst(rootfs.count))
    }

    /// Mounts a filesystem (not a bind). Returns true when it fell back to binding the
    /// host's, which happens for sysfs in a user namespace that does not own the network
    /// namespace.
    func mountFilesystem(type: String?, source: String, destination: String, options: MountOptions, in root: SecureRoot) throws -> Bool {
        // procfs and sysfs are where an attacker's symlink does most harm: refuse any.
        let strict = type == "proc" || type == "sysfs"
        // A tmpfs without mode= takes the mode of the directory it covers, suid, sgid and
        // sticky bits included, as runc gives it: passed as mode=, so that the mount says so.
        // On a directory made for it, it keeps tmpfs's own 1777.
        var dataString = options.dataString
        if type == "tmpfs" && !options.copyUp && !options.data.contains(where: { $0.hasPrefix("mode=") }),
           let existing = try? root.open(destination) {
            defer { Files.close(existing) }
            if let covered = try? Files.status(of: existing, path: destination) {
                let mode = "mode=" + String(covered.st_mode & 0o7777, radix: 8)
                dataString = dataString.map { $0 + "," + mode } ?? mode
            }
        }
        let target = try mountTarget(destination, in: root, strict: strict)
        defer { Files.close(target) }
        if strict { try refuseOvermount(target, destination: destination) }
        let flags = options.flags & ~MountFlag.remount
        let data = MountLabels.mountData(dataString, label: spec.linux?.mountLabel, type: type)
        if options.copyUp {
            guard type == "tmpfs" else { throw RootfsError("option tmpcopyup: only for tmpfs mounts, not \(type ?? "none")") }
            // Opened before the mount: afterwards it still reads the covered directory.
            let covered = try Files.open(".", at: target, flags: O_RDONLY | O_DIRECTORY, path: destination)
            defer { Files.close(covered) }
            try Mounts.mount(source: source.isEmpty ? type : source, target: procFD(target), type: type, flags: flags, data: data)
            let mountedPath = try root.open(destination)
            defer { Files.close(mountedPath) }
            let mounted = try Files.open(procFD(mountedPath), O_RDONLY | O_DIRECTORY)
            defer { Files.close(mounted) }
            try step("copying \(destination) into its tmpfs (tmpcopyup)") {
                try CopyUp.copyTree(from: covered, to: mounted, path: destination)
            }
            return false
        }
        var failure: SysError?
        do {
            try Mounts.mount(source: source.isEmpty ? type : source, target: procFD(target), type: type,
                             flags: flags, data: data)
        } catch {
            failure = error
        }
        guard let failure else {
            if type == "mqueue", let label = spec.linux?.mountLabel, !label.isEmpty {
                let mounted = try root.open(destination)
                defer { Files.close(mounted) }
                try MountLabels.labelMount(mounted, label: label, destination: destination)
            }
            return false
        }
        guard type == "sysfs" && failure.errno == EPERM && inUserNamespace else { throw failure }
        try Mounts.mount(source: "/sys", target: procFD(target), type: nil, flags: MountFlag.bind | MountFlag.recursive)
        return true
    }

    /// Bind remount flags, propagation and recursive attributes, on the mount just made.
    func applyAfterMount(_ options: MountOptions, destination: String, in root: SecureRoot) throws {
        let remountFlags = options.flags & ~(MountFlag.bind | MountFlag.recursive | MountFlag.remount)
        // Any flag asked, set or cleared ("dev"), remounts; a bare "bind" keeps the source's.
        let needsRemount = options.isBind && (remountFlags != 0 || options.clearedFlags != 0)
        if !needsRemount && options.propagation.isEmpty && options.recursiveSet == 0 && options.recursiveClear == 0 { return }
        // Reopen: the descriptor used to mount still names the covered directory.
        let mounted = try root.open(destination)
        defer { Files.close(mounted) }
        if needsRemount {
            try remountConfigBind(procFD(mounted), flags: remountFlags, cleared: options.clearedFlags)
        }
        for propagation in options.propagation {
            try Mounts.mount(source: nil, target: procFD(mounted), type: nil, flags: propagation)
        }
        if options.recursiveSet != 0 || options.recursiveClear != 0 {
            try Mounts.setAttributes(procFD(mounted), set: options.recursiveSet, clear: options.recursiveClear, recursive: true)
        }
    }

    // MARK: switching root

    public func pivot(noPivot: Bool) throws {
        try step("entering the rootfs") { try Files.changeDirectory(rootfs) }
        if noPivot {
            try hideFullProcAndSysfs()
            try step("moving the rootfs to /") {
                try Mounts.mount(source: rootfs, target: "/", type: nil, flags: MountFlag.move)
            }
            try step("changing root to \(rootfs)") { try Files.changeRoot(".") }
        } else {
            // pivot_root(".", ".") stacks the old root on the new one; detach it at once.
            // The working directory stays on the new root, so the old root is entered by a
            // descriptor opened before: made rslave (its unmount must not reach the host),
            // the rslave lands on it alone, and the propagation the config's mounts asked
            // for (rshared binds) stays theirs.
            let oldRoot = try step("opening the old root") { try Files.open("/", O_RDONLY | O_DIRECTORY) }
            defer { Files.close(oldRoot) }
            try step("pivot_root") { try Mounts.pivotRoot(newRoot: ".", putOld: ".") }
            try step("hiding the old root") {
                try Files.changeDirectory(to: oldRoot, path: "the old root")
                try Mounts.mount(source: nil, target: ".", type: nil, flags: MountFlag.slave | MountFlag.recursive)
                try Mounts.unmount(".", flags: Int32(MNT_DETACH))
            }
        }
        try step("entering the new root") { try Files.changeDirectory("/") }
    }

    /// --no-pivot keeps the host's mounts in the container's mount namespace, under the
    /// chroot. The kernel lets a process mount a new procfs or sysfs only where one is
    /// already fully visible in its mount namespace (mount_too_revealing), so a whole host
    /// /proc left there would let the container mount a fresh proc without the masks (with
    /// a user namespace of its own, unshare -mrpf). Every such mount outside the rootfs is
    /// detached first, or covered by an empty tmpfs where it cannot be (runc does the same).
    func hideFullProcAndSysfs() throws {
        let mounts = MountInfo.parse(try step("reading the mount table") { try Files.readText("/proc/self/mountinfo") })
        // Deepest first: a mount listed after another may sit on top of it.
        for entry in mounts.reversed() where entry.root == "/" && (entry.fsType == "proc" || entry.fsType == "sysfs") {
            let point = entry.mountPoint
            if point == rootfs || point.hasPrefix(rootfs + "/") { continue }
            try step("hiding the host's \(entry.fsType) at \(point) (--no-pivot)") {
                do throws(SysError) {
                    try Mounts.unmount(point, flags: Int32(MNT_DETACH))
                } catch where error.errno == EINVAL || error.errno == EPERM {
                    try Mounts.mount(source: "tmpfs", target: point, type: "tmpfs", flags: 0)
                } catch where error.errno == ENOENT {
                    // Gone with a parent detached before it.
                } catch {
                    throw error
                }
            }
        }
    }

    // MARK: after the switch of root

    /// readonlyPaths, maskedPaths and root.readonly, in the container's view: `root` is
    /// "/" once the root is switched (a test gives the rootfs it made).
    public func finalize(root rootPath: String = "/") throws {
        let root = try step("opening the root \(rootPath)") { try SecureRoot(path: rootPath) }
        defer { root.close() }
        for path in spec.linux?.readonlyPaths ?? [] {
            try step("making \(path) read-only") {
                guard let fd = try openExisting(path, in: root) else { return }
                defer { Files.close(fd) }
                try Mounts.mount(source: procFD(fd), target: procFD(fd), type: nil, flags: MountFlag.bind | MountFlag.recursive)
                let mounted = try root.open(path)
                defer { Files.close(mounted) }
                try remountBind(procFD(mounted), flags: MountFlag.readOnly | MountFlag.recursive, cleared: 0)
            }
        }
        // Masked directories share one empty read-only tmpfs, as with runc: the first gets
        // it, the others a bind of it (one superblock, however long the list).
        var sharedTmpfs: Int32 = -1
        defer { if sharedTmpfs >= 0 { Files.close(sharedTmpfs) } }
        for path in spec.linux?.maskedPaths ?? [] {
            try step("masking \(path)") {
                guard let fd = try openExisting(path, in: root) else { return }
                defer { Files.close(fd) }
                if !Files.isDirectory(procFD(fd)) {
                    try Mounts.mount(source: "/dev/null", target: procFD(fd), type: nil, flags: MountFlag.bind)
                } else if sharedTmpfs >= 0 {
                    try Mounts.mount(source: procFD(sharedTmpfs), target: procFD(fd), type: nil, flags: MountFlag.bind)
                } else {
                    try Mounts.mount(source: "tmpfs", target: procFD(fd), type: "tmpfs", flags: MountFlag.readOnly)
                    sharedTmpfs = try root.open(path)
                }
            }
        }
        if spec.root?.readonly == true {
            try step("making the rootfs read-only") {
                try remountBind(rootPath, flags: MountFlag.readOnly, cleared: 0)
            }
        }
        // Last: an unbindable / would refuse the read-only paths' binds above.
        if let name = spec.linux?.rootfsPropagation, !name.isEmpty, let flag = MountOptions.propagationOptions[name] {
            try step("setting / \(name)") { try Mounts.mount(source: nil, target: rootPath, type: nil, flags: flag) }
        }
    }

    /// Without a mount namespace of the container's own: chroot(2) into the rootfs, the
    /// only way to make it the process's root without mounting in the host's namespace.
    public static func jail(in rootfs: String) throws {
        try step("entering the rootfs \(rootfs) (no mount namespace: chroot)") {
            try Files.changeRoot(rootfs)
            try Files.changeDirectory("/")
        }
    }

    /// A masked or read-only path, or nil when the rootfs has no such path, which is no
    /// error (runc's rule: the default lists name files not every kernel has). Any other
    /// failure is one: a mask must never go missing without a word.
    func openExisting(_ path: String, in root: SecureRoot) throws -> Int32? {
        do {
            return try root.open(path)
        } catch where error.errno == ENOENT {
            return nil
        }
    }

    /// Remounts a bind mount with new flags, keeping the flags the kernel locks in a user
    /// namespace (nosuid, nodev, noexec, atime) unless they were explicitly cleared.
    func remountBind(_ target: String, flags: UInt, cleared: UInt) throws {
        let current = try Mounts.flags(of: target)
        // statvfs's ST_* bits equal MS_* for these four.
        let locked = current & (MountFlag.noSuid | MountFlag.noDev | MountFlag.noExec | MountFlag.noAtime | MountFlag.noDirAtime) & ~cleared
        try Mounts.mount(source: nil, target: target, type: nil, flags: MountFlag.bind | MountFlag.remount | flags | locked)
    }

    /// Remounts a config's bind mount with the flags its options ask for, as runc 1.2 does
    /// (and mount(8) nearly): what is not asked is cleared (rw, suid, dev, exec), except
    /// that the source's atime setting stays unless one is asked, and, in a user namespace,
    /// the flags the kernel locks there (ro, nosuid, nodev, noexec) stay; clearing one
    /// explicitly there fails, as the kernel refuses it.
    func remountConfigBind(_ target: String, flags: UInt, cleared: UInt) throws {
        let current = try Mounts.flags(of: target)
        let atime = MountFlag.atimeMask
        var kept = flags & atime == 0 && cleared & atime == 0 ? current & (MountFlag.noAtime | MountFlag.noDirAtime) : 0
        // `inUserNamespace` covers the container's own user namespace and the one hako runs
        // in (rootless podman's): the kernel locks these flags on every mount it copied in.
        if inUserNamespace {
            let lockable = MountFlag.readOnly | MountFlag.noSuid | MountFlag.noDev | MountFlag.noExec
            // A tree main cloned carries no lock, so the kernel would let this pass: refuse
            // it as it refuses a mount copied into the namespace.
            if current & lockable & cleared != 0 {
                throw RootfsError("clearing a flag the source's mount sets, which a user namespace may not",
                                  SysError("mount", path: target, errno: EPERM))
            }
            kept |= current & lockable
        }
        try Mounts.mount(source: nil, target: target, type: nil, flags: MountFlag.bind | MountFlag.remount | flags | kept)
    }

    /// The destination of a mount, made if missing. procfs and sysfs (`strict`) must land
    /// on a directory reached without a symlink, which could point the mount anywhere.
    func mountTarget(_ destination: String, in root: SecureRoot, strict: Bool) throws -> Int32 {
        do {
            return try root.ensure(destination, as: .directory, noSymlinks: strict)
        } catch {
            guard strict && error.errno == ELOOP else { throw error }
            throw RootfsError("\(destination) must be mounted on ordinary directory, not through a symlink")
        }
    }

    /// A mount of procfs or sysfs must land on a plain directory of the rootfs.
    func refuseOvermount(_ fd: Int32, destination: String) throws {
        let st = try Files.status(of: fd, path: destination)
        if (st.st_mode & S_IFMT) != S_IFDIR {
            throw RootfsError("\(destination) must be mounted on ordinary directory, not on a file")
        }
    }
}
