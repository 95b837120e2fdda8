/// A layer made of named child layers. Containers prefix their children's
/// parameter names when they are built, so names come out as torchvision
/// state_dict keys (`layer1.0.conv1.weight`) without any global registry.
public protocol LayerContainer: Layer {
    var children: [(name: String, layer: any Layer)] { get }
}

public extension Layer {
    /// Prefixes the names of every parameter and buffer with `prefix` + ".";
    /// returns self so a layer can be named where it is built.
    @discardableResult
    func named(_ prefix: String) -> Self {
        guard !prefix.isEmpty else { return self }
        for p in parameters + buffers { p.name = p.name.isEmpty ? prefix : prefix + "." + p.name }
        return self
    }

    /// Parameters and buffers by name, as they are written to a weights file.
    var stateDict: [String: Parameter] {
        var d: [String: Parameter] = [:]
        for p in parameters + buffers { d[p.name] = p }
        return d
    }

    /// Number of trainable scalars.
    var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
