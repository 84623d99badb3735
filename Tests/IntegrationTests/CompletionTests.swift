import Foundation
import Testing

/// Shell completion through the binary and real shells: the scripts it prints, sourced, and
/// the container ids it offers for the commands that act on one.
@Suite("shell completion")
struct CompletionTests {
    @Test("bash, zsh and fish scripts", arguments: [("bash", "complete -o filenames -F _hako hako"), ("zsh", "#compdef hako"),
                                                    ("fish", "complete -c hako -f -a '(__hako_complete)'")])
    func scripts(shell: String, marker: String) throws {
        let result = try Runner.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(marker), "\(result.stdout.prefix(300))")
        #expect(result.stdout.contains("__complete"))
    }

    /// Runs `script` in `shell` with `arguments`; its stdout, trimmed.
    func shell(_ path: String, _ script: String, _ arguments: [String]) throws -> String {
        // fish runs the hako typed by name: the one under test comes first on PATH.
        let binaryDirectory = (Runner.binary as NSString).deletingLastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        // bash and zsh take the word after the script as $0; fish has no $0.
        process.arguments = ["-c", script] + (path.hasSuffix("fish") ? [] : [path]) + arguments
        process.environment = ["PATH": binaryDirectory + ":/usr/bin:/bin", "HOME": "/tmp"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("ids of the containers under --root, by prefix, through bash, zsh and fish; the seccomp cache is none",
          .enabled(if: Runner.isRoot, "needs root"))
    func containerIDs() throws {
        let bundle = try TestBundle(args: ["sleep", "600"], tag: "complete")
        #expect(try bundle.create().status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        try FileManager.default.createDirectory(atPath: bundle.root + "/seccomp@cache", withIntermediateDirectories: true)
        // What a completion script calls: the words typed, the last one being completed.
        func complete(_ words: [String]) throws -> [String] {
            let result = try Runner.run(["__complete"] + words)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["--root", bundle.root, "state", ""]) == [":words", bundle.id])
        #expect(try complete(["--root=\(bundle.root)", "kill", "complete-"]) == [":words", bundle.id])
        #expect(try complete(["--root", bundle.root, "state", "other"]) == [":words"])
        #expect(try complete(["--root", bundle.root + "/none", "delete", ""]) == [":words"])
        #expect(try complete(["create", "--bundle", ""]) == [":directories"])

        let dir = try Scratch.directory("completion")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["bash", "zsh", "fish"] {
            try Runner.run(["--generate-completion-script", name]).stdout.write(toFile: "\(dir)/hako.\(name)", atomically: true, encoding: .utf8)
        }
        // bash, as a user's TAB runs it: the script sourced, the words in COMP_WORDS.
        let bash = """
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            _hako "$1" "${@: -1}" "${@: -2:1}"; echo "${COMPREPLY[*]}"
            """
        #expect(try shell("/bin/bash", bash, [dir + "/hako.bash", Runner.binary, "del"]) == "delete")
        #expect(try shell("/bin/bash", bash, [dir + "/hako.bash", Runner.binary, "--root", bundle.root, "pause", "comp"]) == bundle.id)
        #expect(try shell("/bin/bash", bash, [dir + "/hako.bash", Runner.binary, "--log-format", "=", "j"]) == "json")
        // A path: bash's own file completion, here of the scratch directory's scripts.
        #expect(try shell("/bin/bash", bash, [dir + "/hako.bash", Runner.binary, "--log", dir + "/hako.b"]) == dir + "/hako.bash")

        // zsh: the script's function run with compadd and _files replaced by printers.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") {
            let run = """
                compdef() { :; }
                compadd() { [ "$1" = "--" ] && shift; print -l -- "$@"; }
                _files() { print -- "(files $*)"; }
                source "$1"; shift
                words=("$@"); CURRENT=$#
                _hako
                """
            #expect(try shell("/usr/bin/zsh", run, [dir + "/hako.zsh", Runner.binary, "--root", bundle.root, "state", "comp"]) == bundle.id)
            #expect(try shell("/usr/bin/zsh", run, [dir + "/hako.zsh", Runner.binary, "res"]) == "resume\nrestore")
            #expect(try shell("/usr/bin/zsh", run, [dir + "/hako.zsh", Runner.binary, "create", "-b", ""]) == "(files -/)")
        } else {
            Issue.record("zsh is not installed (.ci/run installs it)")
        }
        // fish: its own completion machinery, asked with `complete -C`.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/fish") {
            let run = "source $argv[1]; complete -C \"$argv[2]\""
            #expect(try shell("/usr/bin/fish", run, [dir + "/hako.fish", "hako --root \(bundle.root) kill comp"]).hasPrefix(bundle.id))
            #expect(try shell("/usr/bin/fish", run, [dir + "/hako.fish", "hako chec"]).hasPrefix("checkpoint"))
        } else {
            Issue.record("fish is not installed (.ci/run installs it)")
        }
    }
}
