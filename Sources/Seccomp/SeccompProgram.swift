#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSeccomp
import LinuxSys
import OCISpec

/// A seccomp profile (`linux.seccomp`) compiled to the BPF program the kernel runs.
///
/// `compile` does all the work that allocates: it builds the filter with libseccomp, exports
/// it as BPF, puts runc's -ENOSYS stub in front and releases the libseccomp context. `load`
/// is then a single seccomp(2) call on memory that already exists, safe in a child right
/// after fork. This is also how runc loads its filters (patchbpf.PatchAndLoad).
///
/// No filter sets no_new_privs (SCMP_FLTATR_CTL_NNP is off): the runtime sets it when
/// `process.noNewPrivileges` asks. Without it the kernel needs CAP_SYS_ADMIN to load the
/// filter, so the runtime loads it before dropping capabilities in that case.
public struct SeccompProgram: Sendable {
    /// The program as loaded: the -ENOSYS stub (if any) and libseccomp's filter.
    let instructions: [sock_filter]
    /// The SECCOMP_FILTER_FLAG_* bits passed to seccomp(2).
    public let filterFlags: UInt32
    /// The syscall names this libseccomp does not know, which were left out (runc ignores
    /// them too, logging each at debug level); in profile order, without repeats.
    public let skippedSyscalls: [String]
    /// Whether a rule uses SCMP_ACT_NOTIFY, so that `load` returns a listener fd.
    public let usesNotify: Bool

    /// The program's length in BPF instructions.
    public var instructionCount: Int { instructions.count }

    /// Compiles a profile; nothing is loaded. Errors name the JSON path of the field at fault.
    public static func compile(_ config: LinuxSeccomp) throws(SeccompError) -> SeccompProgram {
        let apiLevel = seccomp_api_get()
        let defaultAction = try action(config.defaultAction, at: SeccompPath.defaultAction, apiLevel: apiLevel)
        if defaultAction == .notify {
            // The init process could not even report the listener fd (runc refuses it too).
            throw SeccompError(SeccompPath.defaultAction, reason: "SCMP_ACT_NOTIFY cannot be the default action")
        }
        let defaultValue = defaultAction.value(errnoRet: config.defaultErrnoRet)
        let architectures = try architectures(config.architectures ?? [])
        let flags = try flags(config.flags ?? [], apiLevel: apiLevel)
        var rules: [Rule] = []
        for (i, syscall) in (config.syscalls ?? []).enumerated() {
            rules.append(try Rule(syscall, index: i, apiLevel: apiLevel))
        }

        guard let context = seccomp_init(defaultValue) else {
            throw SeccompError("creating the seccomp filter", errno: EINVAL)
        }
        defer { seccomp_release(context) }

        try add(architectures, to: context)
        try set(flags, on: context)
        // libseccomp's binary-tree layout for long profiles, as runc asks for it beyond 32
        // syscalls (libseccomp up to 2.5.4 misbehaves with it and no rules). Optional: an
        // older libseccomp that lacks it just gets the linear layout.
        if rules.reduce(0, { $0 + $1.names.count }) > 32 {
            _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        }
        let noNewPrivileges = seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0)
        if noNewPrivileges < 0 {
            throw .libseccomp("turning off no_new_privs in the seccomp filter", noNewPrivileges)
        }
        let skipped = try add(rules, to: context, defaultValue: defaultValue)

        var instructions = try export(context)
        if wantsEnosysStub(defaultAction, errnoRet: config.defaultErrnoRet) {
            let groups = enosysGroups(architectures.map(\.arch), rules: rules)
            instructions = EnosysStub.generate(groups) + instructions
        }
        if instructions.count > BPF.maxInstructions {
            throw SeccompError(
                SeccompPath.root,
                reason: "the filter has \(instructions.count) instructions, more than the kernel's limit of \(BPF.maxInstructions)"
            )
        }

