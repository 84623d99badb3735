import CSeccomp
import OCISpec

// The spec's names (OCISpec's KnownValues) mapped onto libseccomp's values.

extension LinuxSeccompAction {
    /// The libseccomp action value. SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry `errnoRet`,
    /// EPERM when it is unset (runc's getAction); libseccomp keeps its low 16 bits.
    func value(errnoRet: UInt?) -> UInt32 {
        let data = UInt16(truncatingIfNeeded: errnoRet ?? 1 /* EPERM */)
        switch self {
        case .kill, .killThread: return UInt32(SCMP_ACT_KILL_THREAD)
        case .killProcess: return UInt32(SCMP_ACT_KILL_PROCESS)
        case .trap: return UInt32(SCMP_ACT_TRAP)
        case .errno: return hako_scmp_act_errno(data)
        case .trace: return hako_scmp_act_trace(data)
        case .allow: return UInt32(SCMP_ACT_ALLOW)
        case .log: return UInt32(SCMP_ACT_LOG)
        case .notify: return UInt32(SCMP_ACT_NOTIFY)
        }
    }

    /// The least libseccomp API level (seccomp_api_get(3)) that handles the action.
    var apiLevel: UInt32 {
        switch self {
        case .killProcess, .log: return 3
        case .notify: return 6
        default: return 0
        }
    }

    /// Actions that let the call run: a filter whose default is one of these gets no
    /// -ENOSYS stub (runc's patchbpf isAllowAction; a tracer handles new syscalls itself).
    var letsCallsRun: Bool {
        self == .allow || self == .log || self == .trace
    }
}

extension LinuxSeccompOperator {
    var comparison: scmp_compare {
        switch self {
        case .notEqual: return SCMP_CMP_NE
        case .lessThan: return SCMP_CMP_LT
        case .lessEqual: return SCMP_CMP_LE
        case .equalTo: return SCMP_CMP_EQ
        case .greaterEqual: return SCMP_CMP_GE
        case .greaterThan: return SCMP_CMP_GT
        case .maskedEqual: return SCMP_CMP_MASKED_EQ
        }
    }
}

extension SeccompArch {
    /// libseccomp's name for the architecture ("x86_64" for SCMP_ARCH_X86_64).
    var libseccompName: String {
        String(rawValue.dropFirst("SCMP_ARCH_".count)).lowercased()
    }

    /// The architecture token of the linked libseccomp (an AUDIT_ARCH_* value, except for
    /// x32), or nil when that libseccomp does not know the architecture.
    var token: UInt32? {
        let token = seccomp_arch_resolve_name(libseccompName)
        return token == 0 ? nil : token
    }
}

/// The seccomp(2) filter flags (<linux/seccomp.h>; kernel ABI, so spelled out here rather
/// than taken from whichever kernel headers the build host has).
enum KernelFilterFlag {
    static let tsync: UInt32 = 1 << 0
    static let log: UInt32 = 1 << 1
    static let specAllow: UInt32 = 1 << 2
    static let newListener: UInt32 = 1 << 3
    static let tsyncESRCH: UInt32 = 1 << 4
    static let waitKillableRecv: UInt32 = 1 << 5
}

extension LinuxSeccompFlag {
    /// The flags a profile may ask for (runc's KnownFlags plus WAIT_KILLABLE_RECV). The
    /// others of the enum are for the runtime to set: NEW_LISTENER follows from
    /// SCMP_ACT_NOTIFY, TSYNC_ESRCH from TSYNC together with a listener.
    static let settable: [LinuxSeccompFlag] = [.tsync, .log, .specAllow, .waitKillableRecv]

    /// The filter attribute of libseccomp that stands for the flag, and the API level that
    /// attribute needs; nil for flags only the kernel sees. hako loads the exported program
    /// with seccomp(2) itself, so WAIT_KILLABLE_RECV goes to the kernel directly and does
    /// not need libseccomp 2.6's SCMP_FLTATR_CTL_WAITKILL (the kernel, 5.19 or later,
    /// refuses it at load time when it is older).
    var attribute: (attribute: scmp_filter_attr, apiLevel: UInt32)? {
        switch self {
        case .tsync: return (SCMP_FLTATR_CTL_TSYNC, 2)
        case .log: return (SCMP_FLTATR_CTL_LOG, 3)
        case .specAllow: return (SCMP_FLTATR_CTL_SSB, 4)
        case .waitKillableRecv, .newListener, .tsyncESRCH: return nil
        }
    }

    var kernelFlag: UInt32 {
        switch self {
        case .tsync: return KernelFilterFlag.tsync
        case .log: return KernelFilterFlag.log
        case .specAllow: return KernelFilterFlag.specAllow
        case .newListener: return KernelFilterFlag.newListener
        case .tsyncESRCH: return KernelFilterFlag.tsyncESRCH
        case .waitKillableRecv: return KernelFilterFlag.waitKillableRecv
        }
    }
}
