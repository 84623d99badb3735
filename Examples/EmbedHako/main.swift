// Runs a container from Swift through hako's Runtime library, with no config.json on disk:
// the spec is built in code, then the container is created, started, waited for and
// deleted, as `hako run` does.
//
//     swift run hako-embed-example /path/to/rootfs [command...]
//
// The rootfs needs /bin/sh (scripts/demo.sh makes a busybox one in /tmp/hako-demo/rootfs). Run as root. The exit
// status is the container's.
#if canImport(Glibc)
import Glibc
#endif
import Logging
import OCISpec
import Runtime

let arguments = Array(CommandLine.arguments.dropFirst())
guard let rootfs = arguments.first, rootfs.hasPrefix("/") else {
    print("usage: hako-embed-example /absolute/path/to/rootfs [command...]")
    exit(2)
}
let command = arguments.count > 1 ? Array(arguments.dropFirst()) : ["sh", "-c", "echo hello from a container made in Swift, pid $$"]

// 1. The spec: runc's defaults (namespaces, mounts, capabilities, masked paths), changed in code.
var spec = Spec.defaultSpec(rootless: false)
spec.root = Root(path: rootfs, readonly: true)
spec.hostname = "embedded"
spec.process?.terminal = false
spec.process?.args = command
var resources = spec.linux?.resources ?? LinuxResources()
resources.pids = LinuxPids(limit: 64)
spec.linux?.resources = resources

// 2. Where the container's state lives, and a bundle directory (the working directory of
//    hooks; with the spec given in code it holds nothing).
let scratch = "/tmp/hako-embed-\(getpid())"
let store = StateStore(root: scratch + "/state")
let bundle = scratch + "/bundle"
for directory in [scratch, scratch + "/state", bundle] {
    guard mkdir(directory, 0o700) == 0 else { print("mkdir \(directory): \(String(cString: strerror(errno)))"); exit(1) }
}
func removeScratch() {
    for directory in [bundle, scratch + "/state", scratch] { rmdir(directory) }
}

var logger = Logger(label: "hako-embed-example")
logger.logLevel = .warning
var status: Int32 = 1
do {
    var options = CreateOptions(id: "embedded-\(getpid())", bundle: bundle)
    options.config = try LoadedConfig(spec: spec)
    // 3. Adopt the container's init (its parent exits during create), so it can be waited for.
    try Supervision.becomeSubreaper()
    let container = try Container.create(options, store: store, logger: logger)
    print("created \(container.id): init pid \(container.state.pid), status \(container.status.rawValue)")
    fflush(nil)
    // 4. Start it; signals sent to this program go on to the container from here on.
    Supervision.blockSignals()
    do {
        try container.start()
        let exit = try Supervision.waitForwardingSignals(to: container.state.pid)
        print("\(container.id) exited: \(exit)")
        status = exit.shellCode
    } catch {
        print("error: \(error)")
    }
    // 5. Delete: cgroups, state, and any process left.
    try container.delete(force: true)
} catch {
    print("error: \(error)")
}
removeScratch()
exit(status)