        let usesNotify = rules.contains { $0.action == .notify && !$0.names.isEmpty }
        var kernelFlags = flags.reduce(UInt32(0)) { $0 | $1.flag.kernelFlag }
        if usesNotify {
            kernelFlags |= KernelFilterFlag.newListener
            // With a listener, TSYNC must report a thread it could not sync as ESRCH: the
            // return value is the listener fd.
            if kernelFlags & KernelFilterFlag.tsync != 0 { kernelFlags |= KernelFilterFlag.tsyncESRCH }
        }
        return SeccompProgram(
            instructions: instructions, filterFlags: kernelFlags, skippedSyscalls: skipped, usesNotify: usesNotify
        )
    }

    /// Loads the filter into the calling thread with seccomp(2) (SECCOMP_SET_MODE_FILTER).
    /// Returns the listener fd when a rule uses SCMP_ACT_NOTIFY, else nil. Allocates nothing
    /// on success, so a child may call it right after fork.
    public func load() throws(SeccompError) -> Int32? {
        var failure: Int32 = 0
        let result = instructions.withUnsafeBufferPointer { buffer -> Int in
            var program = sock_fprog(len: UInt16(buffer.count), filter: UnsafeMutablePointer(mutating: buffer.baseAddress))
            let result = hako_seccomp_set_mode_filter(filterFlags, &program)
            if result < 0 { failure = errno }
            return result
        }
        if result < 0 { throw SeccompError("loading the seccomp filter", errno: failure) }
        return usesNotify ? Int32(truncatingIfNeeded: result) : nil
    }

    /// The program as raw struct sock_filter records in host byte order, the format of
    /// seccomp_export_bpf(3).
    public func exportBPF() -> [UInt8] {
        instructions.withUnsafeBytes { Array($0) }
    }
}

// MARK: Reading the profile

extension SeccompProgram {
    /// One entry of `linux.seccomp.syscalls`, checked and converted.
    struct Rule {
        var index: Int
        var action: LinuxSeccompAction
        var value: UInt32
        var names: [String]
        /// The libseccomp rules added for each name: the conditions within one are ANDed,
        /// the rules are ORed. runc's matchCall: conditions on distinct arguments make one
        /// rule; as soon as two conditions test the same argument, every condition becomes
        /// a rule of its own (libseccomp cannot AND two tests of one argument).
        var conditionSets: [[scmp_arg_cmp]]

        init(_ syscall: LinuxSyscall, index: Int, apiLevel: UInt32) throws(SeccompError) {
            let path = SeccompPath.rule(index)
            self.index = index
            action = try SeccompProgram.action(syscall.action, at: path + ".action", apiLevel: apiLevel)
            value = action.value(errnoRet: syscall.errnoRet)
            names = syscall.names
            for (j, name) in names.enumerated() {
                if name.isEmpty {
                    throw SeccompError(SeccompPath.name(index, j), reason: "empty syscall name")
                }
                // The init process reports the listener fd with write(2) after loading the
                // filter; a notify rule on write would deadlock it (runc refuses it too).
                if action == .notify && name == "write" {
                    throw SeccompError(SeccompPath.name(index, j), reason: "SCMP_ACT_NOTIFY cannot be used for the write syscall")
                }
            }
            var conditions: [scmp_arg_cmp] = []
            var perArgument = [Int](repeating: 0, count: 6)
            for (j, arg) in (syscall.args ?? []).enumerated() {
                let at = SeccompPath.arg(index, j)
                guard let op = LinuxSeccompOperator(rawValue: arg.op) else {
                    throw SeccompError(at + ".op", reason: "unknown operator \(quoted(arg.op))")
                }
                guard arg.index < 6 else {
                    throw SeccompError(at + ".index", reason: "\(arg.index) is out of range 0...5")
                }
                perArgument[Int(arg.index)] += 1
                conditions.append(
                    scmp_arg_cmp(arg: UInt32(arg.index), op: op.comparison, datum_a: arg.value, datum_b: arg.valueTwo ?? 0)
                )
            }
            if conditions.isEmpty {
                conditionSets = [[]]
            } else if perArgument.contains(where: { $0 > 1 }) {
                conditionSets = conditions.map { [$0] }
            } else {
                conditionSets = [conditions]
            }
        }
    }

