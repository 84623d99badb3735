#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Logging
import OCISpec
import Runtime

enum SpecCommand: HakoCommand {
    static let definition = CommandDefinition(
        name: "spec", abstract: "Write a default config.json into a bundle.", example: "hako spec --bundle /containers/web --rootless",
        options: [
            .value("--bundle", "-b", placeholder: "DIR", help: "The bundle directory to write config.json into.", defaultText: ".",
                   completion: .directories),
            .flag("--rootless", help: "A config for a rootless container (user namespace, no cgroup limits)."),
        ])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let bundle = line.value("bundle") ?? ".", rootless = line.flag("rootless")
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
