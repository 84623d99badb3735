import ArgumentParser
import LinuxSys
import Logging
import Runtime

struct Ps: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the processes of a container.",
        discussion: """
            With the table format, runs ps(1) with the given arguments (default -ef) and keeps the container's lines.

            Example: hako ps web -o pid,comm
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "Output format: table or json (the pids).") var format: Format = .table
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String
    @Argument(parsing: .captureForPassthrough, help: "Arguments for ps.") var psArguments: [String] = []

    enum Format: String, ExpressibleByArgument { case table, json }

    func execute(logger: Logger) throws {
        let container = try Container.load(id: id, store: global.store)
        let pids = try container.processes()
        if format == .json {
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
