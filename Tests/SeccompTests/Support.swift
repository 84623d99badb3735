import CSeccomp
import Foundation
import OCISpec
@testable import Seccomp

/// A classic-BPF interpreter for seccomp programs, enough for what libseccomp and the
/// -ENOSYS stub emit, so that a compiled profile can be checked call by call without
/// loading it.
struct BPFMachine {
    struct Call {
        var nr: Int32
        var arch: UInt32
        var args: [UInt64] = []
    }

    enum Failure: Error, CustomStringConvertible {
        case unsupported(code: UInt16, at: Int)
        case fellOff
        case outOfBounds(Int)

        var description: String {
            switch self {
            case .unsupported(let code, let pc): return "unsupported opcode \(code) at \(pc)"
            case .fellOff: return "program ran off its end"
            case .outOfBounds(let pc): return "jump out of the program at \(pc)"
            }
        }
    }

    let program: [sock_filter]

    init(_ bytes: [UInt8]) {
        let count = bytes.count / MemoryLayout<sock_filter>.size
        program = [sock_filter](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }

    /// The 32-bit word at `offset` of struct seccomp_data (host byte order).
    static func word(_ call: Call, at offset: UInt32) -> UInt32 {
        switch offset {
        case 0: return UInt32(bitPattern: call.nr)
        case 4: return call.arch
        case 8, 12: return 0
        default:
            let index = Int(offset - 16) / 8
            let arg = index < call.args.count ? call.args[index] : 0
            let high = (offset - 16) % 8 == 4
            return high ? UInt32(truncatingIfNeeded: arg >> 32) : UInt32(truncatingIfNeeded: arg)
        }
    }

    func run(_ call: Call) throws -> UInt32 {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        while pc < program.count {
            let insn = program[pc]
            let k = insn.k
            pc += 1
            switch insn.code {
            case 0x20: a = Self.word(call, at: k)  // ld [k]
            case 0x00: a = k  // ld #k
            case 0x01: x = k  // ldx #k
            case 0x60: a = memory[Int(k)]  // ld M[k]
            case 0x61: x = memory[Int(k)]  // ldx M[k]
            case 0x02: memory[Int(k)] = a  // st M[k]
            case 0x03: memory[Int(k)] = x  // stx M[k]
            case 0x07: x = a  // tax
            case 0x87: a = x  // txa
            case 0x54: a &= k  // and #k
            case 0x44: a |= k  // or #k
            case 0x05: pc += Int(k)  // ja
            case 0x15, 0x25, 0x35, 0x45:
                let taken: Bool
                switch insn.code {
                case 0x15: taken = a == k
                case 0x25: taken = a > k
                case 0x35: taken = a >= k
                default: taken = a & k != 0
                }
                pc += Int(taken ? insn.jt : insn.jf)
            case 0x06: return k  // ret #k
            case 0x16: return a  // ret a
            default: throw Failure.unsupported(code: insn.code, at: pc - 1)
            }
            if pc > program.count { throw Failure.outOfBounds(pc) }
        }
        throw Failure.fellOff
    }
}

enum Action {
    static let allow: UInt32 = 0x7fff_0000
    static let killThread: UInt32 = 0
    static let killProcess: UInt32 = 0x8000_0000
    static let trap: UInt32 = 0x0003_0000
    static let log: UInt32 = 0x7ffc_0000
    static let notify: UInt32 = 0x7fc0_0000
    static func errno(_ value: Int32) -> UInt32 { 0x0005_0000 | UInt32(value) }
    static func trace(_ value: UInt32) -> UInt32 { 0x7ff0_0000 | value }
}

enum Arch {
    static let x86_64: UInt32 = 0xc000_003e
    static let x86: UInt32 = 0x4000_0003
    static let aarch64: UInt32 = 0xc000_00b7
    static let x32Bit: UInt32 = 0x4000_0000
}

/// The syscall number on the native architecture.
func nr(_ name: String) -> Int32 {
    seccomp_syscall_resolve_name(name)
}

func nr(_ name: String, arch: String) -> Int32 {
    seccomp_syscall_resolve_name_arch(seccomp_arch_resolve_name(arch), name)
}

let nativeArch = seccomp_arch_native()

/// Compiles and runs one call through the program.
func verdict(_ config: LinuxSeccomp, _ name: String, args: [UInt64] = [], arch: UInt32 = nativeArch) throws -> UInt32 {
    let program = try SeccompProgram.compile(config)
    return try BPFMachine(program.exportBPF()).run(.init(nr: nr(name), arch: arch, args: args))
}

func rule(_ names: [String], _ action: LinuxSeccompAction, errnoRet: UInt? = nil, args: [LinuxSeccompArg]? = nil) -> LinuxSyscall {
    LinuxSyscall(names: names, action: action.rawValue, errnoRet: errnoRet, args: args)
}

/// Expects a compile error and returns its text.
func compileError(_ config: LinuxSeccomp) -> String? {
    do {
        _ = try SeccompProgram.compile(config)
        return nil
    } catch {
        return error.description
    }
}

/// Every syscall name libseccomp knows on the native architecture: an allow list the size
/// of Docker's default profile.
func nativeSyscallNames() -> [String] {
    var names: [String] = []
    for number in Int32(0)..<Int32(1024) {
        guard let name = seccomp_syscall_resolve_num_arch(nativeArch, number) else { continue }
        names.append(String(cString: name))
        free(name)
    }
    return names
}

/// The architectures a Docker profile lists on this host.
var hostFamily: [String] {
    #if arch(x86_64)
    ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    #elseif arch(arm64)
    ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    #else
    []
    #endif
}
