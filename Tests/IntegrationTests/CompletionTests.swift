import Foundation
import Testing

/// Shell completion: the scripts swift-argument-parser writes from the commands, and the
/// container ids hako offers for the commands that act on one.
@Suite("shell completion")
struct CompletionTests {
    @Test("bash, zsh and fish scripts", arguments: [("bash", "complete -o filenames -F _hako hako"), ("zsh", "#compdef hako"),
                                                    ("fish", "complete -c 'hako'")])
    func scripts(shell: String, marker: String) throws {
        let result = try Runner.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(marker), "\(result.stdout.prefix(300))")
        #expect(result.stdout.contains("exec"))
    }

    @Test("ids of the containers under --root, by prefix; the seccomp cache is none", .enabled(if: Runner.isRoot, "needs root"))
    func containerIDs() throws {
        let bundle = try TestBundle(args: ["sleep", "600"], tag: "complete")
        #expect(try bundle.create().status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        try FileManager.default.createDirectory(atPath: bundle.root + "/seccomp@cache", withIntermediateDirectories: true)
        // What a completion script calls: the command's path, the argument, the words.
        func complete(_ words: [String], command: String = "state") throws -> [String] {
            let result = try Runner.run(["---completion", command, "--", "positional@0", "\(words.count - 1)", "\(words.last!.count)"] + words)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["hako", "--root", bundle.root, "state", ""]) == [bundle.id])
        #expect(try complete(["hako", "--root=\(bundle.root)", "kill", "complete-"], command: "kill") == [bundle.id])
        #expect(try complete(["hako", "--root", bundle.root, "state", "other"]).isEmpty)
        #expect(try complete(["hako", "--root", bundle.root + "/none", "delete", ""], command: "delete").isEmpty)

        // Through bash, as a user's TAB runs it: the script the binary prints, sourced.
        let script = try Runner.run(["--generate-completion-script", "bash"]).stdout
        let dir = try Scratch.directory("completion")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try script.write(toFile: dir + "/hako.bash", atomically: true, encoding: .utf8)
        let shell = """
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            _hako "$1" "${@: -1}" "${@: -2:1}"; echo "${COMPREPLY[*]}"
            """
        func bash(_ words: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", shell, "bash", dir + "/hako.bash", Runner.binary] + words
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try bash(["del"]) == "delete")
        #expect(try bash(["--root", bundle.root, "pause", "comp"]) == bundle.id)
    }
}
