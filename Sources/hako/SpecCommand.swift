#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LinuxSys
import Logging
import OCISpec
import Runtime

struct SpecCommand: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json into a bundle.",
        discussion: "Example: hako spec --bundle /containers/web --rootless")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "The bundle directory to write config.json into.") var bundle: String = "."
    @Flag(name: .long, help: "A config for a rootless container (user namespace, no cgroup limits).") var rootless = false

    func execute(logger: Logger) throws {
        let path = (bundle.hasSuffix("/") ? bundle : bundle + "/") + "config.json"
        if Files.exists(path) { throw RuntimeError("\(path) exists; remove it first") }
        let data = try Spec.defaultSpec(rootless: rootless, hostUID: geteuid(), hostGID: getegid()).encoded(pretty: true)
        do {
            try Files.write(path, String(decoding: data, as: UTF8.self) + "\n", flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o666)
        } catch {
            throw RuntimeError("writing \(path)", error)
        }
    }
}
