import XCTest
@testable import Boxes

final class NMSTests: XCTestCase {
    // Boxes chosen so each suppression decision is known by hand.
    let boxes = [Box(x1: 0, y1: 0, x2: 10, y2: 10),    // 0: .9
                 Box(x1: 1, y1: 1, x2: 11, y2: 11),    // 1: .8, IoU with 0 = 81/119 ≈ 0.68
                 Box(x1: 20, y1: 20, x2: 30, y2: 30),  // 2: .7, overlaps nothing
                 Box(x1: 50, y1: 50, x2: 60, y2: 60),  // 3: .9, ties with 0, disjoint
                 Box(x1: 0, y1: 0, x2: 10, y2: 10),    // 4: .9, identical to 0, same score
                 Box(x1: 0, y1: 0, x2: 10, y2: 5)]     // 5: .6, IoU with 0 exactly 0.5
    let scores: [Float] = [0.9, 0.8, 0.7, 0.9, 0.9, 0.6]

    func testGreedyNMSHandComputed() {
        // Order visited: 0, 3, 4 (ties by index), 1, 2, 5. 4 and 1 overlap 0;
        // 5 sits exactly at the threshold and survives (suppression needs IoU > t).
        XCTAssertEqual(nms(boxes: boxes, scores: scores, iouThreshold: 0.5), [0, 3, 2, 5])
        XCTAssertEqual(nms(boxes: boxes, scores: scores, iouThreshold: 0.49), [0, 3, 2])
        XCTAssertEqual(nms(boxes: boxes, scores: scores, iouThreshold: 0.7), [0, 3, 1, 2, 5])
        XCTAssertEqual(nms(boxes: boxes, scores: scores, iouThreshold: 0.5, maxOutput: 2), [0, 3])
        XCTAssertEqual(nms(boxes: [], scores: [], iouThreshold: 0.5), [])
    }

    func testTiesKeepLowerIndex() {
        let twin = [Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 0, y1: 0, x2: 10, y2: 10)]
        XCTAssertEqual(nms(boxes: twin, scores: [0.5, 0.5], iouThreshold: 0.5), [0])
        let shifted = [Box(x1: 1, y1: 0, x2: 11, y2: 10), Box(x1: 0, y1: 0, x2: 10, y2: 10)]
        XCTAssertEqual(nms(boxes: shifted, scores: [0.5, 0.5], iouThreshold: 0.5), [0])
        XCTAssertEqual(nms(boxes: shifted, scores: [0.5, 0.6], iouThreshold: 0.5), [1])
        // A NaN score sorts last instead of scrambling the order.
        XCTAssertEqual(nms(boxes: [boxes[2], boxes[3]], scores: [.nan, 0.1], iouThreshold: 0.5), [1, 0])
    }

    /// The straightforward O(n²)-memory definition, for comparison.
    func referenceNMS(_ b: [Box], _ s: [Float], _ t: Float) -> [Int] {
        let order = b.indices.sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
        var kept: [Int] = []
        for i in order where !kept.contains(where: { b[$0].iou(b[i]) > t }) { kept.append(i) }
        return kept
    }

    func testMatchesReferenceOnRandomBoxes() {
        var rng = SeededGenerator(seed: 42)
        let n = 1500
        let b = (0..<n).map { _ -> Box in
            let x = rng.nextUnitFloat() * 400, y = rng.nextUnitFloat() * 300
            return Box(x1: x, y1: y, x2: x + 10 + rng.nextUnitFloat() * 60, y2: y + 10 + rng.nextUnitFloat() * 60)
        }
        // Quantised scores produce many ties.
        let s = (0..<n).map { _ in Float(rng.next(below: 50)) / 50 }
        for t: Float in [0.3, 0.7] {
            let fast = nms(boxes: b, scores: s, iouThreshold: t)
            XCTAssertEqual(fast, referenceNMS(b, s, t))
            XCTAssertLessThan(fast.count, n)
            for i in fast.indices { for j in fast.indices where j > i {
                XCTAssertLessThanOrEqual(b[fast[i]].iou(b[fast[j]]), t)
            } }
        }
    }

    func testBatchedNMSKeepsClassesApart() {
        let b = [Box(x1: 0, y1: 0, x2: 10, y2: 10),   // 0: class 0, .9
                 Box(x1: 1, y1: 1, x2: 11, y2: 11),   // 1: class 1, .8 — overlaps 0, other class
                 Box(x1: 0, y1: 0, x2: 10, y2: 9),    // 2: class 0, .85 — suppressed by 0
                 Box(x1: 1, y1: 0, x2: 11, y2: 10),   // 3: class 1, .8 — tie with 1, suppressed by 1
                 Box(x1: 40, y1: 40, x2: 50, y2: 50)] // 4: class 7, .95
        let s: [Float] = [0.9, 0.8, 0.85, 0.8, 0.95]
        let c = [0, 1, 0, 1, 7]
        XCTAssertEqual(batchedNMS(boxes: b, scores: s, classes: c, iouThreshold: 0.5), [4, 0, 1])
        XCTAssertEqual(batchedNMS(boxes: b, scores: s, classes: c, iouThreshold: 0.5, maxOutput: 2), [4, 0])
        // Everything in one class: plain NMS.
        XCTAssertEqual(batchedNMS(boxes: b, scores: s, classes: [0, 0, 0, 0, 0], iouThreshold: 0.5),
                       nms(boxes: b, scores: s, iouThreshold: 0.5))
        let perClass = perClassNMS(boxes: b, scores: s, classes: c, iouThreshold: 0.5)
        XCTAssertEqual(perClass, [0: [0], 1: [1], 7: [4]])
    }

    func testBatchedNMSParallelPathEqualsPerClassReference() {
        var rng = SeededGenerator(seed: 3)
        let n = 2400
        let b = (0..<n).map { _ -> Box in
            let x = rng.nextUnitFloat() * 200, y = rng.nextUnitFloat() * 200
            return Box(x1: x, y1: y, x2: x + 5 + rng.nextUnitFloat() * 40, y2: y + 5 + rng.nextUnitFloat() * 40)
        }
        let s = (0..<n).map { _ in rng.nextUnitFloat() }
        let c = (0..<n).map { _ in rng.next(below: 3) }
        var expected: [Int] = []
        for k in 0..<3 {
            let idx = (0..<n).filter { c[$0] == k }
            expected += referenceNMS(idx.map { b[$0] }, idx.map { s[$0] }, 0.5).map { idx[$0] }
        }
        expected.sort { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
        XCTAssertEqual(batchedNMS(boxes: b, scores: s, classes: c, iouThreshold: 0.5), expected)
    }
}
