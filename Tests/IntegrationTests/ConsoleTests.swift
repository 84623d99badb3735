import Foundation
import LinuxSys
import OCISpec
import Testing

/// `hako exec --tty` with a console socket of its own, as an engine runs it: what the
/// process wrote on its terminal up to `marker` (nil when no terminal arrived: hako failed
/// first), the terminal's name, and hako's exit status.
func execOnTerminal(_ bundle: TestBundle, _ options: [String] = [], command: [String], marker: String) throws
    -> (output: String?, name: String?, status: Int32) {
    let console = try DescriptorSocket()
    let exec = Process()
    exec.executableURL = URL(fileURLWithPath: Runner.binary)
    exec.arguments = ["--root", bundle.root, "exec", "--tty", "--console-socket", console.path] + options + [bundle.id] + command
    exec.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    exec.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try exec.run()
    var output: String?, name: String?
    var master: Int32 = -1
    if let (fd, received) = try? console.receiveDescriptor(timeoutMilliseconds: 5_000) {
        master = fd
        output = readUntil(master, marker: marker)
        name = received
    }
    // Closed only once the process is gone: a hangup would kill it (status 129).
    exec.waitUntilExit()
    if master >= 0 { close(master) }
    return (output, name, exec.terminationStatus)
}

/// Reads from a descriptor until `marker` appears, end of file, or the timeout.
func readUntil(_ fd: Int32, marker: String, timeout: TimeInterval = 10) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !text.contains(marker) && Date() < deadline {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 100) >= 0 else { break }
        if entry.revents == 0 { continue }
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return text
}

@Suite("terminal", .enabled(if: Runner.isRoot, "needs root"))
struct ConsoleTests {
    @Test("process.terminal: the pty master reaches the console socket; the container sees a tty of the asked size")
    func consoleSocket() throws {
        let console = try DescriptorSocket()
        let bundle = try TestBundle(args: ["sh", "-c", "tty; stty size; test -t 0 && echo stdin-is-tty; ls -l /dev/console | awk '{print $5 $6}'; echo done"])
        bundle.spec.process?.terminal = true
        bundle.spec.process?.consoleSize = Box(height: 40, width: 100)
        try bundle.writeConfig()
        // create blocks until init sent the master, so accept while it runs.
        let create = Process()
        create.executableURL = URL(fileURLWithPath: Runner.binary)
        create.arguments = ["--root", bundle.root, "create", "--bundle", bundle.path, "--console-socket", console.path, bundle.id]
        create.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try create.run()
        let (master, name) = try console.receiveDescriptor()
        defer { close(master) }
        #expect(name.hasPrefix("/dev/pts/"))
        create.waitUntilExit()
        #expect(create.terminationStatus == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        let output = readUntil(master, marker: "done")
        #expect(output.contains(name), "\(output)")
        #expect(output.contains("40 100"), "\(output)")
        #expect(output.contains("stdin-is-tty"), "\(output)")
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("the terminal belongs to the process's user, with devpts's tty group: run and exec -t, root and uid 1000",
          arguments: [UInt32(0), UInt32(1000)])
    func terminalOwner(uid: UInt32) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %u:%g $(tty)"])
        bundle.spec.process?.terminal = true
        bundle.spec.process?.user = User(uid: uid, gid: uid == 0 ? 0 : 100)
        let run = try bundle.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(uid):5"), "\(run.stdout)")
        bundle.expectNothingLeft()

        bundle.spec.process?.terminal = false
        bundle.spec.process?.args = ["sleep", "600"]
        try bundle.writeConfig()
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try execOnTerminal(bundle, command: ["sh", "-c", "stat -c %u:%g $(tty); echo done"], marker: "done")
        #expect(exec.status == 0)
        #expect(exec.output?.contains("\(uid):5") == true, "\(exec.output ?? "")")
    }

    @Test("run in the foreground relays the terminal itself: output, input and exit status")
    func runRelaysTerminal() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "tty; read line; echo got:$line; exit 3"])
        bundle.spec.process?.terminal = true
        let result = try bundle.run([], stdin: "hello\n")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("/dev/pts/0"), "\(result.stdout)")
        #expect(result.stdout.contains("got:hello"), "\(result.stdout)")
        // Lines end as the process wrote them (ONLCR off, as runc sets the pty).
        #expect(result.stdout.contains("got:hello\n") && !result.stdout.contains("got:hello\r"), "\(result.stdout.debugDescription)")
        bundle.expectNothingLeft()
    }

    @Test("run with a terminal under script(1): the caller's terminal is relayed")
    func runUnderScript() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "stty size; echo done"])
        bundle.spec.process?.terminal = true
        try bundle.writeConfig()
        let command = "stty rows 33 cols 77; \(Runner.binary) --root \(bundle.root) run --bundle \(bundle.path) \(bundle.id)"
        let result = try Runner.run(["-qec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(result.stdout.contains("33 77"), "\(result.stdout)")
        #expect(result.stdout.contains("done"))
        bundle.expectNothingLeft()
    }

    @Test("--console-socket without process.terminal is refused")
    func socketWithoutTerminal() throws {
        let console = try DescriptorSocket()
        let bundle = try TestBundle(args: ["true"])
        let result = try bundle.create(["--console-socket", console.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--console-socket: given, but process.terminal is false"))
        bundle.expectNothingLeft()
    }
}
