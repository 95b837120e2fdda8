import Foundation

/// Softmax cross-entropy over `[N, C]` logits and integer class targets: the
/// classification loss of the Fast/Faster R-CNN box head and of fine-tuning.
///
/// With class weights `w`, the mean reduction is PyTorch's weighted mean
/// `Σᵢ w[yᵢ]·ℓᵢ / Σᵢ w[yᵢ]` over the samples that are not ignored. If every
/// sample is ignored (or carries zero weight) the loss is 0 with a zero gradient,
/// rather than PyTorch's NaN, so a batch without valid samples cannot poison training.
public struct SoftmaxCrossEntropyLoss: Sendable {
    /// Targets equal to this index contribute neither loss nor gradient.
    public var ignoreIndex: Int?
    /// Per-class weights (`C` values), e.g. to counter class imbalance.
    public var classWeights: [Float]?
    public var reduction: LossReduction

    public init(ignoreIndex: Int? = nil, classWeights: [Float]? = nil, reduction: LossReduction = .mean) {
        self.ignoreIndex = ignoreIndex
        self.classWeights = classWeights
        self.reduction = reduction
    }

    public func callAsFunction(logits: Tensor, targets: [Int]) throws -> LossResult {
        try compute(logits: logits, targets: targets)
    }

    public func compute(logits: Tensor, targets: [Int]) throws -> LossResult {
        guard logits.rank == 2 else {
            throw TensorError.shapeMismatch(operation: "softmax cross-entropy logits [N, C]",
                                            expected: [targets.count, -1], got: logits.shape)
        }
        let n = logits.shape[0], c = logits.shape[1]
        guard targets.count == n else {
            throw TensorError.invalid("softmax cross-entropy: \(targets.count) targets for \(n) rows of logits \(logits.shape)")
        }
        try validateReduction(reduction, "softmax cross-entropy")
        if let w = classWeights, w.count != c {
            throw TensorError.invalid("softmax cross-entropy: \(w.count) class weights for \(c) classes")
        }
        for (i, t) in targets.enumerated() where t != ignoreIndex && !(0..<c).contains(t) {
            throw TensorError.invalid("softmax cross-entropy: target \(t) of sample \(i) is outside 0..<\(c)")
        }

        var grad = Tensor(zeros: logits.shape)
        var total = 0.0
        var weightSum = 0.0
        logits.withUnsafeBufferPointer { x in
            grad.withUnsafeMutableBufferPointer { g in
                for i in 0..<n {
                    let t = targets[i]
                    if t == ignoreIndex { continue }
                    let w = Double(classWeights?[t] ?? 1)
                    let row = i * c
                    var m = -Float.infinity
                    for j in 0..<c { m = max(m, x[row + j]) }
                    var z = 0.0
                    for j in 0..<c {
                        let e = exp(Double(x[row + j] - m))
                        g[row + j] = Float(e)
                        z += e
                    }
                    // log p_t = x_t - m - log Σ exp(x_j - m): stable for any logit magnitude.
                    total += w * (log(z) - Double(x[row + t] - m))
                    weightSum += w
                    let inv = 1 / z
                    for j in 0..<c { g[row + j] = Float(w * Double(g[row + j]) * inv) }
                    g[row + t] -= Float(w)
                }
            }
        }
        let divisor: Double
        switch reduction {
        case .mean: divisor = weightSum
        default: divisor = reduction.divisor(elements: n)
        }
        guard divisor > 0 else { return LossResult(value: 0, gradient: Tensor(zeros: logits.shape)) }
        let scale = Float(1 / divisor)
        grad.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] *= scale }
        }
        return LossResult(value: Float(total / divisor), gradient: grad)
    }
}
