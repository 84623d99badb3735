import ArgumentParser
import Logging
import Runtime

struct Info: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Report the host: kernel, cgroup mode and controllers, namespaces, seccomp, AppArmor, SELinux.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "Output format: text or json.") var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json }

    func execute(logger: Logger) throws {
        let info = HostInfo.gather(version: Hako.version)
        if format == .json {
            try Output.json(info)
            return
        }
        print("hako:             \(info.hako)")
        print("kernel:           \(info.kernel.release) \(info.kernel.machine)")
        if let cgroup = info.cgroup {
            print("cgroups:          \(cgroup.mode)")
            for (mount, controllers) in cgroup.hierarchies.sorted(by: { $0.key < $1.key }) {
                print("  \(mount): \(controllers.isEmpty ? "(none)" : controllers)")
            }
        } else {
            print("cgroups:          unavailable (\(info.cgroupError ?? "unknown"))")
        }
        print("namespaces:       \(info.namespaces.joined(separator: " "))")
        print("user namespaces:  \(info.userNamespaces ? "enabled" : "disabled")")
        print("seccomp:          \(info.seccomp ? "available in the kernel" : "unavailable")")
        print("apparmor:         \(info.apparmor ? "enabled" : "disabled")")
        print("selinux:          \(info.selinux ? "enabled" : "disabled")")
        print("last capability:  \(info.lastCapability)")
    }
}
