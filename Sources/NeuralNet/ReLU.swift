/// max(0, x). The gradient at exactly 0 is taken as 0.
public final class ReLU: Layer, ShapeInferring {
    public var training = true
    private var cachedOutput: Tensor?
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input) { max($0, 0) }
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "ReLU")
        try Elementwise.checkSame(gradOutput, y.shape, "ReLU")
        return Elementwise.zip(gradOutput, y) { g, v in v > 0 ? g : 0 }
    }
}
