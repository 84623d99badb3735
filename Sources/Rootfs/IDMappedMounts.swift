#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Idmapped bind mounts (runtime-spec config.md: mounts[].uidMappings/gidMappings and the
/// "idmap"/"ridmap" options), made as runc 1.2 makes them.
///
/// The kernel semantics, which runc follows: a file whose owner on disk is `containerID + n`
/// appears owned by `hostID + n` through the mount, as seen from the initial user namespace;
/// a container in a user namespace then sees that id through its own mappings. So with the
/// container's own mappings (0 -> 100000), files owned by 0 on disk look owned by root inside.
///
/// Who does what: an idmapped mount needs CAP_SYS_ADMIN in the user namespace of the
/// filesystem (the host's), which init lacks once it is in the container's user namespace,
/// and the mappings' host ids only mean something from the host's user namespace. So init
/// asks main (`mountTree(index)`); main, in the host's namespaces, clones the source with
/// open_tree(2), idmaps the clone with mount_setattr(2) and sends the detached tree back over
/// the channel; init attaches it with move_mount(2) inside the container's mount namespace.
/// Every bind mount of a container with a new user namespace takes the same road (a plain
/// clone), as runc opens bind sources before entering the namespace: the container's root
/// may not reach a source under a host directory of mode 0700.
public struct IDMapRequest: Equatable {
    enum Mappings: Equatable {
        /// Mappings to give a new user namespace made only for this mount.
        case ids(uid: [LinuxIDMapping], gid: [LinuxIDMapping])
        /// The container joins this user namespace: its mappings are used as they are.
        case namespace(path: String)
    }

    let mappings: Mappings
    /// "ridmap": submounts are idmapped too.
    let recursive: Bool
    /// "rbind" (or "ridmap"): submounts are part of the clone.
    let cloneRecursive: Bool

    /// What mounts[index] asks for; nil when it is not idmapped. Throws, naming the field,
    /// for a request that cannot be carried out. A mount with mappings but neither option
    /// is idmapped (not recursively), as runc does.
    public static func resolve(_ mount: Mount, index: Int, spec: Spec) throws -> IDMapRequest? {
        let options = try MountOptions(parsing: mount.options ?? [])
        let hasMappings = mount.uidMappings != nil || mount.gidMappings != nil
        guard options.idmap != nil || hasMappings else { return nil }
        let field = "mounts[\(index)]"
        let isBind = mount.type == "bind" || options.isBind
        guard isBind else {
            if let option = options.idmap {
                throw RootfsError("\(field).options: \(option.rawValue) needs a bind mount")
            }
            throw RootfsError("\(field).uidMappings: an idmapped mount needs a bind mount")
        }
        let recursive = options.idmap?.isRecursive ?? false
        let cloneRecursive = recursive || options.flags & MountFlag.recursive != 0
        if hasMappings {
            let uid = mount.uidMappings ?? [], gid = mount.gidMappings ?? []
            if uid.isEmpty { throw RootfsError("\(field).uidMappings: an idmapped mount needs both uid and gid mappings") }
            if gid.isEmpty { throw RootfsError("\(field).gidMappings: an idmapped mount needs both uid and gid mappings") }
            return IDMapRequest(mappings: .ids(uid: uid, gid: gid), recursive: recursive, cloneRecursive: cloneRecursive)
        }
        // No mappings on the mount: those of the container's user namespace.
        if let user = spec.linux?.namespaces?.first(where: { $0.kind == .user }) {
            if let path = user.path, !path.isEmpty {
                return IDMapRequest(mappings: .namespace(path: path), recursive: recursive, cloneRecursive: cloneRecursive)
            }
            let uid = spec.linux?.uidMappings ?? [], gid = spec.linux?.gidMappings ?? []
            if !uid.isEmpty && !gid.isEmpty {
                return IDMapRequest(mappings: .ids(uid: uid, gid: gid), recursive: recursive, cloneRecursive: cloneRecursive)
            }
        }
        throw RootfsError("\(field).uidMappings: \(options.idmap?.rawValue ?? "idmap") needs the mount's uidMappings and gidMappings, or a user namespace with mappings")
    }
}

public enum IDMappedMounts {
    /// main, before forking: every idmapped mount of the config can be carried out.
    public static func check(_ spec: Spec) throws {
        for (index, mount) in (spec.mounts ?? []).enumerated() {
            _ = try IDMapRequest.resolve(mount, index: index, spec: spec)
        }
    }

