import CSeccomp
import Glibc
import OCISpec
@testable import Seccomp
import Testing

@Suite("compiling profiles")
struct CompileTests {
    @Test("every action as a rule action, with its libseccomp value", arguments: LinuxSeccompAction.allCases)
    func ruleActions(action: LinuxSeccompAction) throws {
        let expected: UInt32 =
            switch action {
            case .kill, .killThread: Action.killThread
            case .killProcess: Action.killProcess
            case .trap: Action.trap
            case .errno: Action.errno(1)
            case .trace: Action.trace(1)
            case .allow: Action.allow
            case .log: Action.log
            case .notify: Action.notify
            }
        // A rule that repeats the default is dropped, so test ALLOW under an ERRNO default.
        let defaultAction = action == .allow ? LinuxSeccompAction.errno : .allow
        let config = LinuxSeccomp(defaultAction: defaultAction.rawValue, listenerPath: "/run/agent.sock", syscalls: [rule(["getcwd"], action)])
        #expect(try verdict(config, "getcwd") == expected)
        #expect(try verdict(config, "getpid") == defaultAction.value(errnoRet: nil))
    }

    @Test("every action but NOTIFY as the default", arguments: LinuxSeccompAction.allCases.filter { $0 != .notify })
    func defaultActions(action: LinuxSeccompAction) throws {
        let config = LinuxSeccomp(defaultAction: action.rawValue, syscalls: [rule(["getpid"], action == .allow ? .log : .allow)])
        #expect(try verdict(config, "getcwd") == action.value(errnoRet: nil))
    }

