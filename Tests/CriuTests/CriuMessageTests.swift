import Testing
@testable import Criu

@Suite("protobuf wire format")
struct ProtobufWireTests {
    @Test("varints, negative int32, strings and nested messages read back as written")
    func roundTrip() throws {
        var writer = ProtobufWriter()
        writer.uint(1, 300)
        writer.int(2, -1)
        writer.bool(3, true)
        writer.string(4, "héllo")
        writer.message(5) { $0.int(1, 42) }
        writer.uint(1, 7)
        let reader = try ProtobufReader(writer.bytes)
        // The last value of a field wins, as proto2 says.
        #expect(reader.varint(1) == 7)
        #expect(reader.int(2) == -1)
        #expect(reader.bool(3) == true)
        #expect(reader.string(4) == "héllo")
        #expect(try reader.message(5)?.int(1) == 42)
        #expect(reader.varint(9) == nil)
    }

    @Test("bytes on the wire as protobuf encodes them")
    func knownBytes() {
        var writer = ProtobufWriter()
        writer.uint(1, 150)
        #expect(writer.bytes == [0x08, 0x96, 0x01])
        var negative = ProtobufWriter()
        negative.int(2, -2)
        #expect(negative.bytes == [0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        var text = ProtobufWriter()
        text.string(13, "/r")
        #expect(text.bytes == [0x6a, 0x02, 0x2f, 0x72])
    }

    @Test("fixed-width fields of a newer schema are skipped")
    func skipsFixed() throws {
        let bytes: [UInt8] = [0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4, 0x18, 0x05]
        let reader = try ProtobufReader(bytes)
        #expect(reader.varint(3) == 5)
    }

    @Test("malformed input is an error, never a crash", arguments: [
        [0x08] as [UInt8], [0x08, 0x80], [0x12, 0x05, 0x01], [0x0b], [0x00, 0x01],
        [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ])
    func malformed(_ bytes: [UInt8]) {
        #expect(throws: ProtobufError.self) { try ProtobufReader(bytes) }
    }
}

@Suite("CRIU RPC messages")
struct CriuMessageTests {
    @Test("a dump request carries criu_opts under the schema's field numbers")
    func dumpRequest() throws {
        var options = CriuOptions(imagesDirectoryFD: 9)
        options.pid = 1234
        options.leaveRunning = true
        options.root = "/containers/web/rootfs"
        options.logFile = "dump.log"
        options.externalMounts = [("/etc/hosts", "/etc/hosts")]
        options.cgroupMode = .soft
        options.external = ["net[4026531992]:extRootNetNS"]
        options.emptyNamespaces = 0x4000_0000
        options.freezeCgroup = "/sys/fs/cgroup/web"
        options.parentImage = "../parent"
        options.trackMemory = true
        options.pageServer = ("10.0.0.2", 8000)
        options.lsmMountContext = "system_u:object_r:container_file_t:s0"
        let request = try ProtobufReader(CriuRequest(type: .dump, options: options).encoded())
        #expect(request.int(1) == 1)
        let opts = try #require(try request.message(2))
        #expect(opts.int(1) == 9)
        #expect(opts.int(2) == 1234)
        #expect(opts.bool(3) == true)
        #expect(opts.int(9) == 4)
        #expect(opts.string(10) == "dump.log")
        #expect(opts.string(13) == "/containers/web/rootfs")
        #expect(opts.string(14) == "../parent")
        #expect(opts.bool(15) == true)
        let mount = try #require(try opts.message(23))
        #expect(mount.string(1) == "/etc/hosts" && mount.string(2) == "/etc/hosts")
        #expect(opts.bool(24) == true)
        #expect(opts.varint(34) == 3)
        #expect(opts.string(37) == "net[4026531992]:extRootNetNS")
        #expect(opts.varint(38) == 0x4000_0000)
        #expect(opts.string(44) == "/sys/fs/cgroup/web")
        let server = try #require(try opts.message(11))
        #expect(server.string(1) == "10.0.0.2" && server.int(2) == 8000)
        #expect(opts.string(63) == "system_u:object_r:container_file_t:s0")
    }

