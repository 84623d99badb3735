import LinuxSys
import Logging
import Runtime

enum Ps: HakoCommand {
    static let definition = CommandDefinition(
        name: "ps", abstract: "List the processes of a container.",
        discussion: "With the table format, runs ps(1) with the given arguments (default -ef) and keeps the container's lines. "
            + "Everything after the container id goes to ps, options included.",
        example: "hako ps web -o pid,comm",
        options: [
            .value("--format", "-f", placeholder: "FORMAT", .choice(["table", "json"]), help: "Output format: table or json (the pids).",
                   defaultText: "table", completion: .words(["table", "json"])),
        ],
        arguments: [
            .containerID,
            ArgumentDefinition(name: "ps-argument", help: "Arguments for ps.", optional: true, passesThrough: true),
        ])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let id = line.arguments[0], psArguments = line.passthrough
        let container = try Container.load(id: id, store: line.globals.store)
        let pids = try container.processes()
        if line.value("format") == "json" {
            print("[" + pids.map(String.init).joined(separator: ",") + "]")
            return
        }
        let arguments = psArguments.isEmpty ? ["-ef"] : psArguments
        let (stdout, status) = try Processes.output(of: "ps", arguments)
        guard status == .exited(0) else {
            throw RuntimeError("ps \(arguments.joined(separator: " ")) failed (\(status))")
        }
        let output = String(decoding: stdout, as: UTF8.self)
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw RuntimeError("ps printed nothing") }
        let header = lines.removeFirst()
        guard let pidColumn = header.split(separator: " ").firstIndex(of: "PID") else {
            throw RuntimeError("ps \(arguments.joined(separator: " ")): no PID column in its output")
        }
        let wanted = Set(pids)
        print(header)
        for line in lines {
            let fields = line.split(separator: " ")
            if fields.count > pidColumn, let pid = Int32(fields[pidColumn]), wanted.contains(pid) { print(line) }
        }
    }
}
