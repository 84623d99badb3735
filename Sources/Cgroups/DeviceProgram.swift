#if canImport(Glibc)
import Glibc
#endif
import CLinux
import LinuxSys

/// cgroup v2 has no devices.allow/deny files: device access is decided by eBPF programs of
/// type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This builds one program from
/// the same normalised rules the v1 files get (`DeviceState`), so that a container sees
/// the same devices on either version.
///
/// The kernel calls the program with a `struct bpf_cgroup_dev_ctx` (access_type, major,
/// minor: three u32) on every open, mknod and (for block devices) access check; the
/// program returns 1 to allow, 0 to deny. The rules are matched exactly as the v1
/// controller matches its exceptions:
/// - default deny: allowed when one exception covers the type, the numbers and every
///   access bit asked for;
/// - default allow: denied when one exception covers the type and the numbers and any
///   access bit asked for.
///
/// Written here rather than taken from a library: the program is a few dozen fixed
/// instructions, and libbpf would add a dependency (and ELF loading) for nothing.
public struct DeviceProgram: Equatable, Sendable {
    /// The instructions, each a `struct bpf_insn` packed into 8 little-endian bytes.
    public let instructions: [UInt64]

    /// The license string the kernel asks for with every program.
    public static let license = "Apache"

    /// The program for a v1-style rule list, applied in order from "deny all" as runc does.
    static func build(_ rules: [DeviceRule]) -> DeviceProgram {
        build(DeviceState.target(rules))
    }

    static func build(_ state: DeviceState) -> DeviceProgram {
        var code: [Instruction] = [
            // r2 = device type, r3 = access bits, r4 = major, r5 = minor.
            .loadWord(into: 2, from: 1, offset: 0),
            .and32(2, 0xFFFF),
            .loadWord(into: 3, from: 1, offset: 0),
            .shiftRight32(3, 16),
            .loadWord(into: 4, from: 1, offset: 4),
            .loadWord(into: 5, from: 1, offset: 8),
        ]
        // Each exception is a block that falls through to the next when it does not match
        // and returns the opposite of the default when it does.
        for exception in state.exceptions {
            guard let match = Match(key: exception.key) else { continue }
            var tests: [Instruction] = []
            if let type = match.type { tests.append(.jumpIfNotEqual(2, type, 0)) }
            if let major = match.major { tests.append(.jumpIfNotEqual(4, major, 0)) }
            if let minor = match.minor { tests.append(.jumpIfNotEqual(5, minor, 0)) }
            let mask = Self.accessBits(exception.access)
            if state.defaultAllow {
                // Denied when any asked-for bit is in the exception's access.
                if mask != Self.allAccess {
                    tests += [.move64(1, fromRegister: 3), .and32(1, mask), .jumpIfEqual(1, 0, 0)]
                }
            } else if mask != Self.allAccess {
                // Allowed only when every asked-for bit is in the exception's access.
                tests += [.move64(1, fromRegister: 3), .and32(1, ~mask & Self.allAccess), .jumpIfNotEqual(1, 0, 0)]
            }
            let verdict: [Instruction] = [.move64(0, immediate: state.defaultAllow ? 0 : 1), .exit]
            // Every test jumps past the rest of the block (the tests after it and the verdict).
            for index in tests.indices where tests[index].isConditionalJump {
                tests[index].offset = Int16(tests.count - index - 1 + verdict.count)
            }
            code += tests + verdict
        }
        code += [.move64(0, immediate: state.defaultAllow ? 1 : 0), .exit]
        return DeviceProgram(instructions: code.map(\.encoded))
    }

    /// BPF_DEVCG_ACC_MKNOD, _READ, _WRITE.
    static let allAccess: Int32 = 0b111
    static func accessBits(_ access: String) -> Int32 {
        (access.contains("m") ? 1 : 0) | (access.contains("r") ? 2 : 0) | (access.contains("w") ? 4 : 0)
    }

