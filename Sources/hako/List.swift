import ArgumentParser
import Logging
import Runtime

struct List: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the containers under --root.",
        discussion: "Example: hako list --format json")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "Output format: table or json.") var format: ListFormat = .table
    @Flag(name: [.short, .long], help: "Print only the ids.") var quiet = false

    enum ListFormat: String, ExpressibleByArgument { case table, json }

    func execute(logger: Logger) throws {
        try Self.perform(store: global.store, format: format, quiet: quiet)
    }

    static func perform(store: StateStore, format: ListFormat, quiet: Bool) throws {
        var reports: [StateReport] = []
        for id in try store.ids() {
            guard let container = try? Container.load(id: id, store: store) else { continue }
            reports.append(container.report)
        }
        if quiet {
            for report in reports { print(report.id) }
            return
        }
        switch format {
        case .json:
            print(RuncJSON.states(reports))
        case .table:
            let rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
                + reports.map { [$0.id, "\($0.pid)", $0.status.rawValue, $0.bundle, $0.created, $0.owner] }
            let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { index, cell in
                    index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 3)
                }
                print(cells.joined())
            }
        }
    }
}
