import Foundation
import OCISpec
import Testing

/// CVE-2024-21626 and its class: a process whose cwd is "/proc/self/fd/N" starts in the
/// directory descriptor N names. If hako still held a descriptor of a host directory (a
/// cgroup directory, the state directory, the bundle) when the process resolved its cwd,
/// "cd ../../.." from there reaches the host's root. Each entry point is walked over every
/// descriptor number a container start could use, and a file on the host must stay out of
/// reach from all of them.
@Suite("cwd escapes through descriptors", .enabled(if: Runner.isRoot, "needs root"), .serialized)
struct CwdEscapeTests {
    static let descriptors = 3...64

    /// A file on the host that no container may read, and the command that tries to read it
    /// from a cwd of "/proc/self/fd/N" (climbing past any mount's root).
    final class Marker {
        let directory: String
        let secret = "host-secret-\(UUID().uuidString)"

        init() throws {
            directory = try Scratch.directory("escape")
            try secret.write(toFile: directory + "/marker", atomically: true, encoding: .utf8)
        }

        var probe: String { "cd ../../../../../../../../../../..; cat .\(directory)/marker 2>/dev/null; echo probed" }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test("run with process.cwd /proc/self/fd/N: no host directory is reachable")
    func runCwd() throws {
        let marker = try Marker()
        let bundle = try TestBundle(args: ["sh", "-c", marker.probe])
        for n in Self.descriptors {
            bundle.spec.process?.cwd = "/proc/self/fd/\(n)"
            let result = try bundle.run()
            // A descriptor still open may be entered; its directory must then lie inside the
            // container, which the marker checks. Otherwise the error names process.cwd.
            #expect(!result.stdout.contains(marker.secret), "fd \(n) reached the host: \(result.stdout)")
            if result.status != 0 { #expect(result.stderr.contains("process.cwd"), "fd \(n): \(result.stderr)") }
        }
        bundle.expectNothingLeft()
    }

    @Test("exec, exec -d, exec -t and exec -p with cwd /proc/self/fd/N: no host directory is reachable")
    func execCwd() throws {
        let marker = try Marker()
        let bundle = try TestBundle(args: ["sleep", "600"])
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        for n in Self.descriptors {
            let cwd = "/proc/self/fd/\(n)"
            // exec in the foreground.
            let plain = try bundle.hako(["exec", "--cwd", cwd, bundle.id, "sh", "-c", marker.probe])
            #expect(!plain.stdout.contains(marker.secret), "exec, fd \(n) reached the host")
            if plain.status != 0 { #expect(plain.stderr.contains("process.cwd"), "exec, fd \(n): \(plain.stderr)") }

            // exec -p: the cwd from a process.json.
            var process = ProcessSpec(args: ["sh", "-c", marker.probe], cwd: cwd)
            process.env = ["PATH=/bin"]
            let processFile = bundle.path + "/process.json"
            try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: processFile))
            let fromFile = try bundle.hako(["exec", "--process", processFile, bundle.id])
            #expect(!fromFile.stdout.contains(marker.secret), "exec -p, fd \(n) reached the host")

            // exec -d: the process outlives hako; it writes what it read inside the rootfs.
            let output = "/tmp/escape-\(n)"
            let detached = try bundle.hako(["exec", "--detach", "--cwd", cwd, bundle.id, "sh", "-c",
                                            "(\(marker.probe)) > \(output).part 2>&1; mv \(output).part \(output)"])
            if detached.status == 0 {
                #expect(try eventually { FileManager.default.fileExists(atPath: bundle.rootfs + output) })
                let text = (try? String(contentsOfFile: bundle.rootfs + output, encoding: .utf8)) ?? ""
                #expect(!text.contains(marker.secret), "exec -d, fd \(n) reached the host")
            }

            // exec -t: the process's output arrives on the pty master.
            let onTerminal = try execOnTerminal(bundle, ["--cwd", cwd], command: ["sh", "-c", marker.probe], marker: "probed")
            #expect(onTerminal.output?.contains(marker.secret) != true, "exec -t, fd \(n) reached the host")
        }
    }

    @Test("a cwd that resolves outside the container's root is refused (a preserved host directory)")
    func cwdOutsideRootRefused() throws {
        let marker = try Marker()
        let bundle = try TestBundle(args: ["sleep", "600"])
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        // The caller hands the container a descriptor of a host directory on purpose; the
        // process may use it, but hako does not start it with its cwd there.
        let script = "exec 3<\"$1\"; exec \"$2\" --root \"$3\" exec --preserve-fds 1 --cwd /proc/self/fd/3 \"$4\" sh -c 'cat marker; pwd'"
        let result = try Runner.run(["-c", script, "sh", marker.directory, Runner.binary, bundle.root, bundle.id], executable: "/bin/sh")
        #expect(result.status != 0)
        #expect(!result.stdout.contains(marker.secret))
        #expect(result.stderr.contains("process.cwd /proc/self/fd/3: the working directory is outside the container's root"), "\(result.stderr)")
        #expect(!result.stderr.contains("\n") || result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }
}