    @Test("a restore request: sibling, inherited descriptors, cgroup roots, joined namespaces")
    func restoreRequest() throws {
        var options = CriuOptions(imagesDirectoryFD: 5)
        options.restoreSibling = true
        options.orphanPtsMaster = true
        options.inheritFDs = [("pipe:[123]", 1), ("extRootNetNS", 4)]
        options.cgroupRoots = [(nil, "/web"), ("cpu,cpuacct", "/web")]
        options.joinNamespaces = [("uts", "/proc/1/ns/uts")]
        options.lsmProfile = "apparmor:unconfined"
        let opts = try #require(try ProtobufReader(CriuRequest(type: .restore, options: options).encoded()).message(2))
        #expect(opts.bool(26) == true)
        #expect(opts.bool(50) == true)
        let inherited = opts.fields.filter { $0.number == 27 }
        #expect(inherited.count == 2)
        if case .bytes(let second) = inherited[1].value {
            let entry = try ProtobufReader(second)
            #expect(entry.string(1) == "extRootNetNS" && entry.int(2) == 4)
        }
        let roots = opts.fields.filter { $0.number == 25 }
        #expect(roots.count == 2)
        if case .bytes(let first) = roots[0].value {
            let entry = try ProtobufReader(first)
            #expect(entry.string(1) == nil && entry.string(2) == "/web")
        }
        let join = try #require(try opts.message(39))
        #expect(join.string(1) == "uts" && join.string(2) == "/proc/1/ns/uts")
        #expect(opts.string(53) == "apparmor:unconfined")
    }

    @Test("responses: a restore's pid, a notification, a failure with its message, features, version")
    func responses() throws {
        var restore = ProtobufWriter()
        restore.int(1, 2)
        restore.bool(2, true)
        restore.message(4) { $0.int(1, 4242) }
        let restored = try CriuResponse(decoding: restore.bytes)
        #expect(restored.type == 2 && restored.success && restored.restoredPid == 4242)

        var notify = ProtobufWriter()
        notify.int(1, 6)
        notify.bool(2, true)
        notify.message(5) { $0.string(1, "post-restore"); $0.int(2, 77) }
        let notification = try #require(try CriuResponse(decoding: notify.bytes).notification)
        #expect(notification.script == "post-restore" && notification.pid == 77)

        var failure = ProtobufWriter()
        failure.int(1, 1)
        failure.bool(2, false)
        failure.int(7, 13)
        failure.string(9, "Permission denied")
        let failed = try CriuResponse(decoding: failure.bytes)
        #expect(!failed.success && failed.errno == 13 && failed.errorMessage == "Permission denied")

        var features = ProtobufWriter()
        features.int(1, 9)
        features.bool(2, true)
        features.message(8) { $0.bool(1, true); $0.bool(2, false) }
        #expect(try CriuResponse(decoding: features.bytes).features == CriuFeatures(memoryTracking: true, lazyPages: false))

        var version = ProtobufWriter()
        version.int(1, 10)
        version.bool(2, true)
        version.message(10) { $0.int(1, 3); $0.int(2, 17); $0.int(4, 1) }
        let answer = try #require(try CriuResponse(decoding: version.bytes).version)
        #expect(answer.major == 3 && answer.minor == 17 && answer.sublevel == 1)

        #expect(throws: ProtobufError.self) { try CriuResponse(decoding: [0x10, 0x01]) }
    }

    @Test("--manage-cgroups-mode values map to the schema's enum")
    func cgroupModes() {
        #expect(CriuCgroupMode(flag: "") == .default)
        #expect(CriuCgroupMode(flag: "soft")?.rawValue == 3)
        #expect(CriuCgroupMode(flag: "full")?.rawValue == 4)
        #expect(CriuCgroupMode(flag: "strict")?.rawValue == 5)
        #expect(CriuCgroupMode(flag: "ignore")?.rawValue == 0)
        #expect(CriuCgroupMode(flag: "props") == nil)
    }
}
