/// max(0, x). The gradient at exactly 0 is taken as 0.
public final class ReLU: Layer, ShapeInferring {
    public var training = true
    private var cachedOutput: Tensor?
    public init() {}

    struct Op: UnaryOp {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { max(x, 0) }
    }
    struct GradOp: BinaryOp {
        @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input, Op())
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "ReLU")
        try Elementwise.checkSame(gradOutput, y.shape, "ReLU")
        return Elementwise.zip(gradOutput, y, GradOp())
    }
}
