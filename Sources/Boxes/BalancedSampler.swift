/// Picks a fixed-size minibatch of positive and negative examples per image,
/// with at most `positiveFraction` positives; negatives fill the rest of the
/// batch when there are too few positives (Fast R-CNN: 64 RoIs at 25 %;
/// Faster R-CNN RPN: 256 anchors at 50 %).
///
/// Labels follow torchvision: `≥ 1` positive (a class or "object"), `0`
/// negative (background), anything below 0 ignored.
public struct BalancedSampler: Sendable, Equatable {
    public let batchSizePerImage: Int
    public let positiveFraction: Float


    /// Throws unless the batch size is at least 0 and the fraction in [0, 1].
    public init(batchSizePerImage: Int, positiveFraction: Float) throws {
        guard batchSizePerImage >= 0, positiveFraction >= 0, positiveFraction <= 1 else {
            throw BoxesError.invalidParameter(
                "BalancedSampler: need batch size ≥ 0 and positive fraction in [0, 1], got \(batchSizePerImage) and \(positiveFraction)")
        }
        self.batchSizePerImage = batchSizePerImage
        self.positiveFraction = positiveFraction
    }

    /// The sampled positive and negative indices into `labels`, each ascending.
    /// The same labels and generator state always give the same sample.
    public func sample(labels: [Int], using generator: inout SeededGenerator)
        -> (positive: [Int], negative: [Int]) {
        var positives: [Int] = [], negatives: [Int] = []
        for (i, l) in labels.enumerated() {
            if l >= 1 { positives.append(i) } else if l == 0 { negatives.append(i) }
        }
        let positiveCount = min(Int(Float(batchSizePerImage) * positiveFraction), positives.count)
        let negativeCount = min(batchSizePerImage - positiveCount, negatives.count)
        return (Self.choose(positiveCount, from: positives, using: &generator),
                Self.choose(negativeCount, from: negatives, using: &generator))
    }

    /// `k` distinct elements chosen uniformly (partial Fisher–Yates), ascending.
    static func choose(_ k: Int, from pool: [Int], using generator: inout SeededGenerator) -> [Int] {
        if k >= pool.count { return pool }
        var a = pool
        a.withUnsafeMutableBufferPointer { p in
            for i in 0..<k {
                let j = i + generator.next(below: p.count - i)
                p.swapAt(i, j)
            }
        }
        var chosen = Array(a[0..<k])
        chosen.sort()
        return chosen
    }
}
