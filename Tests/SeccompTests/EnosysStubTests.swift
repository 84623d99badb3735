import CSeccomp
import OCISpec
@testable import Seccomp
import Testing

@Suite("the -ENOSYS stub")
struct EnosysStubTests {
    static let enosys = Action.errno(38)

    /// A Docker-like profile: EPERM by default, an allow list, the x86 family.
    static let profile = LinuxSeccomp(
        defaultAction: "SCMP_ACT_ERRNO",
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [rule(["read", "write", "exit_group", "openat", "futex"], .allow)]
    )

    func run(_ config: LinuxSeccomp, nr: Int32, arch: UInt32) throws -> UInt32 {
        try BPFMachine(SeccompProgram.compile(config).exportBPF()).run(.init(nr: nr, arch: arch))
    }

    @Test("x86_64: syscalls newer than the profile's newest get ENOSYS, older unknown ones EPERM")
    func x86_64() throws {
        let largest = ["read", "write", "exit_group", "openat", "futex"].map { nr($0, arch: "x86_64") }.max()!
        #expect(try run(Self.profile, nr: nr("read", arch: "x86_64"), arch: Arch.x86_64) == Action.allow)
        #expect(try run(Self.profile, nr: nr("getcwd", arch: "x86_64"), arch: Arch.x86_64) == Action.errno(1))
        #expect(try run(Self.profile, nr: largest, arch: Arch.x86_64) == Action.allow)
        #expect(try run(Self.profile, nr: largest + 1, arch: Arch.x86_64) == Self.enosys)
        #expect(try run(Self.profile, nr: 1000, arch: Arch.x86_64) == Self.enosys)
    }

    @Test("x32 calls are measured against the x32 table")
    func x32() throws {
        let largest = ["read", "write", "exit_group", "openat", "futex"].map { nr($0, arch: "x32") }.max()!
        #expect(UInt32(largest) & Arch.x32Bit != 0)
        #expect(try run(Self.profile, nr: nr("read", arch: "x32"), arch: Arch.x86_64) == Action.allow)
        #expect(try run(Self.profile, nr: largest + 1, arch: Arch.x86_64) == Self.enosys)
        #expect(try run(Self.profile, nr: Int32(bitPattern: Arch.x32Bit) + 600, arch: Arch.x86_64) == Self.enosys)
    }

    @Test("i386 has its own limit")
    func i386() throws {
        let largest = ["read", "write", "exit_group", "openat", "futex"].map { nr($0, arch: "x86") }.max()!
        #expect(try run(Self.profile, nr: nr("read", arch: "x86"), arch: Arch.x86) == Action.allow)
        #expect(try run(Self.profile, nr: largest, arch: Arch.x86) == Action.allow)
        #expect(try run(Self.profile, nr: largest + 1, arch: Arch.x86) == Self.enosys)
    }

    @Test("x86_64 without x32 in the profile: x32 calls go to the filter unchecked")
    func x86_64Alone() throws {
        var config = Self.profile
        config.architectures = ["SCMP_ARCH_X86_64"]
        #expect(try run(config, nr: 1000, arch: Arch.x86_64) == Self.enosys)
        // libseccomp's filter has no x32 table here, so it does not allow x32 read.
        #expect(try run(config, nr: Int32(bitPattern: Arch.x32Bit) + 600, arch: Arch.x86_64) != Self.enosys)
    }

    @Test("no stub when the default lets calls run or already is ENOSYS")
    func noStub() throws {
        #expect(!SeccompProgram.wantsEnosysStub(.allow, errnoRet: nil))
        #expect(!SeccompProgram.wantsEnosysStub(.log, errnoRet: nil))
        #expect(!SeccompProgram.wantsEnosysStub(.trace, errnoRet: 5))
        #expect(!SeccompProgram.wantsEnosysStub(.errno, errnoRet: 38))
        #expect(SeccompProgram.wantsEnosysStub(.errno, errnoRet: nil))
        #expect(SeccompProgram.wantsEnosysStub(.kill, errnoRet: nil))
        #expect(SeccompProgram.wantsEnosysStub(.trap, errnoRet: nil))
        let allow = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [rule(["read"], .killProcess)])
        #expect(try run(allow, nr: 1000, arch: Arch.x86_64) == Action.allow)
        // Without architectures in the profile there is nothing to measure (runc alike).
        let noArch = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [rule(["read"], .allow)])
        #expect(try run(noArch, nr: 1000, arch: nativeArch) == Action.errno(1))
    }

    @Test("s390x: syscall 0 (the multiplexer) gets ENOSYS")
    func s390x() throws {
        // s390x cannot join a filter on a little-endian host: run the stub alone, in front
        // of a filter that allows everything.
        let s390x = seccomp_arch_resolve_name("s390x")
        let stub = EnosysStub.generate([.init(auditArch: s390x, limits: [.init(arch: .s390x, largest: 300)])])
        let allowAll = sock_filter(code: BPF.returnConstant, jt: 0, jf: 0, k: Action.allow)
        let machine = BPFMachine((stub + [allowAll]).withUnsafeBytes { Array($0) })
        #expect(try machine.run(.init(nr: 0, arch: s390x)) == Self.enosys)
        #expect(try machine.run(.init(nr: 1, arch: s390x)) == Action.allow)
        #expect(try machine.run(.init(nr: 300, arch: s390x)) == Action.allow)
        #expect(try machine.run(.init(nr: 301, arch: s390x)) == Self.enosys)
        // Other architectures pass through untouched.
        #expect(try machine.run(.init(nr: 0, arch: Arch.x86_64)) == Action.allow)
        #expect(try machine.run(.init(nr: 301, arch: Arch.x86_64)) == Action.allow)
    }

    @Test("far targets are reached through long jumps")
    func longJumps() throws {
        var program = BackwardProgram()
        program.statement(BPF.returnConstant, 1)
        let target = program.count
        for _ in 0..<300 { program.statement(BPF.returnConstant, 2) }
        program.branch(BPF.jumpEqual, 7, ifTrue: target)
        program.statement(BPF.loadWord, 0)
        let machine = BPFMachine(program.instructions.withUnsafeBytes { Array($0) })
        #expect(try machine.run(.init(nr: 7, arch: 0)) == 1)
        #expect(try machine.run(.init(nr: 8, arch: 0)) == 2)
        #expect(program.count == 304)
    }
}
