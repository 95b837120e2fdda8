/// A rule for filling one weight tensor.
public enum WeightInitialiser: Sendable, Equatable {
    case kaimingNormal(FanMode, Nonlinearity)
    case kaimingUniform(FanMode, Nonlinearity)
    case xavierNormal(gain: Float)
    case xavierUniform(gain: Float)
    /// N(0, std²): Fast R-CNN's classifier (0.01) and box regressor (0.001).
    case normal(std: Float)

    public func tensor(shape: [Int], using rng: inout SeededGenerator) throws -> Tensor {
        switch self {
        case let .kaimingNormal(mode, nl): return try Initialisation.kaimingNormal(shape: shape, mode: mode, nonlinearity: nl, using: &rng)
        case let .kaimingUniform(mode, nl): return try Initialisation.kaimingUniform(shape: shape, mode: mode, nonlinearity: nl, using: &rng)
        case let .xavierNormal(gain): return try Initialisation.xavierNormal(shape: shape, gain: gain, using: &rng)
        case let .xavierUniform(gain): return try Initialisation.xavierUniform(shape: shape, gain: gain, using: &rng)
        case let .normal(std): return Initialisation.normal(shape: shape, std: std, using: &rng)
        }
    }
}

extension Initialisation {
    /// Fills every convolution and linear layer of a network, depth-first in
    /// child order (so a seed gives the same weights every run), and zeroes
    /// their biases. The defaults are torchvision's ResNet choice for
    /// convolutions (He normal, fan-out, ReLU gain) and He normal, fan-in for
    /// fully connected layers followed by ReLU. BatchNorm keeps its 1/0 start.
    public static func initialise(_ layer: any Layer,
                                  convolutions: WeightInitialiser = .kaimingNormal(.fanOut, .relu),
                                  linear: WeightInitialiser = .kaimingNormal(.fanIn, .relu),
                                  using rng: inout SeededGenerator) throws {
        switch layer {
        case let conv as Conv2d:
            conv.weight.value = try convolutions.tensor(shape: conv.weight.value.shape, using: &rng)
            conv.bias?.value = Tensor(zeros: [conv.outChannels])
        case let fc as Linear:
            fc.weight.value = try linear.tensor(shape: fc.weight.value.shape, using: &rng)
            fc.bias?.value = Tensor(zeros: [fc.outFeatures])
        case let container as any LayerContainer:
            for child in container.children {
                try initialise(child.layer, convolutions: convolutions, linear: linear, using: &rng)
            }
        default:
            break
        }
    }
}
