import LinuxSys
import OCISpec

/// A value of a systemd unit property, with the D-Bus type systemd expects for it.
public enum UnitValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case uint64(UInt64)
    case int64(Int64)
    case uint32(UInt32)
    case int32(Int32)
    case uint16(UInt16)
    case int16(Int16)
    case byte(UInt8)
    case double(Double)
    case uint32Array([UInt32])
    case stringArray([String])
    case bytes([UInt8])
    /// DeviceAllow's a(ss): (device, access) pairs.
    case stringPairs([StringPair])

    /// The D-Bus signature of the value ("s", "b", "t", "au", "as", "ay", "a(ss)").
    public var signature: String {
        switch self {
        case .string: return "s"
        case .bool: return "b"
        case .uint64: return "t"
        case .int64: return "x"
        case .uint32: return "u"
        case .int32: return "i"
        case .uint16: return "q"
        case .int16: return "n"
        case .byte: return "y"
        case .double: return "d"
        case .uint32Array: return "au"
        case .stringArray: return "as"
        case .bytes: return "ay"
        case .stringPairs: return "a(ss)"
        }
    }
}

/// One (ss) of an a(ss) value.
public struct StringPair: Sendable, Equatable, CustomStringConvertible {
    public var first: String
    public var second: String

    public init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }

    public var description: String { "(\(first) \(second))" }
}

/// One (sv) of StartTransientUnit's or SetUnitProperties' property array.
public struct UnitProperty: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var value: UnitValue

    public init(_ name: String, _ value: UnitValue) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name)=\(value)" }
}

/// The properties of a container's unit, built as runc builds them (libcontainer's
/// systemd driver). Pure functions: no D-Bus here.
public enum SystemdProperties {
    /// systemd's USEC_INFINITY and CGROUP_LIMIT_MAX: "no limit" for every uint64 property.
    public static let infinity = UInt64.max
    /// The kernel's default CFS period, which systemd assumes when none is given.
    static let defaultCPUQuotaPeriod: UInt64 = 100_000

    /// The unit itself: a scope in its slice with `pid` in it and its cgroup delegated,
    /// or a slice that wants its parent; accounting on for every controller systemd
    /// knows (so the unit's cgroup gets them), no default dependencies.
    /// `legacy`: a cgroup v1 or hybrid host, where block I/O accounting has its v1 name.
    public static func unit(_ unit: SystemdUnit, description: String, pid: Int32?, legacy: Bool = false) -> [UnitProperty] {
        var properties = [UnitProperty("Description", .string(description))]
        if unit.isSlice {
            properties.append(UnitProperty("Wants", .stringArray([unit.slice])))
        } else {
            properties.append(UnitProperty("Slice", .string(unit.slice)))
            properties.append(UnitProperty("Delegate", .bool(true)))
        }
        // A slice holds no processes of its own in systemd's model: its first process is
        // moved in through cgroup.procs instead.
        if let pid, !unit.isSlice {
            properties.append(UnitProperty("PIDs", .uint32Array([UInt32(bitPattern: pid)])))
        }
        for accounting in ["MemoryAccounting", "CPUAccounting", legacy ? "BlockIOAccounting" : "IOAccounting", "TasksAccounting"] {
            properties.append(UnitProperty(accounting, .bool(true)))
        }
        properties.append(UnitProperty("DefaultDependencies", .bool(false)))
        return properties
    }

