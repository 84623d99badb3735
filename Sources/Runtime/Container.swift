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

    /// Loads a container; throws when it does not exist or is still being created.
    public static func load(id: String, store: StateStore) throws -> Container {
        guard let state = try store.load(id) else {
            throw RuntimeError("container \"\(id)\" is still being created")
        }
        return Container(state: state, store: store)
    }

    /// Whether init is still the process recorded at create: same pid and same start
    /// time (a reused pid has a later one), and not a zombie.
    public var initIsAlive: Bool {
        guard state.pid > 0, let info = Processes.startInfo(state.pid) else { return false }
        return info.startTime == state.initStartTime && info.state != "Z" && info.state != "X"
    }

    /// The status derived from the process, never stored: created while the start
    /// barrier exists, running after, stopped once init is gone.
    public var status: ContainerStatus {
        guard initIsAlive else { return .stopped }
        if Files.exists(directory + "/" + StateStore.startFifo) { return .created }
        if let cgroup = try? cgroup(), (try? cgroup.isFrozen) == true { return .paused }
        return .running
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
            close(fd)
            throw RuntimeError.notRunning(id)
        }
        return fd
    }
}
