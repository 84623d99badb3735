#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Rootfs

extension Channel where Outgoing == ChildMessage, Incoming == MainMessage {
    /// init: asks main for the detached tree of mounts[index] and returns its descriptor.
    func requestMountTree(_ index: Int) throws -> Int32 {
        try send(.mountTree(index))
        let (message, fd) = try receiveWithDescriptor()
        switch message {
        case .mountTreeReady?:
            guard let fd else { throw RuntimeError("\(peer) sent no descriptor for the mount") }
            return fd
        case nil:
            // main failed making it: it reports the error itself, and kills init.
            throw RuntimeError("\(peer) exited while making the mount's tree")
        case let other?:
            if let fd { Files.close(fd) }
            throw RuntimeError("\(peer) sent \(other) while mountTreeReady was expected")
        }
    }
}
