extension SGD {
    /// Momentum buffers by parameter name, for checkpoints: resuming a run
    /// restores them so the continued run equals an uninterrupted one.
    public func momentumState() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, p) in parameters.enumerated() {
            if let b = buffers[k] { out[p.name] = Tensor(shape: p.value.shape, data: b) }
        }
        return out
    }

    /// Restores buffers saved by `momentumState()`; unknown names and wrong
    /// shapes are errors, missing names start from zero momentum.
    public func restoreMomentum(_ state: [String: Tensor]) throws {
        let index = Dictionary(parameters.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (name, t) in state {
            guard let k = index[name] else { throw TensorError.invalid("optimizer state names unknown parameter \(name)") }
            try t.checkShape(parameters[k].value.shape, "SGD momentum of \(name)")
            buffers[k] = t.data
        }
    }
}
