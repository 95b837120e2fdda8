import NeuralNet
import XCTest

/// Central finite differences: the one implementation the gradient checks share.
public enum FiniteDifferences {
    /// d loss / d input[i] for each index, as (loss(x + step) − loss(x − step)) / 2·step.
    public static func gradient(of loss: (Tensor) throws -> Double, at input: Tensor, step: Float,
                                indices: some Sequence<Int>) rethrows -> [(index: Int, value: Double)] {
        var x = input
        var out: [(index: Int, value: Double)] = []
        for i in indices {
            let v = x.data[i]
            x.data[i] = v + step
            let plus = try loss(x)
            x.data[i] = v - step
            let minus = try loss(x)
            x.data[i] = v
            out.append((i, (plus - minus) / Double(2 * step)))
        }
        return out
    }
}

/// Σ y·r in Double: a scalar whose gradient w.r.t. the layer output is r.
public func probeLoss(_ y: Tensor, _ r: Tensor) -> Double {
    zip(y.data, r.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Compares analytic gradients (from backward) with central finite differences for
/// the input and every trainable parameter of `layer`.
public func checkGradients(_ layer: any Layer, input: Tensor, eps: Float = 1e-2, tolerance: Double = 5e-3,
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
        let numeric = try FiniteDifferences.gradient(of: { probeLoss(try layer.forward($0), r) }, at: input, step: eps,
                                                     indices: 0..<input.count)
        compare(dx.data, numeric.map(\.value), "input")
    }
    for p in layer.parameters where p.requiresGrad {
        let numeric = try FiniteDifferences.gradient(of: { value in
            let saved = p.value
            p.value = value
            defer { p.value = saved }
            return probeLoss(try layer.forward(input), r)
        }, at: p.value, step: eps, indices: 0..<p.value.count)
        compare(p.grad.data, numeric.map(\.value), "parameter \(p.name)")
    }
}

/// Finite differences of a scalar `loss` w.r.t. every element of `input`,
/// compared element by element with the analytic gradient.
public func checkGradient(_ input: Tensor, analytic: Tensor, step: Float = 1e-2, rtol: Float = 2e-2,
                          atol: Float = 2e-4, _ message: String = "",
                          file: StaticString = #filePath, line: UInt = #line,
                          loss: (Tensor) throws -> Float) rethrows {
    XCTAssertEqual(analytic.shape, input.shape, file: file, line: line)
    let numeric = try FiniteDifferences.gradient(of: { Double(try loss($0)) }, at: input, step: step, indices: 0..<input.count)
    for (i, n) in numeric {
        let numeric = Float(n), a = analytic.data[i]
        if !(abs(numeric - a) <= atol + rtol * max(abs(numeric), abs(a))) {
            XCTFail("\(message) gradient element \(i): analytic \(a), numeric \(numeric)", file: file, line: line)
            return
        }
    }
}

/// Finite-difference check of d(Σ w·forward(x)) / dx for an operation given as
/// a forward and a backward closure (RoI pooling), on about 60 elements.
public func checkGradient(forward: (Tensor) throws -> Tensor, backward: (Tensor) throws -> Tensor,
                          input: Tensor, seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line) throws {
    var gen = SeededGenerator(seed: seed)
    let out = try forward(input)
    let weights = Tensor(shape: out.shape, data: (0..<out.count).map { _ in gen.nextUnitFloat() - 0.5 })
    let analytic = try backward(weights)
    let numeric = try FiniteDifferences.gradient(of: { probeLoss(try forward($0), weights) }, at: input, step: 1e-2,
                                                 indices: stride(from: 0, to: input.count, by: max(1, input.count / 60)))
    for (i, n) in numeric {
        XCTAssertEqual(Double(analytic.data[i]), n, accuracy: 2e-3 + 1e-2 * abs(n), "element \(i)", file: file, line: line)
    }
}

/// Element-wise closeness relative to max(1, |b|).
public func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(message): count", file: file, line: line)
    var worst: Float = 0, at = -1
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i]) / max(1, abs(b[i]))
        if d > worst { worst = d; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): worst relative difference \(worst) at \(at)", file: file, line: line)
}
