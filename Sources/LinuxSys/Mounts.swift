#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// mount(2), umount2(2), pivot_root(2) and mount_setattr(2).
public enum Mounts {
    public static func mount(source: String?, target: String, type: String?, flags: UInt, data: String? = nil) throws(SysError) {
        let result: Int32
        if let data {
            result = data.withCString { d in Glibc.mount(source, target, type, flags, d) }
        } else {
            result = Glibc.mount(source, target, type, flags, nil)
        }
        if result != 0 {
            let err = errno
            let what = type.map { "mount \($0)" } ?? "mount"
            throw SysError(what + (source.map { " \($0) on" } ?? " on"), path: target, errno: err)
        }
    }

    public static func unmount(_ target: String, flags: Int32 = 0) throws(SysError) {
        try check(umount2(target, flags), "umount", path: target)
    }

    public static func pivotRoot(newRoot: String, putOld: String) throws(SysError) {
        try check(hako_pivot_root(newRoot, putOld), "pivot_root", path: newRoot)
    }

    /// Sets or clears mount attributes (MOUNT_ATTR_*) on a mount, recursively when asked.
    public static func setAttributes(_ path: String, set: UInt64, clear: UInt64, propagation: UInt64 = 0, recursive: Bool) throws(SysError) {
        let AT_RECURSIVE: UInt32 = 0x8000
        let flags: UInt32 = recursive ? AT_RECURSIVE : 0
        try check(hako_mount_setattr(AT_FDCWD, path, flags, set, clear, propagation), "mount_setattr", path: path)
    }

    /// The mount flags (ST_* as MS_*) currently set on the filesystem at a path.
    public static func flags(of path: String) throws(SysError) -> UInt {
        var st = statvfs()
        try check(statvfs(path, &st), "statvfs", path: path)
        return UInt(st.f_flag)
    }
}