    @Test("errnoRet: EPERM when unset, the given value otherwise; TRACE carries it too")
    func errnoRet() throws {
        #expect(LinuxSeccompAction.errno.value(errnoRet: nil) == 0x0005_0001)
        #expect(LinuxSeccompAction.trace.value(errnoRet: nil) == 0x7ff0_0001)
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
            syscalls: [
                rule(["read"], .allow),
                rule(["mkdir"], .errno, errnoRet: 13),
                rule(["ptrace"], .trace, errnoRet: 7),
            ]
        )
        #expect(try verdict(config, "getcwd") == Action.errno(38))
        #expect(try verdict(config, "mkdir") == Action.errno(13))
        #expect(try verdict(config, "ptrace") == Action.trace(7))
        #expect(try verdict(config, "read") == Action.allow)
    }

    @Test("a rule repeating the default action is dropped")
    func redundantRule() throws {
        let plain = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [rule(["read"], .allow)])
        var redundant = plain
        redundant.syscalls?.append(rule(["mkdir"], .errno, errnoRet: 1))
        #expect(try SeccompProgram.compile(plain).exportBPF() == SeccompProgram.compile(redundant).exportBPF())
        // Another errno is another action.
        var other = plain
        other.syscalls?.append(rule(["mkdir"], .errno, errnoRet: 2))
        #expect(try verdict(other, "mkdir") == Action.errno(2))
    }

    @Test("each operator compares as libseccomp defines it", arguments: LinuxSeccompOperator.allCases)
    func operators(op: LinuxSeccompOperator) throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [rule(["personality"], .errno, args: [LinuxSeccompArg(index: 0, value: 8, valueTwo: 8, op: op.rawValue)])]
        )
        for value: UInt64 in [0, 7, 8, 9, 0x18, 0x1_0000_0008] {
            let matches: Bool =
                switch op {
                case .notEqual: value != 8
                case .lessThan: value < 8
                case .lessEqual: value <= 8
                case .equalTo: value == 8
                case .greaterEqual: value >= 8
                case .greaterThan: value > 8
                case .maskedEqual: value & 8 == 8
                }
            let result = try verdict(config, "personality", args: [value])
            #expect(result == (matches ? Action.errno(1) : Action.allow), "\(op.rawValue) with \(value)")
        }
    }

    @Test("MASKED_EQ: value is the mask, valueTwo the expected bits")
    func maskedEqual() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [rule(["clone"], .errno, args: [LinuxSeccompArg(index: 0, value: 0x7e02_0000, valueTwo: 0x1000_0000, op: "SCMP_CMP_MASKED_EQ")])]
        )
        #expect(try verdict(config, "clone", args: [0x1000_0000]) == Action.errno(1))
        #expect(try verdict(config, "clone", args: [0x1000_0011]) == Action.errno(1))
        #expect(try verdict(config, "clone", args: [0x1002_0000]) == Action.allow)
        #expect(try verdict(config, "clone", args: [0]) == Action.allow)
    }

    @Test("conditions on different arguments are ANDed in one rule")
    func conditionsAnded() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [
                rule(["kill"], .errno, args: [
                    LinuxSeccompArg(index: 0, value: 100, op: "SCMP_CMP_EQ"),
                    LinuxSeccompArg(index: 1, value: 15, op: "SCMP_CMP_EQ"),
                ]),
            ]
        )
        #expect(try verdict(config, "kill", args: [100, 15]) == Action.errno(1))
        #expect(try verdict(config, "kill", args: [100, 9]) == Action.allow)
        #expect(try verdict(config, "kill", args: [101, 15]) == Action.allow)
    }

    @Test("runc's rule: two conditions on one argument make every condition a rule of its own (ORed)")
    func conditionsOred() throws {
        let args = [
            LinuxSeccompArg(index: 1, value: 15, op: "SCMP_CMP_EQ"),
            LinuxSeccompArg(index: 1, value: 9, op: "SCMP_CMP_EQ"),
            LinuxSeccompArg(index: 0, value: 100, op: "SCMP_CMP_EQ"),
        ]
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["kill"], .errno, args: args)])
        #expect(try verdict(config, "kill", args: [1, 15]) == Action.errno(1))
        #expect(try verdict(config, "kill", args: [1, 9]) == Action.errno(1))
        // Even the condition on argument 0 stands alone now.
        #expect(try verdict(config, "kill", args: [100, 2]) == Action.errno(1))
        #expect(try verdict(config, "kill", args: [1, 2]) == Action.allow)
        // The same filter as one rule per condition.
        let split = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: args.map { rule(["kill"], .errno, args: [$0]) })
        #expect(try SeccompProgram.compile(config).exportBPF() == SeccompProgram.compile(split).exportBPF())
    }

    @Test("unknown syscall names are skipped and reported once each")
    func unknownNames() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO",
            syscalls: [
                rule(["read", "no_such_call", "write"], .allow),
                rule(["futex_wait_42", "no_such_call"], .allow),
                // Skipped as redundant before its names are looked at, as runc does.
                rule(["never_checked"], .errno),
            ]
        )
        let program = try SeccompProgram.compile(config)
        #expect(program.skippedSyscalls == ["no_such_call", "futex_wait_42"])
        #expect(try verdict(config, "read") == Action.allow)
        #expect(try verdict(config, "write") == Action.allow)
    }

    @Test("syscalls of other architectures (pseudo numbers on this one) are not skipped")
    func pseudoSyscalls() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86"], syscalls: [rule(["socketcall", "read"], .allow)])
        let program = try SeccompProgram.compile(config)
        #expect(program.skippedSyscalls.isEmpty)
        #expect(try BPFMachine(program.exportBPF()).run(.init(nr: nr("socketcall", arch: "x86"), arch: Arch.x86)) == Action.allow)
    }

    @Test("different profiles give different programs; the same profile the same one")
    func deterministic() throws {
        let a = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["mkdir"], .errno)])
        let b = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["rmdir"], .errno)])
        let first = try SeccompProgram.compile(a).exportBPF()
        #expect(!first.isEmpty)
        #expect(first.count % 8 == 0)
        #expect(first == (try SeccompProgram.compile(a).exportBPF()))
        #expect(first != (try SeccompProgram.compile(b).exportBPF()))
    }

    @Test("a Docker-sized allow list fits the kernel's limit and keeps its verdicts")
    func dockerSized() throws {
        let names = nativeSyscallNames().filter { $0 != "mkdir" }
        #expect(names.count > 300)
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: hostFamily, syscalls: [rule(names, .allow)])
        let program = try SeccompProgram.compile(config)
        #expect(program.instructionCount <= 4096)
        #expect(program.skippedSyscalls.isEmpty)
        let machine = BPFMachine(program.exportBPF())
        for name in names {
            #expect(try machine.run(.init(nr: nr(name), arch: nativeArch)) == Action.allow, "\(name)")
        }
        #expect(try machine.run(.init(nr: nr("mkdir"), arch: nativeArch)) == Action.errno(1))
    }

    @Test("a long profile (binary-tree layout) keeps its verdicts")
    func longProfile() throws {
        let names = ["read", "write", "openat", "close", "fstat", "lseek", "mmap", "mprotect", "munmap", "brk",
                     "rt_sigaction", "rt_sigprocmask", "ioctl", "pread64", "pwrite64", "readv", "writev", "access",
                     "pipe2", "sched_yield", "mremap", "msync", "mincore", "madvise", "dup", "dup3", "nanosleep",
                     "getpid", "socket", "connect", "accept4", "sendto", "recvfrom", "exit_group", "futex"]
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], syscalls: [rule(names, .allow)])
        for name in names {
            #expect(try verdict(config, name) == Action.allow, "\(name)")
        }
        #expect(try verdict(config, "mkdir") == Action.errno(1))
    }
}

