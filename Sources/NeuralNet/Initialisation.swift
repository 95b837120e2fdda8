import Foundation

/// The non-linearity that follows a layer, which sets the gain of its
/// initialisation (He et al. 2015; Glorot & Bengio 2010; PyTorch's `calculate_gain`).
public enum Nonlinearity: Sendable, Equatable {
    case linear
    case sigmoid
    case tanh
    case relu
    case leakyReLU(negativeSlope: Float)

    public var gain: Float {
        switch self {
        case .linear, .sigmoid: return 1
        case .tanh: return 5.0 / 3.0
        case .relu: return Float(2.0).squareRoot()
        case let .leakyReLU(a): return (2 / (1 + a * a)).squareRoot()
        }
    }
}

/// Which fan Kaiming initialisation preserves: `fanIn` keeps forward activations'
/// variance, `fanOut` keeps backward gradients' variance.
public enum FanMode: Sendable, Equatable {
    case fanIn
    case fanOut
}

/// Weight initialisers drawing from a `SeededGenerator`, so that a run is reproducible.
///
/// Weight shapes follow PyTorch: `[out, in]` for linear layers and
/// `[out, in / groups, kh, kw]` for convolutions; the fans are
/// `in × receptive field` and `out × receptive field`.
public enum Initialisation {
    /// (fan_in, fan_out) of a weight shape.
    public static func fans(of shape: [Int]) throws -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else {
            throw TensorError.invalid("fans need a weight with at least 2 dimensions, got shape \(shape)")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// He/Kaiming normal: N(0, std²) with std = gain / √fan.
    public static func kaimingNormal(shape: [Int], mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity = .relu,
                                     using rng: inout SeededGenerator) throws -> Tensor {
        let std = nonlinearity.gain / Float(try fan(shape, mode)).squareRoot()
        return normal(shape: shape, mean: 0, std: std, using: &rng)
    }

    /// He/Kaiming uniform: U(-b, b) with b = gain · √(3 / fan), the same variance as `kaimingNormal`.
    public static func kaimingUniform(shape: [Int], mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity = .relu,
                                      using rng: inout SeededGenerator) throws -> Tensor {
        let bound = nonlinearity.gain * (3 / Float(try fan(shape, mode))).squareRoot()
        return uniform(shape: shape, low: -bound, high: bound, using: &rng)
    }

    /// Glorot/Xavier normal: std = gain · √(2 / (fan_in + fan_out)).
    public static func xavierNormal(shape: [Int], gain: Float = 1,
                                    using rng: inout SeededGenerator) throws -> Tensor {
        let (fi, fo) = try fans(of: shape)
        let std = gain * (2 / Float(fi + fo)).squareRoot()
        return normal(shape: shape, mean: 0, std: std, using: &rng)
    }

    /// Glorot/Xavier uniform: U(-b, b) with b = gain · √(6 / (fan_in + fan_out)).
    public static func xavierUniform(shape: [Int], gain: Float = 1,
                                     using rng: inout SeededGenerator) throws -> Tensor {
        let (fi, fo) = try fans(of: shape)
        let bound = gain * (6 / Float(fi + fo)).squareRoot()
        return uniform(shape: shape, low: -bound, high: bound, using: &rng)
    }

    /// N(mean, std²) — e.g. Fast R-CNN's std 0.01 classifier and 0.001 box regressor.
    public static func normal(shape: [Int], mean: Float = 0, std: Float,
                              using rng: inout SeededGenerator) -> Tensor {
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices {
                p[i] = Float(rng.nextGaussian(mean: Double(mean), std: Double(std)))
            }
        }
        return t
    }

    /// U(low, high).
    public static func uniform(shape: [Int], low: Float, high: Float,
                               using rng: inout SeededGenerator) -> Tensor {
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = rng.nextUniform(low, high) }
        }
        return t
    }

    private static func fan(_ shape: [Int], _ mode: FanMode) throws -> Int {
        let (fi, fo) = try fans(of: shape)
        let f = mode == .fanIn ? fi : fo
        guard f > 0 else { throw TensorError.invalid("cannot initialise a weight with zero fan, shape \(shape)") }
        return f
    }
}

/// Filling a layer's parameters in place for training from scratch: Kaiming for
/// convolutions and hidden fully connected layers, small Gaussians for output
/// layers (Fast R-CNN: 0.01 for classification, 0.001 for box regression), zero biases.
extension Initialisation {
    /// Convolutions keep the backward pass's variance (fan-out, torchvision's
    /// ResNet). Fully connected layers keep the forward pass's (fan-in): fc6
    /// reads channels × 7 × 7 = 12,544 values into 512, and a fan-out scale there
    /// multiplies the activations' variance by 2 · 12,544 / 512 ≈ 49 per layer,
    /// so a head trained from scratch starts with saturated logits and large
    /// gradients that flatten the backbone's features to the class prior.
    public static func kaiming(_ p: Parameter, using rng: inout SeededGenerator) throws {
        p.value = try kaimingNormal(shape: p.value.shape, mode: p.value.rank == 2 ? .fanIn : .fanOut, using: &rng)
    }

    /// N(0, std²) in place.
    public static func gaussian(_ p: Parameter, std: Float, using rng: inout SeededGenerator) {
        p.value = normal(shape: p.value.shape, std: std, using: &rng)
    }

    /// Zeros in place.
    public static func zero(_ p: Parameter) {
        p.value.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] = 0 } }
    }
}
