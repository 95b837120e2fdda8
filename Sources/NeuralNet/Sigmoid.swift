import Foundation

/// 1 / (1 + e^(−x)), evaluated so that large |x| neither overflows nor loses the tail.
public final class Sigmoid: Layer, ShapeInferring {
    public var training = true
    private var cachedOutput: Tensor?
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input, Sigmoid.sigmoid)
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "Sigmoid")
        try Elementwise.checkSame(gradOutput, y.shape, "Sigmoid")
        return Elementwise.zip(gradOutput, y) { g, s in g * s * (1 - s) }
    }
}
