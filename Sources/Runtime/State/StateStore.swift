#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The directory of container state under `--root`: one directory per container holding
/// `state.json` (replaced atomically) and, until `start`, the `exec.fifo` start barrier.
/// Every change to a container happens under an exclusive flock(2) on its directory, so
/// two hako processes never interleave changes to one container.
public struct StateStore: Sendable {
    public let root: String

    public static let stateFile = "state.json"
    /// The config the container was created from, beside state.json.
    public static let configFile = "config.json"
    public static let startFifo = "exec.fifo"

    public init(root: String) {
        self.root = root
    }

    public func directory(of id: String) -> String { "\(root)/\(id)" }

    /// Creates the directory for a new container and locks it. Fails if the id is taken.
    public func claim(_ id: String) throws -> ContainerLock {
        try ContainerID.validate(id)
        do {
            try Files.makeDirectories(root, mode: 0o711)
        } catch {
            throw RuntimeError("creating state root \(root)", error)
        }
        let dir = directory(of: id)
        do {
            try Files.makeDirectory(dir, mode: 0o711)
        } catch {
            if error.errno == EEXIST { throw RuntimeError("container \"\(id)\" already exists") }
            throw RuntimeError("creating state directory", error)
        }
        // Until the intent record is in it, the directory looks abandoned to a concurrent
        // `delete`, which may remove it before the lock is taken: then the claim is lost.
        guard let lock = try ContainerLock(directory: dir) else {
            throw RuntimeError("container \"\(id)\" was deleted while it was being created")
        }
        return lock
    }

    /// Locks an existing container's directory. Waits for a holder (a `create` still making
    /// it, a `delete`); if the directory was removed meanwhile, locks the one now at its
    /// path, or reports the container gone.
    public func lock(_ id: String) throws -> ContainerLock {
        try ContainerID.validate(id)
        let dir = directory(of: id)
        while true {
            guard Files.isDirectory(dir) else { throw RuntimeError.notExist(id) }
            if let lock = try ContainerLock(directory: dir) { return lock }
        }
    }

    /// Reads a container's recorded state; nil while it is still being created.
    public func load(_ id: String) throws -> ContainerRecord? {
        try ContainerID.validate(id)
        let dir = directory(of: id)
        guard Files.isDirectory(dir) else { throw RuntimeError.notExist(id) }
        let path = "\(dir)/\(Self.stateFile)"
        guard Files.exists(path) else { return nil }
        let bytes = try Files.read(path)
        do {
            // What hako wrote reads by hand; anything else through the Codable decoder (RecordDecoding).
            var record = try ContainerRecord.decodeWrittenShape(bytes)
                ?? JSONCoding.decode(ContainerRecord.self, from: bytes, document: StateStore.stateFile)
            record.configSlot = ConfigSlot(path: "\(dir)/\(Self.configFile)")
            return record
        } catch {
            throw RuntimeError("reading \(path): \(error)")
        }
    }

    /// Writes state.json, and config.json first when the config is new (create, update).
    public func save(_ state: ContainerRecord) throws {
        let dir = directory(of: state.id)
        let slot = state.configSlot
        if slot.isNew {
            let bytes = try slot.bytes ?? JSONCoding.encode(try slot.spec())
            try Files.writeAtomically("\(dir)/\(Self.configFile)", bytes, mode: 0o600, durable: false)
            slot.isNew = false
        }
        try Files.writeAtomically("\(dir)/\(Self.stateFile)", state.encodedJSON(), mode: 0o600, durable: false)
    }

    /// The ids of all containers, sorted.
    public func ids() throws -> [String] {
        guard Files.isDirectory(root) else { return [] }
        // Only containers: not the seccomp cache, whose name no id may have.
        return try Files.listDirectory(root).filter { name in
            (try? ContainerID.validate(name)) != nil && Files.isDirectory(directory(of: name))
        }.sorted()
    }

    /// Removes a container's directory and everything in it, state.json first: a remove
    /// killed half-way leaves a directory without a record, which `removeAbandoned` clears.
    /// The caller holds the container's lock.
    public func remove(_ id: String) throws {
        let dir = directory(of: id)
        let record = "\(dir)/\(Self.stateFile)"
        do { try Files.unlink(record) } catch { if error.errno != ENOENT { throw error } }
        CrashPoint.reach("delete.record-removed")
        try Files.removeTree(dir)
    }
}

/// An exclusive lock on a container directory, held until `release()` or exit.
public final class ContainerLock {
    /// The locked directory's descriptor. flock(2) locks belong to the open file, which
    /// forked children share: they must close it, or the lock outlives the locker.
    private(set) var fd: Int32

    /// Opens and locks `directory`, then checks that the path still names the locked
    /// directory: a `delete` holding the lock may have removed it while this one waited
    /// (and a `create` made a new one at the same path).
    /// - Returns: nil when the directory is gone or replaced.
    init?(directory: String) throws {
        do {
            fd = try Files.open(directory, O_RDONLY | O_DIRECTORY)
        } catch {
            if error.errno == ENOENT { return nil }
            throw RuntimeError("locking \(directory)", error)
        }
        do {
            try Files.lockExclusively(fd, wait: true, path: directory)
        } catch {
            Files.close(fd)
            throw RuntimeError("locking \(directory)", error)
        }
        guard Self.names(directory, fd) else {
            Files.close(fd)
            return nil
        }
    }

    /// Whether `path` is the directory open as `fd`.
    static func names(_ path: String, _ fd: Int32) -> Bool {
        guard let opened = try? Files.status(of: fd, path: path), let current = try? Files.lstatus(path) else { return false }
        return opened.st_dev == current.st_dev && opened.st_ino == current.st_ino
    }

    /// Tries to lock without waiting; nil when someone else holds it or it is gone.
    public static func tryLock(directory: String) -> ContainerLock? {
        guard let fd = try? Files.open(directory, O_RDONLY | O_DIRECTORY) else { return nil }
        if (try? Files.lockExclusively(fd, wait: false, path: directory)) == nil || !names(directory, fd) {
            Files.close(fd)
            return nil
        }
        return ContainerLock(lockedFD: fd)
    }

    private init(lockedFD: Int32) { fd = lockedFD }

    public func release() {
        if fd >= 0 { Files.close(fd) }
        fd = -1
    }

    deinit { release() }
}
