#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LinuxSys
import Logging
import Runtime

struct Ps: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the processes of a container.",
        discussion: "With the table format, runs ps(1) with the given arguments (default -ef) and keeps the container's lines.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "Output format: table or json (the pids).") var format: Format = .table
    @Argument(help: "The container id.") var id: String
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
        let output = try capture("ps", arguments)
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

    /// Runs a program found in PATH and returns its stdout.
    func capture(_ program: String, _ arguments: [String]) throws -> String {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SysError("pipe", errno: errno) }
        let pid = try Processes.fork()
        if pid == 0 {
            dup2(fds[1], 1)
            close(fds[0])
            close(fds[1])
            let argv = ([program] + arguments).map { strdup($0) } + [nil]
            execvp(program, argv)
            _exit(127)
        }
        close(fds[1])
        let output = try Files.readAll(fds[0])
        close(fds[0])
        if let (_, status) = try Processes.wait(pid), status != .exited(0) {
            throw RuntimeError("\(program) \(arguments.joined(separator: " ")) failed (\(status))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
