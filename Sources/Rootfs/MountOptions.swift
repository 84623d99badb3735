import LinuxSys

/// A mount's options from config.json, sorted into what mount(2) and mount_setattr(2) take.
public struct MountOptions: Equatable, Sendable {
    /// Flags for the mount(2) call itself.
    public var flags: UInt = 0
    /// Flags explicitly cleared ("rw", "suid", ...), which matter when remounting a bind.
    public var clearedFlags: UInt = 0
    /// Propagation changes (MS_SHARED, MS_PRIVATE ... possibly with MS_REC), applied after mounting.
    public var propagation: [UInt] = []
    /// Recursive attributes to set and clear with mount_setattr(2).
    public var recursiveSet: UInt64 = 0
    public var recursiveClear: UInt64 = 0
    /// Filesystem-specific options passed as mount(2)'s data ("mode=755,size=65536k").
    public var data: [String] = []
    /// `tmpcopyup`: copy what the image has at the destination into the new tmpfs.
    public var copyUp = false

    /// `idmap` or `ridmap`: the bind mount is idmapped (IDMappedMounts.swift).
    public var idmap: IDMapOption?

    public var isBind: Bool { flags & MountFlag.bind != 0 }

    /// runtime-spec's idmapped mount options: the mount alone, or its submounts too.
    public enum IDMapOption: String, Equatable, Sendable {
        case idmap, ridmap
        public var isRecursive: Bool { self == .ridmap }
    }

    public static let flagOptions: [String: (set: Bool, flag: UInt)] = [
        "defaults": (true, 0),
        "ro": (true, MountFlag.readOnly), "rw": (false, MountFlag.readOnly),
        "nosuid": (true, MountFlag.noSuid), "suid": (false, MountFlag.noSuid),
        "nodev": (true, MountFlag.noDev), "dev": (false, MountFlag.noDev),
        "noexec": (true, MountFlag.noExec), "exec": (false, MountFlag.noExec),
        "sync": (true, MountFlag.synchronous), "async": (false, MountFlag.synchronous),
        "dirsync": (true, MountFlag.dirSync),
        "remount": (true, MountFlag.remount),
        "mand": (true, MountFlag.mandatoryLock), "nomand": (false, MountFlag.mandatoryLock),
        "noatime": (true, MountFlag.noAtime), "atime": (false, MountFlag.noAtime),
        "nodiratime": (true, MountFlag.noDirAtime), "diratime": (false, MountFlag.noDirAtime),
        "relatime": (true, MountFlag.relatime), "norelatime": (false, MountFlag.relatime),
        "strictatime": (true, MountFlag.strictAtime), "nostrictatime": (false, MountFlag.strictAtime),
        "lazytime": (true, MountFlag.lazyTime), "nolazytime": (false, MountFlag.lazyTime),
        "silent": (true, MountFlag.silent), "loud": (false, MountFlag.silent),
        "iversion": (true, MountFlag.iVersion), "noiversion": (false, MountFlag.iVersion),
        "nosymfollow": (true, MountFlag.noSymFollow), "symfollow": (false, MountFlag.noSymFollow),
        "bind": (true, MountFlag.bind), "rbind": (true, MountFlag.bind | MountFlag.recursive),
    ]

    public static let propagationOptions: [String: UInt] = [
        "private": MountFlag.private, "rprivate": MountFlag.private | MountFlag.recursive,
        "shared": MountFlag.shared, "rshared": MountFlag.shared | MountFlag.recursive,
        "slave": MountFlag.slave, "rslave": MountFlag.slave | MountFlag.recursive,
        "unbindable": MountFlag.unbindable, "runbindable": MountFlag.unbindable | MountFlag.recursive,
    ]

    public static let recursiveOptions: [String: (set: Bool, attribute: UInt64)] = [
        "rro": (true, MountAttribute.readOnly), "rrw": (false, MountAttribute.readOnly),
        "rnosuid": (true, MountAttribute.noSuid), "rsuid": (false, MountAttribute.noSuid),
        "rnodev": (true, MountAttribute.noDev), "rdev": (false, MountAttribute.noDev),
        "rnoexec": (true, MountAttribute.noExec), "rexec": (false, MountAttribute.noExec),
        "rnodiratime": (true, MountAttribute.noDirAtime), "rdiratime": (false, MountAttribute.noDirAtime),
        "rnosymfollow": (true, MountAttribute.noSymFollow), "rsymfollow": (false, MountAttribute.noSymFollow),
    ]

    /// The access-time family, which mount_setattr(2) sets as one field.
    public static let recursiveAtimeOptions: [String: UInt64] = [
        "rrelatime": MountAttribute.relatime, "rnorelatime": MountAttribute.relatime,
        "rnoatime": MountAttribute.noAtime, "ratime": MountAttribute.relatime,
        "rstrictatime": MountAttribute.strictAtime, "rnostrictatime": MountAttribute.relatime,
    ]

    public init() {}

    /// Sorts options; throws for options hako knows but cannot carry out.
    public init(parsing options: [String]) throws(RootfsError) {
        for option in options {
            if let idmap = IDMapOption(rawValue: option) {
                self.idmap = idmap
            } else if option == "tmpcopyup" {
                copyUp = true
            } else if let (set, flag) = Self.flagOptions[option] {
                if set { flags |= flag; clearedFlags &= ~flag } else { flags &= ~flag; clearedFlags |= flag }
            } else if let flag = Self.propagationOptions[option] {
                propagation.append(flag)
            } else if let (set, attribute) = Self.recursiveOptions[option] {
                if set { recursiveSet |= attribute; recursiveClear &= ~attribute } else { recursiveClear |= attribute; recursiveSet &= ~attribute }
            } else if let atime = Self.recursiveAtimeOptions[option] {
                recursiveClear |= MountAttribute.atimeMask
                recursiveSet = (recursiveSet & ~MountAttribute.atimeMask) | atime
            } else {
                data.append(option)
            }
        }
    }

    public var dataString: String? { data.isEmpty ? nil : data.joined(separator: ",") }
}
