import Foundation

/// A small, fast, reproducible pseudo-random generator (SplitMix64, Steele,
/// Lea & Flood 2014), shared by sampling (Boxes), initialisation and training.
///
/// Training runs must be repeatable from a seed on every platform, so the
/// toolkit never uses `SystemRandomNumberGenerator` for weights, sampling or
/// shuffling. SplitMix64 passes BigCrush, has a full 2^64 period and needs
/// only one word of state, which makes forking per-worker streams trivial.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    /// The second Box–Muller value, kept so Gaussian draws cost one log/sqrt per pair.
    private var spareGaussian: Double?

    public init(seed: UInt64) {
        state = seed
        spareGaussian = nil
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle driven by `next(below:)`: the same order for the
    /// same seed on every platform and toolchain.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = next(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// `count` distinct indices drawn uniformly from `0..<n` (a partial
    /// Fisher–Yates), in the order drawn; all of `0..<n`, shuffled, when
    /// `count` ≥ n.
    public mutating func sample(_ count: Int, from n: Int) -> [Int] {
        var pool = Array(0..<max(0, n))
        let k = min(max(0, count), pool.count)
        for i in 0..<k { pool.swapAt(i, i + next(below: pool.count - i)) }
        return Array(pool[0..<k])
    }

    /// Uniform in [0, 1) with 53 bits of resolution.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func nextUniform(_ low: Float, _ high: Float) -> Float {
        let u = Float(nextUniform())
        // Rounding Double→Float can produce exactly 1.0; keep the interval half-open.
        let v = low + (high - low) * u
        return v < high ? v : low
    }

    /// Standard normal sample (Box–Muller), scaled to `mean` and `std`.
    public mutating func nextGaussian(mean: Double = 0, std: Double = 1) -> Double {
        if let s = spareGaussian {
            spareGaussian = nil
            return mean + std * s
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - nextUniform()
        let u2 = nextUniform()
        let r = (-2.0 * log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        spareGaussian = r * sin(theta)
        return mean + std * r * cos(theta)
    }

    /// An independent stream derived from this one, e.g. one per data-loading worker.
    public mutating func fork() -> SeededGenerator {
        SeededGenerator(seed: next())
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject), written
    /// out here so that results do not depend on the standard library's
    /// algorithm for `Int.random(in:using:)`.
    @inline(__always)
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.next(below:) needs a positive bound")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A uniform float in `[0, 1)` with 24 random bits.
    @inline(__always)
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }
}
