import Logging
import Runtime

enum Info: HakoCommand {
    static let definition = CommandDefinition(
        name: "info", abstract: "Report hako and the host: OS, CPU, memory, kernel, cgroups, namespaces, seccomp, LSMs, criu.",
        example: "hako info --format json",
        options: [
            .value("--format", "-f", placeholder: "FORMAT", .choice(["text", "json"]), help: "Output format: text or json.",
                   defaultText: "text", completion: .words(["text", "json"])),
        ])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let format = line.value("format") ?? "text"
        let info = HostInfo.gather(version: Hako.version, criu: line.globals.criu)
        if format == "json" {
            try Output.json(info)
            return
        }
        print("hako:             \(info.hako)")
        print("os:               \(info.os.name) \(info.os.version)")
        print("architecture:     \(info.architecture)")
        print("cpu:              \(info.cpu.count) x \(info.cpu.model)")
        print("memory:           \(Self.gibibytes(info.memoryBytes))")
        print("kernel:           \(info.kernel.release) \(info.kernel.version)")
        if let cgroup = info.cgroup {
            print("cgroups:          \(cgroup.mode)")
            for (mount, controllers) in cgroup.hierarchies.sorted(by: { $0.key < $1.key }) {
                print("  \(mount): \(controllers.isEmpty ? "(none)" : controllers)")
            }
            print("  for containers: \(info.containerControllers.joined(separator: " "))")
        } else {
            print("cgroups:          unavailable (\(info.cgroupError ?? "unknown"))")
        }
        print("namespaces:       \(info.namespaces.joined(separator: " "))")
        print("user namespaces:  \(info.userNamespaces ? "enabled" : "disabled")")
        print("seccomp:          \(info.seccomp ? "available in the kernel" : "unavailable")")
        print("apparmor:         \(info.apparmor ? "enabled" : "disabled")")
        print("selinux:          \(info.selinux ? "enabled" : "disabled")")
        print("last capability:  \(info.lastCapability)")
        print("libseccomp:       \(info.libseccomp)")
        let criu = info.criu.path.map { "\($0)" + (info.criu.version.map { " \($0)" } ?? " (does not run)") } ?? "not found"
        print("criu:             \(criu)")
        let checkpoint = info.checkpointRestore ? "available (criu \(info.criu.version ?? "?"))"
            : "not available: \(info.criu.checkFailure ?? (info.criu.path == nil ? "criu not found" : "criu does not run"))"
        print("checkpoint:       \(checkpoint)")
        print("wasm:             \(info.wasm ? "built in" : "not built in")")
    }

    /// "23.4 GiB", one decimal.
    static func gibibytes(_ bytes: UInt64) -> String {
        let tenths = (bytes * 10 + (1 << 29)) >> 30
        return "\(tenths / 10).\(tenths % 10) GiB"
    }
}
