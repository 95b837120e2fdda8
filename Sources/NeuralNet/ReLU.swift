/// min(max(0, x), cap): ReLU with `cap` infinite, MobileNetV2's ReLU6 with
/// `cap` 6 (bounded so that low-precision inference keeps its range). The
/// gradient is taken as 0 at the kinks.
public final class ReLU: Layer, ShapeInferring {
    public var training = true
    public let cap: Float
    private var cachedOutput: Tensor?
    public init(cap: Float = .infinity) { self.cap = cap }

    struct Op: UnaryOp {
        let cap: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { min(max(x, 0), cap) }
    }
    struct GradOp: BinaryOp {
        let cap: Float
        @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 && y < cap ? g : 0 }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        let y = Elementwise.map(input, Op(cap: cap))
        cachedOutput = y
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Elementwise.cached(cachedOutput, "ReLU")
        try Elementwise.checkSame(gradOutput, y.shape, "ReLU")
        return Elementwise.zip(gradOutput, y, GradOp(cap: cap))
    }
}

/// MobileNetV2's activation: a ReLU capped at 6.
public func ReLU6() -> ReLU { ReLU(cap: 6) }
