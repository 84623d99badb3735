/// config.json read by hand (`JSONReader`), the fast path of `Spec.decode`: what engines
/// write reads here without Codable, in a tenth of the instructions; anything outside the
/// reader's shape goes to the Codable decoder, which reads it (or names what is wrong) as before.
///
/// Each type reads as its `init(from:)` does: a Go field without omitempty (`go`) is its
/// zero value when absent, an omitempty one (`opt`) nil; keys a type does not have are
/// skipped. Every key a type has is read here, so nothing is skipped that the Codable decoder would
/// read: `vm` alone is left to the Codable decoder whenever it appears. A unit test compares both
/// paths on the engines' configs field by field, and the fuzzer on every input it makes.
extension Spec {
    /// The spec in `bytes`, or nil when they are outside the shape `JSONReader` reads.
    @_spi(Decoding) public static func decodeCommonShape(_ bytes: [UInt8]) -> Spec? {
        var reader = JSONReader(bytes)
        guard let spec = reader.spec(), reader.atEnd() else { return nil }
        return spec
    }
}

extension JSONReader {
    mutating func spec() -> Spec? {
        var ociVersion: String?, process: ProcessSpec?, root: Root?, hostname: String?, domainname: String?
        var mounts: [Mount]?, hooks: Hooks?, annotations: [String: String]?, linux: Linux?
        let complete = object { r, key in
            switch key {
            case "ociVersion": return r.once(&ociVersion) { $0.string() }
            case "process": return r.once(&process) { $0.process() }
            case "root": return r.once(&root) { $0.root() }
            case "hostname": return r.once(&hostname) { $0.string() }
            case "domainname": return r.once(&domainname) { $0.string() }
            case "mounts": return r.once(&mounts) { $0.array { $0.mount() } }
            case "hooks": return r.once(&hooks) { $0.hooks() }
            case "annotations": return r.once(&annotations) { $0.dictionary() }
            case "linux": return r.once(&linux) { $0.linux() }
            case "vm": return false
            default: return r.skipValue()
            }
        }
        guard complete else { return nil }
        return Spec(ociVersion: ociVersion ?? "", process: process, root: root, hostname: hostname, domainname: domainname,
                    mounts: mounts, hooks: hooks, annotations: annotations, linux: linux)
    }

