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

    /// Right before exec: every descriptor past stdio and the preserved ones becomes
    /// close-on-exec, and the preserved ones lose it (CVE-2024-21626: no host fd may
    /// reach the container process).
    static func prepareForExec(preserveFds: Int) throws {
        let first = UInt32(3 + preserveFds)
        let CLOSE_RANGE_CLOEXEC: UInt32 = 1 << 2
        try check(hako_close_range(first, UInt32.max, CLOSE_RANGE_CLOEXEC), "close_range")
        for fd in 3..<(3 + Int32(preserveFds)) {
            _ = fcntl(fd, F_SETFD, 0)
        }
    }
}
