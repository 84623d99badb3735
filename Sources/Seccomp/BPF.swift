#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import OCISpec

/// The classic BPF opcodes the -ENOSYS stub uses (<linux/bpf_common.h>).
enum BPF {
    /// BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of struct seccomp_data.
    static let loadWord: UInt16 = 0x20
    /// BPF_JMP | BPF_JA: jump forward by k.
    static let jumpAlways: UInt16 = 0x05
    /// BPF_JMP | BPF_JEQ | BPF_K.
    static let jumpEqual: UInt16 = 0x15
    /// BPF_JMP | BPF_JGT | BPF_K (unsigned).
    static let jumpGreater: UInt16 = 0x25
    /// BPF_JMP | BPF_JSET | BPF_K: jump when any bit of k is set.
    static let jumpSet: UInt16 = 0x45
    /// BPF_RET | BPF_K.
    static let returnConstant: UInt16 = 0x06

    /// Offsets of struct seccomp_data's fields.
    static let syscallNumberOffset: UInt32 = 0
    static let archOffset: UInt32 = 4

    /// The limit of a program's length (BPF_MAXINSNS).
    static let maxInstructions = 4096
}

/// Builds a BPF program from its end towards its start, so that the target of every jump
/// is already placed when the jump is written (BPF jumps only go forward).
///
/// A place in the program is named by its distance from the end: 0 is the first instruction
/// after the program (here: the libseccomp filter the stub is put in front of), and the
/// instruction at the front is at distance `count`.
struct BackwardProgram {
    /// The instructions, last one first.
    private var reversed: [sock_filter] = []

    /// The distance of the instruction at the front.
    var count: Int { reversed.count }

    var instructions: [sock_filter] { Array(reversed.reversed()) }

    mutating func statement(_ code: UInt16, _ k: UInt32) {
        reversed.append(sock_filter(code: code, jt: 0, jf: 0, k: k))
    }

    /// An unconditional jump (32-bit offset).
    mutating func jump(to target: Int) {
        statement(BPF.jumpAlways, UInt32(count - target))
    }

    /// A conditional jump; a nil target falls through to the next instruction. The 8-bit
    /// offsets of a conditional jump cannot reach farther than 255 instructions: a farther
    /// target is reached through an unconditional jump placed right after the branch.
    mutating func branch(_ code: UInt16, _ k: UInt32, ifTrue: Int? = nil, ifFalse: Int? = nil) {
        var whenTrue = ifTrue ?? count
        var whenFalse = ifFalse ?? count
        while count - whenTrue > 255 || count - whenFalse > 255 {
            if count - whenTrue > 255 {
                jump(to: whenTrue)
                whenTrue = count
            }
            if count - whenFalse > 255 {
                jump(to: whenFalse)
                whenFalse = count
            }
        }
        reversed.append(sock_filter(code: code, jt: UInt8(count - whenTrue), jf: UInt8(count - whenFalse), k: k))
    }
}

/// runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): put in front of the libseccomp filter,
/// it makes a syscall newer than every syscall the profile names fail with ENOSYS instead of
/// the default action. A profile written before a syscall existed then reads as "this kernel
/// does not have it", so programs fall back (glibc's clone3 to clone, for instance) instead of
/// failing with EPERM. Only the profile's architectures are covered; any other architecture
/// goes straight to the filter.
enum EnosysStub {
    /// The largest syscall number the profile names on one architecture.
    struct Limit: Equatable {
        var arch: SeccompArch
        var largest: UInt32
    }

    /// The limits of one AUDIT_ARCH_* value: one architecture, or x86_64 and x32, which
    /// share AUDIT_ARCH_X86_64 and tell their calls apart by the x32 bit of the number.
    struct Group: Equatable {
        var auditArch: UInt32
        var limits: [Limit]
    }

    /// __X32_SYSCALL_BIT, set in the number of every x32 syscall.
    static let x32Bit: UInt32 = 0x4000_0000

    /// s390 and s390x multiplex syscalls with large numbers through syscall 0 (setup(2),
    /// long gone); an unknown one arrives as 0, so 0 also gets ENOSYS there.
    static let s390Multiplexer: UInt32 = 0

    static func generate(_ groups: [Group]) -> [sock_filter] {
        guard !groups.isEmpty else { return [] }
        let filter = 0
        var program = BackwardProgram()
        program.statement(BPF.returnConstant, hako_scmp_act_errno(UInt16(ENOSYS)))
        let enosys = program.count

        var sections: [(auditArch: UInt32, start: Int)] = []
        for group in groups.reversed() {
            program.jump(to: filter)
            if group.limits.count == 2,
               let x86_64 = group.limits.first(where: { $0.arch == .x86_64 }),
               let x32 = group.limits.first(where: { $0.arch == .x32 }) {
                // x32 calls: compare with the x32 limit.
                program.branch(BPF.jumpGreater, x32.largest, ifTrue: enosys)
                let x32Check = program.count
                program.jump(to: filter)
                program.branch(BPF.jumpGreater, x86_64.largest, ifTrue: enosys)
                program.branch(BPF.jumpSet, x32Bit, ifTrue: x32Check)
            } else if let limit = group.limits.first {
                program.branch(BPF.jumpGreater, limit.largest, ifTrue: enosys)
                switch limit.arch {
                case .x86_64:
                    // Only x86_64 is in the profile: x32 calls go to the filter unchecked.
                    program.branch(BPF.jumpSet, x32Bit, ifTrue: filter)
                case .x32:
                    program.branch(BPF.jumpSet, x32Bit, ifFalse: filter)
                case .s390, .s390x:
                    program.branch(BPF.jumpEqual, s390Multiplexer, ifTrue: enosys)
                default:
                    break
                }
            }
            program.statement(BPF.loadWord, BPF.syscallNumberOffset)
            sections.append((group.auditArch, program.count))
        }
        // An architecture the profile does not name: straight to the filter.
        program.jump(to: filter)
        for section in sections {
            program.branch(BPF.jumpEqual, section.auditArch, ifTrue: section.start)
        }
        program.statement(BPF.loadWord, BPF.archOffset)
        return program.instructions
    }
}
