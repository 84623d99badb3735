#if canImport(Glibc)
import Glibc
#endif

/// Calls on a path by name, for hako's own files (the state directory, FIFOs, the
/// resctrl and restore directories) where the path is hako's and no symlink race applies.
extension Files {
    /// mkdir(2) of one directory. EEXIST is reported like any other errno: callers decide.
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SysError) {
        try check(Glibc.mkdir(path, mode), "mkdir", path: path)
    }

    /// rmdir(2).
    public static func removeDirectory(_ path: String) throws(SysError) {
        try check(Glibc.rmdir(path), "rmdir", path: path)
    }

    /// unlink(2) of a path.
    public static func unlink(_ path: String) throws(SysError) {
        try check(Glibc.unlink(path), "unlink", path: path)
    }

    /// mkfifo(3).
    public static func makeFIFO(_ path: String, mode: mode_t) throws(SysError) {
        try check(Glibc.mkfifo(path, mode), "mkfifo", path: path)
    }

    /// realpath(3): the path with every symlink, "." and ".." resolved.
    public static func realPath(_ path: String) throws(SysError) -> String {
        guard let resolved = Glibc.realpath(path, nil) else { throw SysError("realpath", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Fails unless the caller may execute `path` with its effective ids and capabilities,
    /// as execve(2) will check (access(2) would use the real ones).
    public static func checkExecutable(_ path: String) throws(SysError) {
        try check(faccessat(AT_FDCWD, path, X_OK, AT_EACCESS), "faccessat(X_OK)", path: path)
    }

    /// Whether `checkExecutable` passes: for searching a list of places.
    public static func isExecutable(_ path: String) -> Bool {
        (try? checkExecutable(path)) != nil
    }

    /// flock(2) for an exclusive lock: waits (retrying on EINTR) or, without `wait`,
    /// fails with EWOULDBLOCK when another open file holds it.
    public static func lockExclusively(_ fd: Int32, wait: Bool, path: String) throws(SysError) {
        try retrying("flock", path: path) { flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) }
    }

    /// dup2(2): `fd` duplicated onto the number `target` (which loses close-on-exec).
    public static func duplicate(_ fd: Int32, onto target: Int32, path: String? = nil) throws(SysError) {
        try check(dup2(fd, target), "dup2 onto \(target)", path: path)
    }

    /// fcntl(F_SETFD): sets or clears a descriptor's close-on-exec flag.
    public static func setCloseOnExec(_ fd: Int32, _ on: Bool) throws(SysError) {
        try check(fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0), on ? "fcntl(F_SETFD, FD_CLOEXEC)" : "fcntl(F_SETFD, 0)")
    }

    /// fcntl(F_GETFL): a descriptor's status flags (O_ACCMODE, O_NONBLOCK...).
    public static func statusFlags(_ fd: Int32) throws(SysError) -> Int32 {
        try check(fcntl(fd, F_GETFL), "fcntl(F_GETFL)")
    }

    /// fcntl(F_SETFL) adding O_NONBLOCK.
    public static func setNonBlocking(_ fd: Int32) throws(SysError) {
        let flags = try statusFlags(fd)
        try check(fcntl(fd, F_SETFL, flags | O_NONBLOCK), "fcntl(F_SETFL, O_NONBLOCK)")
    }
}

extension Processes {
    /// setsid(2): a session (and process group) of its own. Fails with EPERM for a process
    /// group leader, which callers that only want to leave the caller's may ignore.
    @discardableResult
    public static func newSession() -> Bool {
        setsid() >= 0
    }

    /// setpgid(0, 0): a process group of its own.
    public static func newProcessGroup() throws(SysError) {
        try check(setpgid(0, 0), "setpgid")
    }

    /// kill(2) that reports nothing: for processes that may be gone already (a cleanup,
    /// a forwarded signal). Returns whether the signal was sent.
    @discardableResult
    public static func signalIfAlive(_ pid: pid_t, _ signal: Int32) -> Bool {
        Glibc.kill(pid, signal) == 0
    }
}
