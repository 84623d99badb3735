#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// mount(2), umount2(2), pivot_root(2) and mount_setattr(2).
public enum Mounts {
    public static func mount(source: String?, target: String, type: String?, flags: UInt, data: String? = nil) throws(SysError) {
        let result = Seam.call(.mount, path: target) {
            if let data {
                return data.withCString { d in Glibc.mount(source, target, type, flags, d) }
            }
            return Glibc.mount(source, target, type, flags, nil)
        }
        if result != 0 {
            let err = errno
            let what = type.map { "mount \($0)" } ?? "mount"
            throw SysError(what + (source.map { " \($0) on" } ?? " on"), path: target, errno: err)
        }
    }

    public static func unmount(_ target: String, flags: Int32 = 0) throws(SysError) {
        try check(Seam.call(.umount, path: target) { umount2(target, flags) }, "umount", path: target)
    }

    public static func pivotRoot(newRoot: String, putOld: String) throws(SysError) {
        try check(Seam.call(.pivotRoot, path: newRoot) { hako_pivot_root(newRoot, putOld) }, "pivot_root", path: newRoot)
    }

    /// Sets or clears mount attributes (MOUNT_ATTR_*) on a mount, recursively when asked.
    public static func setAttributes(_ path: String, set: UInt64, clear: UInt64, propagation: UInt64 = 0, recursive: Bool) throws(SysError) {
        let AT_RECURSIVE: UInt32 = 0x8000
        let flags: UInt32 = recursive ? AT_RECURSIVE : 0
        try check(Seam.call(.mountSetattr, path: path) { hako_mount_setattr(AT_FDCWD, path, flags, set, clear, propagation) }, "mount_setattr", path: path)
    }

    /// The mount flags (ST_* as MS_*) currently set on the filesystem at a path.
    public static func flags(of path: String) throws(SysError) -> UInt {
        var st = statvfs()
        try check(statvfs(path, &st), "statvfs", path: path)
        return UInt(st.f_flag)
    }
}

/// The mount(2) flags, from <sys/mount.h>.
public enum MountFlag {
    public static let readOnly: UInt = 1
    public static let noSuid: UInt = 2
    public static let noDev: UInt = 4
    public static let noExec: UInt = 8
    public static let synchronous: UInt = 16
    public static let remount: UInt = 32
    public static let mandatoryLock: UInt = 64
    public static let dirSync: UInt = 128
    public static let noSymFollow: UInt = 256
    public static let noAtime: UInt = 1024
    public static let noDirAtime: UInt = 2048
    public static let bind: UInt = 4096
    public static let move: UInt = 8192
    public static let recursive: UInt = 16384
    public static let silent: UInt = 32768
    public static let unbindable: UInt = 1 << 17
    public static let `private`: UInt = 1 << 18
    public static let slave: UInt = 1 << 19
    public static let shared: UInt = 1 << 20
    public static let relatime: UInt = 1 << 21
    public static let iVersion: UInt = 1 << 23
    public static let strictAtime: UInt = 1 << 24
    public static let lazyTime: UInt = 1 << 25

    /// The flags a bind remount may change; the rest come from the filesystem as it is.
    public static let atimeMask: UInt = noAtime | noDirAtime | relatime | strictAtime
}

/// The MOUNT_ATTR_* values of mount_setattr(2), for the recursive ("r"-prefixed) options.
public enum MountAttribute {
    public static let readOnly: UInt64 = 0x1
    public static let noSuid: UInt64 = 0x2
    public static let noDev: UInt64 = 0x4
    public static let noExec: UInt64 = 0x8
    public static let atimeMask: UInt64 = 0x70
    public static let relatime: UInt64 = 0x0
    public static let noAtime: UInt64 = 0x10
    public static let strictAtime: UInt64 = 0x20
    public static let noDirAtime: UInt64 = 0x80
    public static let noSymFollow: UInt64 = 0x0020_0000
}
