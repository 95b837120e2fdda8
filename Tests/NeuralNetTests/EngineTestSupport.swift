import XCTest
@testable import NeuralNet

/// Deterministic values for tests (SplitMix64), independent of the train helper's initialisers.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(Double(next() >> 11) / 9_007_199_254_740_992.0)
    }

    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { _ in uniform(lo, hi) })
    }

    /// Values whose magnitudes stay at least `gap` away from zero (for kinks at 0).
    mutating func tensorAwayFromZero(_ shape: [Int], gap: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { _ in
            let v = uniform(gap, 1)
            return next() & 1 == 0 ? v : -v
        })
    }

    /// Distinct values spaced `spacing` apart in random order (no ties for max pooling).
    mutating func distinct(_ shape: [Int], spacing: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        var v = (0..<n).map { Float($0) * spacing - Float(n) * spacing / 2 }
        for i in stride(from: n - 1, to: 0, by: -1) { v.swapAt(i, Int(next() % UInt64(i + 1))) }
        return Tensor(shape: shape, data: v)
    }

    mutating func fill(_ layer: any Layer, _ lo: Float = -0.5, _ hi: Float = 0.5) {
        for p in layer.parameters { p.value = tensor(p.value.shape, lo, hi) }
    }
}

/// Σ y·r in Double: a scalar whose gradient w.r.t. the layer output is r.
func probeLoss(_ y: Tensor, _ r: Tensor) -> Double {
    zip(y.data, r.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Compares analytic gradients (from backward) with central finite differences for
/// the input and every trainable parameter of `layer`.
func checkGradients(_ layer: any Layer, input: Tensor, eps: Float = 1e-2, tolerance: Double = 5e-3,
                    seed: UInt64 = 99, checkInput: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
    var rnd = TestRandom(seed: seed)
    let y0 = try layer.forward(input)
    let r = rnd.tensor(y0.shape)
    for p in layer.parameters { p.zeroGrad() }
    _ = try layer.forward(input)
    let dx = try layer.backward(r)
    XCTAssertEqual(dx.shape, input.shape, "input gradient shape", file: file, line: line)

    func compare(_ analytic: [Float], _ numeric: [Double], _ what: String) {
        var diff = 0.0, norm = 0.0, worst = 0.0
        for (a, n) in zip(analytic, numeric) {
            diff += (Double(a) - n) * (Double(a) - n)
            norm += max(Double(a) * Double(a), n * n)
            worst = max(worst, abs(Double(a) - n))
        }
        let rel = diff.squareRoot() / max(norm.squareRoot(), 1e-6)
        XCTAssertLessThan(rel, tolerance, "\(what): relative gradient error \(rel) (worst element diff \(worst))",
                          file: file, line: line)
        XCTAssertGreaterThan(norm, 0, "\(what): gradient is identically zero, check is vacuous", file: file, line: line)
    }

    if checkInput {
        var numeric = [Double](repeating: 0, count: input.count)
        var x = input
        for i in 0..<input.count {
            let v = x.data[i]
            x.data[i] = v + eps
            let lp = probeLoss(try layer.forward(x), r)
            x.data[i] = v - eps
            let lm = probeLoss(try layer.forward(x), r)
            x.data[i] = v
            numeric[i] = (lp - lm) / Double(2 * eps)
        }
        compare(dx.data, numeric, "input")
    }
    for p in layer.parameters where p.requiresGrad {
        var numeric = [Double](repeating: 0, count: p.value.count)
        for i in 0..<p.value.count {
            let v = p.value.data[i]
            p.value.data[i] = v + eps
            let lp = probeLoss(try layer.forward(input), r)
            p.value.data[i] = v - eps
            let lm = probeLoss(try layer.forward(input), r)
            p.value.data[i] = v
            numeric[i] = (lp - lm) / Double(2 * eps)
        }
        compare(p.grad.data, numeric, "parameter \(p.name)")
    }
}

func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(message): count", file: file, line: line)
    var worst: Float = 0, at = -1
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i]) / max(1, abs(b[i]))
        if d > worst { worst = d; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): worst relative difference \(worst) at \(at)", file: file, line: line)
}
