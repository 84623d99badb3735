#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `tmpcopyup`: a tmpfs mounted over a directory of the image starts with a copy of
/// what the image had there. The copy reads the covered directory through a descriptor
/// opened before the mount, and works on descriptors throughout, following no symlink.
enum CopyUp {
    static func copyTree(from source: Int32, to destination: Int32, path: String) throws {
        guard let dir = fdopendir(dup(source)) else { throw SysError("fdopendir", path: path, errno: errno) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            try copyEntry(name, from: source, to: destination, path: path + "/" + name)
        }
    }

    private static func copyEntry(_ name: String, from source: Int32, to destination: Int32, path: String) throws {
        var st = stat()
        try check(fstatat(source, name, &st, AT_SYMLINK_NOFOLLOW), "stat", path: path)
        let mode = st.st_mode & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try check(mkdirat(destination, name, mode), "mkdir", path: path)
            let from = try check(openat(source, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open", path: path)
            defer { close(from) }
            let to = try check(openat(destination, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open", path: path)
            defer { close(to) }
            try copyTree(from: from, to: to, path: path)
            try check(fchmod(to, mode), "chmod", path: path)
        case S_IFREG:
            let from = try check(openat(source, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), "open", path: path)
            defer { close(from) }
            let to = try check(openat(destination, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode), "create", path: path)
            defer { close(to) }
            try Files.writeAll(to, try Files.readAll(from, path: path), path: path)
            try check(fchmod(to, mode), "chmod", path: path)
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
            let n = readlinkat(source, name, &buffer, buffer.count - 1)
            guard n >= 0 else { throw SysError("readlink", path: path, errno: errno) }
            buffer[n] = 0
            try check(symlinkat(buffer, destination, name), "symlink", path: path)
        default:
            try check(mknodat(destination, name, st.st_mode, st.st_rdev), "mknod", path: path)
        }
        try check(fchownat(destination, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW), "chown", path: path)
    }
}