    static func action(_ name: String, at path: String, apiLevel: UInt32) throws(SeccompError) -> LinuxSeccompAction {
        guard let action = LinuxSeccompAction(rawValue: name) else {
            throw SeccompError(path, reason: "unknown action \(quoted(name))")
        }
        if apiLevel < action.apiLevel {
            throw SeccompError(
                path,
                reason: "\(name) needs libseccomp API level \(action.apiLevel) (libseccomp >= 2.5.0 and Linux >= 5.7 for SCMP_ACT_NOTIFY), "
                    + "the linked libseccomp \(SeccompFeatures.libseccompVersion) has \(apiLevel) on this kernel"
            )
        }
        return action
    }

    static func architectures(_ names: [String]) throws(SeccompError) -> [(arch: SeccompArch, token: UInt32)] {
        var result: [(arch: SeccompArch, token: UInt32)] = []
        for (i, name) in names.enumerated() {
            guard let arch = SeccompArch(rawValue: name) else {
                throw SeccompError(SeccompPath.architecture(i), reason: "unknown architecture \(quoted(name))")
            }
            guard let token = arch.token else {
                throw SeccompError(
                    SeccompPath.architecture(i),
                    reason: "\(name) is not supported by the linked libseccomp \(SeccompFeatures.libseccompVersion)"
                )
            }
            if !result.contains(where: { $0.arch == arch }) { result.append((arch, token)) }
        }
        return result
    }

    static func flags(_ names: [String], apiLevel: UInt32) throws(SeccompError) -> [(flag: LinuxSeccompFlag, index: Int)] {
        var result: [(flag: LinuxSeccompFlag, index: Int)] = []
        for (i, name) in names.enumerated() {
            let path = SeccompPath.flag(i)
            guard let flag = LinuxSeccompFlag(rawValue: name) else {
                throw SeccompError(path, reason: "unknown flag \(quoted(name))")
            }
            guard LinuxSeccompFlag.settable.contains(flag) else {
                throw SeccompError(path, reason: "\(name) is set by the runtime when needed, not by the profile")
            }
            if let needed = flag.attribute?.apiLevel, apiLevel < needed {
                throw SeccompError(
                    path,
                    reason: "\(name) is not supported by the linked libseccomp \(SeccompFeatures.libseccompVersion) "
                        + "(API level \(apiLevel) on this kernel, \(needed) needed)"
                )
            }
            result.append((flag, i))
        }
        return result
    }

    /// runc's generatePatch: no stub when the default lets calls run or already is ENOSYS.
    static func wantsEnosysStub(_ defaultAction: LinuxSeccompAction, errnoRet: UInt?) -> Bool {
        !defaultAction.letsCallsRun && !(defaultAction == .errno && errnoRet == UInt(ENOSYS))
    }

    /// The largest syscall number the profile names on each of its architectures, for the
    /// -ENOSYS stub. Names of every rule count, also those skipped as repeating the default
    /// action (runc's findLastSyscalls); an architecture without any known name is left out.
    static func enosysGroups(_ architectures: [SeccompArch], rules: [Rule]) -> [EnosysStub.Group] {
        var groups: [EnosysStub.Group] = []
        for arch in architectures {
            guard let token = arch.token else { continue }
            var largest: Int32 = 0
            for rule in rules {
                for name in rule.names {
                    // Pseudo-syscalls (a name the architecture lacks) are negative.
                    largest = max(largest, seccomp_syscall_resolve_name_arch(token, name))
                }
            }
            guard largest > 0 else { continue }
            // x32 shares AUDIT_ARCH_X86_64 with x86_64; libseccomp's x32 token is not an
            // AUDIT_ARCH_* value.
            let auditArch = arch == .x32 ? (SeccompArch.x86_64.token ?? token) : token
            let limit = EnosysStub.Limit(arch: arch, largest: UInt32(largest))
            if let i = groups.firstIndex(where: { $0.auditArch == auditArch }) {
                groups[i].limits.append(limit)
            } else {
                groups.append(EnosysStub.Group(auditArch: auditArch, limits: [limit]))
            }
        }
        return groups
    }
}

