#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import OCISpec
import Runtime

struct Events: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print a container's events as JSON lines: stats every interval, and OOM kills.",
        discussion: "Example: hako events --stats --interval 10s web")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: "Print the stats once and exit.") var stats = false
    @Option(name: .long, help: "Interval between stats events (5s, 500ms, 1m).") var interval: String = "5s"
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        let period = try Self.milliseconds(interval)
        let container = try Container.load(id: id, store: global.store)
        if stats {
            try emit("stats", data: try container.stats())
            return
        }
        // OOM kills are looked for every 100 ms; stats go out every `interval`.
        var ooms = container.oomKillCount() ?? 0
        var sinceStats = period
        while true {
            // Read before the OOM count, so a kill that stopped the container is still reported.
            let stopped = container.status == .stopped
            if let count = container.oomKillCount(), count > ooms {
                for _ in ooms..<count { emit("oom") }
                ooms = count
            }
            if stopped { return }
            if sinceStats >= period {
                if let data = try? container.stats() { try emit("stats", data: data) }
                sinceStats = 0
            }
            usleep(100_000)
            sinceStats += 100
        }
    }

    /// One event line, in runc's key order: type, id, data.
    func emit(_ type: String) {
        print(RuncJSON.event(type: type, id: id, data: nil))
        fflush(nil)
    }

    func emit<T: Encodable>(_ type: String, data: T) throws {
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