    mutating func root() -> Root? {
        var path: String?, readonly: Bool?
        guard object({ r, key in
            switch key {
            case "path": return r.once(&path) { $0.string() }
            case "readonly": return r.once(&readonly) { $0.boolean() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return Root(path: path ?? "", readonly: readonly)
    }

    mutating func mount() -> Mount? {
        var destination: String?, type: String?, source: String?, options: [String]?
        var uidMappings: [LinuxIDMapping]?, gidMappings: [LinuxIDMapping]?
        guard object({ r, key in
            switch key {
            case "destination": return r.once(&destination) { $0.string() }
            case "type": return r.once(&type) { $0.string() }
            case "source": return r.once(&source) { $0.string() }
            case "options": return r.once(&options) { $0.strings() }
            case "uidMappings": return r.once(&uidMappings) { $0.array { $0.idMapping() } }
            case "gidMappings": return r.once(&gidMappings) { $0.array { $0.idMapping() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return Mount(destination: destination ?? "", type: type, source: source, options: options,
                     uidMappings: uidMappings, gidMappings: gidMappings)
    }

    /// What a reader does with a key its type does not have.
    package enum UnknownKeys {
        /// Skip its value, as the Codable decoder does (config.json: engines add their own).
        case skip
        /// Decline the document (state.json: hako writes no such key).
        case decline
    }

    private mutating func unknown(_ policy: UnknownKeys) -> Bool {
        policy == .skip && skipValue()
    }

    /// Hooks, as config.json and state.json both hold them.
    package mutating func hooks(unknownKeys policy: UnknownKeys = .skip) -> Hooks? {
        var hooks = Hooks()
        guard object({ r, key in
            let keyPath: WritableKeyPath<Hooks, [Hook]?>
            switch key {
            case "prestart": keyPath = \.prestart
            case "createRuntime": keyPath = \.createRuntime
            case "createContainer": keyPath = \.createContainer
            case "startContainer": keyPath = \.startContainer
            case "poststart": keyPath = \.poststart
            case "poststop": keyPath = \.poststop
            default: return r.unknown(policy)
            }
            // A kind seen twice is declined, as `once` declines other keys.
            guard hooks[keyPath: keyPath] == nil, let list = r.array({ $0.hook(unknownKeys: policy) }) else { return false }
            hooks[keyPath: keyPath] = list
            return true
        }) else { return nil }
        return hooks
    }

    mutating func hook(unknownKeys policy: UnknownKeys) -> Hook? {
        var path: String?, args: [String]?, env: [String]?, timeout: Int?
        guard object({ r, key in
            switch key {
            case "path": return r.once(&path) { $0.string() }
            case "args": return r.once(&args) { $0.strings() }
            case "env": return r.once(&env) { $0.strings() }
            case "timeout": return r.once(&timeout) { $0.integer() }
            default: return r.unknown(policy)
            }
        }) else { return nil }
        return Hook(path: path ?? "", args: args, env: env, timeout: timeout)
    }

    mutating func process() -> ProcessSpec? {
        var terminal: Bool?, consoleSize: Box?, user: User?, args: [String]?, commandLine: String?, env: [String]?
        var cwd: String?, capabilities: LinuxCapabilities?, rlimits: [POSIXRlimit]?, noNewPrivileges: Bool?
        var apparmorProfile: String?, oomScoreAdj: Int?, scheduler: Scheduler?, selinuxLabel: String?
        var ioPriority: LinuxIOPriority?, execCPUAffinity: CPUAffinity?
        guard object({ r, key in
            switch key {
            case "terminal": return r.once(&terminal) { $0.boolean() }
            case "consoleSize": return r.once(&consoleSize) { $0.box() }
            case "user": return r.once(&user) { $0.user() }
            case "args": return r.once(&args) { $0.strings() }
            case "commandLine": return r.once(&commandLine) { $0.string() }
            case "env": return r.once(&env) { $0.strings() }
            case "cwd": return r.once(&cwd) { $0.string() }
            case "capabilities": return r.once(&capabilities) { $0.capabilities() }
            case "rlimits": return r.once(&rlimits) { $0.array { $0.rlimit() } }
            case "noNewPrivileges": return r.once(&noNewPrivileges) { $0.boolean() }
            case "apparmorProfile": return r.once(&apparmorProfile) { $0.string() }
            case "oomScoreAdj": return r.once(&oomScoreAdj) { $0.integer() }
            case "scheduler": return r.once(&scheduler) { $0.scheduler() }
            case "selinuxLabel": return r.once(&selinuxLabel) { $0.string() }
            case "ioPriority": return r.once(&ioPriority) { $0.ioPriority() }
            case "execCPUAffinity": return r.once(&execCPUAffinity) { $0.cpuAffinity() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return ProcessSpec(
            terminal: terminal, consoleSize: consoleSize, user: user ?? User(), args: args, commandLine: commandLine, env: env,
            cwd: cwd ?? "", capabilities: capabilities, rlimits: rlimits, noNewPrivileges: noNewPrivileges,
            apparmorProfile: apparmorProfile, oomScoreAdj: oomScoreAdj, scheduler: scheduler, selinuxLabel: selinuxLabel,
            ioPriority: ioPriority, execCPUAffinity: execCPUAffinity)
    }

    mutating func box() -> Box? {
        var height: UInt?, width: UInt?
        guard object({ r, key in
            switch key {
            case "height": return r.once(&height) { $0.integer() }
            case "width": return r.once(&width) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return Box(height: height ?? 0, width: width ?? 0)
    }

    mutating func user() -> User? {
        var uid: UInt32?, gid: UInt32?, umask: UInt32?, additionalGids: [UInt32]?, username: String?
        guard object({ r, key in
            switch key {
            case "uid": return r.once(&uid) { $0.integer() }
            case "gid": return r.once(&gid) { $0.integer() }
            case "umask": return r.once(&umask) { $0.integer() }
            case "additionalGids": return r.once(&additionalGids) { $0.array { $0.integer() } }
            case "username": return r.once(&username) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return User(uid: uid ?? 0, gid: gid ?? 0, umask: umask, additionalGids: additionalGids, username: username)
    }

    mutating func capabilities() -> LinuxCapabilities? {
        var bounding: [String]?, effective: [String]?, inheritable: [String]?, permitted: [String]?, ambient: [String]?
        guard object({ r, key in
            switch key {
            case "bounding": return r.once(&bounding) { $0.strings() }
            case "effective": return r.once(&effective) { $0.strings() }
            case "inheritable": return r.once(&inheritable) { $0.strings() }
            case "permitted": return r.once(&permitted) { $0.strings() }
            case "ambient": return r.once(&ambient) { $0.strings() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxCapabilities(bounding: bounding, effective: effective, inheritable: inheritable, permitted: permitted, ambient: ambient)
    }

    mutating func rlimit() -> POSIXRlimit? {
        var type: String?, hard: UInt64?, soft: UInt64?
        guard object({ r, key in
            switch key {
            case "type": return r.once(&type) { $0.string() }
            case "hard": return r.once(&hard) { $0.integer() }
            case "soft": return r.once(&soft) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return POSIXRlimit(type: type ?? "", hard: hard ?? 0, soft: soft ?? 0)
    }

    mutating func scheduler() -> Scheduler? {
        var policy: String?, nice: Int32?, priority: Int32?, flags: [String]?, runtime: UInt64?, deadline: UInt64?, period: UInt64?
        guard object({ r, key in
            switch key {
            case "policy": return r.once(&policy) { $0.string() }
            case "nice": return r.once(&nice) { $0.integer() }
            case "priority": return r.once(&priority) { $0.integer() }
            case "flags": return r.once(&flags) { $0.strings() }
            case "runtime": return r.once(&runtime) { $0.integer() }
            case "deadline": return r.once(&deadline) { $0.integer() }
            case "period": return r.once(&period) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return Scheduler(policy: policy ?? "", nice: nice, priority: priority, flags: flags, runtime: runtime, deadline: deadline, period: period)
    }

    mutating func ioPriority() -> LinuxIOPriority? {
        var priorityClass: String?, priority: Int?
        guard object({ r, key in
            switch key {
            case "class": return r.once(&priorityClass) { $0.string() }
            case "priority": return r.once(&priority) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxIOPriority(class: priorityClass ?? "", priority: priority ?? 0)
    }

    mutating func cpuAffinity() -> CPUAffinity? {
        var initial: String?, final: String?
        guard object({ r, key in
            switch key {
            case "initial": return r.once(&initial) { $0.string() }
            case "final": return r.once(&final) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return CPUAffinity(initial: initial, final: final)
    }

    mutating func linux() -> Linux? {
        var uidMappings: [LinuxIDMapping]?, gidMappings: [LinuxIDMapping]?, sysctl: [String: String]?
        var resources: LinuxResources?, cgroupsPath: String?, namespaces: [LinuxNamespace]?, devices: [LinuxDevice]?
        var seccomp: LinuxSeccomp?, rootfsPropagation: String?, maskedPaths: [String]?, readonlyPaths: [String]?
        var mountLabel: String?, intelRdt: LinuxIntelRdt?, personality: LinuxPersonality?
        var timeOffsets: [String: LinuxTimeOffset]?, memoryPolicy: LinuxMemoryPolicy?, netDevices: [String: LinuxNetDevice]?
        guard object({ r, key in
            switch key {
            case "uidMappings": return r.once(&uidMappings) { $0.array { $0.idMapping() } }
            case "gidMappings": return r.once(&gidMappings) { $0.array { $0.idMapping() } }
            case "sysctl": return r.once(&sysctl) { $0.dictionary() }
            case "resources": return r.once(&resources) { $0.resources() }
            case "cgroupsPath": return r.once(&cgroupsPath) { $0.string() }
            case "namespaces": return r.once(&namespaces) { $0.array { $0.namespace() } }
            case "devices": return r.once(&devices) { $0.array { $0.device() } }
            case "seccomp": return r.once(&seccomp) { $0.seccomp() }
            case "rootfsPropagation": return r.once(&rootfsPropagation) { $0.string() }
            case "maskedPaths": return r.once(&maskedPaths) { $0.strings() }
            case "readonlyPaths": return r.once(&readonlyPaths) { $0.strings() }
            case "mountLabel": return r.once(&mountLabel) { $0.string() }
            case "intelRdt": return r.once(&intelRdt) { $0.intelRdt() }
            case "personality": return r.once(&personality) { $0.personality() }
            case "timeOffsets": return r.once(&timeOffsets) { $0.map { $0.timeOffset() } }
            case "memoryPolicy": return r.once(&memoryPolicy) { $0.memoryPolicy() }
            case "netDevices": return r.once(&netDevices) { $0.map { $0.netDevice() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return Linux(
            uidMappings: uidMappings, gidMappings: gidMappings, sysctl: sysctl, resources: resources, cgroupsPath: cgroupsPath,
            namespaces: namespaces, devices: devices, seccomp: seccomp, rootfsPropagation: rootfsPropagation,
            maskedPaths: maskedPaths, readonlyPaths: readonlyPaths, mountLabel: mountLabel, intelRdt: intelRdt,
            personality: personality, timeOffsets: timeOffsets, memoryPolicy: memoryPolicy, netDevices: netDevices)
    }

    mutating func idMapping() -> LinuxIDMapping? {
        var containerID: UInt32?, hostID: UInt32?, size: UInt32?
        guard object({ r, key in
            switch key {
            case "containerID": return r.once(&containerID) { $0.integer() }
            case "hostID": return r.once(&hostID) { $0.integer() }
            case "size": return r.once(&size) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxIDMapping(containerID: containerID ?? 0, hostID: hostID ?? 0, size: size ?? 0)
    }

    mutating func namespace() -> LinuxNamespace? {
        var type: String?, path: String?
        guard object({ r, key in
            switch key {
            case "type": return r.once(&type) { $0.string() }
            case "path": return r.once(&path) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxNamespace(type: type ?? "", path: path)
    }

    mutating func device() -> LinuxDevice? {
        var path: String?, type: String?, major: Int64?, minor: Int64?, fileMode: UInt32?, uid: UInt32?, gid: UInt32?
        guard object({ r, key in
            switch key {
            case "path": return r.once(&path) { $0.string() }
            case "type": return r.once(&type) { $0.string() }
            case "major": return r.once(&major) { $0.integer() }
            case "minor": return r.once(&minor) { $0.integer() }
            case "fileMode": return r.once(&fileMode) { $0.integer() }
            case "uid": return r.once(&uid) { $0.integer() }
            case "gid": return r.once(&gid) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxDevice(path: path ?? "", type: type ?? "", major: major ?? 0, minor: minor ?? 0, fileMode: fileMode, uid: uid, gid: gid)
    }

    mutating func intelRdt() -> LinuxIntelRdt? {
        var closID: String?, schemata: String?, l3CacheSchema: String?, memBwSchema: String?
        var enableCMT: Bool?, enableMBM: Bool?, enableMonitoring: Bool?
        guard object({ r, key in
            switch key {
            case "closID": return r.once(&closID) { $0.string() }
            case "schemata": return r.once(&schemata) { $0.string() }
            case "l3CacheSchema": return r.once(&l3CacheSchema) { $0.string() }
            case "memBwSchema": return r.once(&memBwSchema) { $0.string() }
            case "enableCMT": return r.once(&enableCMT) { $0.boolean() }
            case "enableMBM": return r.once(&enableMBM) { $0.boolean() }
            case "enableMonitoring": return r.once(&enableMonitoring) { $0.boolean() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxIntelRdt(closID: closID, schemata: schemata, l3CacheSchema: l3CacheSchema, memBwSchema: memBwSchema,
                             enableCMT: enableCMT, enableMBM: enableMBM, enableMonitoring: enableMonitoring)
    }

    mutating func personality() -> LinuxPersonality? {
        var domain: String?, flags: [String]?
        guard object({ r, key in
            switch key {
            case "domain": return r.once(&domain) { $0.string() }
            case "flags": return r.once(&flags) { $0.strings() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxPersonality(domain: domain ?? "", flags: flags)
    }

    mutating func timeOffset() -> LinuxTimeOffset? {
        var secs: Int64?, nanosecs: UInt32?
        guard object({ r, key in
            switch key {
            case "secs": return r.once(&secs) { $0.integer() }
            case "nanosecs": return r.once(&nanosecs) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxTimeOffset(secs: secs, nanosecs: nanosecs)
    }

    mutating func memoryPolicy() -> LinuxMemoryPolicy? {
        var mode: String?, nodes: String?, flags: [String]?
        guard object({ r, key in
            switch key {
            case "mode": return r.once(&mode) { $0.string() }
            case "nodes": return r.once(&nodes) { $0.string() }
            case "flags": return r.once(&flags) { $0.strings() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxMemoryPolicy(mode: mode ?? "", nodes: nodes ?? "", flags: flags)
    }

    mutating func netDevice() -> LinuxNetDevice? {
        var name: String?
        guard object({ r, key in
            switch key {
            case "name": return r.once(&name) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxNetDevice(name: name)
    }

    mutating func resources() -> LinuxResources? {
        var devices: [LinuxDeviceCgroup]?, memory: LinuxMemory?, cpu: LinuxCPU?, pids: LinuxPids?, blockIO: LinuxBlockIO?
        var hugepageLimits: [LinuxHugepageLimit]?, network: LinuxNetwork?, rdma: [String: LinuxRdma]?, unified: [String: String]?
        guard object({ r, key in
            switch key {
            case "devices": return r.once(&devices) { $0.array { $0.deviceCgroup() } }
            case "memory": return r.once(&memory) { $0.memory() }
            case "cpu": return r.once(&cpu) { $0.cpu() }
            case "pids": return r.once(&pids) { $0.pids() }
            case "blockIO": return r.once(&blockIO) { $0.blockIO() }
            case "hugepageLimits": return r.once(&hugepageLimits) { $0.array { $0.hugepageLimit() } }
            case "network": return r.once(&network) { $0.network() }
            case "rdma": return r.once(&rdma) { $0.map { $0.rdma() } }
            case "unified": return r.once(&unified) { $0.dictionary() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxResources(devices: devices, memory: memory, cpu: cpu, pids: pids, blockIO: blockIO,
                              hugepageLimits: hugepageLimits, network: network, rdma: rdma, unified: unified)
    }

    mutating func deviceCgroup() -> LinuxDeviceCgroup? {
        var allow: Bool?, type: String?, major: Int64?, minor: Int64?, access: String?
        guard object({ r, key in
            switch key {
            case "allow": return r.once(&allow) { $0.boolean() }
            case "type": return r.once(&type) { $0.string() }
            case "major": return r.once(&major) { $0.integer() }
            case "minor": return r.once(&minor) { $0.integer() }
            case "access": return r.once(&access) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxDeviceCgroup(allow: allow ?? false, type: type, major: major, minor: minor, access: access)
    }

    mutating func memory() -> LinuxMemory? {
        var limit: Int64?, reservation: Int64?, swap: Int64?, kernel: Int64?, kernelTCP: Int64?, swappiness: UInt64?
        var disableOOMKiller: Bool?, useHierarchy: Bool?, checkBeforeUpdate: Bool?
        guard object({ r, key in
            switch key {
            case "limit": return r.once(&limit) { $0.integer() }
            case "reservation": return r.once(&reservation) { $0.integer() }
            case "swap": return r.once(&swap) { $0.integer() }
            case "kernel": return r.once(&kernel) { $0.integer() }
            case "kernelTCP": return r.once(&kernelTCP) { $0.integer() }
            case "swappiness": return r.once(&swappiness) { $0.integer() }
            case "disableOOMKiller": return r.once(&disableOOMKiller) { $0.boolean() }
            case "useHierarchy": return r.once(&useHierarchy) { $0.boolean() }
            case "checkBeforeUpdate": return r.once(&checkBeforeUpdate) { $0.boolean() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxMemory(limit: limit, reservation: reservation, swap: swap, kernel: kernel, kernelTCP: kernelTCP,
                           swappiness: swappiness, disableOOMKiller: disableOOMKiller, useHierarchy: useHierarchy,
                           checkBeforeUpdate: checkBeforeUpdate)
    }

    mutating func cpu() -> LinuxCPU? {
        var shares: UInt64?, quota: Int64?, burst: UInt64?, period: UInt64?, realtimeRuntime: Int64?, realtimePeriod: UInt64?
        var cpus: String?, mems: String?, idle: Int64?
        guard object({ r, key in
            switch key {
            case "shares": return r.once(&shares) { $0.integer() }
            case "quota": return r.once(&quota) { $0.integer() }
            case "burst": return r.once(&burst) { $0.integer() }
            case "period": return r.once(&period) { $0.integer() }
            case "realtimeRuntime": return r.once(&realtimeRuntime) { $0.integer() }
            case "realtimePeriod": return r.once(&realtimePeriod) { $0.integer() }
            case "cpus": return r.once(&cpus) { $0.string() }
            case "mems": return r.once(&mems) { $0.string() }
            case "idle": return r.once(&idle) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxCPU(shares: shares, quota: quota, burst: burst, period: period, realtimeRuntime: realtimeRuntime,
                        realtimePeriod: realtimePeriod, cpus: cpus, mems: mems, idle: idle)
    }

    mutating func pids() -> LinuxPids? {
        var limit: Int64?
        guard object({ r, key in
            switch key {
            case "limit": return r.once(&limit) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxPids(limit: limit ?? 0)
    }

    mutating func blockIO() -> LinuxBlockIO? {
        var weight: UInt16?, leafWeight: UInt16?, weightDevice: [LinuxWeightDevice]?
        var readBps: [LinuxThrottleDevice]?, writeBps: [LinuxThrottleDevice]?, readIOPS: [LinuxThrottleDevice]?, writeIOPS: [LinuxThrottleDevice]?
        guard object({ r, key in
            switch key {
            case "weight": return r.once(&weight) { $0.integer() }
            case "leafWeight": return r.once(&leafWeight) { $0.integer() }
            case "weightDevice": return r.once(&weightDevice) { $0.array { $0.weightDevice() } }
            case "throttleReadBpsDevice": return r.once(&readBps) { $0.array { $0.throttleDevice() } }
            case "throttleWriteBpsDevice": return r.once(&writeBps) { $0.array { $0.throttleDevice() } }
            case "throttleReadIOPSDevice": return r.once(&readIOPS) { $0.array { $0.throttleDevice() } }
            case "throttleWriteIOPSDevice": return r.once(&writeIOPS) { $0.array { $0.throttleDevice() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxBlockIO(weight: weight, leafWeight: leafWeight, weightDevice: weightDevice, throttleReadBpsDevice: readBps,
                            throttleWriteBpsDevice: writeBps, throttleReadIOPSDevice: readIOPS, throttleWriteIOPSDevice: writeIOPS)
    }

    mutating func weightDevice() -> LinuxWeightDevice? {
        var major: Int64?, minor: Int64?, weight: UInt16?, leafWeight: UInt16?
        guard object({ r, key in
            switch key {
            case "major": return r.once(&major) { $0.integer() }
            case "minor": return r.once(&minor) { $0.integer() }
            case "weight": return r.once(&weight) { $0.integer() }
            case "leafWeight": return r.once(&leafWeight) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxWeightDevice(major: major ?? 0, minor: minor ?? 0, weight: weight, leafWeight: leafWeight)
    }

    mutating func throttleDevice() -> LinuxThrottleDevice? {
        var major: Int64?, minor: Int64?, rate: UInt64?
        guard object({ r, key in
            switch key {
            case "major": return r.once(&major) { $0.integer() }
            case "minor": return r.once(&minor) { $0.integer() }
            case "rate": return r.once(&rate) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxThrottleDevice(major: major ?? 0, minor: minor ?? 0, rate: rate ?? 0)
    }

    mutating func hugepageLimit() -> LinuxHugepageLimit? {
        var pageSize: String?, limit: UInt64?
        guard object({ r, key in
            switch key {
            case "pageSize": return r.once(&pageSize) { $0.string() }
            case "limit": return r.once(&limit) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxHugepageLimit(pageSize: pageSize ?? "", limit: limit ?? 0)
    }

    mutating func network() -> LinuxNetwork? {
        var classID: UInt32?, priorities: [LinuxInterfacePriority]?
        guard object({ r, key in
            switch key {
            case "classID": return r.once(&classID) { $0.integer() }
            case "priorities": return r.once(&priorities) { $0.array { $0.interfacePriority() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxNetwork(classID: classID, priorities: priorities)
    }

    mutating func interfacePriority() -> LinuxInterfacePriority? {
        var name: String?, priority: UInt32?
        guard object({ r, key in
            switch key {
            case "name": return r.once(&name) { $0.string() }
            case "priority": return r.once(&priority) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxInterfacePriority(name: name ?? "", priority: priority ?? 0)
    }

    mutating func rdma() -> LinuxRdma? {
        var hcaHandles: UInt32?, hcaObjects: UInt32?
        guard object({ r, key in
            switch key {
            case "hcaHandles": return r.once(&hcaHandles) { $0.integer() }
            case "hcaObjects": return r.once(&hcaObjects) { $0.integer() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxRdma(hcaHandles: hcaHandles, hcaObjects: hcaObjects)
    }

    mutating func seccomp() -> LinuxSeccomp? {
        var defaultAction: String?, defaultErrnoRet: UInt?, architectures: [String]?, flags: [String]?
        var listenerPath: String?, listenerMetadata: String?, syscalls: [LinuxSyscall]?
        guard object({ r, key in
            switch key {
            case "defaultAction": return r.once(&defaultAction) { $0.string() }
            case "defaultErrnoRet": return r.once(&defaultErrnoRet) { $0.integer() }
            case "architectures": return r.once(&architectures) { $0.strings() }
            case "flags": return r.once(&flags) { $0.strings() }
            case "listenerPath": return r.once(&listenerPath) { $0.string() }
            case "listenerMetadata": return r.once(&listenerMetadata) { $0.string() }
            case "syscalls": return r.once(&syscalls) { $0.array { $0.syscall() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxSeccomp(defaultAction: defaultAction ?? "", defaultErrnoRet: defaultErrnoRet, architectures: architectures,
                            flags: flags, listenerPath: listenerPath, listenerMetadata: listenerMetadata, syscalls: syscalls)
    }

    mutating func syscall() -> LinuxSyscall? {
        var names: [String]?, action: String?, errnoRet: UInt?, args: [LinuxSeccompArg]?
        guard object({ r, key in
            switch key {
            case "names": return r.once(&names) { $0.strings() }
            case "action": return r.once(&action) { $0.string() }
            case "errnoRet": return r.once(&errnoRet) { $0.integer() }
            case "args": return r.once(&args) { $0.array { $0.seccompArg() } }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxSyscall(names: names ?? [], action: action ?? "", errnoRet: errnoRet, args: args)
    }

    mutating func seccompArg() -> LinuxSeccompArg? {
        var index: UInt?, value: UInt64?, valueTwo: UInt64?, op: String?
        guard object({ r, key in
            switch key {
            case "index": return r.once(&index) { $0.integer() }
            case "value": return r.once(&value) { $0.integer() }
            case "valueTwo": return r.once(&valueTwo) { $0.integer() }
            case "op": return r.once(&op) { $0.string() }
            default: return r.skipValue()
            }
        }) else { return nil }
        return LinuxSeccompArg(index: index ?? 0, value: value ?? 0, valueTwo: valueTwo, op: op ?? "")
    }
}