    /// main, on init's request: the detached, idmapped clone of mounts[index]'s source.
    /// The caller closes it once sent.
    ///
    /// A source inside the rootfs is cloned in init's mount namespace, where the mounts
    /// made before this one are: a bind may take part of the tree the config's earlier
    /// mounts built, as with runc.
    public static func makeTree(forMount index: Int, spec: Spec, bundle: String, rootfs: String, initPid: pid_t) throws -> Int32 {
        let mounts = spec.mounts ?? []
        guard mounts.indices.contains(index) else { throw RootfsError("init asked for an idmapped mounts[\(index)], which does not exist") }
        let mount = mounts[index]
        return try step("mounts[\(index)] (\(mount.destination))") {
            let source = Paths.absolute(mount.source ?? "", base: bundle)
            let inRootfs = rootfs != "/" && (source == rootfs || source.hasPrefix(rootfs + "/"))
            let clone = { (recursive: Bool) throws -> Int32 in
                try cloneSource(source, recursive: recursive, inMountNamespaceOf: inRootfs ? initPid : nil)
            }
            guard let request = try IDMapRequest.resolve(mount, index: index, spec: spec) else {
                guard mount.isBind else { throw RootfsError("init asked for the tree of a mount that is no bind mount") }
                return try clone((mount.options ?? []).contains("rbind"))
            }
            let userNamespace: Int32
            switch request.mappings {
            case .namespace(let path):
                userNamespace = try step("opening the user namespace \(path)") { try Files.open(path, O_RDONLY) }
            case .ids(let uid, let gid):
                userNamespace = try step("making a user namespace with the mount's mappings") {
                    try UserNamespaceHelper.make(uidMappings: uid, gidMappings: gid)
                }
            }
            defer { Files.close(userNamespace) }
            let tree = try clone(request.cloneRecursive)
            do throws(SysError) {
                try Mounts.idmapTree(tree, userNamespace: userNamespace, recursive: request.recursive, path: source)
            } catch {
                Files.close(tree)
                if error.errno == EINVAL {
                    throw RootfsError("\(error) (does the filesystem of \(source) support idmapped mounts?)")
                }
                throw error
            }
            return tree
        }
    }

    /// A bind source's tree, cloned where it is looked up (main's mount namespace, or the
    /// one of `pid`); a missing source is said plainly.
    static func cloneSource(_ source: String, recursive: Bool, inMountNamespaceOf pid: pid_t?) throws -> Int32 {
        do {
            if let pid { return try Mounts.cloneTree(source, recursive: recursive, inMountNamespaceOf: pid) }
            return try Mounts.cloneTree(source, recursive: recursive)
        } catch {
            if error.errno == ENOENT { throw RootfsError("bind source \(source) does not exist") }
            throw error
        }
    }

    /// init: attaches the tree main sent onto the destination (an O_PATH descriptor).
    public static func attach(_ tree: Int32, onto target: Int32, destination: String) throws {
        try Mounts.attachTree(tree, onto: target, name: destination)
    }
}

/// A user namespace that exists only to carry mappings, for mount_setattr(MOUNT_ATTR_IDMAP):
/// a child unshares CLONE_NEWUSER and waits, the caller writes its uid_map and gid_map (as
/// root of the parent namespace, so host ids may be mapped and setgroups need not be
/// denied), opens /proc/PID/ns/user and kills it. The open descriptor keeps the namespace.
enum UserNamespaceHelper {
    /// Returns an open /proc/PID/ns/user. The caller must be single-threaded: this forks.
    static func make(uidMappings: [LinuxIDMapping], gidMappings: [LinuxIDMapping]) throws -> Int32 {
        let (readEnd, writeEnd) = try Files.pipe()
        let pid: pid_t
        do {
            pid = try Processes.fork()
        } catch {
            Files.close(readEnd)
            Files.close(writeEnd)
            throw error
        }
        if pid == 0 {
            Files.close(readEnd)
            // hako is single-threaded here, so the child may allocate: it reports unshare's
            // errno, then waits to be killed.
            _ = try? Processes.prctl(Prctl.setDeathSignal, UInt(SIGKILL), step: "prctl(PR_SET_PDEATHSIG)")
            var result: Int32 = 0
            do { try Namespaces.unshare(Namespaces.newUser) } catch { result = error.errno }
            _ = write(writeEnd, &result, MemoryLayout<Int32>.size)
            while true { pause() }
        }
        Files.close(writeEnd)
        defer {
            Files.close(readEnd)
            try? Processes.signal(pid, SIGKILL)
            _ = try? Processes.wait(pid)
        }
        var result: Int32 = 0
        let n = try retrying("read", path: "the user namespace helper's pipe") { Int32(read(readEnd, &result, MemoryLayout<Int32>.size)) }
        guard n == Int32(MemoryLayout<Int32>.size) else { throw RootfsError("the user namespace helper (pid \(pid)) exited early") }
        if result != 0 { throw SysError("unshare(CLONE_NEWUSER)", errno: result) }
        func text(_ mappings: [LinuxIDMapping]) -> String {
            mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        }
        try Files.write("/proc/\(pid)/uid_map", text(uidMappings), flags: O_WRONLY)
        try Files.write("/proc/\(pid)/gid_map", text(gidMappings), flags: O_WRONLY)
        return try Files.open("/proc/\(pid)/ns/user", O_RDONLY)
    }
}

extension Mount {
    /// Whether this config mount is a bind mount (type "bind", or a "bind"/"rbind" option).
    public var isBind: Bool {
        type == "bind" || (options ?? []).contains { $0 == "bind" || $0 == "rbind" }
    }
}
