import Randomness
/// Inverted dropout: in training each value is zeroed with probability p and the
/// survivors scaled by 1/(1−p), so evaluation is the identity. The mask comes from
/// the layer's own seeded generator, so a run is reproducible from its seed.
public final class Dropout: Layer, ShapeInferring {
    public let p: Float
    public var training = true
    private var rng: SeededGenerator
    private var mask: Tensor?

    public init(p: Float = 0.5, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1)")
        self.p = p
        rng = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard training, p > 0 else { mask = nil; return input }
        var m = Tensor(zeros: input.shape)
        let scale = 1 / (1 - p)
        let threshold = UInt64(Double(p) * 9_007_199_254_740_992.0)  // p · 2^53
        var g = rng
        m.withUnsafeMutableBufferPointer { mb in
            for i in mb.indices { mb[i] = (g.next() >> 11) >= threshold ? scale : 0 }
        }
        rng = g
        mask = m
        return Elementwise.zip(input, m, MultiplyOp())
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let m = mask else { return gradOutput }
        try Elementwise.checkSame(gradOutput, m.shape, "Dropout")
        return Elementwise.zip(gradOutput, m, MultiplyOp())
    }
}
