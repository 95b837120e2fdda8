/// A loss value together with its gradient w.r.t. the loss's input (logits,
/// scores or predictions), ready to feed into the last layer's `backward`.
public struct LossResult: Sendable, Equatable {
    public var value: Float
    public var gradient: Tensor

    public init(value: Float, gradient: Tensor) {
        self.value = value
        self.gradient = gradient
    }
}

/// How per-element losses are combined into one number.
public enum LossReduction: Sendable, Equatable {
    /// Sum over elements.
    case sum
    /// Mean over elements (for weighted cross-entropy: the weighted mean, as PyTorch).
    case mean
    /// Sum divided by a caller-chosen count, e.g. Faster R-CNN divides the box loss
    /// by the number of sampled RoIs, not by the number of foreground coordinates.
    case sumDividedBy(Float)

    @inline(__always)
    func divisor(elements: Int) -> Double {
        switch self {
        case .sum: return 1
        case .mean: return Double(max(elements, 1))
        case let .sumDividedBy(n): return Double(n)
        }
    }
}

extension Tensor {
    /// Throws unless `other` has exactly this tensor's shape; `what` names the operation.
    func requireSameShape(_ other: Tensor, _ what: String) throws {
        guard other.shape == shape else {
            throw TensorError.shapeMismatch(operation: what, expected: shape, got: other.shape)
        }
    }
}

func validateReduction(_ r: LossReduction, _ what: String) throws {
    if case let .sumDividedBy(n) = r, !(n > 0) || !n.isFinite {
        throw TensorError.invalid("\(what): reduction divisor must be positive and finite, got \(n)")
    }
}
