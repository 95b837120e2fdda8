/// min(max(0, x), 6): MobileNetV2's activation, bounded so that low-precision
/// inference keeps its range. The gradient is taken as 0 at both kinks.
public final class ReLU6: Layer, ShapeInferring {
    public var training = true
    private var cachedOutput: Tensor?
    public init() {}

    struct Op: UnaryOp {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { min(max(x, 0), 6) }
    }
    struct GradOp: BinaryOp {
        @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 && y < 6 ? g : 0 }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input, Op())
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "ReLU6")
        try Elementwise.checkSame(gradOutput, y.shape, "ReLU6")
        return Elementwise.zip(gradOutput, y, GradOp())
    }
}
