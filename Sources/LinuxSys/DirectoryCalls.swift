#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The *at(2) calls relative to a directory descriptor, and the descriptor calls, that
/// the rootfs code makes on a container's tree (it never reaches a path twice by name,
/// so a symlink swapped in between cannot redirect it). Each goes through `Seam`; `path`
/// is only for the error message.
extension Files {
    /// openat(2) of `name` in the directory `directory`.
    public static func open(_ name: String, at directory: Int32, flags: Int32, mode: mode_t = 0, path: String) throws(SysError) -> Int32 {
        try check(Seam.call(.open, path: name, at: directory) { openat(directory, name, flags | O_CLOEXEC, mode) },
                  (flags & O_CREAT) != 0 ? "create" : "open", path: path)
    }

    /// openat(2) of a name given as bytes, which need not be UTF-8 (a name in an image
    /// is whatever bytes it holds).
    public static func open(bytes name: some Collection<UInt8>, at directory: Int32, flags: Int32, path: String) throws(SysError) -> Int32 {
        let terminated = Array(name) + [0]
        return try check(Seam.call(.open, path: String(decoding: name, as: UTF8.self), at: directory) {
            terminated.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { openat(directory, $0.baseAddress!, flags | O_CLOEXEC) }
            }
        }, "open", path: path)
    }

    /// close(2). A close that fails still frees the descriptor (Linux), so there is
    /// nothing to report.
    public static func close(_ fd: Int32) {
        _ = Seam.call(.close, descriptor: fd) { Glibc.close(fd) }
    }

    /// dup(2), close-on-exec.
    public static func duplicate(_ fd: Int32, path: String? = nil) throws(SysError) -> Int32 {
        try check(Seam.call(.dup, descriptor: fd) { fcntl(fd, F_DUPFD_CLOEXEC, 0) }, "dup", path: path)
    }

    /// Moves a descriptor to a number at or above `minimum` (close-on-exec), closing the
    /// old one: so it cannot collide with the numbers a child is to inherit.
    public static func move(_ fd: Int32, atOrAbove minimum: Int32) throws(SysError) -> Int32 {
        if fd >= minimum { return fd }
        let moved = try check(Seam.call(.dup, descriptor: fd) { fcntl(fd, F_DUPFD_CLOEXEC, minimum) }, "fcntl(F_DUPFD_CLOEXEC)")
        close(fd)
        return moved
    }

    /// mkdirat(2). EEXIST is reported like any other errno: callers decide.
    public static func makeDirectory(_ name: String, at directory: Int32, mode: mode_t, path: String) throws(SysError) {
        try check(Seam.call(.mkdir, path: name, at: directory) { mkdirat(directory, name, mode) }, "mkdir", path: path)
    }

    /// mknodat(2): a device node, FIFO or socket of `mode` (type and permissions).
    public static func makeNode(_ name: String, at directory: Int32, mode: mode_t, device: dev_t, path: String) throws(SysError) {
        try check(Seam.call(.mknod, path: name, at: directory) { mknodat(directory, name, mode, device) }, "mknod", path: path)
    }

    /// mkfifoat(3).
    public static func makeFIFO(_ name: String, at directory: Int32, mode: mode_t, path: String) throws(SysError) {
        try check(Seam.call(.mkfifo, path: name, at: directory) { mkfifoat(directory, name, mode) }, "mkfifo", path: path)
    }

    /// fchmodat(2), following no symlink the kernel would not (the name itself).
    public static func setMode(_ name: String, at directory: Int32, mode: mode_t, path: String) throws(SysError) {
        try check(Seam.call(.chmod, path: name, at: directory) { fchmodat(directory, name, mode, 0) }, "chmod", path: path)
    }

    /// fchmod(2), or chmod(2) of a /proc/self/fd path when `fd` is an O_PATH descriptor.
    public static func setMode(of fd: Int32, mode: mode_t, path: String) throws(SysError) {
        try check(Seam.call(.chmod, descriptor: fd) { fchmod(fd, mode) }, "chmod", path: path)
    }

    /// chmod(2) of a path (a /proc/self/fd path reaches an O_PATH descriptor's file).
    public static func setMode(_ target: String, mode: mode_t, path: String) throws(SysError) {
        try check(Seam.call(.chmod, path: target) { chmod(target, mode) }, "chmod", path: path)
    }

    /// fchownat(2) of the name itself (AT_SYMLINK_NOFOLLOW).
    public static func setOwner(_ name: String, at directory: Int32, uid: uid_t, gid: gid_t, path: String) throws(SysError) {
        try check(Seam.call(.chown, path: name, at: directory) { fchownat(directory, name, uid, gid, AT_SYMLINK_NOFOLLOW) }, "chown", path: path)
    }

    /// fchown(2).
    public static func setOwner(of fd: Int32, uid: uid_t, gid: gid_t, path: String) throws(SysError) {
        try check(Seam.call(.chown, descriptor: fd) { fchown(fd, uid, gid) }, "chown", path: path)
    }

    /// symlinkat(2): `name` in `directory` pointing at `target`.
    public static func symlink(_ target: String, named name: String, at directory: Int32, path: String) throws(SysError) {
        try check(Seam.call(.symlink, path: name, at: directory) { symlinkat(target, directory, name) }, "symlink", path: path)
    }

    /// symlinkat(2) with the target as bytes, which need not be UTF-8 (a copied link).
    public static func symlink(bytes target: [UInt8], named name: String, at directory: Int32, path: String) throws(SysError) {
        let terminated = target + [0]
        try check(Seam.call(.symlink, path: name, at: directory) {
            terminated.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { symlinkat($0.baseAddress!, directory, name) }
            }
        }, "symlink", path: path)
    }

    /// The bytes of a symlink's target (readlinkat(2)); with an empty name, of the O_PATH
    /// descriptor of the link itself. Nil when it is not a symlink.
    public static func linkTarget(_ name: String, at directory: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = Seam.call(.readlink, path: name, at: directory) {
            Int32(buffer.withUnsafeMutableBytes { readlinkat(directory, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) })
        }
        guard n > 0 else { return nil }
        return Array(buffer[0..<Int(n)])
    }

    /// unlinkat(2) of a non-directory.
    public static func unlink(_ name: String, at directory: Int32, path: String) throws(SysError) {
        try check(Seam.call(.unlink, path: name, at: directory) { unlinkat(directory, name, 0) }, "unlink", path: path)
    }

    /// fstat(2).
    public static func status(of fd: Int32, path: String) throws(SysError) -> stat {
        var st = stat()
        try check(Seam.call(.stat, descriptor: fd) { fstat(fd, &st) }, "fstat", path: path)
        return st
    }

    /// fstatat(2) of the name itself (AT_SYMLINK_NOFOLLOW).
    public static func linkStatus(_ name: String, at directory: Int32, path: String) throws(SysError) -> stat {
        var st = stat()
        try check(Seam.call(.stat, path: name, at: directory) { fstatat(directory, name, &st, AT_SYMLINK_NOFOLLOW) }, "stat", path: path)
        return st
    }

    /// The names in the directory open at `fd` (without "." and ".."), read through a
    /// duplicate so `fd` stays open and at its offset for the caller.
    public static func directoryEntries(of fd: Int32, path: String) throws(SysError) -> [String] {
        let copy = try check(Seam.call(.open, path: ".", at: fd) { openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }, "open", path: path)
        guard let dir = fdopendir(copy) else {
            let error = SysError("fdopendir", path: path, errno: errno)
            close(copy)
            throw error
        }
        // closedir closes `copy`; tell the seam it is gone.
        defer { _ = Seam.call(.close, descriptor: copy) { closedir(dir) } }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// chdir(2).
    public static func changeDirectory(_ path: String) throws(SysError) {
        try check(Seam.call(.chdir, path: path) { chdir(path) }, "chdir", path: path)
    }

    /// fchdir(2).
    public static func changeDirectory(to fd: Int32, path: String) throws(SysError) {
        try check(Seam.call(.chdir, descriptor: fd) { fchdir(fd) }, "chdir", path: path)
    }

    /// chroot(2).
    public static func changeRoot(_ path: String) throws(SysError) {
        try check(Seam.call(.chroot, path: path) { chroot(path) }, "chroot", path: path)
    }
}
