#if canImport(Glibc)
import Glibc
#endif
import CLinux
import LinuxSys

/// File descriptor bookkeeping for the fork path.
enum Descriptors {
    /// Moves a descriptor to a number at or above `minimum` (close-on-exec), so it cannot
    /// collide with the descriptors 3..<3+preserveFds that the container inherits.
    static func moveAbove(_ fd: Int32, minimum: Int32) throws -> Int32 {
        if fd >= minimum { return fd }
        let moved = try check(fcntl(fd, F_DUPFD_CLOEXEC, minimum), "fcntl(F_DUPFD_CLOEXEC)")
        close(fd)
        return moved
    }

    /// In a child of main, closes every inherited descriptor except stdio, the preserved
    /// ones and those named in `keep`. The caller's other descriptors (an engine's pipes,
    /// say) must not stay open in init while the container waits for `start`: a peer
    /// waiting for their end of file would wait for the whole life of the container.
    static func closeInherited(preserveFds: Int, keep: [Int32]) throws {
        var first = UInt32(3 + preserveFds)
        for fd in keep.filter({ $0 >= Int32(first) }).sorted() {
            if UInt32(fd) > first { try closeRange(first, UInt32(fd) - 1) }
            first = UInt32(fd) + 1
        }
        try closeRange(first, UInt32.max)
    }

    /// Right before exec: every descriptor past stdio and the preserved ones becomes
    /// close-on-exec, and the preserved ones lose it (CVE-2024-21626: no host fd may
    /// reach the container process).
    static func prepareForExec(preserveFds: Int) throws {
        try closeRange(UInt32(3 + preserveFds), UInt32.max, onlyMarkCloseOnExec: true)
        for fd in 3..<(3 + Int32(preserveFds)) {
            _ = fcntl(fd, F_SETFD, 0)
        }
    }

    /// close_range(2), or, where it fails with ENOSYS (before Linux 5.9, or a seccomp profile
    /// that refuses it) or EINVAL (CLOSE_RANGE_CLOEXEC came in 5.11), the same one
    /// descriptor at a time from the list in /proc/self/fd.
    static func closeRange(_ first: UInt32, _ last: UInt32, onlyMarkCloseOnExec: Bool = false) throws(SysError) {
        let CLOSE_RANGE_CLOEXEC: UInt32 = 1 << 2
        if hako_close_range(first, last, onlyMarkCloseOnExec ? CLOSE_RANGE_CLOEXEC : 0) == 0 { return }
        guard errno == ENOSYS || errno == EINVAL else { throw SysError("close_range", errno: errno) }
        // The listing's own descriptor is closed by the time the loop runs (EBADF).
        for name in try Files.listDirectory("/proc/self/fd") {
            guard let fd = UInt32(name), fd >= first, fd <= last else { continue }
            if onlyMarkCloseOnExec {
                if fcntl(Int32(fd), F_SETFD, FD_CLOEXEC) != 0 && errno != EBADF {
                    throw SysError("fcntl(F_SETFD, FD_CLOEXEC)", errno: errno)
                }
            } else {
                close(Int32(fd))
            }
        }
    }
}
