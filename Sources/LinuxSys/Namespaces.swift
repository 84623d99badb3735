#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// unshare(2) and setns(2).
public enum Namespaces {
    public static let newTime: Int32 = 0x0000_0080 // CLONE_NEWTIME, missing from older headers
    public static let newUser: Int32 = 0x1000_0000 // CLONE_NEWUSER
    public static let newMount: Int32 = 0x0002_0000 // CLONE_NEWNS

    public static func unshare(_ flags: Int32, step: String = "unshare") throws(SysError) {
        try check(Seam.call(.unshare) { hako_unshare(flags) }, step)
    }

    /// Joins the namespace behind a path such as /proc/PID/ns/net.
    public static func join(path: String, type: Int32) throws(SysError) {
        let fd = try Files.open(path, O_RDONLY)
        defer { Files.close(fd) }
        try join(fd: fd, type: type, path: path)
    }

    /// Joins the namespace open at `fd`; `path` names it in the error.
    public static func join(fd: Int32, type: Int32, path: String? = nil) throws(SysError) {
        try check(Seam.call(.setns, path: path, descriptor: fd) { hako_setns(fd, type) }, "setns", path: path)
    }

    /// Whether the caller is in the host's user namespace, which maps every uid to itself
    /// ("0 0 4294967295" in /proc/self/uid_map). A process without /proc is taken to be.
    public static func inInitialUserNamespace(uidMap: String? = try? Files.readText("/proc/self/uid_map")) -> Bool {
        guard let uidMap else { return true }
        return uidMap.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) == ["0", "0", "4294967295"]
    }

    /// The namespace identity (inode) of a /proc/PID/ns/* entry.
    public static func inode(_ path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }
}