@Suite("architectures and flags")
struct ArchitectureAndFlagTests {
    @Test("each architecture the linked libseccomp knows can be added")
    func architectures() throws {
        var added = 0
        for arch in SeccompFeatures.archs {
            let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: [arch], syscalls: [rule(["read"], .allow)])
            guard let program = try? SeccompProgram.compile(config) else {
                #expect(compileError(config) == "linux.seccomp.architectures[0]: \(arch) has another byte order than the native architecture")
                continue
            }
            added += 1
            let token = try #require(SeccompArch(rawValue: arch)?.token)
            // The filter (or the stub in front of it) tests for the architecture.
            let code = BPFMachine(program.exportBPF()).program
            let audit = arch == "SCMP_ARCH_X32" ? Arch.x86_64 : token
            #expect(code.contains { $0.code == 0x15 && $0.k == audit }, "\(arch)")
        }
        // Every architecture of the native byte order, at least.
        #expect(added >= 5)
    }

    @Test("the native architecture is always there; others get the bad-arch action")
    func nativeAlways() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86"], syscalls: [rule(["mkdir"], .errno)])
        #expect(try verdict(config, "mkdir") == Action.errno(1))
        #expect(try verdict(config, "getpid", arch: Arch.aarch64 == nativeArch ? Arch.x86_64 : Arch.aarch64) == Action.killThread)
        let program = BPFMachine(try SeccompProgram.compile(config).exportBPF())
        #expect(try program.run(.init(nr: nr("getpid", arch: "x86"), arch: Arch.x86)) == Action.allow)
        #expect(try program.run(.init(nr: nr("mkdir", arch: "x86"), arch: Arch.x86)) == Action.errno(1))
    }

    @Test("unknown and unsupported architectures are errors naming the field")
    func badArchitectures() {
        let unknown = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"])
        #expect(compileError(unknown) == "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"")
        if let missing = SeccompArch.allCases.first(where: { $0.token == nil }) {
            let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: [missing.rawValue])
            #expect(
                compileError(config)
                    == "linux.seccomp.architectures[0]: \(missing.rawValue) is not supported by the linked libseccomp \(SeccompFeatures.libseccompVersion)"
            )
        }
    }

    @Test("flags map onto seccomp(2) flags")
    func flags() throws {
        let base = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["mkdir"], .errno)])
        #expect(try SeccompProgram.compile(base).filterFlags == 0)
        var config = base
        config.flags = ["SECCOMP_FILTER_FLAG_LOG"]
        #expect(try SeccompProgram.compile(config).filterFlags == 2)
        config.flags = ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
        #expect(try SeccompProgram.compile(config).filterFlags == 4)
        config.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]
        #expect(try SeccompProgram.compile(config).filterFlags == 3)
    }

    @Test("WAIT_KILLABLE_RECV goes to the kernel directly, whatever libseccomp's version")
    func waitKillable() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
        #expect(try SeccompProgram.compile(config).filterFlags == (1 << 1) | (1 << 5))
        #expect(SeccompFeatures.supportedFlags.contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
    }

    @Test("unknown flags and flags only the runtime sets are errors")
    func badFlags() {
        let unknown = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_FAST"])
        #expect(compileError(unknown) == "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"")
        let listener = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NEW_LISTENER"])
        #expect(compileError(listener)?.hasPrefix("linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_NEW_LISTENER is set by the runtime") == true)
    }
}