    /// `linux.resources` as unit properties, where systemd has one (runc's
    /// genV2ResourcesProperties, plus IOWeight). Whatever has none (hugetlb, rdma, io.max,
    /// burst, most unified keys) is written to the cgroup files afterwards all the same.
    /// `systemdVersion` gates what older systemd lacks (-1 when unknown: the oldest).
    /// `legacy` (a cgroup v1 or hybrid host): runc's genV1ResourcesProperties instead.
    public static func resources(_ r: LinuxResources, systemdVersion: Int, legacy: Bool = false) throws(CgroupError) -> [UnitProperty] {
        if legacy { return try legacyResources(r, systemdVersion: systemdVersion) }
        var properties: [UnitProperty] = []
        if let memory = r.memory {
            let limit = memory.limit ?? 0
            if let value = try byteLimit(limit, field: "linux.resources.memory.limit") {
                properties.append(UnitProperty("MemoryMax", .uint64(value)))
            }
            if let value = try byteLimit(memory.reservation ?? 0, field: "linux.resources.memory.reservation") {
                properties.append(UnitProperty("MemoryLow", .uint64(value)))
            }
            // "0" (swap equal to the limit) is left to the cgroup file, as runc leaves it.
            if let swap = try V2Convert.swapMax(swap: memory.swap ?? 0, limit: limit), swap != "0" {
                properties.append(UnitProperty("MemorySwapMax", .uint64(swap == "max" ? infinity : UInt64(swap) ?? infinity)))
            }
        }
        var idle = false
        if let cpu = r.cpu {
            // CPUWeight=0 is systemd's "idle" since v252 (cpu.idle is written to the file too).
            if cpu.idle == 1 && systemdVersion >= 252 {
                properties.append(UnitProperty("CPUWeight", .uint64(0)))
                idle = true
            }
            if let shares = cpu.shares, shares != 0, !idle {
                properties.append(UnitProperty("CPUWeight", .uint64(V2Convert.cpuWeight(shares: shares))))
            }
            properties += cpuQuota(quota: cpu.quota ?? 0, period: cpu.period ?? 0, systemdVersion: systemdVersion)
        }
        if let pids = r.pids, pids.limit > 0 || pids.limit == -1 {
            properties.append(UnitProperty("TasksMax", .uint64(UInt64(bitPattern: pids.limit))))
        }
        if let cpu = r.cpu {
            properties += try cpuset(cpus: cpu.cpus ?? "", mems: cpu.mems ?? "", systemdVersion: systemdVersion,
                                     fields: ("linux.resources.cpu.cpus", "linux.resources.cpu.mems"))
        }
        if let weight = r.blockIO?.weight, weight != 0 {
            properties.append(UnitProperty("IOWeight", .uint64(V2Convert.ioWeight(blkioWeight: weight))))
        }
        // Last, so that they override the fields above, as the files do.
        for (key, value) in (r.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
            properties += try unified(key: key, value: value, all: r.unified ?? [:], systemdVersion: systemdVersion)
        }
        return properties
    }

    /// The v1 properties: systemd converts the v2 ones (CPUWeight, IOWeight) to v1 values
    /// in its own way, which would not give back the shares and weight asked for, so a v1
    /// host gets the v1 names, with the spec's values as they are.
    static func legacyResources(_ r: LinuxResources, systemdVersion: Int) throws(CgroupError) -> [UnitProperty] {
        var properties: [UnitProperty] = []
        if let memory = r.memory, let value = try byteLimit(memory.limit ?? 0, field: "linux.resources.memory.limit") {
            properties.append(UnitProperty("MemoryLimit", .uint64(value)))
        }
        if let cpu = r.cpu {
            if let shares = cpu.shares, shares != 0 {
                properties.append(UnitProperty("CPUShares", .uint64(shares)))
            }
            properties += cpuQuota(quota: cpu.quota ?? 0, period: cpu.period ?? 0, systemdVersion: systemdVersion)
        }
        if let weight = r.blockIO?.weight, weight != 0 {
            properties.append(UnitProperty("BlockIOWeight", .uint64(UInt64(weight))))
        }
        if let pids = r.pids, pids.limit > 0 || pids.limit == -1 {
            properties.append(UnitProperty("TasksMax", .uint64(UInt64(bitPattern: pids.limit))))
        }
        if let cpu = r.cpu {
            properties += try cpuset(cpus: cpu.cpus ?? "", mems: cpu.mems ?? "", systemdVersion: systemdVersion,
                                     fields: ("linux.resources.cpu.cpus", "linux.resources.cpu.mems"))
        }
        return properties
    }

