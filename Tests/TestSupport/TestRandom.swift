import NeuralNet

/// Deterministic test values: the toolkit's SplitMix64 generator, with the
/// shapes of data gradient checks and layer tests want.
public struct TestRandom {
    public var generator: SeededGenerator

    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(generator.nextUniform())
    }

    public mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { _ in uniform(lo, hi) })
    }

    /// Values whose magnitudes stay at least `gap` away from zero (for kinks at 0).
    public mutating func tensorAwayFromZero(_ shape: [Int], gap: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { _ in
            let v = uniform(gap, 1)
            return next() & 1 == 0 ? v : -v
        })
    }

    /// Distinct values spaced `spacing` apart in random order (no ties for max pooling).
    public mutating func distinct(_ shape: [Int], spacing: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        var v = (0..<n).map { Float($0) * spacing - Float(n) * spacing / 2 }
        for i in stride(from: n - 1, to: 0, by: -1) { v.swapAt(i, Int(next() % UInt64(i + 1))) }
        return Tensor(shape: shape, data: v)
    }

    /// Every parameter of `layer` drawn uniformly from [lo, hi).
    public mutating func fill(_ layer: any Layer, _ lo: Float = -0.5, _ hi: Float = 0.5) {
        for p in layer.parameters { p.value = tensor(p.value.shape, lo, hi) }
    }

    /// N(0, std²) values (the toolkit's own normal initialiser).
    public static func normal(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Initialisation.normal(shape: shape, std: std, using: &rng)
    }
}
