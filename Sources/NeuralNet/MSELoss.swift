/// Squared-error (L2) loss `(input − target)²` per element; with `.mean` it is
/// PyTorch's `MSELoss`. Used for regression heads and as a reference loss.
public struct MSELoss: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    /// `weights`, if given, has the input's shape and multiplies each element's loss.
    public func callAsFunction(input: Tensor, target: Tensor, weights: Tensor? = nil) throws -> LossResult {
        try input.requireSameShape(target, "MSE target")
        if let w = weights { try input.requireSameShape(w, "MSE weights") }
        try validateReduction(reduction, "MSE")
        let count = input.count
        let elementWeights = weights ?? Tensor(shape: input.shape, repeating: 1)
        var grad = Tensor(zeros: input.shape)
        var total = 0.0
        input.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { t in
                elementWeights.withUnsafeBufferPointer { ew in
                    grad.withUnsafeMutableBufferPointer { g in
                        for i in 0..<count {
                            let w = Double(ew[i])
                            let d = Double(x[i]) - Double(t[i])
                            total += w * d * d
                            g[i] = Float(2 * w * d)
                        }
                    }
                }
            }
        }
        let div = reduction.divisor(elements: count)
        let s = Float(1 / div)
        grad.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= s } }
        return LossResult(value: Float(total / div), gradient: grad)
    }
}
