import Foundation
import OCISpec
import Testing

/// linux.netDevices: host interfaces moved into the container's network namespace. The
/// tests use dummy links with unique names (no traffic leaves the host).
@Suite("network devices", .enabled(if: Runner.isRoot, "needs root"), .serialized)
struct NetDeviceTests {
    @discardableResult
    static func ip(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func hostHasLink(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// A dummy link on the host with a unique name, deleted by `remove` if it still exists.
    /// Where the kernel has no dummy driver (a VM kernel without modules), one end of a veth
    /// pair: also a virtual device, which the kernel deletes with its network namespace
    /// (and the peer with it).
    struct Dummy {
        let name = "hkd" + UUID().uuidString.prefix(8).lowercased()
        var peer: String { name + "p" }

        init(address: String? = nil) throws {
            if try NetDeviceTests.ip(["link", "add", name, "type", "dummy"]).status != 0 {
                try #require(try NetDeviceTests.ip(["link", "add", name, "type", "veth", "peer", "name", peer]).status == 0)
            }
            if let address {
                try #require(try NetDeviceTests.ip(["addr", "add", address, "dev", name]).status == 0)
            }
        }

        func remove() {
            for link in [name, peer] where NetDeviceTests.hostHasLink(link) { _ = try? NetDeviceTests.ip(["link", "del", link]) }
        }

        /// Neither the device nor its veth peer is on the host.
        var isGone: Bool { !NetDeviceTests.hostHasLink(name) && !NetDeviceTests.hostHasLink(peer) }
    }

    @Test("devices are moved, renamed or not, with their addresses, and up; the kernel deletes them with the container")
    func move() throws {
        try #require(!Self.hostHasLink("eth9"), "the host has an eth9 of its own")
        let renamed = try Dummy(address: "10.251.77.1/24")
        defer { renamed.remove() }
        let kept = try Dummy()
        defer { kept.remove() }
        let bundle = try TestBundle(args: ["sh", "-c", "ip link show eth9 && ip addr show eth9 && ip link show \(kept.name)"])
        bundle.spec.linux?.netDevices = [renamed.name: LinuxNetDevice(name: "eth9"), kept.name: LinuxNetDevice()]
        let result = try bundle.run()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains(": eth9"), "\(result.stdout)")
        #expect(result.stdout.contains("inet 10.251.77.1/24"), "\(result.stdout)")
        #expect(result.stdout.contains(",UP"), "\(result.stdout)")
        #expect(result.stdout.contains(": \(kept.name)"), "\(result.stdout)")
        bundle.expectNothingLeft()
        // A dummy is a virtual device: the kernel deletes it with the container's network
        // namespace, which goes away shortly after its last process (asynchronously).
        #expect(eventually { renamed.isGone && kept.isGone && !Self.hostHasLink("eth9") })
    }

    @Test("a failure after the move leaves nothing: the device goes with the network namespace")
    func failureAfterMove() throws {
        let dummy = try Dummy()
        defer { dummy.remove() }
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.netDevices = [dummy.name: LinuxNetDevice(name: "eth9")]
        // init fails on this mount, after main moved the device.
        bundle.spec.mounts?.append(Mount(destination: "/x", type: "bind", source: "/nonexistent-\(dummy.name)", options: ["bind"]))
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("does not exist"), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
        #expect(eventually { dummy.isGone && !Self.hostHasLink("eth9") })
    }

    @Test("a missing host device is refused, naming it")
    func missingDevice() throws {
        let name = "hkd" + UUID().uuidString.prefix(8).lowercased()
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.netDevices = [name: LinuxNetDevice(name: "eth9")]
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("linux.netDevices[\"\(name)\"]: no such network interface"), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("the container needs a network namespace of its own", arguments: [false, true])
    func needsNewNamespace(joinHost: Bool) throws {
        let dummy = try Dummy()
        defer { dummy.remove() }
        let bundle = try TestBundle(args: ["true"])
        var namespaces = (bundle.spec.linux?.namespaces ?? []).filter { $0.type != "network" }
        if joinHost {
            namespaces.append(LinuxNamespace(type: "network", path: "/proc/self/ns/net"))
        }
        bundle.spec.linux?.namespaces = namespaces
        bundle.spec.linux?.netDevices = [dummy.name: LinuxNetDevice()]
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("linux.netDevices: needs a new network namespace"), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
        #expect(Self.hostHasLink(dummy.name))
    }
}