@Suite("errors and notify")
struct ErrorAndNotifyTests {
    @Test("bad actions, operators and indexes name their JSON path")
    func paths() {
        #expect(compileError(LinuxSeccomp(defaultAction: "SCMP_ACT_NOPE")) == "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"")
        #expect(compileError(LinuxSeccomp(defaultAction: "")) == "linux.seccomp.defaultAction: unknown action \"\"")
        let badAction = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [rule(["read"], .errno), rule(["read"], .errno), rule(["read"], .errno),
                       LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_FOO")]
        )
        #expect(compileError(badAction) == "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"")
        let badOp = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [rule(["kill"], .errno, args: [LinuxSeccompArg(index: 0, value: 1, op: "SCMP_CMP_EQ"), LinuxSeccompArg(index: 1, value: 1, op: "SCMP_CMP_ABOUT")])]
        )
        #expect(compileError(badOp) == "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ABOUT\"")
        let badIndex = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["kill"], .errno, args: [LinuxSeccompArg(index: 6, value: 1, op: "SCMP_CMP_EQ")])])
        #expect(compileError(badIndex) == "linux.seccomp.syscalls[0].args[0].index: 6 is out of range 0...5")
        let emptyName = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["read", ""], .errno)])
        #expect(compileError(emptyName) == "linux.seccomp.syscalls[0].names[1]: empty syscall name")
    }

    @Test("the error text lower-cases errno like runc")
    func errnoText() {
        #expect(SeccompError("loading the seccomp filter", errno: EINVAL).description == "loading the seccomp filter: invalid argument")
    }

    @Test("SCMP_ACT_NOTIFY: detected, asks for a listener, refused as default and on write")
    func notify() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock",
            syscalls: [rule(["mkdir"], .errno), rule(["mknod", "mknodat"], .notify)]
        )
        let program = try SeccompProgram.compile(config)
        #expect(program.usesNotify)
        #expect(program.filterFlags == 8)
        #expect(try verdict(config, "mknodat") == Action.notify)
        #expect(try !SeccompProgram.compile(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["mkdir"], .errno)])).usesNotify)

        var tsync = config
        tsync.flags = ["SECCOMP_FILTER_FLAG_TSYNC"]
        #expect(try SeccompProgram.compile(tsync).filterFlags == 1 | 8 | 16)

        #expect(compileError(LinuxSeccomp(defaultAction: "SCMP_ACT_NOTIFY")) == "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
        let write = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["read", "write"], .notify)])
        #expect(compileError(write) == "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall")
    }
}

@Suite("features")
struct FeaturesTests {
    @Test("lists come from OCISpec's vocabularies and the linked libseccomp")
    func lists() {
        #expect(SeccompFeatures.actions.count == 9)
        #expect(SeccompFeatures.actions == SeccompFeatures.actions.sorted())
        #expect(SeccompFeatures.actions.contains("SCMP_ACT_KILL_PROCESS"))
        #expect(SeccompFeatures.operators == ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"])
        #expect(SeccompFeatures.archs.contains("SCMP_ARCH_X86_64"))
        #expect(SeccompFeatures.archs.contains("SCMP_ARCH_AARCH64"))
        #expect(SeccompFeatures.knownFlags == ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
        #expect(Set(SeccompFeatures.supportedFlags).isSubset(of: SeccompFeatures.knownFlags))
        let version = SeccompFeatures.libseccompVersion
        #expect(version.split(separator: ".").count == 3)
        #expect(version.hasPrefix("2."))
        if SeccompFeatures.apiLevel >= 4 {
            #expect(SeccompFeatures.supportedFlags.contains("SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
        }
        let summary = SeccompFeatures.summary
        #expect(summary.enabled == true)
        #expect(summary.archs == SeccompFeatures.archs)
    }
}
