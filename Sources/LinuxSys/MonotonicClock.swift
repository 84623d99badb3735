#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC, for deadlines: it never jumps when the wall clock is set.
public enum MonotonicClock {
    /// Now, in milliseconds since an arbitrary point (boot).
    public static func milliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
