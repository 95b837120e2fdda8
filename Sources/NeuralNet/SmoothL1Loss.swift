/// Smooth L1 (Huber-like) loss for box-delta regression (Fast R-CNN, RPN).
///
/// Per element, with `d = input − target`:
/// `0.5·d²/β` if `|d| < β`, else `|d| − 0.5·β`; `β = 0` is plain L1.
/// Fast R-CNN's Caffe layer writes it with σ, which is `β = 1/σ²`
/// (σ = 3 → β = 1/9 for the RPN in torchvision's Faster R-CNN).
public struct SmoothL1Loss: Sendable {
    public var beta: Float
    public var reduction: LossReduction

    public init(beta: Float = 1, reduction: LossReduction = .mean) {
        self.beta = beta
        self.reduction = reduction
    }

    /// `weights`, if given, has the input's shape and multiplies each element's
    /// loss: 1 on the four deltas of a foreground RoI's true class, 0 elsewhere
    /// (Fast R-CNN's "inside weights"). `.mean` divides by the element count.
    public func callAsFunction(input: Tensor, target: Tensor, weights: Tensor? = nil) throws -> LossResult {
        try input.requireSameShape(target, "smooth L1 target")
        if let w = weights { try input.requireSameShape(w, "smooth L1 weights") }
        try validateReduction(reduction, "smooth L1")
        guard beta >= 0, beta.isFinite else { throw TensorError.invalid("smooth L1: beta must be ≥ 0, got \(beta)") }
        let count = input.count
        let b = Double(beta)
        let elementWeights = weights ?? Tensor(shape: input.shape, repeating: 1)
        var grad = Tensor(zeros: input.shape)
        var total = 0.0
        input.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { t in
                elementWeights.withUnsafeBufferPointer { ew in
                    grad.withUnsafeMutableBufferPointer { g in
                        for i in 0..<count {
                            let w = Double(ew[i])
                            if w == 0 { continue }
                            let d = Double(x[i]) - Double(t[i])
                            let a = abs(d)
                            if a < b {
                                total += w * 0.5 * d * d / b
                                g[i] = Float(w * d / b)
                            } else {
                                total += w * (a - 0.5 * b)
                                g[i] = Float(d > 0 ? w : (d < 0 ? -w : 0))
                            }
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
