import Foundation
import LinuxSys
import OCISpec
@testable import Runtime
@testable import Rootfs
import Testing

@Suite("container ids")
struct ContainerIDTests {
    @Test("valid ids", arguments: ["a", "abc-123", "A_b.c+d", String(repeating: "x", count: 1024)])
    func valid(id: String) throws {
        try ContainerID.validate(id)
    }

    @Test("invalid ids", arguments: ["", ".", "..", "../x", "a/b", "a b", "a\0b", "ä", String(repeating: "x", count: 1025)])
    func invalid(id: String) {
        #expect(throws: RuntimeError.self) { try ContainerID.validate(id) }
    }
}

@Suite("signals")
struct SignalTests {
    @Test("names and numbers", arguments: [("KILL", 9), ("SIGKILL", 9), ("9", 9), ("0", 0), ("term", 15), ("SIGUSR1", 10), ("HUP", 1), ("RTMIN", 34), ("RTMIN+2", 36), ("RTMAX", 64), ("RTMAX-1", 63)])
    func parse(text: String, number: Int32) throws {
        #expect(try Signals.parse(text) == number)
    }

    @Test("unknown signals", arguments: ["FOO", "-1", "65", "SIG", "RTMIN+40"])
    func unknown(text: String) {
        #expect(throws: RuntimeError.self) { try Signals.parse(text) }
    }
}

@Suite("mount options")
struct MountOptionTests {
    @Test("flags, cleared flags, propagation and data are sorted apart")
    func parse() throws {
        let options = try MountOptions(parsing: ["rbind", "ro", "nosuid", "nodev", "rprivate", "mode=755", "size=64k", "rw", "suid"])
        #expect(options.flags == MountFlag.bind | MountFlag.recursive | MountFlag.noDev)
        #expect(options.clearedFlags == MountFlag.readOnly | MountFlag.noSuid)
        #expect(options.propagation == [MountFlag.private | MountFlag.recursive])
        #expect(options.dataString == "mode=755,size=64k")
        #expect(options.isBind)
    }

    @Test("recursive attributes go to mount_setattr")
    func recursive() throws {
        let options = try MountOptions(parsing: ["rro", "rnosuid", "rnoatime", "rexec"])
        #expect(options.recursiveSet == MountAttribute.readOnly | MountAttribute.noSuid | MountAttribute.noAtime)
        #expect(options.recursiveClear == MountAttribute.atimeMask | MountAttribute.noExec)
        #expect(options.flags == 0)
    }

    @Test("tmpcopyup is recorded for the mount")
    func copyUp() throws {
        #expect(try MountOptions(parsing: ["tmpcopyup", "mode=755"]).copyUp)
        #expect(try MountOptions(parsing: ["mode=755"]).copyUp == false)
    }

    @Test("idmap and ridmap are recorded for the mount, not passed as data")
    func idmap() throws {
        let single = try MountOptions(parsing: ["rbind", "idmap"])
        #expect(single.idmap == .idmap && single.idmap?.isRecursive == false && single.data.isEmpty)
        #expect(try MountOptions(parsing: ["bind", "ridmap"]).idmap?.isRecursive == true)
        #expect(try MountOptions(parsing: ["bind"]).idmap == nil)
    }
}

@Suite("namespace plan")
struct NamespacePlanTests {
    @Test("joins put the user namespace first; cgroup and user are not unshared by the intermediate")
    func order() throws {
        let plan = try NamespacePlan([
            LinuxNamespace(type: "network", path: "/proc/1/ns/net"), LinuxNamespace(type: "user", path: "/proc/1/ns/user"),
            LinuxNamespace(type: "pid"), LinuxNamespace(type: "cgroup"), LinuxNamespace(type: "mount"),
        ])
        #expect(plan.joins.map(\.kind) == [.user, .network])
        #expect(plan.creates == [.pid, .cgroup, .mount])
        #expect(plan.intermediateUnshareFlags == 0x2000_0000 | 0x0002_0000)
        #expect(plan.has(.network) && !plan.has(.ipc))
    }
}

@Suite("state store")
struct StateStoreTests {
    func temporaryRoot() -> String {
        NSTemporaryDirectory() + "hako-store-\(UUID().uuidString.prefix(8))"
    }

    func record(id: String, pid: Int32, startTime: UInt64) -> ContainerRecord {
        ContainerRecord(ociVersion: "1.2.0", id: id, pid: pid, initStartTime: startTime, bundle: "/b", rootfs: "/b/rootfs",
                        created: Clock.rfc3339Now(), owner: "root", annotations: ["a": "b"], config: Spec.defaultSpec(rootless: false))
    }