// MARK: Building the libseccomp filter

extension SeccompProgram {
    static func add(_ architectures: [(arch: SeccompArch, token: UInt32)], to context: scmp_filter_ctx) throws(SeccompError) {
        for (i, arch) in architectures.enumerated() {
            let result = seccomp_arch_add(context, arch.token)
            // The native architecture is always there already.
            if result == -EEXIST { continue }
            if result == -EDOM {
                // One filter covers one byte order (libseccomp's rule; runc fails here too).
                throw SeccompError(
                    SeccompPath.architecture(i),
                    reason: "\(arch.arch.rawValue) has another byte order than the native architecture"
                )
            }
            if result < 0 {
                throw .libseccomp(SeccompPath.architecture(i) + ": adding \(arch.arch.rawValue)", result)
            }
        }
    }

    static func set(_ flags: [(flag: LinuxSeccompFlag, index: Int)], on context: scmp_filter_ctx) throws(SeccompError) {
        for flag in flags {
            guard let attribute = flag.flag.attribute?.attribute else { continue }
            let result = seccomp_attr_set(context, attribute, 1)
            if result < 0 {
                throw .libseccomp(SeccompPath.flag(flag.index) + ": setting \(flag.flag.rawValue)", result)
            }
        }
    }

    /// Adds the rules; returns the names libseccomp does not know, which are left out.
    static func add(_ rules: [Rule], to context: scmp_filter_ctx, defaultValue: UInt32) throws(SeccompError) -> [String] {
        var skipped: [String] = []
        for rule in rules {
            // A rule that repeats the default action changes nothing, and libseccomp refuses
            // it (EACCES); runc drops it before looking at its names.
            if rule.value == defaultValue { continue }
            for (j, name) in rule.names.enumerated() {
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR {
                    if !skipped.contains(name) { skipped.append(name) }
                    continue
                }
                for conditions in rule.conditionSets {
                    let result = conditions.withUnsafeBufferPointer { buffer in
                        seccomp_rule_add_array(context, rule.value, number, UInt32(buffer.count), buffer.baseAddress)
                    }
                    if result < 0 {
                        throw .libseccomp(SeccompPath.name(rule.index, j) + ": adding the rule for \(quoted(name))", result)
                    }
                }
            }
        }
        return skipped
    }

    /// seccomp_export_bpf(3) into a memfd, read back as instructions.
    static func export(_ context: scmp_filter_ctx) throws(SeccompError) -> [sock_filter] {
        let step = "exporting the seccomp filter"
        let fd = hako_seccomp_memfd("hako-seccomp")
        if fd < 0 { throw SeccompError(step, reason: "memfd_create", errno: errno) }
        defer { close(fd) }
        let result = seccomp_export_bpf(context, fd)
        if result < 0 { throw .libseccomp(step, result) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let offset = off_t(bytes.count)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SeccompError(step, reason: "reading the memfd", errno: errno)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        let size = MemoryLayout<sock_filter>.size
        guard !bytes.isEmpty, bytes.count % size == 0 else {
            throw SeccompError(step, reason: "libseccomp wrote \(bytes.count) bytes, not a whole number of instructions")
        }
        return [sock_filter](unsafeUninitializedCapacity: bytes.count / size) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = bytes.count / size
        }
    }
}
