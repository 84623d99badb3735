import OCISpec
import Testing

@Suite("Name tables")
struct TableTests {
    @Test("capabilities are numbered 0...40 in kernel order")
    func capabilityNumbers() {
        #expect(Capability.allCases.count == 41)
        #expect(Capability.allCases.map(\.rawValue) == Array(0...40))
        #expect(Capability.allNames.count == 41)
        #expect(Capability.allNames.first == "CAP_CHOWN")
        #expect(Capability.allNames.last == "CAP_CHECKPOINT_RESTORE")
        #expect(Set(Capability.allNames).count == 41)
    }

    @Test("known capability numbers",
          arguments: [("CAP_CHOWN", 0), ("CAP_KILL", 5), ("CAP_SETPCAP", 8), ("CAP_NET_BIND_SERVICE", 10),
                      ("CAP_NET_ADMIN", 12), ("CAP_SYS_CHROOT", 18), ("CAP_SYS_ADMIN", 21), ("CAP_MKNOD", 27),
                      ("CAP_AUDIT_WRITE", 29), ("CAP_SETFCAP", 31), ("CAP_SYSLOG", 34), ("CAP_AUDIT_READ", 37),
                      ("CAP_PERFMON", 38), ("CAP_BPF", 39), ("CAP_CHECKPOINT_RESTORE", 40)])
    func capabilityNumber(name: String, number: Int) {
        #expect(Capability.number(named: name) == number)
        #expect(Capability(name: name)?.number == number)
        #expect(Capability(rawValue: number)?.name == name)
    }

    @Test("unknown or differently spelled capability names have no number",
          arguments: ["CAP_FOO", "cap_chown", "CHOWN", "CAP_CHOWN ", ""])
    func unknownCapability(name: String) {
        #expect(Capability.number(named: name) == nil)
        #expect(Capability(name: name) == nil)
    }

    @Test("every capability name maps back to its case")
    func capabilityNamesRoundTrip() {
        for cap in Capability.allCases {
            #expect(Capability(name: cap.name) == cap)
            #expect(cap.name.hasPrefix("CAP_"))
        }
    }

    @Test("rlimits carry their Linux numbers",
          arguments: [("RLIMIT_CPU", 0), ("RLIMIT_FSIZE", 1), ("RLIMIT_DATA", 2), ("RLIMIT_STACK", 3),
                      ("RLIMIT_CORE", 4), ("RLIMIT_RSS", 5), ("RLIMIT_NPROC", 6), ("RLIMIT_NOFILE", 7),
                      ("RLIMIT_MEMLOCK", 8), ("RLIMIT_AS", 9), ("RLIMIT_LOCKS", 10), ("RLIMIT_SIGPENDING", 11),
                      ("RLIMIT_MSGQUEUE", 12), ("RLIMIT_NICE", 13), ("RLIMIT_RTPRIO", 14), ("RLIMIT_RTTIME", 15)])
    func rlimitNumber(name: String, number: Int) {
        #expect(RlimitKind.number(named: name) == number)
        #expect(RlimitKind(name: name)?.number == number)
        #expect(RlimitKind(rawValue: number)?.name == name)
    }

    @Test("the rlimit table is complete and unknown names have no number")
    func rlimitTable() {
        #expect(RlimitKind.allCases.count == 16)
        #expect(RlimitKind.allNames.count == 16)
        #expect(RlimitKind.allNames.first == "RLIMIT_CPU")
        #expect(RlimitKind.addressSpace.name == "RLIMIT_AS")
        #expect(RlimitKind.number(named: "RLIMIT_FOO") == nil)
        #expect(RlimitKind.number(named: "rlimit_nofile") == nil)
    }

    @Test("namespace kinds")
    func namespaceKinds() {
        #expect(NamespaceKind.allCases.map(\.rawValue)
            == ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"])
        #expect(LinuxNamespace(type: "network").kind == .network)
        #expect(LinuxNamespace(type: "net").kind == nil)
        #expect(LinuxNamespace(.time, path: "/proc/1/ns/time").type == "time")
    }

    @Test("seccomp vocabularies")
    func seccompNames() {
        #expect(LinuxSeccompAction.allCases.count == 9)
        #expect(LinuxSeccompOperator.allCases.count == 7)
        #expect(SeccompArch(rawValue: "SCMP_ARCH_X86_64") == .x86_64)
        #expect(SeccompArch(rawValue: "SCMP_ARCH_RISCV64") == .riscv64)
        #expect(LinuxSeccompAction(rawValue: "SCMP_ACT_KILL_PROCESS") == .killProcess)
    }
}
