// swift-tools-version:6.0
// The libFuzzer target for config.json and state.json decoding: a package of its own, so
// that its sanitizer flags never reach hako's build. Built and run by fuzz/run.sh.
import PackageDescription

let package = Package(
    name: "hako-fuzz",
    dependencies: [.package(name: "hako", path: "..")],
    targets: [
        .executableTarget(
            name: "HakoFuzz",
            dependencies: [.product(name: "Runtime", package: "hako"), .product(name: "OCISpec", package: "hako")]
        ),
    ]
)
