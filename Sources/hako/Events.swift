#if canImport(Glibc)
import Glibc
#endif
import Logging
import OCISpec
import Runtime

enum Events: HakoCommand {
    static let definition = CommandDefinition(
        name: "events", abstract: "Print a container's events as JSON lines: stats every interval, and OOM kills.",
        example: "hako events --stats --interval 10s web",
        options: [
            .flag("--stats", help: "Print the stats once and exit."),
            .value("--interval", placeholder: "DURATION", help: "Interval between stats events (5s, 500ms, 1m).", defaultText: "5s"),
        ],
        arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let id = line.arguments[0]
        let period = try milliseconds(line.value("interval") ?? "5s")
        let container = try Container.load(id: id, store: line.globals.store)
        if line.flag("stats") {
            try emit("stats", id: id, data: try container.stats())
            return
        }
        // OOM kills are looked for every 100 ms; stats go out every `interval`.
        var ooms = container.oomKillCount() ?? 0
        var sinceStats = period
        while true {
            // Read before the OOM count, so a kill that stopped the container is still reported.
            let stopped = container.status == .stopped
            if let count = container.oomKillCount(), count > ooms {
                for _ in ooms..<count { emit("oom", id: id) }
                ooms = count
            }
            if stopped { return }
            if sinceStats >= period {
                if let data = try? container.stats() { try emit("stats", id: id, data: data) }
                sinceStats = 0
            }
            usleep(100_000)
            sinceStats += 100
        }
    }

    /// One event line, in runc's key order: type, id, data.
    static func emit(_ type: String, id: String) {
        print(RuncJSON.event(type: type, id: id, data: nil))
        fflush(nil)
    }

    static func emit<T: Encodable>(_ type: String, id: String, data: T) throws {
        let encoded = String(decoding: try JSONCoding.encode(data), as: UTF8.self)
        print(RuncJSON.event(type: type, id: id, data: encoded))
        fflush(nil)
    }

    /// A Go-style duration: a number and a unit (ms, s, m, h).
    static func milliseconds(_ text: String) throws -> Int {
        for (suffix, factor) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0)] where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return max(1, Int(value * factor)) }
        }
        throw RuntimeError("--interval \(text): expected a positive duration such as 5s or 500ms")
    }
}
