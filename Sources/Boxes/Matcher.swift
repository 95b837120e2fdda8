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

    /// Matches from a quality matrix `[groundTruthCount × predictionCount]`
    /// (row-major, usually IoU). Returns one value per prediction. With no
    /// ground truth every prediction is background.
    public func match(quality: [Float], groundTruthCount m: Int, predictionCount n: Int) -> [Int] {
        precondition(quality.count == m * n,
                     "Matcher: quality has \(quality.count) values, expected \(m)×\(n)")
        var matches = [Int](repeating: Matcher.belowLowThreshold, count: n)
        guard m > 0, n > 0 else { return matches }
        var best = [Float](repeating: -.infinity, count: n)
        var argBest = [Int](repeating: 0, count: n)
        quality.withUnsafeBufferPointer { q in
        best.withUnsafeMutableBufferPointer { bp in
        argBest.withUnsafeMutableBufferPointer { ap in
        matches.withUnsafeMutableBufferPointer { mp in
            // Row by row keeps memory access sequential; a strict `>` leaves
            // ties with the lowest ground-truth index.
            for g in 0..<m {
                let row = q.baseAddress! + g * n
                for j in 0..<n where row[j] > bp[j] {
                    bp[j] = row[j]; ap[j] = g
                }
            }
            for j in 0..<n {
                let v = bp[j]
                if v >= highThreshold { mp[j] = ap[j] }
                else if v >= lowThreshold { mp[j] = Matcher.betweenThresholds }
                else { mp[j] = Matcher.belowLowThreshold }
            }
            if allowLowQualityMatches {
                for g in 0..<m {
                    let row = q.baseAddress! + g * n
                    var rowBest: Float = 0
                    for j in 0..<n where row[j] > rowBest { rowBest = row[j] }
                    guard rowBest > 0 else { continue }
                    for j in 0..<n where row[j] == rowBest { mp[j] = ap[j] }
                }
            }
        }}}}
        return matches
    }

    /// Matches `predictions` to `groundTruth` by IoU.
    public func match(groundTruth: [Box], predictions: [Box]) -> [Int] {
        match(quality: iouMatrix(groundTruth, predictions),
              groundTruthCount: groundTruth.count, predictionCount: predictions.count)
    }
}
