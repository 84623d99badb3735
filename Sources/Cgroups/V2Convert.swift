import LinuxSys
import OCISpec

/// The conversions from the spec's v1-shaped values to cgroup v2 files, as runc makes them.
public enum V2Convert {
    /// cpu.shares (2...262144, default 1024) to cpu.weight (1...10000, default 100):
    /// `1 + ((shares - 2) * 9999) / 262142`. Shares outside the v1 range are clamped first,
    /// as the v1 kernel would clamp them. 0 means unset.
    public static func cpuWeight(shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    /// blkio.weight (10...1000) to io.weight (1...10000): `1 + (weight - 10) * 9999 / 990`.
    /// 0 means unset.
    public static func ioWeight(blkioWeight: UInt16) -> UInt64 {
        if blkioWeight == 0 { return 0 }
        let clamped = UInt64(min(max(blkioWeight, 10), 1000))
        return 1 + (clamped - 10) * 9999 / 990
    }

    /// A byte limit: nil for 0 (unset), "max" for -1, else the number.
    public static func limit(_ value: Int64) -> String? {
        if value == 0 { return nil }
        if value == -1 { return "max" }
        return String(value)
    }

    /// memory.swap.max from the spec's memory+swap: swap only, `swap - limit`.
    /// nil means leave it alone. -1 is "max"; an unlimited memory limit with no swap given
    /// also means unlimited swap (as on v1); swap equal to the limit disables swap ("0").
    public static func swapMax(swap: Int64, limit: Int64) throws(CgroupError) -> String? {
        if limit == -1 && swap == 0 { return "max" }
        if swap == -1 { return "max" }
        if swap == 0 { return nil }
        if limit == 0 || limit == -1 {
            throw CgroupError.field("linux.resources.memory.swap", "unable to set a swap limit without a memory limit")
        }
        if limit < 0 { throw CgroupError.field("linux.resources.memory.limit", "invalid memory value \(limit)") }
        if swap < limit {
            throw CgroupError.field("linux.resources.memory.swap", "memory+swap limit \(swap) should be >= memory limit \(limit)")
        }
        return String(swap - limit)
    }

    /// cpu.max: "quota period", "max period" for an unlimited quota (-1), the period left
    /// out when unset (the kernel keeps its current one). nil when neither is set.
    public static func cpuMax(quota: Int64, period: UInt64) -> String? {
        if quota == 0 && period == 0 { return nil }
        var value = quota > 0 ? String(quota) : "max"
        if period != 0 { value += " \(period)" }
        return value
    }

    /// io.max lines, one per throttle: "8:0 rbps=1048576", "8:0 wiops=100".
    public static func ioMaxLines(_ b: LinuxBlockIO) -> [String] {
        let groups: [(String, [LinuxThrottleDevice]?)] = [
            ("rbps", b.throttleReadBpsDevice), ("wbps", b.throttleWriteBpsDevice),
            ("riops", b.throttleReadIOPSDevice), ("wiops", b.throttleWriteIOPSDevice),
        ]
        return groups.flatMap { key, devices in
            (devices ?? []).map { "\($0.major):\($0.minor) \(key)=\($0.rate)" }
        }
    }

    /// A `linux.resources.unified` key must be a file name of this cgroup, "controller.knob",
    /// whose controller is enabled here.
    static func checkUnifiedKey(_ key: String, available: Set<String>) throws(CgroupError) {
        let field = "linux.resources.unified[\"\(key)\"]"
        if key.contains("\0") || key.contains("\n") {
            throw CgroupError.field("linux.resources.unified", "key \(CgroupIO.quoted(key)) contains a NUL or newline")
        }
        if key.isEmpty || key.contains("/") || key.includes("..") {
            throw CgroupError.field(field, "must be a file name of the cgroup (no \"/\" or \"..\")")
        }
        let parts = key.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw CgroupError.field(field, "must have the form CONTROLLER.KNOB")
        }
        let controller = String(parts[0])
        if controller != "cgroup" && !available.contains(controller) {
            throw CgroupError.field(field, "the \(controller) controller is not available")
        }
    }
}
