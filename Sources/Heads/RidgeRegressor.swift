/// Multi-output ridge regression, R-CNN's class-specific bounding-box
/// regressor (Girshick et al. 2014, appendix C): minimise
/// Σ‖y − Wᵀx − b‖² + λ‖W‖² in closed form. The intercept is not regularised
/// (inputs and targets are centred first). Solved in float64 by Cholesky.
public struct RidgeRegressor: Sendable, Codable, Equatable {
    /// [dimension][outputs], row-major.
    public var weights: [Float]
    public var bias: [Float]
    public let dimension: Int
    public let outputs: Int

    public init(weights: [Float], bias: [Float], dimension: Int, outputs: Int) {
        precondition(weights.count == dimension * outputs && bias.count == outputs, "ridge regressor sizes disagree")
        self.weights = weights
        self.bias = bias
        self.dimension = dimension
        self.outputs = outputs
    }

    public enum FitError: Error, CustomStringConvertible {
        case noExamples
        case notPositiveDefinite
        public var description: String {
            switch self {
            case .noExamples: return "ridge regression needs at least one example"
            case .notPositiveDefinite: return "ridge system is not positive definite (lambda must be > 0)"
            }
        }
    }

    public func predict(_ x: UnsafePointer<Float>) -> [Float] {
        var y = bias
        for j in 0..<dimension {
            let xj = x[j]
            if xj == 0 { continue }
            for k in 0..<outputs { y[k] += weights[j * outputs + k] * xj }
        }
        return y
    }

    /// Fits on `n` rows of `features` ([n, dimension]) and `targets` ([n, outputs]).
    public static func fit(features: [Float], targets: [Float], dimension d: Int, outputs m: Int,
                           lambda: Float = 1000) throws -> RidgeRegressor {
        let n = d > 0 ? features.count / d : 0
        guard n > 0 else { throw FitError.noExamples }
        precondition(features.count == n * d && targets.count == n * m, "feature/target sizes disagree")
        var meanX = [Double](repeating: 0, count: d), meanY = [Double](repeating: 0, count: m)
        for i in 0..<n {
            for j in 0..<d { meanX[j] += Double(features[i * d + j]) }
            for k in 0..<m { meanY[k] += Double(targets[i * m + k]) }
        }
        for j in 0..<d { meanX[j] /= Double(n) }
        for k in 0..<m { meanY[k] /= Double(n) }
        // A = XcᵀXc + λI (upper triangle), B = XcᵀYc.
        var a = [Double](repeating: 0, count: d * d)
        var bm = [Double](repeating: 0, count: d * m)
        var xc = [Double](repeating: 0, count: d)
        a.withUnsafeMutableBufferPointer { ap in
            for i in 0..<n {
                for j in 0..<d { xc[j] = Double(features[i * d + j]) - meanX[j] }
                for p in 0..<d {
                    let xp = xc[p]
                    if xp == 0 { continue }
                    let row = ap.baseAddress! + p * d
                    for q in p..<d { row[q] += xp * xc[q] }
                    for k in 0..<m { bm[p * m + k] += xp * (Double(targets[i * m + k]) - meanY[k]) }
                }
            }
        }
        for p in 0..<d { a[p * d + p] += Double(lambda) }
        // Cholesky A = LLᵀ, stored in the lower triangle.
        for j in 0..<d {
            var s = a[j * d + j]
            for k in 0..<j { s -= a[j * d + k] * a[j * d + k] }
            guard s > 0 else { throw FitError.notPositiveDefinite }
            let ljj = s.squareRoot()
            a[j * d + j] = ljj
            for i in (j + 1)..<max(d, j + 1) {
                var t = a[j * d + i]          // upper-triangle entry (j, i) = A[i][j]
                for k in 0..<j { t -= a[i * d + k] * a[j * d + k] }
                a[i * d + j] = t / ljj
            }
        }
        // Solve L Z = B, then Lᵀ W = Z, column by column.
        var w = [Float](repeating: 0, count: d * m)
        var z = [Double](repeating: 0, count: d)
        var wk = [Double](repeating: 0, count: d)
        for k in 0..<m {
            for i in 0..<d {
                var t = bm[i * m + k]
                for q in 0..<i { t -= a[i * d + q] * z[q] }
                z[i] = t / a[i * d + i]
            }
            for i in stride(from: d - 1, through: 0, by: -1) {
                var t = z[i]
                for q in (i + 1)..<max(d, i + 1) { t -= a[q * d + i] * wk[q] }
                wk[i] = t / a[i * d + i]
                w[i * m + k] = Float(wk[i])
            }
        }
        var bias = [Float](repeating: 0, count: m)
        for k in 0..<m {
            var t = meanY[k]
            for j in 0..<d { t -= meanX[j] * Double(w[j * m + k]) }
            bias[k] = Float(t)
        }
        return RidgeRegressor(weights: w, bias: bias, dimension: d, outputs: m)
    }
}