    /// DevicePolicy and DeviceAllow for the device rules (runc's systemd device
    /// properties), so that systemd, when it re-applies a unit's settings, keeps the
    /// container's devices as they are. systemd names devices by path: "/dev/char/1:3" for
    /// one device, "char-pts" (a driver of /proc/devices) for a whole major, "char-*" for
    /// every one. What it cannot express (a deny list over "allow all", a major without a
    /// driver name) is left to the cgroup's own rules, with a warning.
    public static func devices(_ rules: [LinuxDeviceCgroup], procDevices: String? = nil, warnings: inout [String]) -> [UnitProperty] {
        guard let parsed = try? DeviceRule.parse(rules) else { return [] }
        let state = DeviceState.target(parsed)
        if state.defaultAllow {
            if !state.exceptions.isEmpty {
                warnings.append("linux.resources.devices: systemd cannot express denied devices over \"allow all\"; only the cgroup's own rules deny them")
            }
            return [UnitProperty("DevicePolicy", .string("auto")), UnitProperty("DeviceAllow", .stringPairs([]))]
        }
        let drivers = DeviceDrivers(procDevices ?? ((try? Files.readText("/proc/devices")) ?? ""))
        var allow: [StringPair] = []
        for exception in state.exceptions {
            guard let match = DeviceProgram.Match(key: exception.key), let type = match.type else { continue }
            let kind = type == 1 ? "block" : "char"
            switch (match.major, match.minor) {
            case (nil, _):
                allow.append(StringPair(kind + "-*", exception.access))
            case let (major?, nil):
                guard let name = drivers.name(kind: kind, major: major) else {
                    warnings.append("linux.resources.devices: no \(kind) driver has major \(major) in /proc/devices; systemd is not told of \(exception.key)")
                    continue
                }
                allow.append(StringPair("\(kind)-\(name)", exception.access))
            case let (major?, minor?):
                allow.append(StringPair("/dev/\(kind)/\(UInt32(bitPattern: major)):\(UInt32(bitPattern: minor))", exception.access))
            }
        }
        return [UnitProperty("DevicePolicy", .string("strict")), UnitProperty("DeviceAllow", .stringPairs(allow))]
    }

    /// A byte limit from the spec: nil for 0 (unset), infinity for -1.
    static func byteLimit(_ value: Int64, field: String) throws(CgroupError) -> UInt64? {
        if value == 0 { return nil }
        if value == -1 { return infinity }
        guard value > 0 else { throw CgroupError.field(field, "invalid memory value \(value)") }
        return UInt64(value)
    }

    /// CPUQuotaPeriodUSec (systemd 242 and later) and CPUQuotaPerSecUSec, as runc's
    /// addCpuQuota: the quota per second of CPU time, rounded up to whole percents
    /// (systemd keeps it as a percentage), infinity for an unlimited quota.
    public static func cpuQuota(quota: Int64, period: UInt64, systemdVersion: Int) -> [UnitProperty] {
        var properties: [UnitProperty] = []
        if period != 0 && systemdVersion >= 242 {
            properties.append(UnitProperty("CPUQuotaPeriodUSec", .uint64(period)))
        }
        if quota != 0 || period != 0 {
            properties.append(UnitProperty("CPUQuotaPerSecUSec", .uint64(cpuQuotaPerSecond(quota: quota, period: period))))
        }
        return properties
    }

    /// Microseconds of CPU time per second for a CFS quota and period (default period
    /// 100 ms), rounded up to a multiple of 10 ms; infinity when the quota is not positive.
    public static func cpuQuotaPerSecond(quota: Int64, period: UInt64) -> UInt64 {
        guard quota > 0 else { return infinity }
        let period = period == 0 ? defaultCPUQuotaPeriod : period
        let (product, overflow) = UInt64(quota).multipliedReportingOverflow(by: 1_000_000)
        if overflow { return infinity }
        var perSecond = product / period
        if perSecond % 10_000 != 0 { perSecond = (perSecond / 10_000 + 1) * 10_000 }
        return perSecond
    }

    /// AllowedCPUs and AllowedMemoryNodes (systemd 244 and later) as byte masks.
    static func cpuset(cpus: String, mems: String, systemdVersion: Int, fields: (String, String)) throws(CgroupError) -> [UnitProperty] {
        guard systemdVersion >= 244 else { return [] }
        var properties: [UnitProperty] = []
        if !cpus.isEmpty { properties.append(UnitProperty("AllowedCPUs", .bytes(try rangeToBits(cpus, field: fields.0)))) }
        if !mems.isEmpty { properties.append(UnitProperty("AllowedMemoryNodes", .bytes(try rangeToBits(mems, field: fields.1)))) }
        return properties
    }

