#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// File and directory helpers that report the path and errno of what failed.
public enum Files {
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `lstat(2)` of a path.
    public static func lstatus(_ path: String) throws(SysError) -> stat {
        var st = stat()
        try check(lstat(path, &st), "lstat", path: path)
        return st
    }

    /// `stat(2)` of a path.
    public static func status(_ path: String) throws(SysError) -> stat {
        var st = stat()
        try check(stat(path, &st), "stat", path: path)
        return st
    }

    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SysError) -> Int32 {
        try retrying("open", path: path) { Seam.call(.open, path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) } }
    }

    /// Reads a whole file.
    public static func read(_ path: String) throws(SysError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        return try readAll(fd, path: path)
    }

    /// Reads at most `count` bytes from the start of a file: fewer when it is shorter.
    public static func readPrefix(_ path: String, count: Int) throws(SysError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = result.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError("read", path: path, errno: errno)
            }
            if n == 0 { break }
            filled += n
        }
        return Array(result[0..<filled])
    }

    /// What a symlink points at (readlink(2)); /proc's magic links name pipes and sockets
    /// as "pipe:[INODE]".
    public static func readLink(_ path: String) throws(SysError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { throw SysError("readlink", path: path, errno: errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a file as UTF-8 text.
    public static func readText(_ path: String) throws(SysError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Reads until end of file.
    public static func readAll(_ fd: Int32, path: String? = nil) throws(SysError) -> [UInt8] {
        var result: [UInt8] = []
        // An uninitialized buffer on the stack: no allocation and no zeroing per call (every
        // command reads state.json, `list` one per container).
        let failure: Int32? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { buffer in
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return nil }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
            }
        }
        if let failure { throw SysError("read", path: path, errno: failure) }
        return result
    }

    /// Writes all bytes to a descriptor.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String? = nil) throws(SysError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError("write", path: path, errno: errno)
            }
            offset += n
        }
    }

    /// Opens (creating or truncating) and writes a file, as `echo > path` does.
    /// Used for /proc and /sys files, where a single write(2) matters.
    public static func write(_ path: String, _ text: String, flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC, mode: mode_t = 0o644) throws(SysError) {
        let fd = try open(path, flags, mode: mode)
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8), path: path)
    }

    /// Replaces a file atomically: writes a temporary file beside it (fsyncs it) and renames
    /// it over the target, so a reader sees either the old or the new content, never a mix.
    /// - Parameter durable: fsync before the rename, so that a power loss cannot leave an
    ///   empty file on a disk filesystem. Not for files that describe processes (state,
    ///   pid files), which a reboot makes meaningless anyway: they usually live on tmpfs,
    ///   where fsync does nothing, and on a disk it costs milliseconds per command.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, durable: Bool = true) throws(SysError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try writeAll(fd, bytes, path: temporary)
            if durable { try check(fsync(fd), "fsync", path: temporary) }
            close(fd)
            try check(rename(temporary, path), "rename", path: path)
        } catch {
            close(fd)
            Glibc.unlink(temporary)
            throw error
        }
    }

    /// Creates a directory and its missing parents (`mkdir -p`).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SysError) {
        if path.isEmpty || path == "/" { return }
        if mkdir(path, mode) == 0 { return }
        let err = errno
        if err == EEXIST {
            if isDirectory(path) { return }
            throw SysError("mkdir", path: path, errno: ENOTDIR)
        }
        guard err == ENOENT else { throw SysError("mkdir", path: path, errno: err) }
        try makeDirectories(Paths.parent(path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SysError("mkdir", path: path, errno: errno) }
    }

    /// Removes a directory tree without following symlinks (`rm -rf`).
    public static func removeTree(_ path: String) throws(SysError) {
        try removeTree(path, top: true, device: nil)
    }

    /// Never descends into a mount below `path` (a bind of a rootfs left mounted would
    /// take the rootfs's files with it): such a directory is EBUSY, as rmdir(2) says.
    private static func removeTree(_ path: String, top: Bool, device: dev_t?) throws(SysError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw SysError("lstat", path: path, errno: errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if !top {
                let root = hako_is_mount_root(AT_FDCWD, path)
                // Where statx cannot tell (before 5.8), another filesystem still shows.
                if root == 1 || (root < 0 && device != nil && st.st_dev != device) {
                    throw SysError("rmdir", path: path, errno: EBUSY)
                }
            }
            for entry in try listDirectory(path) { try removeTree(path + "/" + entry, top: false, device: st.st_dev) }
            if rmdir(path) != 0 && errno != ENOENT { throw SysError("rmdir", path: path, errno: errno) }
        } else if Glibc.unlink(path) != 0 && errno != ENOENT {
            throw SysError("unlink", path: path, errno: errno)
        }
    }

    /// The bytes written to a pipe or FIFO and not yet read (FIONREAD).
    public static func unreadBytes(_ fd: Int32, path: String? = nil) throws(SysError) -> Int {
        var count: Int32 = 0
        let FIONREAD: UInt = 0x541B
        try check(hako_ioctl_ptr(fd, FIONREAD, &count), "ioctl(FIONREAD)", path: path)
        return Int(count)
    }

    /// getcwd(3). glibc reports a directory outside the caller's root (the kernel's
    /// "(unreachable)" prefix) as ENOENT.
    public static func currentDirectory() throws(SysError) -> String {
        guard let cwd = getcwd(nil, 0) else { throw SysError("getcwd", errno: errno) }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// Names in a directory, without "." and "..".
    public static func listDirectory(_ path: String) throws(SysError) -> [String] {
        try entries(path) { _ in true }.map(\.name)
    }

    /// The names of the directories in a directory, from the type readdir(3) reports (one
    /// getdents64 for a cgroup's dozens of files instead of a stat each); a filesystem that
    /// reports no type (DT_UNKNOWN) gets a stat.
    public static func listSubdirectories(_ path: String) throws(SysError) -> [String] {
        try entries(path) { $0 == UInt8(DT_DIR) || $0 == UInt8(DT_UNKNOWN) }
            .filter { $0.type == UInt8(DT_DIR) || isDirectory(path + "/" + $0.name) }
            .map(\.name)
    }

    /// The entries (without "." and "..") whose d_type passes `keep`, with their d_type;
    /// the name of an entry it refuses is never decoded.
    private static func entries(_ path: String, where keep: (UInt8) -> Bool) throws(SysError) -> [(name: String, type: UInt8)] {
        guard let dir = opendir(path) else { throw SysError("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var found: [(name: String, type: UInt8)] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard keep(type) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { found.append((name, type)) }
        }
        return found
    }

    /// Creates an empty file if nothing exists at the path (a mount point for a file bind).
    public static func touch(_ path: String, mode: mode_t = 0o644) throws(SysError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        if fd < 0 {
            if errno == EEXIST || errno == EISDIR { return }
            throw SysError("create", path: path, errno: errno)
        }
        close(fd)
    }
}

/// Lexical path helpers (no filesystem access).
public enum Paths {
    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Joins and normalises, resolving "." and ".." lexically and never climbing above "/".
    public static func clean(_ path: String) -> String {
        // On bytes, as the kernel splits paths: String's split walks grapheme clusters
        // (slower, and "/" followed by a combining mark would not count as a separator).
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var parts: [ArraySlice<UInt8>] = []
        for part in Array(path.utf8).split(separator: slash) {
            if part.count == 1 && part.first == dot { continue }
            if part.count == 2 && part.allSatisfy({ $0 == dot }) { _ = parts.popLast(); continue }
            parts.append(part)
        }
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(path.utf8.count + 1)
        for part in parts {
            cleaned.append(slash)
            cleaned += part
        }
        return cleaned.isEmpty ? "/" : String(decoding: cleaned, as: UTF8.self)
    }

    /// Makes a path absolute against a base directory.
    public static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? clean(path) : clean(base + "/" + path)
    }
}

