#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Resolving paths inside a container's rootfs without ever leaving it: every lookup goes
/// through openat2(2) with RESOLVE_IN_ROOT, so a symlink in the rootfs that points at "/"
/// or "../../etc" resolves against the rootfs, not the host (the CVE-2021-30465 class).
public struct SecureRoot {
    public enum Kind { case directory, file }

    static let resolveNoXdev: UInt64 = 0x01
    static let resolveNoMagicLinks: UInt64 = 0x02
    static let resolveNoSymlinks: UInt64 = 0x04
    static let resolveBeneath: UInt64 = 0x08
    static let resolveInRoot: UInt64 = 0x10

    /// An Files.pathOnly descriptor of the rootfs directory.
    public let fd: Int32
    /// The rootfs path, for messages.
    public let path: String

    public init(path: String) throws(SysError) {
        self.path = path
        fd = try Files.open(path, Files.pathOnly | O_DIRECTORY)
    }

    /// Opens a path relative to the root as Files.pathOnly.
    public func open(_ relative: String, noSymlinks: Bool = false) throws(SysError) -> Int32 {
        let name = relative.drop(while: { $0 == "/" })
        let resolve = Self.resolveInRoot | Self.resolveNoMagicLinks | (noSymlinks ? Self.resolveNoSymlinks : 0)
        if let opened = try? Files.open(name.isEmpty ? "." : String(name), under: fd, flags: Files.pathOnly | O_CLOEXEC, resolve: resolve) {
            return opened
        }
        // Linux before 5.6 (ENOSYS), or a seccomp profile that refuses openat2 with an errno
        // of its choosing (EPERM in older ones): resolve by hand. A path that does not
        // resolve fails the walk with the errno openat2 gives (the unit tests compare them),
        // so every failure can fall back.
        return try walk(name, noSymlinks: noSymlinks)
    }

    /// RESOLVE_IN_ROOT done in user space, one component at a time. Each component is
    /// opened O_PATH | O_NOFOLLOW relative to the directory before it, and ".." pops a stack
    /// of those descriptors (never below the root) instead of asking the kernel for a
    /// parent, so neither a symlink nor a directory moved during the walk can lead outside.
    /// A symlink's target is resolved as text against the root (absolute) or the directory
    /// holding it, so a /proc "magic" link is never followed by its magic. Components are
    /// split on "/" bytes, as the kernel splits them: split by Character, "/" followed by a
    /// combining mark would stay inside a name that openat then resolved, symlinks and all.
    func walk(_ relative: Substring, noSymlinks: Bool) throws(SysError) -> Int32 {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var directories: [Int32] = []
        defer { for directory in directories { Files.close(directory) } }
        var pending = Array(Array(relative.utf8).split(separator: slash).reversed())
        var links = 0
        while let component = pending.popLast() {
            if component.count == 1 && component.first == dot { continue }
            if component.count == 2 && component.allSatisfy({ $0 == dot }) {
                if let directory = directories.popLast() { Files.close(directory) }
                continue
            }
            let next = try Files.open(bytes: component, at: directories.last ?? fd,
                                      flags: Files.pathOnly | O_NOFOLLOW, path: path + "/" + relative)
            let info: stat
            do {
                info = try Files.status(of: next, path: path + "/" + relative)
            } catch {
                Files.close(next)
                throw error
            }
            guard info.st_mode & S_IFMT == S_IFLNK else {
                directories.append(next)
                continue
            }
            links += 1
            let target = noSymlinks || links > 40 ? nil : Files.linkTarget("", at: next)
            Files.close(next)
            guard let target else { throw SysError("resolving", path: path + "/" + relative, errno: ELOOP) }
            if target.first == slash {
                for directory in directories { Files.close(directory) }
                directories = []
            }
            pending += target.split(separator: slash).reversed()
        }
        if let last = directories.popLast() { return last }
        return try Files.open(".", at: fd, flags: Files.pathOnly, path: path)
    }

    /// Opens a path inside the root, creating it (and missing parents as directories) when
    /// it does not exist. A dangling symlink on the way is followed inside the root and
    /// what it names is created. Returns an O_PATH descriptor of what the path names.
    public func ensure(_ relative: String, as kind: Kind, noSymlinks: Bool = false, depth: Int = 0) throws(SysError) -> Int32 {
        let clean = Paths.clean(relative)
        // As path resolution does, give up on symlink loops.
        if depth > 40 { throw SysError("resolving", path: path + clean, errno: ELOOP) }
        let missing: SysError
        do {
            return try open(clean, noSymlinks: noSymlinks)
        } catch {
            missing = error
        }
        guard missing.errno == ENOENT, clean != "/" else { throw missing }
        let parent = try ensure(Paths.parent(clean), as: .directory, noSymlinks: noSymlinks, depth: depth + 1)
        defer { Files.close(parent) }
        let name = String(clean[clean.index(after: clean.lastIndex(of: "/")!)...])
        if !noSymlinks, let target = readLink(parent, name) {
            let resolved = target.hasPrefix("/") ? target : Paths.parent(clean) + "/" + target
            Files.close(try ensure(resolved, as: kind, noSymlinks: noSymlinks, depth: depth + 1))
            return try open(clean, noSymlinks: noSymlinks)
        }
        switch kind {
        case .directory:
            do {
                try Files.makeDirectory(name, at: parent, mode: 0o755, path: path + clean)
            } catch {
                if error.errno != EEXIST { throw error }
            }
        case .file:
            do {
                Files.close(try Files.open(name, at: parent, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644, path: path + clean))
            } catch {
                if error.errno != EEXIST { throw error }
            }
        }
        return try open(clean, noSymlinks: noSymlinks)
    }

    public func close() { Files.close(fd) }

    /// The target of a symlink in a directory, or nil when the name is not a symlink.
    private func readLink(_ dir: Int32, _ name: String) -> String? {
        Files.linkTarget(name, at: dir).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The path by which mount(2) and friends reach exactly what a descriptor refers to.
public func procFD(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }
