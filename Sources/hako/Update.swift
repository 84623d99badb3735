import ArgumentParser
import LinuxSys
import Logging
import OCISpec
import Runtime

struct Update: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a running container's resource limits.",
        discussion: """
            --resources takes a linux.resources JSON object (a file, or - for stdin); the flags then change single values.

            Example: hako update --memory 512M --pids-limit 100 web
            """)

    @OptionGroup var global: GlobalOptions
    // Values that may be negative (-1: unlimited, as runc takes them) are parsed
    // unconditionally: otherwise "-1" reads as an option name.
    @Option(name: [.short, .long], help: "linux.resources JSON: a file, or - for stdin.") var resources: String?
    @Option(name: .long, parsing: .unconditional, help: "Memory limit (bytes, or with k/m/g).") var memory: String?
    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: "Memory soft limit.") var memoryReservation: String?
    @Option(name: .customLong("memory-swap"), parsing: .unconditional, help: "Memory plus swap limit; -1 for unlimited.") var memorySwap: String?
    @Option(name: .customLong("kernel-memory"), parsing: .unconditional, help: "Kernel memory limit (v1 only; ignored by recent kernels).") var kernelMemory: String?
    @Option(name: .customLong("kernel-memory-tcp"), parsing: .unconditional, help: "Kernel TCP buffer limit (v1 only).") var kernelMemoryTCP: String?
    // runc's flag is --cpu-share; --cpu-shares as the config field is named.
    @Option(name: [.customLong("cpu-share"), .customLong("cpu-shares")], help: "CPU shares (relative weight).") var cpuShares: UInt64?
    @Option(name: .customLong("cpu-quota"), parsing: .unconditional, help: "CPU CFS quota in microseconds per period; -1 for none.") var cpuQuota: Int64?
    @Option(name: .customLong("cpu-period"), help: "CPU CFS period in microseconds.") var cpuPeriod: UInt64?
    @Option(name: .customLong("cpu-burst"), help: "CPU CFS burst in microseconds.") var cpuBurst: UInt64?
    @Option(name: .customLong("cpu-rt-period"), help: "Real-time period in microseconds.") var cpuRtPeriod: UInt64?
    @Option(name: .customLong("cpu-rt-runtime"), parsing: .unconditional, help: "Real-time runtime in microseconds.") var cpuRtRuntime: Int64?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs the container may use (0-3,5).") var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems"), help: "Memory nodes the container may use.") var cpusetMems: String?
    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Maximum number of tasks; -1 for unlimited.") var pidsLimit: Int64?
    @Option(name: .customLong("blkio-weight"), help: "Block IO weight (10-1000).") var blkioWeight: UInt16?
    @Option(name: .customLong("l3-cache-schema"), help: "Intel RDT L3 cache schema.") var l3CacheSchema: String?
    @Option(name: .customLong("mem-bw-schema"), help: "Intel RDT memory bandwidth schema.") var memBwSchema: String?
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        let fromFile = try resources.map(Self.readResources)
        let container = try Container.load(id: id, store: global.store)
        if l3CacheSchema != nil || memBwSchema != nil {
            try container.updateIntelRdt(l3CacheSchema: l3CacheSchema, memBwSchema: memBwSchema)
        }
        try container.update { current in
            if let fromFile { Self.merge(fromFile, into: &current) }
            try applyFlags(to: &current)
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

    func applyFlags(to resources: inout LinuxResources) throws {
        func bytes(_ flag: String, _ value: String?) throws -> Int64? {
            guard let value else { return nil }
            guard let parsed = Self.parseBytes(value) else { throw RuntimeError("--\(flag) \(value): expected bytes, e.g. 536870912 or 512m") }
            return parsed
        }
        var memory = resources.memory ?? LinuxMemory()
        if let v = try bytes("memory", self.memory) { memory.limit = v }
        if let v = try bytes("memory-reservation", memoryReservation) { memory.reservation = v }
        if let v = try bytes("memory-swap", memorySwap) { memory.swap = v }
        // An unlimited memory takes the swap limit along unless one is given, as with runc:
        // the kernel refuses a memory limit above the memory+swap one.
        if memory.limit == -1 && memorySwap == nil { memory.swap = -1 }
        if let v = try bytes("kernel-memory", kernelMemory) { memory.kernel = v }
        if let v = try bytes("kernel-memory-tcp", kernelMemoryTCP) { memory.kernelTCP = v }
        if memory != (resources.memory ?? LinuxMemory()) { resources.memory = memory }

        var cpu = resources.cpu ?? LinuxCPU()
        if let v = cpuShares { cpu.shares = v }
        if let v = cpuQuota { cpu.quota = v }
        if let v = cpuPeriod { cpu.period = v }
        if let v = cpuBurst { cpu.burst = v }
        if let v = cpuRtPeriod { cpu.realtimePeriod = v }
        if let v = cpuRtRuntime { cpu.realtimeRuntime = v }
        if let v = cpusetCpus { cpu.cpus = v }
        if let v = cpusetMems { cpu.mems = v }
        if cpu != (resources.cpu ?? LinuxCPU()) { resources.cpu = cpu }

        if let v = pidsLimit { resources.pids = LinuxPids(limit: v) }
        if let v = blkioWeight {
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