extension Files {
    /// open(2)'s O_PATH, which Swift's Glibc module does not export.
    public static let pathOnly: Int32 = HAKO_O_PATH

    /// openat2(2) of `path` under the directory `dirfd` with RESOLVE_* flags `resolve`.
    public static func open(_ path: String, under dirfd: Int32, flags: Int32, resolve: UInt64) throws(SysError) -> Int32 {
        try check(Seam.call(.openat2, path: path, at: dirfd) { hako_openat2(dirfd, path, UInt64(UInt32(bitPattern: flags)), 0, resolve) }, "openat2", path: path)
    }

    /// A pipe whose two ends have `flags` (O_CLOEXEC, O_NONBLOCK).
    public static func pipe(flags: Int32 = O_CLOEXEC) throws(SysError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try check(hako_pipe2(&fds, flags), "pipe2")
        return (fds[0], fds[1])
    }

    /// close_range(2) from `first` through `last`; with `onlyMarkCloseOnExec`, marks them
    /// close-on-exec instead (CLOSE_RANGE_CLOEXEC, Linux 5.11).
    public static func closeRange(_ first: UInt32, _ last: UInt32, onlyMarkCloseOnExec: Bool = false) throws(SysError) {
        let CLOSE_RANGE_CLOEXEC: UInt32 = 1 << 2
        try check(hako_close_range(first, last, onlyMarkCloseOnExec ? CLOSE_RANGE_CLOEXEC : 0), "close_range")
    }

    /// Sets the extended attribute `name` of `path` to `value`.
    public static func setAttribute(_ path: String, name: String, value: String) throws(SysError) {
        let result = Seam.call(.setxattr, path: path) { value.withCString { hako_setxattr(path, name, $0, strlen($0), 0) } }
        try check(result, "setxattr \(name)", path: path)
    }

    /// The extended attribute `name` of `path` (up to 4 KiB), as bytes.
    public static func attribute(_ path: String, name: String) throws(SysError) -> [UInt8] {
        var value = [UInt8](repeating: 0, count: 4096)
        let n = hako_getxattr(path, name, &value, value.count)
        if n < 0 { throw SysError("getxattr \(name)", path: path, errno: errno) }
        return Array(value[0..<Int(n)])
    }

    /// The device number of `major`:`minor`, as mknod(2) takes it.
    public static func deviceNumber(major: UInt32, minor: UInt32) -> dev_t {
        dev_t(hako_makedev(major, minor))
    }
}

