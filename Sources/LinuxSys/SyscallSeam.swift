#if canImport(Glibc)
import Glibc
#endif

/// The calls that pass through the seam, named as the kernel names them. Those that would
/// change the calling process or the host (`changesProcessOrHost`) are only ever
/// pretended while a `SyscallRecorder` is installed; the rest touch files and are made
/// for real, so a test works on a temporary directory.
public enum Syscall: String, Sendable, CaseIterable {
    // Made for real under a recorder: files and directories, which a test keeps in a
    // temporary directory of its own.
    case open, openat2, close, mkdir, symlink, readlink, unlink, stat, mkfifo, dup
    // Pretended under a recorder.
    case mount, umount, pivotRoot = "pivot_root", mountSetattr = "mount_setattr", openTree = "open_tree"
    case moveMount = "move_mount", chroot, chdir, mknod, chmod, chown
    case setns, unshare, setresuid, setresgid, setgroups, sethostname, setdomainname
    case keyctl, prlimit, personality, capset, prctl, setxattr

    public var changesProcessOrHost: Bool {
        switch self {
        case .open, .openat2, .close, .mkdir, .symlink, .readlink, .unlink, .stat, .mkfifo, .dup: false
        default: true
        }
    }

    /// Whether a successful call returns a new descriptor, which the recorder then
    /// expects to see closed.
    var returnsDescriptor: Bool {
        self == .open || self == .openat2 || self == .openTree || self == .dup
    }
}

/// The seam between hako and the kernel, in the shape of swift-system's mocking switch:
/// each wrapper of the rootfs and process-setup calls makes its system call through
/// `Seam.call`. Built with `HAKO_SYSCALL_SEAM` (debug builds, Package.swift), `call`
/// consults the `SyscallRecorder` installed in the current task, if any; otherwise, and
/// always in release builds, it is the call itself, inlined, and costs nothing.
public enum Seam {
    /// Makes the system call `body` (which returns -1 and sets errno on failure), or,
    /// under a recorder, records it and lets the recorder pretend it or fail it.
    /// - Parameters:
    ///   - path: what the call names, for the record (a /proc/self/fd/N path is resolved).
    ///   - at: the directory descriptor `path` is relative to, if any.
    ///   - descriptor: the descriptor the call acts on (close, fstat), if any.
    ///   - pretended: what a pretended call returns.
    @inline(__always)
    public static func call(_ syscall: Syscall, path: @autoclosure () -> String? = nil, at directory: Int32? = nil,
                            descriptor: Int32? = nil, pretended: @autoclosure () -> Int32 = 0,
                            _ body: () -> Int32) -> Int32 {
        #if HAKO_SYSCALL_SEAM
        if let recorder = SyscallRecorder.current {
            return recorder.intercept(syscall, path: path(), directory: directory, descriptor: descriptor,
                                      pretended: pretended, body)
        }
        #endif
        return body()
    }

    /// Whether a recorder is installed in this task (debug builds only; always false in
    /// release builds). Code that cannot be pretended, such as a fork, refuses to run then.
    @inline(__always)
    public static var isRecording: Bool {
        #if HAKO_SYSCALL_SEAM
        return SyscallRecorder.current != nil
        #else
        return false
        #endif
    }
}

/// The recording fake behind `Seam`, for tests that drive failure paths without root:
/// installed with `run`, it records every call through the seam (with the path it named,
/// relative to `root`), pretends those that would change the process or the host
/// (mount, pivot_root, setns, set*id, ...), makes the file calls for real, fails the calls
/// a test asks to fail with the errno it gives, and keeps the set of descriptors opened
/// through the seam and not yet closed through it. Only a build with `HAKO_SYSCALL_SEAM`
/// consults it (and only such a build has it); one recorder serves one task at a time.
#if HAKO_SYSCALL_SEAM
public final class SyscallRecorder: @unchecked Sendable {
    public struct Call: Equatable, Sendable, CustomStringConvertible {
        public let syscall: Syscall
        public let path: String?
        /// Whether the kernel saw it (false: pretended or failed by the recorder).
        public let made: Bool
        /// The errno the recorder failed it with, if it did.
        public var failedWith: Int32? = nil
        public var description: String {
            syscall.rawValue + (path.map { " " + $0 } ?? "") + (failedWith.map { " (failed: errno \($0))" } ?? "")
        }
    }

