#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Reads and writes cgroup files through a `CgroupSystem`, turning failures into
/// `CgroupError`s that name the value, the file and the errno.
struct CgroupIO {
    let system: any CgroupSystem

    func write(_ dir: String, _ file: String, _ value: String) throws(CgroupError) {
        let path = dir + "/" + file
        do {
            try system.writeFile(path, value)
        } catch {
            throw CgroupError("writing \(Self.quoted(value)) to", path: path, errno: error.errno)
        }
    }

    func read(_ dir: String, _ file: String) throws(CgroupError) -> String {
        let path = dir + "/" + file
        do {
            return try system.readFile(path)
        } catch {
            throw CgroupError("reading", path: path, errno: error.errno)
        }
    }

    /// The file's content, or nil when it does not exist.
    func readIfPresent(_ dir: String, _ file: String) throws(CgroupError) -> String? {
        let path = dir + "/" + file
        do {
            return try system.readFile(path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw CgroupError("reading", path: path, errno: error.errno)
        }
    }

    /// A single number; "max" reads as UInt64.max, an empty file as 0.
    func readUInt(_ dir: String, _ file: String) throws(CgroupError) -> UInt64 {
        let text = try read(dir, file)
        return try Self.parseUInt(text, path: dir + "/" + file)
    }

    func readUIntIfPresent(_ dir: String, _ file: String) throws(CgroupError) -> UInt64? {
        guard let text = try readIfPresent(dir, file) else { return nil }
        return try Self.parseUInt(text, path: dir + "/" + file)
    }

    /// "key value" lines (memory.stat, cpu.stat, cpuacct.stat, cgroup.events).
    func readKeyValues(_ dir: String, _ file: String) throws(CgroupError) -> [(key: String, value: UInt64)]? {
        guard let text = try readIfPresent(dir, file) else { return nil }
        return try Self.parseKeyValues(text, path: dir + "/" + file)
    }

    func exists(_ dir: String, _ file: String) -> Bool {
        system.exists(dir + "/" + file)
    }

    /// Creates `dir` and its missing parents below `base` (which must exist). Returns the
    /// directories it made, outermost first.
    func makeDirectories(_ dir: String, below base: String) throws(CgroupError) -> [String] {
        guard dir.hasPrefix(base + "/") else { return [] }
        var created: [String] = []
        var current = base
        for part in dir.dropFirst(base.count + 1).split(separator: "/") {
            current += "/" + part
            do {
                try system.makeDirectory(current)
                created.append(current)
            } catch {
                if error.errno == EEXIST && system.isDirectory(current) { continue }
                throw CgroupError("creating cgroup", path: current, errno: error.errno)
            }
        }
        return created
    }

    /// The directories between `base` (excluded) and `dir` (included), outermost first.
    static func levels(of dir: String, below base: String) -> [String] {
        guard dir.hasPrefix(base + "/") else { return [] }
        var result: [String] = []
        var current = base
        for part in dir.dropFirst(base.count + 1).split(separator: "/") {
            current += "/" + part
            result.append(current)
        }
        return result
    }

    /// Sub-cgroups of a cgroup directory (names only).
    func children(_ dir: String) throws(CgroupError) -> [String] {
        let names: [String]
        do {
            names = try system.listSubdirectories(dir)
        } catch {
            if error.errno == ENOENT { return [] }
            throw CgroupError("listing", path: dir, errno: error.errno)
        }
        return names.sorted()
    }

    /// A manager's kill-all: SIGKILL through cgroup.kill where the kernel has it (in
    /// `cgroupKillDirectory`, the cgroup2 one); otherwise the signal to every pid, with
    /// the cgroup frozen meanwhile so nothing can fork a process the signal would miss.
    func killAll(_ manager: any CgroupManager, signal: Int32, cgroupKillDirectory: String?) throws(CgroupError) {
        if signal == SIGKILL, let dir = cgroupKillDirectory, exists(dir, "cgroup.kill") {
            try write(dir, "cgroup.kill", "1")
            return
        }
        let frozen = (try? manager.freeze()) != nil
        var failure: CgroupError?
        do { try self.signal(try manager.pids(), signal) } catch { failure = error }
        if frozen { try manager.thaw() }
        if let failure { throw failure }
    }

    /// Removes the parent directories a manager's `create` made (deepest first, those in
    /// `keeping` aside), leaving any that are gone, busy or hold another cgroup now.
    func removeCreatedParents(_ created: [String], keeping: Set<String>) throws(CgroupError) {
        for dir in created.reversed() where !keeping.contains(dir) {
            do {
                try system.removeDirectory(dir)
            } catch {
                if error.errno != ENOENT && error.errno != EBUSY && error.errno != ENOTEMPTY {
                    throw CgroupError("removing cgroup", path: dir, errno: error.errno)
                }
            }
        }
    }

    /// rmdir of a cgroup and its sub-cgroups, deepest first. EBUSY (the kernel has not
    /// finished releasing exited tasks) is retried 5 times, 10 ms apart and doubling,
    /// as runc does. A missing directory is fine.
    func removeTree(_ dir: String) throws(CgroupError) {
        guard system.isDirectory(dir) else { return }
        let subdirectories: [String]
        do {
            subdirectories = try children(dir)
        } catch {
            // Removed meanwhile (systemd drops an empty scope's cgroups by itself).
            if error.errno == ENOENT || error.errno == ENODEV { return }
            throw error
        }
        for child in subdirectories { try removeTree(dir + "/" + child) }
        // A process that just left may keep the cgroup busy for a moment: retry soon, then
        // less often (1 ms doubling, about 250 ms in all).
        var delay: UInt32 = 1_000
        for attempt in 1...9 {
            do {
                try system.removeDirectory(dir)
                return
            } catch {
                if error.errno == ENOENT || error.errno == ENODEV { return }
                if error.errno != EBUSY || attempt == 9 {
                    throw CgroupError("removing cgroup", path: dir, errno: error.errno)
                }
            }
            system.pause(microseconds: delay)
            delay *= 2
        }
    }

    /// Pids in cgroup.procs of a directory and, recursively, its sub-cgroups.
    func processes(_ dir: String) throws(CgroupError) -> [Int32] {
        var result: [Int32] = []
        let text = try read(dir, "cgroup.procs")
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == " " }) {
            guard let pid = Int32(line) else {
                throw CgroupError("parsing", path: dir + "/cgroup.procs", reason: "unexpected line \(Self.quoted(String(line)))")
            }
            result.append(pid)
        }
        for child in try children(dir) { result += try processes(dir + "/" + child) }
        return result
    }

    /// Signals each pid; one that has exited meanwhile (ESRCH) is fine. Every pid is tried
    /// before the first other failure is reported.
    func signal(_ pids: [Int32], _ signal: Int32) throws(CgroupError) {
        var failure: CgroupError?
        for pid in pids {
            do {
                try system.signal(pid, signal)
            } catch {
                if error.errno != ESRCH { failure = failure ?? CgroupError("signalling process \(pid)", error) }
            }
        }
        if let failure { throw failure }
    }

    // MARK: - Parsing

    static func parseUInt(_ text: String, path: String) throws(CgroupError) -> UInt64 {
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty { return 0 }
        if trimmed == "max" { return UInt64.max }
        if let value = UInt64(trimmed) { return value }
        // Some kernels report "-1" (or another negative) for unlimited, e.g. cpu.cfs_quota_us.
        if let value = Int64(trimmed), value < 0 { return 0 }
        throw CgroupError("parsing", path: path, reason: "\(quoted(trimmed)) is not a number")
    }

    static func parseKeyValues(_ text: String, path: String) throws(CgroupError) -> [(key: String, value: UInt64)] {
        var result: [(key: String, value: UInt64)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2 else {
                if fields.isEmpty { continue }
                throw CgroupError("parsing", path: path, reason: "unexpected line \(quoted(String(line)))")
            }
            result.append((String(fields[0]), try parseUInt(String(fields[1]), path: path)))
        }
        return result
    }

    /// A cpu or memory-node list ("0-3,7") as numbers.
    static func parseList(_ text: String, path: String) throws(CgroupError) -> [UInt16] {
        var result: [UInt16] = []
        for range in text.trimmingWhitespace().split(separator: ",") {
            let bounds = range.split(separator: "-", maxSplits: 1)
            guard let low = UInt16(bounds[0]), let high = bounds.count == 2 ? UInt16(bounds[1]) : low, low <= high else {
                throw CgroupError("parsing", path: path, reason: "\(quoted(String(range))) is not a list range")
            }
            result.append(contentsOf: low...high)
        }
        return result
    }

    /// A value as it appears in an error: bare when simple, quoted when it has spaces.
    static func quoted(_ value: String) -> String {
        if !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) { return value }
        var escaped = ""
        for c in value {
            switch c {
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\"": escaped += "\\\""
            default: escaped.append(c)
            }
        }
        return "\"" + escaped + "\""
    }
}