    @Test("claim refuses a taken id; save and load round-trip; remove clears")
    func lifecycle() throws {
        let store = StateStore(root: temporaryRoot())
        defer { try? Files.removeTree(store.root) }
        let lock = try store.claim("one")
        #expect(throws: RuntimeError.self) { try store.claim("one") }
        #expect(try store.load("one") == nil)
        try store.save(record(id: "one", pid: 1, startTime: 5))
        lock.release()
        let loaded = try #require(try store.load("one"))
        #expect(loaded.pid == 1 && loaded.initStartTime == 5 && loaded.annotations == ["a": "b"])
        #expect(try store.ids() == ["one"])
        // No temporary file stays beside state.json and config.json, and the config reads back.
        #expect(Set(try Files.listDirectory(store.directory(of: "one"))) == ["state.json", "config.json"])
        #expect(try loaded.config == Spec.defaultSpec(rootless: false))
        #expect(loaded.hooks == Spec.defaultSpec(rootless: false).hooks)
        try store.remove("one")
        #expect(try store.ids() == [])
        #expect(throws: RuntimeError.self) { try store.load("one") }
    }

    @Test("the lock excludes a second locker until released")
    func locking() throws {
        let store = StateStore(root: temporaryRoot())
        defer { try? Files.removeTree(store.root) }
        let lock = try store.claim("x")
        #expect(ContainerLock.tryLock(directory: store.directory(of: "x")) == nil)
        lock.release()
        #expect(ContainerLock.tryLock(directory: store.directory(of: "x")) != nil)
    }

    @Test("a lock taken while the container was deleted and made again holds the new directory")
    func lockFollowsTheDirectory() throws {
        let store = StateStore(root: temporaryRoot())
        defer { try? Files.removeTree(store.root) }
        let first = try store.claim("x")
        let dir = store.directory(of: "x")
        // Another hako waits for the lock meanwhile (a thread here: flock locks belong to
        // open files, so two descriptors in one process contend as two processes do).
        final class Box: @unchecked Sendable { var lock: ContainerLock?; var error: (any Error)? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let waiter = Thread {
            do { box.lock = try store.lock("x") } catch { box.error = error }
            done.signal()
        }
        waiter.start()
        usleep(100_000)
        // The holder deletes the container, and a new one is made at the same path.
        try store.remove("x")
        let second = try store.claim("x")
        var made = stat()
        #expect(lstat(dir, &made) == 0)
        first.release()
        // The waiter got the old directory's lock first: it must not keep it.
        usleep(100_000)
        #expect(box.lock == nil, "the waiter holds a lock while the new container's creator does")
        second.release()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(box.error == nil)
        let held = try #require(box.lock)
        var locked = stat()
        #expect(fstat(held.fd, &locked) == 0)
        #expect(locked.st_ino == made.st_ino && locked.st_dev == made.st_dev)
        held.release()
    }

    @Test("a directory without state whose lock is free is abandoned and removed")
    func abandoned() throws {
        let store = StateStore(root: temporaryRoot())
        defer { try? Files.removeTree(store.root) }
        let lock = try store.claim("half")
        #expect(try store.removeAbandoned("half") == false)
        lock.release()
        #expect(try store.removeAbandoned("half") == true)
        #expect(try store.ids() == [])
    }

    @Test("start time and state from /proc/PID/stat, whatever the command name holds")
    func statParsing() throws {
        let proc = temporaryRoot()
        defer { try? Files.removeTree(proc) }
        let tail = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654321 20 21\n"
        let lines: [(Int32, String, UInt64?, Character?)] = [
            (10, "10 (sleep) S" + tail, 987_654_321, "S"),
            (11, "11 (a) b) (c d) Z" + tail, 987_654_321, "Z"),
            (12, "12 ( ) R 1 2", nil, nil),
            (13, "13 no parenthesis S" + tail, nil, nil),
            (14, "14 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 9x 20", nil, nil),
        ]
        for (pid, line, start, state) in lines {
            try Files.makeDirectories("\(proc)/\(pid)")
            try Files.write("\(proc)/\(pid)/stat", line)
            let info = Processes.startInfo(pid, proc: proc)
            #expect(info?.startTime == start, "\(line)")
            #expect(info?.state == state, "\(line)")
        }
        #expect(Processes.startInfo(99, proc: proc) == nil)
    }

    @Test("status: a live pid with another start time (a reused pid) reads as stopped")
    func reusedPid() throws {
        let store = StateStore(root: temporaryRoot())
        defer { try? Files.removeTree(store.root) }
        let me = getpid()
        let start = try #require(Processes.startInfo(me)).startTime
        _ = try store.claim("live")
        try store.save(record(id: "live", pid: me, startTime: start))
        #expect(try Container.load(id: "live", store: store).status == .running)
        try Files.write(store.directory(of: "live") + "/" + StateStore.startFifo, "")
        #expect(try Container.load(id: "live", store: store).status == .created)
        _ = try store.claim("reused")
        try store.save(record(id: "reused", pid: me, startTime: start + 1))
        let reused = try Container.load(id: "reused", store: store)
        #expect(reused.status == .stopped)
        #expect(reused.report.pid == 0)
    }
}

@Suite("clock")
struct ClockTests {
    @Test("RFC 3339 with nanoseconds in UTC")
    func format() {
        #expect(Clock.rfc3339(seconds: 0, nanoseconds: 5) == "1970-01-01T00:00:00.000000005Z")
        #expect(Clock.rfc3339(seconds: 1_700_000_000, nanoseconds: 123_456_789) == "2023-11-14T22:13:20.123456789Z")
        #expect(Clock.rfc3339(seconds: 951_825_600, nanoseconds: 0) == "2000-02-29T12:00:00.000000000Z")
        #expect(Clock.rfc3339(seconds: 4_107_542_400, nanoseconds: 999_999_999) == "2100-03-01T00:00:00.999999999Z")
        #expect(Clock.rfc3339(seconds: -1, nanoseconds: 0) == "1969-12-31T23:59:59.000000000Z")
        #expect(Clock.rfc3339(seconds: 253_402_300_799, nanoseconds: 1) == "9999-12-31T23:59:59.000000001Z")
        // Outside 0...9999 the year prints as Go's RFC3339Nano prints it.
        #expect(Clock.rfc3339(seconds: 253_402_300_800, nanoseconds: 0) == "10000-01-01T00:00:00.000000000Z")
        #expect(Clock.rfc3339(seconds: -62_167_219_200, nanoseconds: 0) == "0000-01-01T00:00:00.000000000Z")
        #expect(Clock.rfc3339(seconds: -62_167_219_201, nanoseconds: 0) == "-0001-12-31T23:59:59.000000000Z")
    }

