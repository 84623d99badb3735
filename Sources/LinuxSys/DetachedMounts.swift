#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The new mount API's detached mounts: open_tree(2), mount_setattr(2) with a user
/// namespace (idmapped mounts, Linux 5.12+) and move_mount(2).
extension Mounts {
    static let openTreeClone: UInt32 = 1 // OPEN_TREE_CLONE
    static let atRecursive: UInt32 = 0x8000 // AT_RECURSIVE
    static let atEmptyPath: UInt32 = 0x1000 // AT_EMPTY_PATH
    static let moveMountFromEmptyPath: UInt32 = 0x4 // MOVE_MOUNT_F_EMPTY_PATH
    static let moveMountToEmptyPath: UInt32 = 0x40 // MOVE_MOUNT_T_EMPTY_PATH
    static let attributeIDMap: UInt64 = 0x0010_0000 // MOUNT_ATTR_IDMAP

    /// open_tree(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC): a detached copy of the mount at
    /// `path` (of its whole subtree when `recursive`, as `rbind`), not yet attached anywhere.
    public static func cloneTree(_ path: String, recursive: Bool) throws(SysError) -> Int32 {
        let flags = openTreeClone | UInt32(O_CLOEXEC) | (recursive ? atRecursive : 0)
        return try check(Seam.call(.openTree, path: path) { hako_open_tree(AT_FDCWD, path, flags) }, "open_tree", path: path)
    }

    /// `cloneTree` of a path as the mount namespace of `pid` sees it: open_tree(2) clones
    /// only mounts of the caller's own namespace, so the caller enters that one for the
    /// clone and returns to its own, working directory included. The caller must be
    /// single-threaded (setns(2) of a mount namespace) and privileged over that namespace.
    public static func cloneTree(_ path: String, recursive: Bool, inMountNamespaceOf pid: pid_t) throws(SysError) -> Int32 {
        let home = try Files.open("/proc/self/ns/mnt", O_RDONLY)
        defer { Files.close(home) }
        let workingDirectory = try Files.open(".", Files.pathOnly | O_DIRECTORY)
        defer { Files.close(workingDirectory) }
        try Namespaces.join(path: "/proc/\(pid)/ns/mnt", type: Namespaces.newMount)
        var tree: Int32 = -1
        var failure: SysError?
        do { tree = try cloneTree(path, recursive: recursive) } catch { failure = error }
        // Back, whatever the clone did: nothing after this may run in the other namespace.
        do {
            try Namespaces.join(fd: home, type: Namespaces.newMount, path: "/proc/self/ns/mnt (returning)")
            try Files.changeDirectory(to: workingDirectory, path: ". (returning)")
        } catch {
            if tree >= 0 { Files.close(tree) }
            throw error
        }
        if let failure { throw failure }
        return tree
    }

    /// mount_setattr(MOUNT_ATTR_IDMAP) on a detached tree: its files' owners are seen
    /// through the mappings of the user namespace `userNamespace` (an open /proc/PID/ns/user).
    /// Only the top mount is idmapped unless `recursive`.
    public static func idmapTree(_ tree: Int32, userNamespace: Int32, recursive: Bool, path: String) throws(SysError) {
        let flags = atEmptyPath | (recursive ? atRecursive : 0)
        try check(Seam.call(.mountSetattr, descriptor: tree) { hako_mount_setattr_userns(tree, "", flags, attributeIDMap, 0, 0, UInt64(userNamespace)) },
                  "mount_setattr(MOUNT_ATTR_IDMAP)", path: path)
    }

    /// move_mount(2) of a detached tree onto what `target` (an O_PATH descriptor) names.
    /// Both ends are descriptors (the EMPTY_PATH flags): no path is looked up again, and
    /// no /proc/self/fd magic link needs following (move_mount does not follow a final
    /// symlink without MOVE_MOUNT_T_SYMLINKS).
    public static func attachTree(_ tree: Int32, onto target: Int32, name: String) throws(SysError) {
        try check(Seam.call(.moveMount, descriptor: target) { hako_move_mount(tree, "", target, "", moveMountFromEmptyPath | moveMountToEmptyPath) }, "move_mount", path: name)
    }
}