    private struct Failure {
        let syscall: Syscall
        let path: String?
        let errno: Int32
        var skip: Int
        var remaining: Int
    }

    /// Paths under this directory are recorded relative to it ("/dev/null", not
    /// "/tmp/x/rootfs/dev/null"): the container's view; absolute paths outside it get a
    /// "host:" prefix ("host:/proc").
    public let root: String?
    public private(set) var calls: [Call] = []
    /// Descriptors opened through the seam and not yet closed through it.
    public private(set) var openDescriptors: Set<Int32> = []
    private var failures: [Failure] = []

    public init(root: String? = nil) {
        self.root = root.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Calls of `syscall` (naming `path`, when given) fail with `errno`: `times` of them,
    /// after letting the first `after` through.
    public func fail(_ syscall: Syscall, path: String? = nil, errno: Int32, after: Int = 0, times: Int = 1) {
        failures.append(Failure(syscall: syscall, path: path, errno: errno, skip: after, remaining: times))
    }

    /// The paths of the calls of one kind, in order.
    public func paths(of syscall: Syscall) -> [String?] {
        calls.filter { $0.syscall == syscall }.map(\.path)
    }

    /// Runs `body` with this recorder installed in the current task.
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        try Self.$current.withValue(self) { try body() }
    }

    @TaskLocal public static var current: SyscallRecorder?

    func intercept(_ syscall: Syscall, path: String?, directory: Int32?, descriptor: Int32?,
                   pretended: () -> Int32, _ body: () -> Int32) -> Int32 {
        let named = describe(path, directory: directory, descriptor: descriptor)
        if let index = failures.firstIndex(where: { $0.syscall == syscall && $0.remaining > 0 && ($0.path == nil || $0.path == named) }) {
            if failures[index].skip > 0 {
                failures[index].skip -= 1
            } else {
                failures[index].remaining -= 1
                calls.append(Call(syscall: syscall, path: named, made: false, failedWith: failures[index].errno))
                errno = failures[index].errno
                return -1
            }
        }
        let made = !syscall.changesProcessOrHost
        calls.append(Call(syscall: syscall, path: named, made: made))
        var result: Int32
        if made {
            result = body()
        } else if syscall.returnsDescriptor {
            // A descriptor the caller may use and close: one of "/" that leads nowhere.
            result = Glibc.open("/", Files.pathOnly | O_CLOEXEC)
        } else {
            result = pretended()
        }
        if syscall == .close, let descriptor { openDescriptors.remove(descriptor) }
        if syscall.returnsDescriptor && result >= 0 { openDescriptors.insert(result) }
        return result
    }

    /// The path a call names, as the container sees it: a descriptor or a
    /// /proc/self/fd/N path is resolved through /proc, and `root` is taken off.
    private func describe(_ path: String?, directory: Int32?, descriptor: Int32?) -> String? {
        var full: String?
        if let descriptor, path == nil {
            full = Self.target(of: descriptor)
        } else if let path, let directory, !path.hasPrefix("/") {
            full = (Self.target(of: directory) ?? "?").appendingComponent(path)
        } else if let path, path.hasPrefix("/proc/self/fd/") {
            let rest = path.dropFirst("/proc/self/fd/".count)
            let number = rest.prefix(while: \.isNumber)
            if let fd = Int32(number), let target = Self.target(of: fd) {
                full = target + String(rest.dropFirst(number.count))
            } else {
                full = path
            }
        } else {
            full = path
        }
        guard let root, let resolved = full, resolved.hasPrefix("/") else { return full }
        if resolved == root { return "/" }
        if resolved.hasPrefix(root + "/") { return String(resolved.dropFirst(root.count)) }
        return "host:" + resolved
    }

    private static func target(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

#endif

extension String {
    fileprivate func appendingComponent(_ name: String) -> String {
        name == "." || name.isEmpty ? self : (hasSuffix("/") ? self + name : self + "/" + name)
    }
}
