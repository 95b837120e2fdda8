import NeuralNet

/// A model's named tensors as a safetensors file.
extension StateDict {
    public static func save(_ parameters: [Parameter], to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensors.save(tensors(of: parameters), metadata: metadata, to: path)
    }

    @discardableResult
    public static func load(path: String, into parameters: [Parameter], strict: Bool = true) throws -> StateDictReport {
        try load(SafeTensors.load(path: path), into: parameters, strict: strict, path: path)
    }

    /// A whole network: its parameters and buffers (BatchNorm running statistics).
    public static func save(_ layer: any Layer, to path: String, metadata: [String: String] = [:]) throws {
        try save(layer.parameters + layer.buffers, to: path, metadata: metadata)
    }

    @discardableResult
    public static func load(path: String, into layer: any Layer, strict: Bool = true) throws -> StateDictReport {
        try load(path: path, into: layer.parameters + layer.buffers, strict: strict)
    }
}

extension MobileNetV2 {
    /// `loadPretrained` from a safetensors file of torchvision-named weights.
    @discardableResult
    public static func loadPretrained(path: String, into layer: any Layer, prefix: String = "") throws -> StateDictReport {
        try loadPretrained(SafeTensors.load(path: path), path: path, into: layer, prefix: prefix)
    }
}