    /// A cpuset list ("0-2,7") as the little-endian bit mask systemd takes for AllowedCPUs:
    /// bit n of byte n/8 for CPU n, trailing zero bytes dropped (runc's RangeToBits).
    public static func rangeToBits(_ list: String, field: String) throws(CgroupError) -> [UInt8] {
        var bytes: [UInt8] = []
        func set(_ bit: Int) {
            let index = bit / 8
            if bytes.count <= index { bytes += [UInt8](repeating: 0, count: index + 1 - bytes.count) }
            bytes[index] |= 1 << UInt8(bit % 8)
        }
        // Large enough for any real machine; a mask is sent whole over D-Bus.
        let maxIndex = 1 << 16
        func number(_ text: Substring) throws(CgroupError) -> Int {
            guard let value = Int(String(text).trimmingWhitespace()), value >= 0, value < maxIndex else {
                throw CgroupError.field(field, "invalid cpuset list \(CgroupIO.quoted(list))")
            }
            return value
        }
        for element in list.split(separator: ",", omittingEmptySubsequences: false) {
            // Extra spaces and commas are allowed, as the kernel allows them.
            if String(element).trimmingWhitespace().isEmpty { continue }
            let ends = element.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let start = try number(ends[0])
            let end = ends.count == 2 ? try number(ends[1]) : start
            guard start <= end else { throw CgroupError.field(field, "invalid range \(CgroupIO.quoted(String(element))) in \(CgroupIO.quoted(list))") }
            for bit in start...end { set(bit) }
        }
        guard !bytes.isEmpty else { throw CgroupError.field(field, "empty cpuset list \(CgroupIO.quoted(list))") }
        return bytes
    }

    /// A `linux.resources.unified` entry as a unit property, where systemd has one (runc's
    /// unifiedResToSystemdProps); others are only written to the file.
    static func unified(key: String, value raw: String, all: [String: String], systemdVersion: Int) throws(CgroupError) -> [UnitProperty] {
        let field = "linux.resources.unified[\"\(key)\"]"
        let value = raw.trimmingWhitespace()
        func number(_ text: Substring) throws(CgroupError) -> UInt64 {
            if text == "max" { return infinity }
            guard let n = UInt64(text) else { throw CgroupError.field(field, "invalid value \(CgroupIO.quoted(raw))") }
            return n
        }
        switch key {
        case "cpu.max":
            let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 1 || words.count == 2 else { throw CgroupError.field(field, "invalid value \(CgroupIO.quoted(raw))") }
            var quota: Int64 = 0
            if words[0] != "max" {
                guard let q = Int64(words[0]) else { throw CgroupError.field(field, "invalid quota \(CgroupIO.quoted(String(words[0])))") }
                quota = q
            }
            var period = defaultCPUQuotaPeriod
            if words.count == 2 {
                guard let p = UInt64(words[1]) else { throw CgroupError.field(field, "invalid period \(CgroupIO.quoted(String(words[1])))") }
                period = p
            }
            return cpuQuota(quota: quota, period: period, systemdVersion: systemdVersion)
        case "cpu.weight":
            if all["cpu.idle"]?.trimmingWhitespace() == "1" && systemdVersion >= 252 { return [] }
            return [UnitProperty("CPUWeight", .uint64(try number(Substring(value))))]
        case "cpu.idle":
            if value == "1" && systemdVersion >= 252 { return [UnitProperty("CPUWeight", .uint64(0))] }
            return []
        case "cpuset.cpus":
            return try cpuset(cpus: value, mems: "", systemdVersion: systemdVersion, fields: (field, field))
        case "cpuset.mems":
            return try cpuset(cpus: "", mems: value, systemdVersion: systemdVersion, fields: (field, field))
        case "memory.high", "memory.low", "memory.min", "memory.max", "memory.swap.max":
            let names = ["memory.high": "MemoryHigh", "memory.low": "MemoryLow", "memory.min": "MemoryMin",
                         "memory.max": "MemoryMax", "memory.swap.max": "MemorySwapMax"]
            return [UnitProperty(names[key] ?? key, .uint64(try number(Substring(value))))]
        case "pids.max":
            return [UnitProperty("TasksMax", .uint64(try number(Substring(value))))]
        default:
            return []
        }
    }
}

/// The "Character devices:" and "Block devices:" tables of /proc/devices.
struct DeviceDrivers {
    private var names: [String: String] = [:]

    init(_ text: String) {
        var kind = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Character") { kind = "char"; continue }
            if line.hasPrefix("Block") { kind = "block"; continue }
            let fields = line.split(separator: " ")
            guard fields.count == 2, let major = Int32(fields[0]) else { continue }
            // The first driver of a major is the one systemd finds.
            if names["\(kind) \(major)"] == nil { names["\(kind) \(major)"] = String(fields[1]) }
        }
    }

    func name(kind: String, major: Int32) -> String? { names["\(kind) \(major)"] }
}
