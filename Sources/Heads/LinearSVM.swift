import Dispatch
import Randomness

/// A linear two-class SVM trained as in R-CNN (Girshick et al. 2014): L2
/// regularisation, hinge (L1) loss, per-example cost weights (R-CNN weights
/// positives 2x), solved in the dual by coordinate descent (Hsieh et al. 2008,
/// the liblinear solver R-CNN called). The bias is learned as the weight of a
/// constant feature `biasMultiplier` (R-CNN: 10), so it is mildly regularised
/// like liblinear's.
public struct LinearSVM: Sendable, Codable, Equatable {
    public var weights: [Float]
    public var bias: Float

    public init(weights: [Float], bias: Float) {
        self.weights = weights
        self.bias = bias
    }

    @inline(__always)
    public func score(_ x: UnsafePointer<Float>) -> Float {
        var s = bias
        for j in 0..<weights.count { s += weights[j] * x[j] }
        return s
    }

    /// Scores of `n` feature rows of `dimension` values each.
    public func scores(features: [Float], count n: Int) -> [Float] {
        let d = weights.count
        precondition(features.count == n * d, "features hold \(features.count) values, expected \(n)x\(d)")
        var out = [Float](repeating: 0, count: n)
        features.withUnsafeBufferPointer { f in
            weights.withUnsafeBufferPointer { w in
                let fp = f.baseAddress!, wp = w.baseAddress!
                for i in 0..<n {
                    var s = bias
                    let row = fp + i * d
                    for j in 0..<d { s += wp[j] * row[j] }
                    out[i] = s
                }
            }
        }
        return out
    }

    public struct TrainingOptions: Sendable {
        /// Cost of a margin violation (R-CNN: 1e-3 on features scaled to mean norm 20).
        public var c: Float = 1e-3
        /// Cost multiplier of positive examples (R-CNN: 2).
        public var positiveWeight: Float = 2
        /// Value of the constant feature whose weight is the bias (R-CNN: 10).
        public var biasMultiplier: Float = 10
        /// Stop when the projected-gradient spread falls under this (liblinear: 0.1).
        public var tolerance: Float = 0.1
        public var maxEpochs: Int = 1000
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Trains on rows of `features` ([n, dimension], row-major) with labels +1/-1.
    public static func train(features: [Float], labels: [Float], dimension d: Int,
                             options: TrainingOptions = TrainingOptions()) -> LinearSVM {
        let n = labels.count
        precondition(features.count == n * d, "features hold \(features.count) values, expected \(n)x\(d)")
        var w = [Double](repeating: 0, count: d + 1)   // last = bias weight
        var alpha = [Double](repeating: 0, count: n)
        let b = Double(options.biasMultiplier)
        var qii = [Double](repeating: 0, count: n)
        var upper = [Double](repeating: 0, count: n)
        features.withUnsafeBufferPointer { f in
            for i in 0..<n {
                var s = b * b
                let row = f.baseAddress! + i * d
                for j in 0..<d { s += Double(row[j]) * Double(row[j]) }
                qii[i] = s
                upper[i] = Double(options.c) * (labels[i] > 0 ? Double(options.positiveWeight) : 1)
            }
        }
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: options.seed &+ 0x9E3779B97F4A7C15)
        features.withUnsafeBufferPointer { f in
            w.withUnsafeMutableBufferPointer { wp in
                for _ in 0..<options.maxEpochs {
                    rng.shuffle(&order)
                    var maxPG = -Double.infinity, minPG = Double.infinity
                    for i in order {
                        let yi = Double(labels[i] > 0 ? 1 : -1)
                        let row = f.baseAddress! + i * d
                        var dot = wp[d] * b
                        for j in 0..<d { dot += wp[j] * Double(row[j]) }
                        let g = yi * dot - 1
                        var pg = g
                        if alpha[i] == 0 { pg = min(g, 0) } else if alpha[i] == upper[i] { pg = max(g, 0) }
                        maxPG = max(maxPG, pg); minPG = min(minPG, pg)
                        if pg != 0 && qii[i] > 0 {
                            let old = alpha[i]
                            alpha[i] = min(max(old - g / qii[i], 0), upper[i])
                            let step = (alpha[i] - old) * yi
                            if step != 0 {
                                for j in 0..<d { wp[j] += step * Double(row[j]) }
                                wp[d] += step * b
                            }
                        }
                    }
                    if n == 0 || maxPG - minPG <= Double(options.tolerance) { break }
                }
            }
        }
        return LinearSVM(weights: w.prefix(d).map { Float($0) }, bias: Float(w[d] * b))
    }
}
