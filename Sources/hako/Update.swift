import LinuxSys
import Logging
import OCISpec
import Runtime

enum Update: HakoCommand {
    static let definition = CommandDefinition(
        name: "update", abstract: "Change a running container's resource limits.",
        discussion: "--resources takes a linux.resources JSON object (a file, or - for stdin); the options then change single values. "
            + "-1 is unlimited where a limit takes it.",
        example: "hako update --memory 512M --pids-limit 100 web",
        options: [
            .value("--resources", "-r", placeholder: "FILE", help: "linux.resources JSON: a file, or - for stdin.", completion: .files),
            .value("--memory", placeholder: "BYTES", help: "Memory limit (bytes, or with k/m/g)."),
            .value("--memory-reservation", placeholder: "BYTES", help: "Memory soft limit."),
            .value("--memory-swap", placeholder: "BYTES", help: "Memory plus swap limit; -1 for unlimited."),
            .value("--kernel-memory", placeholder: "BYTES", help: "Kernel memory limit (v1 only; ignored by recent kernels)."),
            .value("--kernel-memory-tcp", placeholder: "BYTES", help: "Kernel TCP buffer limit (v1 only)."),
            // runc's flag is --cpu-share; --cpu-shares as the config field is named.
            .value("--cpu-share", "--cpu-shares", placeholder: "N", .integer(.uint64), help: "CPU shares (relative weight)."),
            .value("--cpu-quota", placeholder: "MICROSECONDS", .integer(.int64), help: "CPU CFS quota per period; -1 for none."),
            .value("--cpu-period", placeholder: "MICROSECONDS", .integer(.uint64), help: "CPU CFS period."),
            .value("--cpu-burst", placeholder: "MICROSECONDS", .integer(.uint64), help: "CPU CFS burst."),
            .value("--cpu-idle", placeholder: "0|1", .integer(.int64), help: "The cgroup's processes as SCHED_IDLE (1) or not (0)."),
            .value("--cpu-rt-period", placeholder: "MICROSECONDS", .integer(.uint64), help: "Real-time period."),
            .value("--cpu-rt-runtime", placeholder: "MICROSECONDS", .integer(.int64), help: "Real-time runtime."),
            .value("--cpuset-cpus", placeholder: "CPUS", help: "CPUs the container may use (0-3,5)."),
            .value("--cpuset-mems", placeholder: "NODES", help: "Memory nodes the container may use."),
            .value("--pids-limit", placeholder: "N", .integer(.int64), help: "Maximum number of tasks; -1 for unlimited."),
            .value("--blkio-weight", placeholder: "WEIGHT", .integer(.uint16), help: "Block IO weight (10-1000)."),
            .value("--l3-cache-schema", placeholder: "SCHEMA", help: "Intel RDT L3 cache schema."),
            .value("--mem-bw-schema", placeholder: "SCHEMA", help: "Intel RDT memory bandwidth schema."),
        ],
        arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let fromFile = try line.value("resources").map(readResources)
        let container = try Container.load(id: line.arguments[0], store: line.globals.store)
        let l3CacheSchema = line.value("l3-cache-schema"), memBwSchema = line.value("mem-bw-schema")
        if l3CacheSchema != nil || memBwSchema != nil {
            try container.updateIntelRdt(l3CacheSchema: l3CacheSchema, memBwSchema: memBwSchema)
        }
        try container.update { current in
            if let fromFile { merge(fromFile, into: &current) }
            try applyOptions(line, to: &current)
        }
    }

    static func readResources(_ path: String) throws -> LinuxResources {
        do {
            let bytes = path == "-" ? try Files.readAll(0) : try Files.read(path)
            return try JSONCoding.decode(LinuxResources.self, from: bytes, document: "the resources file")
        } catch {
            throw RuntimeError("reading --resources \(path): \(error)")
        }
    }

    /// Fields set in `new` replace those of `current`, as runc's update does.
    static func merge(_ new: LinuxResources, into current: inout LinuxResources) {
        if let v = new.devices { current.devices = v }
        if let v = new.memory { current.memory = v }
        if let v = new.cpu { current.cpu = v }
        if let v = new.pids { current.pids = v }
        if let v = new.blockIO { current.blockIO = v }
        if let v = new.hugepageLimits { current.hugepageLimits = v }
        if let v = new.network { current.network = v }
        if let v = new.rdma { current.rdma = v }
        if let v = new.unified { current.unified = v }
    }

    /// The single-value options over `resources`.
    static func applyOptions(_ line: ParsedCommand, to resources: inout LinuxResources) throws {
        func bytes(_ key: String) throws -> Int64? {
            guard let value = line.value(key) else { return nil }
            guard let parsed = parseBytes(value) else { throw RuntimeError("--\(key) \(value): expected bytes, e.g. 536870912 or 512m") }
            return parsed
        }
        var memory = resources.memory ?? LinuxMemory()
        if let v = try bytes("memory") { memory.limit = v }
        if let v = try bytes("memory-reservation") { memory.reservation = v }
        if let v = try bytes("memory-swap") { memory.swap = v }
        // An unlimited memory takes the swap limit along unless one is given, as with runc:
        // the kernel refuses a memory limit above the memory+swap one.
        if memory.limit == -1 && line.value("memory-swap") == nil { memory.swap = -1 }
        if let v = try bytes("kernel-memory") { memory.kernel = v }
        if let v = try bytes("kernel-memory-tcp") { memory.kernelTCP = v }
        if memory != (resources.memory ?? LinuxMemory()) { resources.memory = memory }

        var cpu = resources.cpu ?? LinuxCPU()
        if let v = line.number("cpu-share", as: UInt64.self) { cpu.shares = v }
        if let v = line.number("cpu-quota", as: Int64.self) { cpu.quota = v }
        if let v = line.number("cpu-period", as: UInt64.self) { cpu.period = v }
        if let v = line.number("cpu-burst", as: UInt64.self) { cpu.burst = v }
        if let v = line.number("cpu-idle", as: Int64.self) { cpu.idle = v }
        if let v = line.number("cpu-rt-period", as: UInt64.self) { cpu.realtimePeriod = v }
        if let v = line.number("cpu-rt-runtime", as: Int64.self) { cpu.realtimeRuntime = v }
        if let v = line.value("cpuset-cpus") { cpu.cpus = v }
        if let v = line.value("cpuset-mems") { cpu.mems = v }
        if cpu != (resources.cpu ?? LinuxCPU()) { resources.cpu = cpu }

        if let v = line.number("pids-limit", as: Int64.self) { resources.pids = LinuxPids(limit: v) }
        if let v = line.number("blkio-weight", as: UInt16.self) {
            var io = resources.blockIO ?? LinuxBlockIO()
            io.weight = v
            resources.blockIO = io
        }
    }

    /// "1024", "512k", "512m", "1g", "2GB", "-1".
    static func parseBytes(_ text: String) -> Int64? {
        if let plain = Int64(text) { return plain }
        var body = text.lowercased()
        if body.hasSuffix("ib") { body.removeLast(2) } else if body.hasSuffix("b") { body.removeLast() }
        guard let unit = body.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5][String(unit)],
              let number = Double(body.dropLast()), number >= 0 else { return nil }
        var value = number
        for _ in 0..<power { value *= 1024 }
        return value < Double(Int64.max) ? Int64(value) : nil
    }
}
