import Foundation
import Testing

/// What ships: the binary's modules, the library example the DocC article walks through,
/// and the benchmark's chart.
@Suite("the binary's modules, the embedding example and the benchmark chart")
struct ProductTests {
    /// Each of these modules costs every process memory for code it never runs (bench/README.md,
    /// eighth and ninth rounds): FoundationEssentials (which swift-argument-parser brought) and
    /// the regex modules (one `contains` of a string in a string brings them; use `includes`).
    @Test("the binary links neither FoundationEssentials nor swift-argument-parser nor the regex modules")
    func noHeavyModules() throws {
        let binary = try Data(contentsOf: URL(fileURLWithPath: Runner.binary))
        // Module names as Swift's mangling writes them, which the symbol table holds.
        for module in ["20FoundationEssentials", "22_FoundationCollections", "14ArgumentParser", "17_StringProcessing", "12_RegexParser"] {
            #expect(binary.range(of: Data(module.utf8)) == nil, "\(Runner.binary) has symbols of \(module)")
        }
        // The check itself finds a module the binary has.
        #expect(binary.range(of: Data("7OCISpec".utf8)) != nil)
    }

    /// The example built beside the tests (swift build --build-tests builds every target).
    static let example: String = {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("hako-embed-example").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("hako-embed-example").path,
            Runner.packageRoot + "/.build/debug/hako-embed-example",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    @Test("Examples/EmbedHako creates, starts, waits for and deletes a container through the library",
          .enabled(if: Runner.isRoot, "needs root"))
    func embeddingExample() throws {
        let rootfs = try Scratch.directory("embed") + "/rootfs"
        defer { try? FileManager.default.removeItem(atPath: (rootfs as NSString).deletingLastPathComponent) }
        try TestBundle.makeRootfs(at: rootfs)

        let hello = try Runner.run([rootfs], executable: Self.example)
        #expect(hello.status == 0, "\(hello.stdout)\(hello.stderr)")
        #expect(hello.stdout.contains("hello from a container made in Swift, pid 1"), "\(hello.stdout)")
        #expect(hello.stdout.contains("exited: exited(0)"))

        // The spec built in code is the one applied: hostname, pids limit; the status comes back.
        let limits = try Runner.run([rootfs, "sh", "-c", "hostname; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; exit 3"],
                                    executable: Self.example)
        #expect(limits.status == 3, "\(limits.stdout)\(limits.stderr)")
        #expect(limits.stdout.contains("embedded\n64\n"), "\(limits.stdout)")

        // Nothing left: the example's state directory and its containers' cgroups.
        for output in [hello.stdout, limits.stdout] {
            let id = try #require(output.firstMatch(of: try Regex(#"created (embedded-\d+)"#))?.output[1].substring).map(String.init)
            let pid = id.dropFirst("embedded-".count)
            #expect(!FileManager.default.fileExists(atPath: "/tmp/hako-embed-\(pid)"))
            let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
            let left = (["/sys/fs/cgroup/\(id)"] + hierarchies.map { "/sys/fs/cgroup/\($0)/\(id)" }).filter { FileManager.default.fileExists(atPath: $0) }
            #expect(left.isEmpty, "cgroups left: \(left)")
        }
        // An argument it cannot use: a usage line and status 2.
        #expect(try Runner.run(["relative/rootfs"], executable: Self.example).status == 2)
    }

    @Test("bench/chart.py draws every figure of the table with the three runtimes, and refuses a table without them")
    func benchChart() throws {
        let dir = try Scratch.directory("chart")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            # hako vs runc vs crun

            | figure | hako | runc | crun | hako/runc | hako/crun |
            |---|---|---|---|---|---|
            | run `true` | 14.2 ms | 38.6 ms | 14.0 ms | 0.37 | 1.01 |
            | 100 x run `true` in a row | 1.78 s | 3.84 s | 1.38 s | 0.46 | 1.29 |
            | peak RSS of `create` (median) | 8.4 MiB | 9.6 MiB | 3.3 MiB | 0.87 | 2.55 |
            | left behind | none | none | none | - | - |

            | runtime | syscalls |
            |---|---|
            | hako | 1038 |
            """.write(toFile: dir + "/latest.md", atomically: true, encoding: .utf8)
        func chart() throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Runner.packageRoot + "/bench/chart.py", dir]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try chart() == 0)
        let svg = try String(contentsOfFile: dir + "/chart.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
        for value in ["14.2 ms", "38.6 ms", "14.0 ms", "1.78 s", "3.84 s", "1.38 s", "8.4 MiB", "9.6 MiB", "3.3 MiB"] {
            #expect(svg.contains(">\(value)</text>"), "\(value) missing")
        }
        #expect(svg.contains(">run true</text>") && !svg.contains("left behind"))
        // Three bars per figure, the largest of each row full width (runc's 38.6 ms here).
        #expect(svg.components(separatedBy: "height=\"11\"").count - 1 == 9)
        #expect(svg.contains("width=\"380.0\" height=\"11\" fill=\"#9a9a9a\""))

        try "no table here\n".write(toFile: dir + "/latest.md", atomically: true, encoding: .utf8)
        #expect(try chart() != 0)
    }
}
