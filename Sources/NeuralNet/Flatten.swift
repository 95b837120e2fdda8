/// `[N, d1, d2, …]` → `[N, d1·d2·…]` (the batch axis stays).
public final class Flatten: Layer, ShapeInferring {
    public var training = true
    private var cachedShape: [Int]?
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 1 else {
            throw TensorError.shapeMismatch(operation: "Flatten input", expected: [-1, -1], got: inputShape)
        }
        return [inputShape[0], inputShape.dropFirst().reduce(1, *)]
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        cachedShape = input.shape
        return try input.reshaped(outputShape(for: input.shape))
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let shape = cachedShape else { throw TensorError.invalid("Flatten.backward called before forward") }
        try Elementwise.checkSame(gradOutput, try outputShape(for: shape), "Flatten")
        return try gradOutput.reshaped(shape)
    }
}
