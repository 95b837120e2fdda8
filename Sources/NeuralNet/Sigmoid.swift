import Foundation

/// 1 / (1 + e^(−x)), evaluated so that large |x| neither overflows nor loses the tail.
public final class Sigmoid: Layer, ShapeInferring {
    public var training = true
    private var cachedOutput: Tensor?
    public init() {}

    struct Op: UnaryOp {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Sigmoid.sigmoid(x) }
    }
    struct GradOp: BinaryOp {
        @inline(__always) func callAsFunction(_ g: Float, _ s: Float) -> Float { g * s * (1 - s) }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input, Op())
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "Sigmoid")
        try Elementwise.checkSame(gradOutput, y.shape, "Sigmoid")
        return Elementwise.zip(gradOutput, y, GradOp())
    }
}
