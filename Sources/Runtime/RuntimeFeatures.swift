import OCISpec
import Rootfs
import Seccomp

/// What this build of hako carries out, as `hako features` reports it (features.md).
/// Only what works is listed: an engine reading this must be able to rely on it.
public enum RuntimeFeatures {
    public static let hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]

    public static var mountOptions: [String] {
        let all = Array(MountOptions.flagOptions.keys) + Array(MountOptions.propagationOptions.keys)
            + Array(MountOptions.recursiveOptions.keys) + Array(MountOptions.recursiveAtimeOptions.keys) + ["tmpcopyup", "idmap", "ridmap"]
        return all.sorted()
    }

    /// The linked libseccomp's version, "2.5.4" (`--version`, `info`).
    public static var libseccompVersion: String { SeccompFeatures.libseccompVersion }

    /// "io.hako.criu.version" when the criu `binary` names (a path, or a name PATH finds)
    /// says its version.
    static func criuAnnotations(_ binary: String) -> [String: String] {
        HostInfo.criu(check: false, binary: binary).version.map { ["io.hako.criu.version": $0] } ?? [:]
    }

    /// What this build supports, as `hako features` prints it.
    /// - Parameters:
    ///   - version: hako's version, as `--version` prints it.
    ///   - criu: the criu checkpoint and restore would run (`--criu`).
    public static func current(version: String, criu: String = "criu") -> Features {
        Features(
            ociVersionMin: "1.0.0",
            ociVersionMax: "1.2.0",
            hooks: hooks,
            mountOptions: mountOptions,
            linux: Features.Linux(
                namespaces: NamespaceKind.allCases.map(\.rawValue),
                capabilities: Capability.allNames,
                cgroup: Features.Cgroup(v1: true, v2: true, systemd: true, systemdUser: true, rdma: true),
                seccomp: SeccompFeatures.summary,
                apparmor: Features.Apparmor(enabled: false),
                selinux: Features.Selinux(enabled: false),
                intelRdt: Features.IntelRdt(enabled: true, schemata: true),
                mountExtensions: Features.MountExtensions(idmap: Features.IDMap(enabled: true)),
                netDevices: Features.NetDevices(enabled: true)
            ),
            // The wasm handler, as crun lists its own: the annotation that makes a container
            // a WebAssembly one (Sources/Wasm). Checkpoint and restore are built in, as
            // runc says of itself, and criu's version when PATH has one; whether criu
            // works here is `info`'s to say (`criu check` takes too long for a command
            // engines call at start-up).
            annotations: criuAnnotations(criu).merging(["io.hako.version": version, "run.oci.handler": "wasm",
                                                  "io.hako.checkpoint.enabled": "true"]) { _, new in new }
        )
    }
}
