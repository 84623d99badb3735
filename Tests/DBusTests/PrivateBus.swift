import Foundation
import Synchronization
import Testing
import DBus
import LinuxSys

/// A dbus-daemon of the test's own (Debian's dbus-daemon package), listening on a socket in
/// a temporary directory, with the session bus's policy: any client of this uid may own
/// any name. Stopped by `stop()`.
final class PrivateBus {
    let directory: String
    let socketPath: String
    let address: DBusAddress
    private var daemon: pid_t = 0

    static let executable = "/usr/bin/dbus-daemon"

    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable),
                     "dbus-daemon is missing: apt-get install dbus-daemon (scripts/test.sh installs it)")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hako-dbus-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/bus"
        address = try DBusAddress.parse("unix:path=\(socketPath)", name: "test bus")
        // posix_spawn and waitpid, not Foundation's Process, whose waitUntilExit waits on a
        // run loop that a test thread does not run.
        let arguments = [Self.executable, "--session", "--nofork", "--nopidfile", "--address=unix:path=\(socketPath)"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        let spawned = posix_spawn(&daemon, Self.executable, nil, nil, &argv, environ)
        try #require(spawned == 0, "posix_spawn dbus-daemon: \(String(cString: strerror(spawned)))")
        // The socket file appears at bind(2), a moment before listen(2): wait until a
        // connection is accepted, not only for the file.
        var listening = false
        for _ in 0..<500 {
            if let fd = try? Sockets.connect(path: socketPath) {
                close(fd)
                listening = true
                break
            }
            usleep(10_000)
        }
        try #require(listening, "dbus-daemon did not listen within 5 s")
    }

    func stop() {
        if daemon > 0 {
            // SIGKILL: the daemon inherits the test thread's signal mask, which may block SIGTERM.
            kill(daemon, SIGKILL)
            var status: Int32 = 0
            while waitpid(daemon, &status, 0) < 0 && errno == EINTR {}
            daemon = 0
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func connect() throws -> DBusConnection {
        try DBusConnection.connect(to: address, timeoutMilliseconds: 5000)
    }
}

/// A service on its own thread: each message that reaches its connection goes to
/// `handle` until `stop()`. The connection is used by that thread alone once started.
final class BusService: @unchecked Sendable {
    let connection: DBusConnection
    private let handle: (DBusMessage, DBusConnection) throws -> Void
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Connects to `bus` and takes `name` before returning, so that calls to it can follow.
    init(bus: PrivateBus, name: String, handle: @escaping (DBusMessage, DBusConnection) throws -> Void) throws {
        connection = try bus.connect()
        #expect(try connection.requestName(name))
        self.handle = handle
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                guard let message = try? connection.nextMessage(timeoutMilliseconds: 50) else { continue }
                try? self.handle(message, connection)
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
    }
}
