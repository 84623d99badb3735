#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import Cgroups
import LinuxSys
import OCISpec

/// Runs a device program the way the kernel would, for the few opcodes such programs use,
/// so that tests can ask what it decides without attaching it anywhere.
struct DeviceProgramInterpreter {
    enum DeviceType: UInt32 { case block = 1, char = 2 }
    let instructions: [UInt64]

    init(_ program: DeviceProgram) { instructions = program.instructions }

    /// The program's verdict for an access ("r", "w", "m" or a combination).
    func allows(_ type: DeviceType, major: UInt32, minor: UInt32, _ access: String) -> Bool {
        let bits = UInt32(DeviceProgram.accessBits(access))
        let context = [bits << 16 | type.rawValue, major, minor]
        var registers = [UInt64](repeating: 0, count: 11)
        var pc = 0
        while pc < instructions.count {
            let insn = instructions[pc]
            let opcode = UInt8(insn & 0xFF)
            let dst = Int((insn >> 8) & 0xF), src = Int((insn >> 12) & 0xF)
            let offset = Int(Int16(bitPattern: UInt16((insn >> 16) & 0xFFFF)))
            let imm = Int32(bitPattern: UInt32(insn >> 32))
            pc += 1
            switch opcode {
            case 0x61:
                precondition(src == 1 && offset % 4 == 0 && offset / 4 < context.count, "load outside the context")
                registers[dst] = UInt64(context[offset / 4])
            case 0x54: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) & UInt32(bitPattern: imm))
            case 0x74: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) >> UInt32(imm))
            case 0xbf: registers[dst] = registers[src]
            case 0xb7: registers[dst] = UInt64(bitPattern: Int64(imm))
            case 0x15: if registers[dst] == UInt64(bitPattern: Int64(imm)) { pc += offset }
            case 0x55: if registers[dst] != UInt64(bitPattern: Int64(imm)) { pc += offset }
            case 0x95: return registers[0] == 1
            default: preconditionFailure("unexpected opcode \(opcode)")
            }
        }
        preconditionFailure("the program ran off its end")
    }
}

@Suite("cgroup v2 device programs")
struct DeviceProgramTests {
    func program(_ rules: [LinuxDeviceCgroup]) throws -> DeviceProgramInterpreter {
        DeviceProgramInterpreter(DeviceProgram.build(try DeviceRule.parse(rules)))
    }

    @Test("deny all, then exceptions: an access must fit within one exception")
    func denyAllWithExceptions() throws {
        let p = try program([
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 0, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "b", major: 8, minor: 0, access: "r"),
            LinuxDeviceCgroup(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        ])
        #expect(p.allows(.char, major: 1, minor: 3, "rw"))
        #expect(p.allows(.char, major: 1, minor: 3, "m"))
        #expect(!p.allows(.block, major: 1, minor: 3, "r"), "the type must match")
        #expect(!p.allows(.char, major: 1, minor: 5, "r"))
        #expect(p.allows(.char, major: 5, minor: 0, "rw"))
        #expect(!p.allows(.char, major: 5, minor: 0, "rwm"), "no single exception covers rwm")
        #expect(p.allows(.char, major: 136, minor: 42, "rw"), "a wildcard minor")
        #expect(p.allows(.block, major: 8, minor: 0, "r"))
        #expect(!p.allows(.block, major: 8, minor: 0, "w"))
        #expect(!p.allows(.block, major: 8, minor: 0, "rw"), "one exception must cover every bit asked for")
        #expect(p.allows(.char, major: 200, minor: 1, "m"), "mknod of any char device")
        #expect(!p.allows(.char, major: 200, minor: 1, "r"))
        #expect(!p.allows(.block, major: 200, minor: 1, "m"))
    }