    @Test("the calendar agrees with glibc's gmtime_r from 1600 to 2400")
    func agreesWithGmtime() {
        // A step that is not a whole number of days, so every time of day and every day of
        // the 400-year cycle (leap centuries included) comes up.
        var seconds = -11_676_096_000  // 1600-01-01
        var mismatches: [String] = []
        while seconds < 13_574_563_200 {  // 2400-03-01
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            let date = "\(pad4(Int(parts.tm_year) + 1900))-\(pad2(Int(parts.tm_mon) + 1))-\(pad2(Int(parts.tm_mday)))"
            let time = "\(pad2(Int(parts.tm_hour))):\(pad2(Int(parts.tm_min))):\(pad2(Int(parts.tm_sec)))"
            let expected = "\(date)T\(time).000000042Z"
            let got = Clock.rfc3339(seconds: seconds, nanoseconds: 42)
            if got != expected { mismatches.append("\(seconds): \(got) != \(expected)") }
            seconds += 86_400 * 7 + 3_601
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}

@Suite("paths")
struct PathTests {
    @Test("lexical cleaning never climbs above /")
    func clean() {
        #expect(Paths.clean("/a/../../b/./c//") == "/b/c")
        #expect(Paths.clean("../../etc") == "/etc")
        #expect(Paths.absolute("rootfs", base: "/bundle") == "/bundle/rootfs")
        #expect(Paths.parent("/a/b") == "/a")
        #expect(Paths.parent("/a") == "/")
    }
}


@Suite("Intel RDT against a fake resctrl root")
struct IntelRdtTests {
    func fakeRoot() throws -> String {
        let root = NSTemporaryDirectory() + "hako-resctrl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/schemata", contents: Data())
        return root
    }

    @Test("an existing closID group gets the schemata lines in one write and the pid; monitoring gets its own group")
    func existingGroup() throws {
        let root = try fakeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // resctrl makes these files itself on mkdir; the fake has them ready.
        for dir in ["/shared", "/shared/mon_groups"] { try FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true) }
        for file in ["/shared/schemata", "/shared/tasks"] { FileManager.default.createFile(atPath: root + file, contents: Data()) }
        let config = LinuxIntelRdt(closID: "shared", schemata: "L3:0=ff;1=ff\nMB:0=70", l3CacheSchema: "L3:0=f0", memBwSchema: "MB:0=50")
        let rdt = IntelRdt(root: root, config: config, containerID: "c1")
        try rdt.checkAvailable()
        let applied = try rdt.apply(pid: 4242)
        #expect(!applied.createdGroup)
        #expect(try String(contentsOfFile: root + "/shared/schemata", encoding: .utf8) == "L3:0=ff;1=ff\nMB:0=70\nL3:0=f0\nMB:0=50\n")
        #expect(try String(contentsOfFile: root + "/shared/tasks", encoding: .utf8) == "4242")
        IntelRdt.remove(applied)
        // A group the container did not make stays.
        #expect(FileManager.default.fileExists(atPath: root + "/shared"))
    }

