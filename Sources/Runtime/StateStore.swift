#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys

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
        if mkdir(dir, 0o711) != 0 {
            if errno == EEXIST { throw RuntimeError("container \"\(id)\" already exists") }
            throw RuntimeError("creating state directory", SysError("mkdir", path: dir, errno: errno))
        }
        do {
            return try ContainerLock(directory: dir)
        } catch {
            rmdir(dir)
            throw error
        }
    }

    /// Locks an existing container's directory.
    public func lock(_ id: String) throws -> ContainerLock {
        try ContainerID.validate(id)
        let dir = directory(of: id)
        guard Files.isDirectory(dir) else { throw RuntimeError.notExist(id) }
        return try ContainerLock(directory: dir)
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
            var record = try JSONDecoder().decode(ContainerRecord.self, from: Data(bytes))
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
            let bytes = try slot.bytes ?? Array(JSONEncoder().encode(try slot.spec()))
            try Files.writeAtomically("\(dir)/\(Self.configFile)", bytes, mode: 0o600, durable: false)
        }
        let data = try JSONEncoder().encode(state)
        try Files.writeAtomically("\(dir)/\(Self.stateFile)", Array(data), mode: 0o600, durable: false)
    }

    /// The ids of all containers, sorted.
    public func ids() throws -> [String] {
        guard Files.isDirectory(root) else { return [] }
        // Only containers: not the seccomp cache, whose name no id may have.
        return try Files.listDirectory(root).filter { name in
            (try? ContainerID.validate(name)) != nil && Files.isDirectory(directory(of: name))
        }.sorted()
    }

    /// Removes a container's directory and everything in it.
    public func remove(_ id: String) throws {
        try Files.removeTree(directory(of: id))
    }
}

/// An exclusive lock on a container directory, held until `release()` or exit.
public final class ContainerLock {
    /// The locked directory's descriptor. flock(2) locks belong to the open file, which
    /// forked children share: they must close it, or the lock outlives the locker.
    private(set) var fd: Int32

    init(directory: String) throws {
        fd = try Files.open(directory, O_RDONLY | O_DIRECTORY)
        let result = try? retrying("flock", path: directory) { flock(fd, LOCK_EX) }
        if result == nil {
            let err = errno
            close(fd)
            throw RuntimeError("locking \(directory)", SysError("flock", path: directory, errno: err))
        }
    }

    /// Tries to lock without waiting; nil when someone else holds it.
    public static func tryLock(directory: String) -> ContainerLock? {
        guard let fd = try? Files.open(directory, O_RDONLY | O_DIRECTORY) else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return ContainerLock(lockedFD: fd)
    }

    private init(lockedFD: Int32) { fd = lockedFD }

    public func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
