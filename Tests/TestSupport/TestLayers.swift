import Foundation
import NeuralNet

/// A smooth activation (the logistic function) for gradient checks of
/// containers: a kink such as ReLU's would make finite differences meaningless.
/// The toolkit's networks have no use for it, so it lives with the tests.
public final class SmoothActivation: Layer, ShapeInferring {
    public var training = true
    private var output: Tensor?

    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        var y = input
        for i in y.data.indices { y.data[i] = 1 / (1 + expf(-input.data[i])) }
        output = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let y = output, y.shape == gradOutput.shape else {
            throw TensorError.invalid("SmoothActivation: backward without a matching forward")
        }
        var g = gradOutput
        for i in g.data.indices { g.data[i] *= y.data[i] * (1 - y.data[i]) }
        return g
    }
}

/// Weights for networks built in tests: every convolution and linear layer,
/// depth-first in child order (a seed gives the same weights every run), He
/// normal (fan-out for convolutions, fan-in for linear layers), biases zero.
public enum TestInitialisation {
    public static func initialise(_ layer: any Layer, using rng: inout SeededGenerator) throws {
        switch layer {
        case let conv as Conv2d:
            conv.weight.value = try Initialisation.kaimingNormal(shape: conv.weight.value.shape, mode: .fanOut,
                                                                 nonlinearity: .relu, using: &rng)
            conv.bias?.value = Tensor(zeros: [conv.outChannels])
        case let fc as Linear:
            fc.weight.value = try Initialisation.kaimingNormal(shape: fc.weight.value.shape, mode: .fanIn,
                                                               nonlinearity: .relu, using: &rng)
            fc.bias?.value = Tensor(zeros: [fc.outFeatures])
        case let container as any LayerContainer:
            for child in container.children { try initialise(child.layer, using: &rng) }
        default:
            break
        }
    }
}
