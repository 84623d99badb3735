#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `tmpcopyup`: a tmpfs mounted over a directory of the image starts with a copy of
/// what the image had there. The copy reads the covered directory through a descriptor
/// opened before the mount, and works on descriptors throughout, following no symlink.
enum CopyUp {
    static func copyTree(from source: Int32, to destination: Int32, path: String) throws {
        for name in try Files.directoryEntries(of: source, path: path) {
            try copyEntry(name, from: source, to: destination, path: path + "/" + name)
        }
    }

    private static func copyEntry(_ name: String, from source: Int32, to destination: Int32, path: String) throws {
        let st = try Files.linkStatus(name, at: source, path: path)
        let mode = st.st_mode & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try Files.makeDirectory(name, at: destination, mode: mode, path: path)
            let from = try Files.open(name, at: source, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, path: path)
            defer { Files.close(from) }
            let to = try Files.open(name, at: destination, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, path: path)
            defer { Files.close(to) }
            try copyTree(from: from, to: to, path: path)
            try Files.setMode(of: to, mode: mode, path: path)
        case S_IFREG:
            let from = try Files.open(name, at: source, flags: O_RDONLY | O_NOFOLLOW, path: path)
            defer { Files.close(from) }
            let to = try Files.open(name, at: destination, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode, path: path)
            defer { Files.close(to) }
            try Files.writeAll(to, try Files.readAll(from, path: path), path: path)
            try Files.setMode(of: to, mode: mode, path: path)
        case S_IFLNK:
            guard let target = Files.linkTarget(name, at: source) else { throw SysError("readlink", path: path, errno: EINVAL) }
            try Files.symlink(bytes: target, named: name, at: destination, path: path)
        default:
            try Files.makeNode(name, at: destination, mode: st.st_mode, device: st.st_rdev, path: path)
        }
        try Files.setOwner(name, at: destination, uid: st.st_uid, gid: st.st_gid, path: path)
    }
}
