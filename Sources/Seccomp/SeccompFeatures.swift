import CSeccomp
import OCISpec

/// What the seccomp support of this build handles, for `hako features` and `hako info`
/// (features-linux.md "Seccomp"). Read from the linked libseccomp, whose API level
/// (seccomp_api_get(3)) reflects both the library and the running kernel.
public enum SeccompFeatures {
    /// The known SCMP_ACT_* names, sorted as runc lists them.
    public static var actions: [String] {
        LinuxSeccompAction.allCases.map(\.rawValue).sorted()
    }

    /// The known SCMP_CMP_* names, sorted.
    public static var operators: [String] {
        LinuxSeccompOperator.allCases.map(\.rawValue).sorted()
    }

    /// The SCMP_ARCH_* names the linked libseccomp can add to a filter, sorted.
    public static var archs: [String] {
        SeccompArch.allCases.filter { $0.token != nil }.map(\.rawValue).sorted()
    }

    /// The SECCOMP_FILTER_FLAG_* names a profile may use.
    public static var knownFlags: [String] {
        LinuxSeccompFlag.settable.map(\.rawValue)
    }

    /// The known flags that the linked libseccomp and the kernel support.
    public static var supportedFlags: [String] {
        let level = apiLevel
        return LinuxSeccompFlag.settable.filter { flag in
            // A flag only the kernel sees needs nothing of libseccomp.
            guard let needed = flag.attribute?.apiLevel else { return true }
            return level >= needed
        }.map(\.rawValue)
    }

    /// The linked libseccomp's version, "2.5.4".
    public static var libseccompVersion: String {
        guard let version = seccomp_version() else { return "unknown" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    /// seccomp_api_get(3): 0 when unknown; 6 for libseccomp 2.5 on Linux 5.7 and later.
    public static var apiLevel: UInt32 {
        seccomp_api_get()
    }

    /// The `linux.seccomp` object of features.json.
    public static var summary: Features.Seccomp {
        Features.Seccomp(
            enabled: true,
            actions: actions,
            operators: operators,
            archs: archs,
            knownFlags: knownFlags,
            supportedFlags: supportedFlags
        )
    }
}