    /// An exception's key ("c 1:3", "b *:*") as the values the program compares.
    struct Match {
        /// BPF_DEVCG_DEV_BLOCK (1) or BPF_DEVCG_DEV_CHAR (2); nil matches both.
        var type: Int32?
        var major: Int32?
        var minor: Int32?

        init?(key: String) {
            let parts = key.split(separator: " ")
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "c": type = 2
            case "b": type = 1
            case "a": type = nil
            default: return nil
            }
            let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard numbers.count == 2 else { return nil }
            func number(_ text: Substring) -> Int32?? {
                if text == "*" { return .some(nil) }
                guard let value = UInt32(text) else { return nil }
                return .some(Int32(bitPattern: value))
            }
            guard let major = number(numbers[0]), let minor = number(numbers[1]) else { return nil }
            self.major = major
            self.minor = minor
        }
    }

    /// One `struct bpf_insn`.
    struct Instruction {
        var opcode: UInt8
        var destination: UInt8
        var source: UInt8 = 0
        var offset: Int16 = 0
        var immediate: Int32 = 0

        // Opcodes from <linux/bpf.h> and <linux/bpf_common.h>.
        static let ldxMemWord: UInt8 = 0x61   // BPF_LDX | BPF_MEM | BPF_W
        static let alu32AndK: UInt8 = 0x54    // BPF_ALU | BPF_AND | BPF_K
        static let alu32RshK: UInt8 = 0x74    // BPF_ALU | BPF_RSH | BPF_K
        static let alu64MovX: UInt8 = 0xbf    // BPF_ALU64 | BPF_MOV | BPF_X
        static let alu64MovK: UInt8 = 0xb7    // BPF_ALU64 | BPF_MOV | BPF_K
        static let jumpEqK: UInt8 = 0x15      // BPF_JMP | BPF_JEQ | BPF_K
        static let jumpNeK: UInt8 = 0x55      // BPF_JMP | BPF_JNE | BPF_K
        static let exitOpcode: UInt8 = 0x95   // BPF_JMP | BPF_EXIT

        static func loadWord(into dst: UInt8, from src: UInt8, offset: Int16) -> Instruction {
            Instruction(opcode: ldxMemWord, destination: dst, source: src, offset: offset)
        }
        static func and32(_ dst: UInt8, _ value: Int32) -> Instruction {
            Instruction(opcode: alu32AndK, destination: dst, immediate: value)
        }
        static func shiftRight32(_ dst: UInt8, _ bits: Int32) -> Instruction {
            Instruction(opcode: alu32RshK, destination: dst, immediate: bits)
        }
        static func move64(_ dst: UInt8, fromRegister src: UInt8) -> Instruction {
            Instruction(opcode: alu64MovX, destination: dst, source: src)
        }
        static func move64(_ dst: UInt8, immediate: Int32) -> Instruction {
            Instruction(opcode: alu64MovK, destination: dst, immediate: immediate)
        }
        static func jumpIfEqual(_ dst: UInt8, _ value: Int32, _ offset: Int16) -> Instruction {
            Instruction(opcode: jumpEqK, destination: dst, offset: offset, immediate: value)
        }
        static func jumpIfNotEqual(_ dst: UInt8, _ value: Int32, _ offset: Int16) -> Instruction {
            Instruction(opcode: jumpNeK, destination: dst, offset: offset, immediate: value)
        }
        static let exit = Instruction(opcode: exitOpcode, destination: 0)

        var isConditionalJump: Bool { opcode == Self.jumpEqK || opcode == Self.jumpNeK }

        /// code (8 bits), dst_reg (low 4 bits), src_reg (high 4 bits), off (16), imm (32).
        var encoded: UInt64 {
            UInt64(opcode)
                | UInt64((destination & 0xF) | (source & 0xF) << 4) << 8
                | UInt64(UInt16(bitPattern: offset)) << 16
                | UInt64(UInt32(bitPattern: immediate)) << 32
        }
    }
}

