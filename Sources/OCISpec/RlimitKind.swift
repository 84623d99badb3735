/// Resource limit types with their Linux numbers (asm-generic/resource.h; x86_64,
/// arm64 and most architectures; mips, sparc and alpha number some differently).
public enum RlimitKind: Int, CaseIterable, Sendable {
    case cpu = 0
    case fsize = 1
    case data = 2
    case stack = 3
    case core = 4
    case rss = 5
    case nproc = 6
    case nofile = 7
    case memlock = 8
    /// RLIMIT_AS.
    case addressSpace = 9
    case locks = 10
    case sigpending = 11
    case msgqueue = 12
    case nice = 13
    case rtprio = 14
    case rttime = 15

    /// Names in number order; `names[n]` is the name of limit n.
    private static let names: [String] = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
        "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]

    private static let numbersByName: [String: Int] = Dictionary(
        uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) }
    )

    /// The config name, e.g. "RLIMIT_NOFILE".
    public var name: String { Self.names[rawValue] }

    /// The number to pass to setrlimit(2)/prlimit(2).
    public var number: Int { rawValue }

    /// The limit with this config name, if known.
    public init?(name: String) {
        guard let number = Self.numbersByName[name] else { return nil }
        self.init(rawValue: number)
    }

    /// The Linux number of a config name such as "RLIMIT_NOFILE", if known.
    public static func number(named name: String) -> Int? {
        numbersByName[name]
    }

    /// Every known name, in number order.
    public static var allNames: [String] { names }
}
