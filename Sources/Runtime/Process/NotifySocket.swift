#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// sd_notify through the container, as runc does: when hako runs with NOTIFY_SOCKET set
/// (under systemd, say), the container gets a socket of its own at
/// /run/notify/notify.sock; `start` listens on it and, once the container says READY=,
/// passes that on to the caller's socket with MAINPID=<init> and waits for systemd's
/// BARRIER acknowledgement.
enum NotifySocket {
    static let containerDirectory = "/run/notify"
    static let socketName = "notify.sock"

    /// The caller's notify socket, if any.
    static var host: String? {
        guard let value = getenv("NOTIFY_SOCKET") else { return nil }
        let path = String(cString: value)
        return path.isEmpty ? nil : path
    }

    static func directory(stateDirectory: String) -> String { stateDirectory + "/notify" }

    /// At create: the container sees the state directory's notify/ at /run/notify.
    static func prepare(_ spec: inout Spec, stateDirectory: String) {
        guard host != nil else { return }
        spec.mounts = (spec.mounts ?? []) + [Mount(destination: containerDirectory, type: "bind",
                                                   source: directory(stateDirectory: stateDirectory),
                                                   options: ["bind", "nosuid", "noexec", "nodev", "ro"])]
        let env = (spec.process?.env ?? []).filter { !$0.hasPrefix("NOTIFY_SOCKET=") }
        spec.process?.env = env + ["NOTIFY_SOCKET=\(containerDirectory)/\(socketName)"]
    }

    /// At start, before the container runs: the socket it will write to. Nil when hako
    /// has no NOTIFY_SOCKET or the container was created without one.
    static func listen(stateDirectory: String) throws -> Int32? {
        guard host != nil else { return nil }
        let dir = directory(stateDirectory: stateDirectory)
        guard Files.isDirectory(dir) else { return nil }
        let path = dir + "/" + socketName
        let fd = try Sockets.bindDatagram(path: path)
        // The container's user may be anyone.
        try? Files.setMode(path, mode: 0o777, path: path)
        return fd
    }

    /// Waits for READY= from the container (or for init to exit), then tells the host.
    static func forwardReady(from socket: Int32, initPid: pid_t, isAlive: () -> Bool) throws {
        guard let host else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while isAlive() {
            var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 100)
            if ready < 0 && errno != EINTR { throw SysError("poll", errno: errno) }
            guard ready > 0 else { continue }
            let n = recv(socket, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY=") }) else { continue }
            try notifyHost(host, ready: String(line), initPid: initPid)
            return
        }
    }

    static func notifyHost(_ host: String, ready: String, initPid: pid_t) throws {
        let client = try Sockets.connectDatagram(path: host)
        defer { Files.close(client) }
        try Sockets.send(client, Array((ready + "\n").utf8))
        try Sockets.send(client, Array("MAINPID=\(initPid)\n".utf8))
        // sd_notify_barrier: send a pipe's write end; systemd closes it once it has
        // processed everything before it. A peer that ignores barriers gets 30 s.
        let (barrierRead, barrierWrite) = try Files.pipe()
        defer { Files.close(barrierRead) }
        do {
            try Sockets.send(client, Array("BARRIER=1".utf8), fd: barrierWrite)
        } catch {
            Files.close(barrierWrite)
            throw error
        }
        Files.close(barrierWrite)
        var entry = pollfd(fd: barrierRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, 30_000)
    }
}
