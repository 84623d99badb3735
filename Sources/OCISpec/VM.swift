/// Configuration for virtual-machine-based containers (config-vm.md).
public struct VM: Codable, Equatable, Sendable {
    public var hypervisor: VMHypervisor?
    public var kernel: VMKernel
    public var image: VMImage?

    public init(hypervisor: VMHypervisor? = nil, kernel: VMKernel, image: VMImage? = nil) {
        self.hypervisor = hypervisor
        self.kernel = kernel
        self.image = image
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hypervisor = try c.opt(.hypervisor)
        kernel = try c.go(.kernel, or: VMKernel(path: ""))
        image = try c.opt(.image)
    }
}

public struct VMHypervisor: Codable, Equatable, Sendable {
    public var path: String
    public var parameters: [String]?

    public init(path: String, parameters: [String]? = nil) {
        self.path = path
        self.parameters = parameters
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        parameters = try c.opt(.parameters)
    }
}

public struct VMKernel: Codable, Equatable, Sendable {
    public var path: String
    public var parameters: [String]?
    public var initrd: String?

    public init(path: String, parameters: [String]? = nil, initrd: String? = nil) {
        self.path = path
        self.parameters = parameters
        self.initrd = initrd
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        parameters = try c.opt(.parameters)
        initrd = try c.opt(.initrd)
    }
}

public struct VMImage: Codable, Equatable, Sendable {
    public var path: String
    /// e.g. "raw", "qcow2", "vhd", "vmdk".
    public var format: String

    public init(path: String, format: String) {
        self.path = path
        self.format = format
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        format = try c.go(.format, or: "")
    }
}
