// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hako",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hako", targets: ["hako"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "OCISpec", targets: ["OCISpec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `swift package generate-documentation` for the Runtime and OCISpec libraries.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // A WebAssembly runtime in Swift with WASI preview 1: wasm containers run in init.
        .package(url: "https://github.com/swiftwasm/WasmKit", from: "0.4.2"),
    ],
    targets: [
        // Thin, logic-free C wrappers for what Swift's Glibc module cannot call.
        .target(name: "CLinux"),
        // The commit hako was built from, which only the build knows (scripts/build-release.sh).
        .target(name: "CBuildInfo"),
        // Codable runtime-spec types, defaults and validation. No syscalls.
        .target(name: "OCISpec"),
        // Swift wrappers over Linux syscalls that throw errors carrying the step, path and errno.
        // Debug builds (the tests') route the rootfs and process-setup calls through a seam a
        // test can record and fail (SyscallSeam.swift); release builds compile it out.
        .target(
            name: "LinuxSys", dependencies: ["CLinux"],
            swiftSettings: [.define("HAKO_SYSCALL_SEAM", .when(configuration: .debug))]
        ),
        // A D-Bus client in Swift (wire format, SASL EXTERNAL, calls, signals) for the systemd driver.
        .target(name: "DBus", dependencies: ["LinuxSys"]),
        // cgroup v1, hybrid and v2 managers and the systemd driver: detection, limits, freezing, stats.
        .target(name: "Cgroups", dependencies: ["CLinux", "LinuxSys", "OCISpec", "DBus"]),
        // libseccomp (Debian's libseccomp-dev), and the spec's seccomp section compiled with it.
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "OCISpec", "LinuxSys"]),
        // WASI modules run as a container's process (WasmKit), for the wasm handler annotations.
        .target(
            name: "Wasm",
            dependencies: [
                "LinuxSys",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmKitWASI", package: "WasmKit"),
                .product(name: "WASI", package: "WasmKit"),
            ]
        ),
        // CRIU's RPC (criu swrk): the protobuf messages of checkpoint and restore.
        .target(name: "Criu", dependencies: ["LinuxSys"]),
        // Everything that mounts: the rootfs builder, paths resolved inside the rootfs, mount
        // options, /dev, tmpcopyup, the cgroup mount, idmapped mounts, mount labels. The
        // security surface, in one room; its calls go through LinuxSys alone.
        .target(name: "Rootfs", dependencies: ["OCISpec", "LinuxSys"]),
        // The container runtime as a library: state, process model, namespaces, operations.
        .target(
            name: "Runtime",
            dependencies: [
                "OCISpec", "LinuxSys", "Rootfs", "Cgroups", "Seccomp", "Wasm", "Criu",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command line: thin commands over Runtime, and hako's own parser of it (help,
        // usage errors, shell completion, manual pages) in CommandLine/.
        .executableTarget(
            name: "hako",
            dependencies: [
                "Runtime", "OCISpec", "LinuxSys", "CBuildInfo",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The library embedded: a container made, started, waited for and deleted from Swift
        // (the DocC article "Embedding hako" walks through it).
        .executableTarget(
            name: "hako-embed-example",
            dependencies: ["Runtime", "OCISpec", .product(name: "Logging", package: "swift-log")],
            path: "Examples/EmbedHako"
        ),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups", "OCISpec", "LinuxSys", "DBus"]),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "Cgroups", "OCISpec", "LinuxSys"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp", "CSeccomp", "OCISpec", "LinuxSys"]),
        .testTarget(name: "CriuTests", dependencies: ["Criu"]),
        // The syscall wrappers on their own: results, and errors that carry step, path and errno.
        .testTarget(name: "LinuxSysTests", dependencies: ["LinuxSys"]),
        // The rootfs's failure paths through the seam's recorder: no root, nothing mounted.
        .testTarget(name: "RootfsTests", dependencies: ["Rootfs", "OCISpec", "LinuxSys"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Rootfs", "OCISpec", "LinuxSys"]),
        .testTarget(name: "IntegrationTests", dependencies: ["hako", "OCISpec", "LinuxSys", .product(name: "WAT", package: "WasmKit")]),
    ]
)
