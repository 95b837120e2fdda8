/// x for x > 0, slope·x otherwise.
public final class LeakyReLU: Layer, ShapeInferring {
    public let negativeSlope: Float
    public var training = true
    private var cachedInput: Tensor?
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }

    struct Op: UnaryOp {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
    }
    struct GradOp: BinaryOp {
        let slope: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        cachedInput = input
        return Elementwise.map(input, Op(slope: negativeSlope))
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let x = try Elementwise.cached(cachedInput, "LeakyReLU")
        try Elementwise.checkSame(gradOutput, x.shape, "LeakyReLU")
        return Elementwise.zip(gradOutput, x, GradOp(slope: negativeSlope))
    }
}
