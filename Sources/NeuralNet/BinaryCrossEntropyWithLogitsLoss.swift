import Foundation

/// Binary cross-entropy on logits: the RPN objectness loss.
///
/// Computed as `max(x, 0) − x·t + log(1 + e^(−|x|))`, which never overflows and
/// never takes the log of 0, instead of `−t·log σ(x) − (1−t)·log(1−σ(x))`.
/// Targets may be soft (any value in 0...1).
public struct BinaryCrossEntropyWithLogitsLoss: Sendable {
    public var reduction: LossReduction
    /// Weight of the positive term (PyTorch's `pos_weight`), one scalar for all elements.
    public var positiveWeight: Float

    public init(reduction: LossReduction = .mean, positiveWeight: Float = 1) {
        self.reduction = reduction
        self.positiveWeight = positiveWeight
    }

    /// `weights`, if given, has the logits' shape and scales each element's loss
    /// (0 drops an element); the mean still divides by the element count, as PyTorch.
    public func callAsFunction(logits: Tensor, targets: Tensor, weights: Tensor? = nil) throws -> LossResult {
        try logits.requireSameShape(targets, "binary cross-entropy targets")
        if let w = weights { try logits.requireSameShape(w, "binary cross-entropy weights") }
        try validateReduction(reduction, "binary cross-entropy")
        let count = logits.count
        var grad = Tensor(zeros: logits.shape)
        var total = 0.0
        let p = Double(positiveWeight)
        let elementWeights = weights ?? Tensor(shape: logits.shape, repeating: 1)
        logits.withUnsafeBufferPointer { x in
            targets.withUnsafeBufferPointer { t in
            elementWeights.withUnsafeBufferPointer { ew in
                grad.withUnsafeMutableBufferPointer { g in
                    for i in 0..<count {
                        let xi = Double(x[i]), ti = Double(t[i])
                        let w = Double(ew[i])
                        // softplus(−x) = log(1 + e^(−x)), stably.
                        let softplusNeg = max(-xi, 0) + log1p(exp(-abs(xi)))
                        // ℓ = (1 − t)·x + (1 + (p − 1)·t)·softplus(−x)
                        let coef = 1 + (p - 1) * ti
                        total += w * ((1 - ti) * xi + coef * softplusNeg)
                        // dℓ/dx = (1 − t) − coef·σ(−x)
                        let sigNeg = xi >= 0 ? exp(-xi) / (1 + exp(-xi)) : 1 / (1 + exp(xi))
                        g[i] = Float(w * ((1 - ti) - coef * sigNeg))
                    }
                }
            }
            }
        }
        let d = reduction.divisor(elements: count)
        let s = Float(1 / d)
        grad.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= s } }
        return LossResult(value: Float(total / d), gradient: grad)
    }
}
