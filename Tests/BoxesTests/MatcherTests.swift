import XCTest
@testable import Boxes

final class MatcherTests: XCTestCase {
    let groundTruth = [Box(x1: 0, y1: 0, x2: 10, y2: 10),
                       Box(x1: 20, y1: 0, x2: 30, y2: 10),
                       Box(x1: 200, y1: 200, x2: 210, y2: 210)]  // overlaps no prediction
    let predictions = [Box(x1: 0, y1: 0, x2: 10, y2: 10),     // IoU 1 with gt 0
                       Box(x1: 0, y1: 0, x2: 10, y2: 5),      // 0.5 with gt 0
                       Box(x1: 0, y1: 0, x2: 10, y2: 2),      // 0.2 with gt 0
                       Box(x1: 100, y1: 100, x2: 110, y2: 110), // 0
                       Box(x1: 20, y1: 0, x2: 30, y2: 6),     // 0.6 with gt 1, its best
                       Box(x1: 20, y1: 4, x2: 30, y2: 10)]    // 0.6 with gt 1, a tie

    func testThresholds() throws {
        let m = try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: false)
        XCTAssertEqual(m.match(groundTruth: groundTruth, predictions: predictions), [0, -2, -1, -1, -2, -2])
        // The thresholds are inclusive on the upper side: IoU 0.5 with high 0.5 is a match.
        let half = try Matcher(highThreshold: 0.5, lowThreshold: 0.5, allowLowQualityMatches: false)
        XCTAssertEqual(half.match(groundTruth: groundTruth, predictions: predictions), [0, 0, -1, -1, 1, 1])
        XCTAssertEqual(Matcher.belowLowThreshold, -1)
        XCTAssertEqual(Matcher.betweenThresholds, -2)
    }

    func testLowQualityMatchesIncludeTies() throws {
        let m = try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true)
        // gt 1's best IoU is 0.6, reached by predictions 4 and 5: both matched.
        // gt 2 overlaps nothing and claims nothing.
        XCTAssertEqual(m.match(groundTruth: groundTruth, predictions: predictions), [0, -2, -1, -1, 1, 1])
    }

    func testLowQualityMatchUsesBestGroundTruth() throws {
        // A low-quality match goes to the prediction's own best ground truth.
        let gt = [Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 5, y1: 0, x2: 25, y2: 10)]
        let p = [Box(x1: 0, y1: 0, x2: 10, y2: 5), Box(x1: 0, y1: 0, x2: 10, y2: 10)]
        let q = iouMatrix(gt, p)
        XCTAssertEqual(q[0], 0.5, accuracy: 1e-6)           // gt 0 vs p0
        XCTAssertEqual(q[2], 25.0 / 225.0, accuracy: 1e-6)  // gt 1 vs p0
        XCTAssertEqual(q[3], 50.0 / 250.0, accuracy: 1e-6)  // gt 1 vs p1
        let m = try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true)
        // gt 1's best is p1 (0.2); p1's best ground truth is gt 0 (IoU 1).
        XCTAssertEqual(m.match(groundTruth: gt, predictions: p), [-2, 0])
        // Rows are ground truths. gt 1's best (0.2) ties on p0 and p1: p0, whose
        // best ground truth is gt 1, becomes 1; p1 stays with gt 0 (0.9).
        XCTAssertEqual(m.match(quality: [0.1, 0.9, 0.2, 0.2], groundTruthCount: 2, predictionCount: 2),
                       [1, 0])
    }

    func testInvalidThresholdsThrow() throws {
        XCTAssertThrowsError(try Matcher(highThreshold: 0.3, lowThreshold: 0.7, allowLowQualityMatches: true)) {
            XCTAssertTrue("\($0)".contains("low 0.7"))
        }
        XCTAssertThrowsError(try Matcher(highThreshold: .nan, lowThreshold: 0.3, allowLowQualityMatches: true))
    }

    func testNoGroundTruth() throws {
        let m = try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true)
        XCTAssertEqual(m.match(groundTruth: [], predictions: predictions), [Int](repeating: -1, count: 6))
        XCTAssertEqual(m.match(groundTruth: groundTruth, predictions: []), [])
    }

    func testBestQualityAndIndexPerPrediction() {
        // Rows are ground truths: p0's best is gt 1 (0.6), p1 ties at 0.4 and keeps
        // the lower index, p2 overlaps nothing (quality 0, index −1).
        let q: [Float] = [0.2, 0.4, 0, 0.6, 0.4, 0]
        let b = Matcher.best(quality: q, groundTruthCount: 2, predictionCount: 3)
        XCTAssertEqual(b.quality, [0.6, 0.4, 0])
        XCTAssertEqual(b.index, [1, 0, -1])
        let none = Matcher.best(groundTruth: [], predictions: predictions)
        XCTAssertEqual(none.iou, [Float](repeating: 0, count: predictions.count))
        XCTAssertEqual(none.index, [Int](repeating: -1, count: predictions.count))
        // By IoU: the box itself is its own best match.
        let byIoU = Matcher.best(groundTruth: groundTruth, predictions: groundTruth)
        XCTAssertEqual(byIoU.index, Array(groundTruth.indices))
        XCTAssertEqual(byIoU.iou, [Float](repeating: 1, count: groundTruth.count))
    }
}