    @Test("a failure half-way removes the group it made; bad closIDs and a missing resctrl are errors")
    func failures() throws {
        let root = try fakeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The fake's new group has no tasks file, as a real kernel never would: apply must fail and unwind.
        let rdt = IntelRdt(root: root, config: LinuxIntelRdt(schemata: "L3:0=ff"), containerID: "c2")
        #expect(throws: (any Error).self) { try rdt.apply(pid: 1) }
        #expect(!FileManager.default.fileExists(atPath: root + "/c2"))
        for bad in ["..", "a/b", "info", ""] {
            #expect(throws: RuntimeError.self) { try IntelRdt(root: root, config: LinuxIntelRdt(closID: bad), containerID: "c").checkAvailable() }
        }
        #expect(throws: RuntimeError.self) { try IntelRdt(root: root + "/none", config: LinuxIntelRdt(), containerID: "c").checkAvailable() }
    }
}

@Suite("host report (info)")
struct HostInfoTests {
    @Test("os-release: NAME and VERSION, quoted or not; VERSION_ID when VERSION is missing")
    func osRelease() throws {
        let dir = NSTemporaryDirectory() + "hako-osrelease-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n"
            .write(toFile: dir + "/debian", atomically: true, encoding: .utf8)
        let debian = HostInfo.operatingSystem(file: dir + "/debian")
        #expect(debian.name == "Debian GNU/Linux" && debian.version == "12 (bookworm)")
        try "NAME=Alpine\nVERSION_ID='3.20.1'\n".write(toFile: dir + "/alpine", atomically: true, encoding: .utf8)
        let alpine = HostInfo.operatingSystem(file: dir + "/alpine")
        #expect(alpine.name == "Alpine" && alpine.version == "3.20.1")
    }

    @Test("cpu model from x86 and arm cpuinfo; memory from meminfo")
    func cpuAndMemory() throws {
        let dir = NSTemporaryDirectory() + "hako-cpuinfo-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6130\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6130\n"
            .write(toFile: dir + "/x86", atomically: true, encoding: .utf8)
        #expect(HostInfo.cpu(cpuinfo: dir + "/x86").model == "Intel(R) Xeon(R) Gold 6130")
        try "processor\t: 0\nBogoMIPS\t: 48.00\nCPU part\t: 0xd0c\n".write(toFile: dir + "/arm", atomically: true, encoding: .utf8)
        #expect(HostInfo.cpu(cpuinfo: dir + "/arm").model == "0xd0c")
        #expect(HostInfo.cpu(cpuinfo: dir + "/none").model == "unknown")
        #expect(HostInfo.cpu().count >= 1)
        try "MemTotal:       24576000 kB\nMemFree:         1000 kB\n".write(toFile: dir + "/meminfo", atomically: true, encoding: .utf8)
        #expect(HostInfo.memoryBytes(meminfo: dir + "/meminfo") == 24_576_000 * 1024)
        #expect(HostInfo.memoryBytes(meminfo: dir + "/none") == 0)
    }

    @Test("a program's stdout and exit status; 127 for one that is not there")
    func programOutput() throws {
        let echo = try Processes.output(of: "echo", ["one", "two"])
        #expect(String(decoding: echo.stdout, as: UTF8.self) == "one two\n" && echo.status == .exited(0))
        #expect(try Processes.output(of: "sh", ["-c", "exit 3"]).status == .exited(3))
        // stdin is /dev/null: cat ends at once.
        #expect(try Processes.output(of: "cat", []).stdout.isEmpty)
        #expect(try Processes.output(of: "hako-no-such-program", []).status == .exited(127))
    }
}

private func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
private func pad4(_ value: Int) -> String { String(repeating: "0", count: max(0, 4 - "\(value)".count)) + "\(value)" }
