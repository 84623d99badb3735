#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// File descriptor bookkeeping for the fork path.
enum Descriptors {
    /// Moves a descriptor to a number at or above `minimum` (close-on-exec), so it cannot
    /// collide with the descriptors 3..<3+preserveFds that the container inherits.
    static func moveAbove(_ fd: Int32, minimum: Int32) throws -> Int32 {
        try Files.move(fd, atOrAbove: minimum)
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
            try? Files.setCloseOnExec(fd, false)
        }
    }

    /// close_range(2), or, where it fails, the same one descriptor at a time. It fails with
    /// ENOSYS before Linux 5.9, EINVAL for CLOSE_RANGE_CLOEXEC before 5.11, and with whatever
    /// errno a seccomp profile that refuses it picks (EPERM in most profiles older than it):
    /// so any failure falls back, and the fallback's own error is the one reported.
    static func closeRange(_ first: UInt32, _ last: UInt32, onlyMarkCloseOnExec: Bool = false) throws(SysError) {
        if (try? Files.closeRange(first, last, onlyMarkCloseOnExec: onlyMarkCloseOnExec)) != nil { return }
        for fd in try openDescriptors(from: first, through: last) {
            if onlyMarkCloseOnExec {
                do { try Files.setCloseOnExec(fd, true) } catch { if error.errno != EBADF { throw error } }
            } else {
                Files.close(fd)
            }
        }
    }

    /// The descriptors in first...last that may be open: those /proc/self/fd lists or,
    /// where there is no /proc (a mount namespace joined by path may have none), every
    /// number below the RLIMIT_NOFILE soft limit. That bound holds for descriptors hako
    /// opened itself, under the limit it started with, so the caller must not have applied
    /// the config's rlimits yet; an engine's descriptors were closed by the intermediate,
    /// while the host's /proc was still there.
    static func openDescriptors(from first: UInt32, through last: UInt32) throws(SysError) -> [Int32] {
        if let names = try? Files.listDirectory("/proc/self/fd") {
            // The listing's own descriptor is closed by the time the caller loops (EBADF).
            return names.compactMap { UInt32($0) }.filter { $0 >= first && $0 <= last }.map { Int32($0) }
        }
        var limit = rlimit()
        try check(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit), "getrlimit(RLIMIT_NOFILE)")
        // RLIM_INFINITY is all ones; no descriptor number exceeds Int32.max.
        let end = min(UInt64(last), UInt64(Int32.max), UInt64(limit.rlim_cur) &- 1)
        guard UInt64(first) <= end else { return [] }
        return (UInt64(first)...end).map { Int32($0) }
    }
}
