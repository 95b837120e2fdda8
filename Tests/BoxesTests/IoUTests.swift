import XCTest
@testable import Boxes

final class IoUTests: XCTestCase {
    func testHandComputedIoU() {
        let a = Box(x1: 0, y1: 0, x2: 10, y2: 10)
        // 5×5 overlap, union 100 + 100 − 25.
        XCTAssertEqual(a.iou(Box(x1: 5, y1: 5, x2: 15, y2: 15)), 25.0 / 175.0, accuracy: 1e-7)
        XCTAssertEqual(a.iou(Box(x1: 0, y1: 0, x2: 10, y2: 5)), 0.5, accuracy: 1e-7)
        XCTAssertEqual(a.iou(a), 1)
        // Sharing an edge is no overlap with exclusive x2.
        XCTAssertEqual(a.iou(Box(x1: 10, y1: 0, x2: 20, y2: 10)), 0)
        XCTAssertEqual(a.iou(Box(x1: 30, y1: 30, x2: 40, y2: 40)), 0)
        let empty = Box(x1: 3, y1: 3, x2: 3, y2: 8)
        XCTAssertEqual(a.iou(empty), 0)
        XCTAssertEqual(empty.iou(empty), 0)
        XCTAssertEqual(a.intersection(Box(x1: 5, y1: 5, x2: 15, y2: 15)), Box(x1: 5, y1: 5, x2: 10, y2: 10))
        XCTAssertNil(a.intersection(Box(x1: 10, y1: 0, x2: 20, y2: 10)))
    }

    func testMatrixMatchesPairwiseIoU() {
        var rng = SeededGenerator(seed: 7)
        func randomBoxes(_ n: Int) -> [Box] {
            (0..<n).map { _ in
                let x = rng.nextUnitFloat() * 100, y = rng.nextUnitFloat() * 100
                return Box(x1: x, y1: y, x2: x + rng.nextUnitFloat() * 50, y2: y + rng.nextUnitFloat() * 50)
            }
        }
        // Large enough to take the parallel path, small enough to check fully.
        let a = randomBoxes(300), b = randomBoxes(250)
        let m = iouMatrix(a, b)
        XCTAssertEqual(m.count, 300 * 250)
        for i in 0..<a.count {
            for j in 0..<b.count {
                XCTAssertEqual(m[i * b.count + j], a[i].iou(b[j]), accuracy: 1e-6)
            }
        }
        XCTAssertEqual(iouMatrix([], b), [])
        XCTAssertEqual(iouMatrix(a, []), [])
        let small = iouMatrix([Box(x1: 0, y1: 0, x2: 10, y2: 10)],
                              [Box(x1: 5, y1: 5, x2: 15, y2: 15), Box(x1: 0, y1: 0, x2: 10, y2: 5)])
        XCTAssertEqual(small[0], 1.0 / 7.0, accuracy: 1e-7)
        XCTAssertEqual(small[1], 0.5, accuracy: 1e-7)
    }
}
