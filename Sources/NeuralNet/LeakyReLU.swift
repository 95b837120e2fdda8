/// x for x > 0, slope·x otherwise.
public final class LeakyReLU: Layer, ShapeInferring {
    public let negativeSlope: Float
    public var training = true
    private var cachedInput: Tensor?
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        cachedInput = input
        let a = negativeSlope
        return Elementwise.map(input) { $0 > 0 ? $0 : a * $0 }
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let x = try Elementwise.cached(cachedInput, "LeakyReLU")
        try Elementwise.checkSame(gradOutput, x.shape, "LeakyReLU")
        let a = negativeSlope
        return Elementwise.zip(gradOutput, x) { g, v in v > 0 ? g : a * g }
    }
}
