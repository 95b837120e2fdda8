/// Assigns each prediction (anchor or proposal) to the ground-truth box it
/// overlaps most, by IoU thresholds:
///
/// - IoU ≥ `highThreshold`: matched, the value is the ground-truth index;
/// - `lowThreshold` ≤ IoU < `highThreshold`: `Matcher.betweenThresholds` (−2), ignored;
/// - IoU < `lowThreshold`: `Matcher.belowLowThreshold` (−1), background.
///
/// With `allowLowQualityMatches`, every ground-truth box also claims the
/// predictions that overlap it most (all of them when several tie), even below
/// `highThreshold` — Faster R-CNN's rule that each object gets at least one
/// positive anchor. Such a prediction is matched to the ground truth it overlaps
/// most, which is usually, but not always, the one that claimed it. A ground
/// truth that overlaps no prediction at all (best IoU 0) claims nothing:
/// otherwise every prediction would tie at 0 and become positive.
public struct Matcher: Sendable, Equatable {
    public static let belowLowThreshold = -1
    public static let betweenThresholds = -2

    public let highThreshold: Float
    public let lowThreshold: Float
    public let allowLowQualityMatches: Bool


    /// Throws when the thresholds are not finite or `lowThreshold > highThreshold`.
    public init(highThreshold: Float, lowThreshold: Float, allowLowQualityMatches: Bool) throws {
        guard highThreshold.isFinite, lowThreshold.isFinite, lowThreshold <= highThreshold else {
            throw BoxesError.invalidParameter(
                "Matcher: need low threshold ≤ high threshold, got low \(lowThreshold), high \(highThreshold)")
        }
        self.highThreshold = highThreshold
        self.lowThreshold = lowThreshold
        self.allowLowQualityMatches = allowLowQualityMatches
    }

    /// For each prediction, the highest quality against any ground truth and
    /// that ground truth's index (the lowest on ties); quality 0 and index −1
    /// for a prediction that overlaps nothing. `quality` is `[groundTruthCount ×
    /// predictionCount]`, row-major. The first half of every match, shared by
    /// the RoI sampling of Fast R-CNN and R-CNN's SVM and regressor data.
    public static func best(quality: [Float], groundTruthCount m: Int, predictionCount n: Int) -> (quality: [Float], index: [Int]) {
        precondition(quality.count == m * n,
                     "Matcher: quality has \(quality.count) values, expected \(m)×\(n)")
        var best = [Float](repeating: 0, count: n)
        var argBest = [Int](repeating: -1, count: n)
        guard m > 0, n > 0 else { return (best, argBest) }
        quality.withUnsafeBufferPointer { q in
        best.withUnsafeMutableBufferPointer { bp in
        argBest.withUnsafeMutableBufferPointer { ap in
            // Row by row keeps memory access sequential; a strict `>` leaves
            // ties with the lowest ground-truth index.
            for g in 0..<m {
                let row = q.baseAddress! + g * n
                for j in 0..<n where row[j] > bp[j] {
                    bp[j] = row[j]; ap[j] = g
                }
            }
        }}}
        return (best, argBest)
    }

    /// `best(quality:…)` by IoU of `predictions` against `groundTruth`.
    public static func best(groundTruth: [Box], predictions: [Box]) -> (iou: [Float], index: [Int]) {
        let b = best(quality: iouMatrix(groundTruth, predictions), groundTruthCount: groundTruth.count, predictionCount: predictions.count)
        return (b.quality, b.index)
    }

    /// Matches from a quality matrix `[groundTruthCount × predictionCount]`
    /// (row-major, usually IoU). Returns one value per prediction. With no
    /// ground truth every prediction is background.
    public func match(quality: [Float], groundTruthCount m: Int, predictionCount n: Int) -> [Int] {
        let (best, argBest) = Matcher.best(quality: quality, groundTruthCount: m, predictionCount: n)
        var matches = [Int](repeating: Matcher.belowLowThreshold, count: n)
        guard m > 0, n > 0 else { return matches }
        for j in 0..<n {
            let v = best[j]
            if v >= highThreshold && argBest[j] >= 0 { matches[j] = argBest[j] }
            else if v >= lowThreshold { matches[j] = Matcher.betweenThresholds }
            else { matches[j] = Matcher.belowLowThreshold }
        }
        if allowLowQualityMatches {
            quality.withUnsafeBufferPointer { q in
                for g in 0..<m {
                    let row = q.baseAddress! + g * n
                    var rowBest: Float = 0
                    for j in 0..<n where row[j] > rowBest { rowBest = row[j] }
                    guard rowBest > 0 else { continue }
                    for j in 0..<n where row[j] == rowBest { matches[j] = argBest[j] }
                }
            }
        }
        return matches
    }

    /// Matches `predictions` to `groundTruth` by IoU.
    public func match(groundTruth: [Box], predictions: [Box]) -> [Int] {
        match(quality: iouMatrix(groundTruth, predictions),
              groundTruthCount: groundTruth.count, predictionCount: predictions.count)
    }
}