/// Loading and attaching device programs on the host (bpf(2)).
enum DevicePrograms {
    /// BPF_F_ALLOW_MULTI: other programs (systemd's, a parent's) stay attached, and all
    /// of them must allow an access.
    static let allowMulti: UInt32 = 1 << 1

    /// Attaches `program` to the cgroup directory, then detaches the programs that were
    /// attached there before, so that an update never leaves the cgroup without one.
    static func replace(_ directory: String, with program: DeviceProgram) throws(SysError) {
        let cgroup = try check(open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "opening cgroup", path: directory)
        defer { close(cgroup) }
        let old = try attached(cgroup, directory: directory)
        let loaded = try load(program)
        defer { close(loaded) }
        var attachedNew = hako_bpf_attach_cgroup_device(cgroup, loaded, allowMulti) == 0
        if !attachedNew && errno == EPERM && !old.ids.isEmpty && old.flags & allowMulti == 0 {
            // Someone attached a program without BPF_F_ALLOW_MULTI, which excludes any
            // other: take it off first (the cgroup is briefly unguarded, as with runc).
            for id in old.ids { try? detach(cgroup, id: id, directory: directory) }
            attachedNew = hako_bpf_attach_cgroup_device(cgroup, loaded, allowMulti) == 0
        }
        if !attachedNew { throw SysError("attaching the device eBPF program (BPF_PROG_ATTACH) to", path: directory, errno: errno) }
        for id in old.ids { try detach(cgroup, id: id, directory: directory) }
    }

    /// The ids of the device programs attached directly to the cgroup, and the flags.
    static func attached(_ cgroup: Int32, directory: String) throws(SysError) -> (ids: [UInt32], flags: UInt32) {
        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        var flags: UInt32 = 0
        let rc = ids.withUnsafeMutableBufferPointer { hako_bpf_query_cgroup_device(cgroup, $0.baseAddress, &count, &flags) }
        try check(rc, "listing device eBPF programs (BPF_PROG_QUERY) of", path: directory)
        return (Array(ids.prefix(Int(count))), flags)
    }

    private static func detach(_ cgroup: Int32, id: UInt32, directory: String) throws(SysError) {
        let fd = hako_bpf_prog_fd_by_id(id)
        if fd < 0 && errno == ENOENT { return }
        try check(fd, "opening device eBPF program \(id) of", path: directory)
        defer { close(fd) }
        if hako_bpf_detach_cgroup_device(cgroup, fd) < 0 && errno != ENOENT {
            throw SysError("detaching device eBPF program \(id) (BPF_PROG_DETACH) from", path: directory, errno: errno)
        }
    }

    /// BPF_PROG_LOAD. A rejected program is loaded again with the verifier's log on (not
    /// the first time: a log that outgrows its buffer fails the load) for the error.
    private static func load(_ program: DeviceProgram) throws(SysError) -> Int32 {
        let fd = program.instructions.withUnsafeBytes { insns in
            hako_bpf_load_cgroup_device(insns.baseAddress, UInt32(program.instructions.count), DeviceProgram.license, nil, 0)
        }
        if fd >= 0 { return fd }
        let code = errno
        var log = [CChar](repeating: 0, count: 1 << 20)
        let again = program.instructions.withUnsafeBytes { insns in
            log.withUnsafeMutableBufferPointer { buffer in
                hako_bpf_load_cgroup_device(insns.baseAddress, UInt32(program.instructions.count), DeviceProgram.license,
                                            buffer.baseAddress, UInt32(buffer.count))
            }
        }
        if again >= 0 { return again }
        let verifier = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let lines = verifier.split(separator: "\n").suffix(3).joined(separator: "; ")
        throw SysError("loading the device eBPF program (BPF_PROG_LOAD)" + (lines.isEmpty ? "" : " (verifier: \(lines))"), errno: code)
    }
}
