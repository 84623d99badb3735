#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// A container known to the state store. Each operation lives in its own file as an
/// extension: ContainerCreate, ContainerStart, ContainerKill, ContainerDelete.
public struct Container: Sendable {
    public private(set) var state: ContainerRecord
    public let store: StateStore

    init(state: ContainerRecord, store: StateStore) {
        self.state = state
        self.store = store
    }

    public var id: String { state.id }
    public var directory: String { store.directory(of: state.id) }

    /// Loads a container; throws when it does not exist or its directory holds no record
    /// yet (the moment between `create` making the directory and writing its intent).
    public static func load(id: String, store: StateStore) throws -> Container {
        guard let state = try store.load(id) else {
            // Without a lock holder, what is left of a killed `create` or `delete`.
            if let lock = ContainerLock.tryLock(directory: store.directory(of: id)) {
                lock.release()
                throw RuntimeError.notExist(id)
            }
            throw RuntimeError("container \"\(id)\" is still being created")
        }
        return Container(state: state, store: store)
    }

    /// Locks the container and reads its record again under the lock: what was loaded
    /// before may have changed while another hako held it (a `create` committing, a
    /// `delete` removing it, or a new container with the same id).
    func locked() throws -> (ContainerLock, Container) {
        let lock = try store.lock(id)
        do {
            guard let current = try store.load(id) else { throw RuntimeError.notExist(id) }
            return (lock, Container(state: current, store: store))
        } catch {
            lock.release()
            throw error
        }
    }

    /// Whether init is still the process recorded at create: same pid and same start
    /// time (a reused pid has a later one), and not a zombie.
    public var initIsAlive: Bool {
        ProcessIdentity(pid: state.pid, startTime: state.initStartTime).isAlive
    }

    /// The status derived from the processes, never stored. While the record is an intent
    /// (`creation`), creating as long as its creator lives, stopped once it died without
    /// committing. Otherwise: created while init waits at the start barrier, running
    /// after (paused when its cgroup is frozen), stopped once init is gone.
    public var status: ContainerStatus {
        if let creation = state.creation {
            return creation.creator.isAlive ? .creating : .stopped
        }
        guard initIsAlive else { return .stopped }
        if isWaitingAtStartBarrier { return .created }
        if let cgroup = try? cgroup(), (try? cgroup.isFrozen) == true { return .paused }
        return .running
    }

    /// Whether init still waits at the start barrier: the FIFO exists, and init still
    /// holds it open. A `start` killed between releasing init and removing the FIFO
    /// leaves it without a reader, and opening it for writing then fails (ENXIO): the
    /// container runs. Opening and closing a writer wakes nobody (init is a writer too).
    var isWaitingAtStartBarrier: Bool {
        do {
            Files.close(try Files.open(directory + "/" + StateStore.startFifo, O_WRONLY | O_NONBLOCK))
            return true
        } catch {
            return error.errno != ENOENT && error.errno != ENXIO
        }
    }

    /// The state as runtime-spec's `state` operation reports it.
    public var report: StateReport {
        let status = self.status
        return StateReport(
            ociVersion: state.ociVersion, id: state.id, pid: status == .stopped ? 0 : state.pid, status: status,
            bundle: state.bundle, rootfs: state.rootfs, created: state.created, owner: state.owner,
            annotations: state.annotations)
    }

    /// The state given to hooks on stdin.
    func hookState(status: ContainerStatus) -> State {
        State(ociVersion: state.ociVersion, id: state.id, status: OCISpec.ContainerState(rawValue: status.rawValue) ?? .running,
              pid: status == .stopped ? nil : Int(state.pid), bundle: state.bundle, annotations: state.annotations)
    }

    /// A pidfd for init, checked to still be the container's init after it was opened,
    /// so a signal sent through it cannot reach a process that reused the pid.
    func openInit() throws -> Int32 {
        let fd = try Processes.pidfd(state.pid)
        guard initIsAlive else {
            Files.close(fd)
            throw RuntimeError.notRunning(id)
        }
        return fd
    }
}
