import Foundation
import LinuxSys
import Testing

/// NOTIFY_SOCKET: the container's READY= reaches the caller's socket through `start`.
@Suite("sd_notify", .enabled(if: Runner.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc"), "needs root and a C compiler"))
struct NotifySocketTests {
    /// A static sd_notify client for the busybox rootfs, built with the system compiler.
    static func buildNotifier(into rootfs: String) throws {
        let source = rootfs + "/../sdnotify.c"
        try """
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <sys/un.h>
        int main(int argc, char **argv) {
            const char *path = getenv("NOTIFY_SOCKET");
            if (!path || argc < 2) return 2;
            int s = socket(AF_UNIX, SOCK_DGRAM, 0);
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
            return sendto(s, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, sizeof(a)) < 0 ? 1 : 0;
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-static", "-O2", "-o", rootfs + "/bin/sdnotify", source]
        try cc.run()
        cc.waitUntilExit()
        #expect(cc.terminationStatus == 0)
    }

    @Test("start passes READY=1 on with MAINPID, and a barrier")
    func readyForwarded() throws {
        let dir = try Scratch.directory("notify")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hostSocket = dir + "/host.sock"
        let listener = try Sockets.bindDatagram(path: hostSocket)
        defer { close(listener) }
        let bundle = try TestBundle(args: ["sh", "-c", "sdnotify READY=1; sleep 100"])
        try Self.buildNotifier(into: bundle.rootfs)
        try bundle.writeConfig()
        // env(1) puts NOTIFY_SOCKET in hako's environment, as systemd would.
        #expect(try Runner.run(["NOTIFY_SOCKET=\(hostSocket)", Runner.binary, "--root", bundle.root, "create", "--bundle", bundle.path, bundle.id], executable: "/usr/bin/env").status == 0)
        let pid = try #require((try bundle.state())?["pid"] as? Int)
        // Read the host socket while start waits for the barrier.
        var messages: [String] = []
        let start = Process()
        start.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        start.arguments = ["NOTIFY_SOCKET=\(hostSocket)", Runner.binary, "--root", bundle.root, "start", bundle.id]
        try start.run()
        while messages.count < 3 {
            let (bytes, fd) = try Sockets.receive(listener)
            messages.append(String(decoding: bytes, as: UTF8.self))
            if let fd { close(fd) }  // acknowledges the barrier
        }
        start.waitUntilExit()
        #expect(start.terminationStatus == 0)
        #expect(messages == ["READY=1\n", "MAINPID=\(pid)\n", "BARRIER=1"])
        let inside = try bundle.hako(["exec", bundle.id, "sh", "-c", "echo $NOTIFY_SOCKET; ls /run/notify"])
        #expect(inside.stdout == "/run/notify/notify.sock\nnotify.sock\n", "\(inside.stderr)")
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }
}
