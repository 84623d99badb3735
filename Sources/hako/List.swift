import Logging
import Runtime

enum List: HakoCommand {
    static let definition = CommandDefinition(
        name: "list", abstract: "List the containers under --root.", example: "hako list --format json",
        options: [
            .value("--format", "-f", placeholder: "FORMAT", .choice(["table", "json"]), help: "Output format: table or json.",
                   defaultText: "table", completion: .words(["table", "json"])),
            .flag("--quiet", "-q", help: "Print only the ids."),
        ])

    enum ListFormat: String { case table, json }

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try perform(store: line.globals.store, format: line.value("format").flatMap(ListFormat.init) ?? .table, quiet: line.flag("quiet"))
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
