import XCTest
import Foundation
import Boxes
@testable import Proposals

final class AnchorTargetsTests: XCTestCase {
    /// Faster R-CNN's RPN targets as pipelines/faster-rcnn.yaml sets them.
    func rpnTargets(borderAllowance: Float? = nil, lowQualityMatches: Bool = true) throws -> AnchorTargets {
        AnchorTargets(matcher: try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: lowQualityMatches),
                      sampler: try BalancedSampler(batchSizePerImage: 256, positiveFraction: 0.5),
                      boxCoder: BoxCoder(weights: (1, 1, 1, 1)), borderAllowance: borderAllowance)
    }

    let groundTruth = [Box(x1: 0, y1: 0, x2: 10, y2: 10),
                       Box(x1: 20, y1: 0, x2: 30, y2: 10),
                       Box(x1: 70, y1: 70, x2: 80, y2: 85)]
    let anchors = [Box(x1: 0, y1: 0, x2: 10, y2: 10),      // 0: IoU 1 with gt 0 → positive
                   Box(x1: 0, y1: 0, x2: 10, y2: 5),       // 1: 0.5 → ignored
                   Box(x1: 50, y1: 50, x2: 60, y2: 60),    // 2: 0 → negative
                   Box(x1: 21, y1: 0, x2: 31, y2: 10),     // 3: 90/110 with gt 1 → positive
                   Box(x1: 100, y1: 0, x2: 110, y2: 10),   // 4: negative, crosses the right border
                   Box(x1: 70, y1: 70, x2: 80, y2: 80),    // 5: 100/150 with gt 2, its best → positive
                   Box(x1: -5, y1: -5, x2: 5, y2: 5)]      // 6: 25/175 with gt 0 → negative, crosses

    func testHandComputedAssignment() throws {
        var g = SeededGenerator(seed: 0)
        let t = try rpnTargets().assign(anchors: anchors, groundTruth: groundTruth,
                                       imageWidth: 100, imageHeight: 100, using: &g)
        XCTAssertEqual(t.labels, [1, -1, 0, 1, 0, 1, 0])
        XCTAssertEqual(t.matchedGroundTruth, [0, -1, -1, 1, -1, 2, -1])
        XCTAssertEqual(t.positive, [0, 3, 5])
        XCTAssertEqual(t.negative, [2, 4, 6])
        // Anchor 3: centre 26 → 25 over width 10; anchor 5: centre y 75 → 77.5, height 10 → 15.
        let r = t.regressionTargets
        XCTAssertEqual(Array(r[0..<4]), [0, 0, 0, 0])
        XCTAssertEqual(r[12], -0.1, accuracy: 1e-6)
        XCTAssertEqual(Array(r[13..<16]), [0, 0, 0])
        XCTAssertEqual(r[20], 0, accuracy: 1e-6)
        XCTAssertEqual(r[21], 0.25, accuracy: 1e-6)
        XCTAssertEqual(r[22], 0, accuracy: 1e-6)
        XCTAssertEqual(r[23], Float(log(1.5)), accuracy: 1e-6)
        XCTAssertTrue(r[4..<12].allSatisfy { $0 == 0 } && r[24...].allSatisfy { $0 == 0 })
        // Without the low-quality rule anchor 5 (IoU 0.67) is only ignored.
        let strict = try rpnTargets(lowQualityMatches: false)
        XCTAssertEqual(strict.assign(anchors: anchors, groundTruth: groundTruth, imageWidth: 100,
                                     imageHeight: 100, using: &g).labels, [1, -1, 0, 1, 0, -1, 0])
    }

    func testBorderCrossingAnchorsIgnored() throws {
        var g = SeededGenerator(seed: 0)
        let t = try rpnTargets(borderAllowance: 0).assign(anchors: anchors, groundTruth: groundTruth,
                                                        imageWidth: 100, imageHeight: 100, using: &g)
        XCTAssertEqual(t.labels, [1, -1, 0, 1, -1, 1, -1])
        // A generous allowance brings them back.
        let loose = try rpnTargets(borderAllowance: 10).assign(anchors: anchors, groundTruth: groundTruth,
                                                             imageWidth: 100, imageHeight: 100, using: &g)
        XCTAssertEqual(loose.labels, [1, -1, 0, 1, 0, 1, 0])
    }

    func testImageWithoutObjects() throws {
        let gen = try AnchorGenerator(sizes: [32, 64, 128], aspectRatios: [0.5, 1, 2], stride: 16)
        let all = gen.anchors(featureHeight: 30, featureWidth: 40)
        var g = SeededGenerator(seed: 5)
        let t = try rpnTargets().assign(anchors: all, groundTruth: [], imageWidth: 640, imageHeight: 480, using: &g)
        XCTAssertEqual(t.positive, [])
        XCTAssertEqual(t.negative.count, 256)
        XCTAssertEqual(t.labels.filter { $0 == 0 }.count, 256)
        XCTAssertEqual(t.labels.filter { $0 == -1 }.count, all.count - 256)
        XCTAssertTrue(t.regressionTargets.allSatisfy { $0 == 0 })
        XCTAssertTrue(t.matchedGroundTruth.allSatisfy { $0 == -1 })
        // With the border rule, sampled negatives all lie inside the image.
        let inside = try rpnTargets(borderAllowance: 0).assign(anchors: all, groundTruth: [], imageWidth: 640,
                                                              imageHeight: 480, using: &g)
        XCTAssertEqual(inside.negative.count, 256)
        for i in inside.negative {
            let a = all[i]
            XCTAssertTrue(a.x1 >= 0 && a.y1 >= 0 && a.x2 <= 640 && a.y2 <= 480)
        }
    }

    func testRealisticImageSamplingAndTargets() throws {
        let gen = try AnchorGenerator(sizes: [32, 64, 128], aspectRatios: [0.5, 1, 2], stride: 16)
        let all = gen.anchors(featureHeight: 30, featureWidth: 40)
        // Many cell-sized objects, so that there are more positives than 128.
        var gt: [Box] = []
        for y in stride(from: 2, to: 440, by: 40) {
            for x in stride(from: 2, to: 600, by: 40) {
                gt.append(Box(x1: Float(x), y1: Float(y), x2: Float(x + 36), y2: Float(y + 30)))
            }
        }
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let targets = try rpnTargets()
        let t = targets.assign(anchors: all, groundTruth: gt, imageWidth: 640, imageHeight: 480, using: &g1)
        XCTAssertGreaterThan(t.matchedGroundTruth.filter { $0 >= 0 }.count, 128)
        XCTAssertEqual(t.positive.count, 128)
        XCTAssertEqual(t.negative.count, 128)
        XCTAssertEqual(t.labels.filter { $0 == 1 }.count, 128)
        XCTAssertEqual(t, targets.assign(anchors: all, groundTruth: gt, imageWidth: 640, imageHeight: 480, using: &g2))
        let best = (0..<gt.count).map { j in all.map { $0.iou(gt[j]) }.max()! }
        for i in t.positive {
            let m = t.matchedGroundTruth[i]
            let iou = all[i].iou(gt[m])
            // Either above the threshold or the object's best anchor.
            XCTAssertTrue(iou >= 0.7 || gt.indices.contains { all[i].iou(gt[$0]) == best[$0] })
            let d = SIMD4(t.regressionTargets[4 * i], t.regressionTargets[4 * i + 1],
                          t.regressionTargets[4 * i + 2], t.regressionTargets[4 * i + 3])
            let back = BoxCoder(weights: (1, 1, 1, 1)).decode(d, relativeTo: all[i])
            XCTAssertEqual(back.iou(gt[m]), 1, accuracy: 1e-4)
        }
        for i in t.negative { XCTAssertLessThan(gt.map { all[i].iou($0) }.max()!, 0.3) }
        // Every object has at least one positive anchor before sampling.
        XCTAssertEqual(Set(t.matchedGroundTruth.filter { $0 >= 0 }), Set(gt.indices))
        // Few objects: every positive is taken and negatives fill the 256.
        let few = targets.assign(anchors: all, groundTruth: Array(gt.prefix(3)), imageWidth: 640,
                                 imageHeight: 480, using: &g1)
        XCTAssertEqual(few.positive.count, few.matchedGroundTruth.filter { $0 >= 0 }.count)
        XCTAssertGreaterThanOrEqual(few.positive.count, 3)
        XCTAssertEqual(few.positive.count + few.negative.count, 256)
    }
}