    @Test("allow all, then exceptions: any asked-for bit in an exception denies")
    func allowAllWithExceptions() throws {
        let p = try program([
            LinuxDeviceCgroup(allow: true, access: "rwm"),
            LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 3, access: "w"),
            LinuxDeviceCgroup(allow: false, type: "b", major: nil, minor: nil, access: "rwm"),
        ])
        #expect(p.allows(.char, major: 1, minor: 3, "r"))
        #expect(!p.allows(.char, major: 1, minor: 3, "w"))
        #expect(!p.allows(.char, major: 1, minor: 3, "rw"))
        #expect(p.allows(.char, major: 10, minor: 200, "rwm"))
        #expect(!p.allows(.block, major: 8, minor: 0, "r"))
    }

    @Test("no rules at all denies everything; a later 'a' rule resets what came before")
    func resets() throws {
        let none = try program([])
        #expect(!none.allows(.char, major: 1, minor: 3, "r"))
        let reset = try program([
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: false, type: "a"),
        ])
        #expect(!reset.allows(.char, major: 1, minor: 3, "r"))
        let all = try program([LinuxDeviceCgroup(allow: true, type: "a")])
        #expect(all.allows(.block, major: 259, minor: 7, "rwm"))
    }

    @Test("a later deny takes access away from an earlier allow")
    func laterDeny() throws {
        let p = try program([
            LinuxDeviceCgroup(allow: false),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 3, access: "w"),
        ])
        #expect(p.allows(.char, major: 1, minor: 3, "r"))
        #expect(!p.allows(.char, major: 1, minor: 3, "w"))
    }

    @Test("runc's default device list, as hako adds it to every container")
    func defaultDevices() throws {
        let p = try program([LinuxDeviceCgroup(allow: false, access: "rwm")] + [
            (1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2),
        ].map { LinuxDeviceCgroup(allow: true, type: "c", major: $0.0, minor: $0.1, access: "rwm") }
            + [LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rwm")])
        for (major, minor) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2), (136, 0)] as [(UInt32, UInt32)] {
            #expect(p.allows(.char, major: major, minor: minor, "rw"))
        }
        #expect(!p.allows(.char, major: 1, minor: 1, "r"), "/dev/mem")
        #expect(!p.allows(.char, major: 1, minor: 11, "w"), "/dev/kmsg")
        #expect(!p.allows(.block, major: 8, minor: 0, "r"))
    }

    @Test("the encoding is struct bpf_insn: code, dst/src nibbles, off, imm")
    func encoding() {
        let exit = DeviceProgram.Instruction.exit.encoded
        #expect(exit == 0x95)
        let jump = DeviceProgram.Instruction.jumpIfNotEqual(4, 136, -2).encoded
        #expect(jump == 0x0000_0088_FFFE_0455)
        let load = DeviceProgram.Instruction.loadWord(into: 5, from: 1, offset: 8).encoded
        #expect(load == 0x0000_0000_0008_1561)
    }
}

/// The same programs, attached for real to a cgroup2 directory of this host (the unified
/// mount of a hybrid host will do: device programs need no controller), and felt by a
/// shell moved into it.
@Suite("device programs in the kernel", .serialized)
struct DeviceProgramKernelTests {
    static let cgroup2: String? = {
        guard getuid() == 0, let host = try? CgroupHost.detect() else { return nil }
        return host.unified?.mountPoint
    }()

    /// Runs `script` in a shell that first moves itself into `dir`; returns its exit code.
    func runInCgroup(_ dir: String, _ script: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "echo $$ > \(dir)/cgroup.procs || exit 99; \(script)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("a program attached by the v2 manager decides what a process in the cgroup may open",
          .enabled(if: cgroup2 != nil, "needs root and a cgroup2 mount"))
    func attachedAndFelt() throws {
        let root = try #require(Self.cgroup2)
        let dir = root + "/hako-device-program-\(getpid())"
        try check(mkdir(dir, 0o755), "mkdir", path: dir)
        defer { rmdir(dir) }
        let host = try CgroupHost.detect()
        let manager = V2Manager(host: host, directory: dir)
        let rules = [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r"),
        ]
        try manager.apply(resources: LinuxResources(devices: rules))
        #expect(manager.devicesEnforced)
        let programs = try attachedPrograms(dir)
        #expect(programs.count == 1)

        #expect(try runInCgroup(dir, "echo x > /dev/null") == 0)
        #expect(try runInCgroup(dir, "head -c 1 /dev/zero >/dev/null") == 0)
        #expect(try runInCgroup(dir, "echo x > /dev/zero") != 0, "write to 1:5 is not allowed")
        #expect(try runInCgroup(dir, "head -c 1 /dev/urandom >/dev/null") != 0, "1:9 is not in the list")

        // An update replaces the program: the old one is detached, never two at once after it.
        try manager.apply(resources: LinuxResources(devices: rules + [LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "r")]))
        let after = try attachedPrograms(dir)
        #expect(after.count == 1)
        #expect(after != programs)
        #expect(try runInCgroup(dir, "head -c 1 /dev/urandom >/dev/null") == 0)
    }

    func attachedPrograms(_ dir: String) throws -> [UInt32] {
        let fd = try check(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", path: dir)
        defer { close(fd) }
        return try DevicePrograms.attached(fd, directory: dir).ids
    }
}
