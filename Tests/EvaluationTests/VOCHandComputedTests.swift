import XCTest
import Boxes
@testable import Evaluation

final class VOCHandComputedTests: XCTestCase {
    let a = Box(x1: 0, y1: 0, x2: 10, y2: 10)
    let b = Box(x1: 20, y1: 20, x2: 30, y2: 30)

    func testPerfectDetectionsGiveAPOne() {
        let gt = [GroundTruthBox(imageID: 1, categoryID: 1, box: a), GroundTruthBox(imageID: 1, categoryID: 1, box: b)]
        let dets = [ScoredDetection(imageID: 1, categoryID: 1, box: a, score: 0.9),
                    ScoredDetection(imageID: 1, categoryID: 1, box: b, score: 0.8)]
        for m in [VOCEvaluator.APMethod.area, .elevenPoint] {
            XCTAssertEqual(VOCEvaluator.evaluate(groundTruth: gt, detections: dets, method: m).mAP, 1, accuracy: 1e-12)
        }
    }

    func testFalsePositiveFirstHalvesPrecisionAtFirstRecall() {
        // Ranking: FP (0.9), TP (0.8), duplicate (0.7), TP (0.6) with 2 positives.
        // precision 0, 1/2, 1/3, 2/4; recall 0, 1/2, 1/2, 1.
        // Envelope: p(r<=0.5) = 1/2, p(r<=1) = 1/2 → area AP = 0.5.
        let gt = [GroundTruthBox(imageID: 1, categoryID: 1, box: a), GroundTruthBox(imageID: 2, categoryID: 1, box: b)]
        let dets = [ScoredDetection(imageID: 1, categoryID: 1, box: b, score: 0.9),
                    ScoredDetection(imageID: 1, categoryID: 1, box: a, score: 0.8),
                    ScoredDetection(imageID: 1, categoryID: 1, box: a, score: 0.7),
                    ScoredDetection(imageID: 2, categoryID: 1, box: b, score: 0.6)]
        let r = VOCEvaluator.evaluate(groundTruth: gt, detections: dets)
        XCTAssertEqual(r.perClass[0].ap!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.perClass[0].curve.precision, [0, 0.5, 1.0 / 3, 0.5])
        // 11-point: every threshold sees max precision 0.5 → 0.5.
        let r07 = VOCEvaluator.evaluate(groundTruth: gt, detections: dets, method: .elevenPoint)
        XCTAssertEqual(r07.mAP, 0.5, accuracy: 1e-12)
    }

    func testDifficultMatchIsNeitherTPNorFP() {
        let gt = [GroundTruthBox(imageID: 1, categoryID: 1, box: a),
                  GroundTruthBox(imageID: 1, categoryID: 1, box: b, difficult: true)]
        let dets = [ScoredDetection(imageID: 1, categoryID: 1, box: b, score: 0.9),
                    ScoredDetection(imageID: 1, categoryID: 1, box: a, score: 0.5)]
        let r = VOCEvaluator.evaluate(groundTruth: gt, detections: dets)
        XCTAssertEqual(r.perClass[0].positives, 1)
        XCTAssertEqual(r.mAP, 1, accuracy: 1e-12)
    }

    func testIoUExactlyAtThresholdCounts() {
        // Detection covering half of the ground truth's width: IoU = 50/100 = 0.5.
        let gt = [GroundTruthBox(imageID: 1, categoryID: 1, box: Box(x1: 0, y1: 0, x2: 10, y2: 10))]
        let dets = [ScoredDetection(imageID: 1, categoryID: 1, box: Box(x1: 0, y1: 0, x2: 5, y2: 10), score: 1)]
        XCTAssertEqual(VOCEvaluator.evaluate(groundTruth: gt, detections: dets).mAP, 1, accuracy: 1e-12)
    }
}
