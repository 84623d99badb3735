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
    static func closeInherited(preserveFds: Int, keep: [Int32]) {
        var first = UInt32(3 + preserveFds)
        for fd in keep.filter({ $0 >= Int32(first) }).sorted() {
            if UInt32(fd) > first { _ = hako_close_range(first, UInt32(fd) - 1, 0) }
            first = UInt32(fd) + 1
        }
        _ = hako_close_range(first, UInt32.max, 0)
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
