/// The state of a container as runtime.md defines it (also passed to hooks on stdin).
public struct State: Codable, Equatable, Sendable {
    public var ociVersion: String
    public var id: String
    /// A `ContainerState` raw value.
    public var status: String
    /// The container process; absent once it has stopped.
    public var pid: Int?
    /// Absolute path to the bundle directory.
    public var bundle: String
    public var annotations: [String: String]?

    public init(
        ociVersion: String,
        id: String,
        status: ContainerState,
        pid: Int? = nil,
        bundle: String,
        annotations: [String: String]? = nil
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.status = status.rawValue
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.go(.ociVersion, or: "")
        id = try c.go(.id, or: "")
        status = try c.go(.status, or: "")
        pid = try c.opt(.pid)
        bundle = try c.go(.bundle, or: "")
        annotations = try c.opt(.annotations)
    }

    /// The status, or nil when `status` is not a known one.
    public var containerState: ContainerState? { ContainerState(rawValue: status) }
}

/// The statuses of runtime.md.
public enum ContainerState: String, CaseIterable, Codable, Sendable {
    case creating, created, running, stopped
}
