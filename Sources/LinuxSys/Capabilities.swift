#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Capability sets, as bit masks indexed by capability number.
public enum Capabilities {
    /// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap).
    public static func lastCapability() -> Int {
        if let text = try? Files.readText("/proc/sys/kernel/cap_last_cap"),
           let value = Int(text.trimmingWhitespace()) {
            return value
        }
        return 40
    }

    /// Drops every capability not in `keep` from the bounding set.
    public static func limitBounding(to keep: UInt64) throws(SysError) {
        let last = lastCapability()
        for cap in 0...last where keep & (1 << UInt64(cap)) == 0 {
            try check(Seam.call(.prctl) { hako_prctl(Prctl.capBoundingDrop, UInt(cap), 0, 0, 0) }, "prctl(PR_CAPBSET_DROP, \(cap))")
        }
    }

    public static func set(effective: UInt64, permitted: UInt64, inheritable: UInt64) throws(SysError) {
        try check(Seam.call(.capset) { hako_capset(effective, permitted, inheritable) }, "capset")
    }

    public static func get() throws(SysError) -> (effective: UInt64, permitted: UInt64, inheritable: UInt64) {
        var e: UInt64 = 0, p: UInt64 = 0, i: UInt64 = 0
        try check(hako_capget(0, &e, &p, &i), "capget")
        return (e, p, i)
    }

    /// Raises each capability of the mask in the ambient set (after clearing it).
    public static func setAmbient(_ mask: UInt64) throws(SysError) {
        let PR_CAP_AMBIENT = Prctl.capAmbient, CLEAR_ALL: UInt = 4, RAISE: UInt = 2
        try check(Seam.call(.prctl) { hako_prctl(PR_CAP_AMBIENT, CLEAR_ALL, 0, 0, 0) }, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)")
        for cap in 0...63 where mask & (1 << UInt64(cap)) != 0 {
            try check(Seam.call(.prctl) { hako_prctl(PR_CAP_AMBIENT, RAISE, UInt(cap), 0, 0) }, "prctl(PR_CAP_AMBIENT_RAISE, \(cap))")
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
