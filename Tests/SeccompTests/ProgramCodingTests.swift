import CSeccomp
import Glibc
import OCISpec
@testable import Seccomp
import Testing

@Suite("compiled programs as cache files")
struct ProgramCodingTests {
    let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], syscalls: [
        LinuxSyscall(names: ["read", "write", "exit_group", "no_such_syscall_name"], action: "SCMP_ACT_ALLOW"),
        LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY"),
    ])

    @Test("a program survives its encoding: same instructions, flags, notify and skipped names")
    func roundTrip() throws {
        let program = try SeccompProgram.compile(config)
        let key = try #require(SeccompProgram.cacheKey(config))
        let decoded = try #require(SeccompProgram(cached: program.encoded(key: key), key: key))
        #expect(decoded.instructions.elementsEqual(program.instructions) { $0.code == $1.code && $0.jt == $1.jt && $0.jf == $1.jf && $0.k == $1.k })
        #expect(decoded.filterFlags == program.filterFlags && decoded.usesNotify && decoded.skippedSyscalls == ["no_such_syscall_name"])
    }

    @Test("another key, another format or a cut file gives nothing")
    func refused() throws {
        let program = try SeccompProgram.compile(config)
        let key = try #require(SeccompProgram.cacheKey(config))
        let bytes = program.encoded(key: key)
        var other = config
        other.defaultAction = "SCMP_ACT_ALLOW"
        let otherKey = try #require(SeccompProgram.cacheKey(other))
        #expect(otherKey != key)
        #expect(SeccompProgram(cached: bytes, key: otherKey) == nil)
        #expect(SeccompProgram(cached: Array(bytes.dropLast()), key: key) == nil)
        #expect(SeccompProgram(cached: bytes + [0], key: key) == nil)
        #expect(SeccompProgram(cached: [0x00] + Array(bytes.dropFirst()), key: key) == nil)
        #expect(SeccompProgram(cached: [], key: key) == nil)
    }

    @Test("the key names the libseccomp version and API level, then the profile with sorted keys")
    func key() throws {
        let key = try #require(SeccompProgram.cacheKey(config))
        let text = String(decoding: key, as: UTF8.self)
        #expect(text.hasPrefix("libseccomp 2."))
        #expect(text.contains(" api \(seccomp_api_get())\n{\"architectures\":"))
    }
}
