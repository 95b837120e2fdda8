import XCTest
@testable import Boxes

final class BoxTransformsTests: XCTestCase {
    func testClipToImage() {
        XCTAssertEqual(Box(x1: -5, y1: 2, x2: 700, y2: 500).clipped(width: 640, height: 480),
                       Box(x1: 0, y1: 2, x2: 640, y2: 480))
        // Entirely outside: degenerate at the border, not inverted.
        let outside = Box(x1: 650, y1: -30, x2: 700, y2: -10).clipped(width: 640, height: 480)
        XCTAssertEqual(outside, Box(x1: 640, y1: 0, x2: 640, y2: 0))
        XCTAssertTrue(outside.isDegenerate)
        var boxes = [Box(x1: -1, y1: -1, x2: 5, y2: 5), Box(x1: 1, y1: 1, x2: 2, y2: 2)]
        clipBoxes(&boxes, width: 4, height: 3)
        XCTAssertEqual(boxes, [Box(x1: 0, y1: 0, x2: 4, y2: 3), Box(x1: 1, y1: 1, x2: 2, y2: 2)])
    }

    func testFlipAndScale() {
        let b = Box(x1: 10, y1: 20, x2: 30, y2: 60)
        // A box at the left edge moves to the right edge of a 100-pixel-wide image.
        XCTAssertEqual(Box(x1: 0, y1: 0, x2: 10, y2: 5).flippedHorizontally(imageWidth: 100),
                       Box(x1: 90, y1: 0, x2: 100, y2: 5))
        XCTAssertEqual(b.flippedHorizontally(imageWidth: 100), Box(x1: 70, y1: 20, x2: 90, y2: 60))
        XCTAssertEqual(b.flippedHorizontally(imageWidth: 100).flippedHorizontally(imageWidth: 100), b)
        XCTAssertEqual(b.flippedVertically(imageHeight: 80), Box(x1: 10, y1: 20, x2: 30, y2: 60))
        XCTAssertEqual(b.flippedVertically(imageHeight: 100), Box(x1: 10, y1: 40, x2: 30, y2: 80))
        XCTAssertEqual(b.scaled(x: 0.5, y: 2), Box(x1: 5, y1: 40, x2: 15, y2: 120))
        XCTAssertEqual(b.scaled(by: 2).area, b.area * 4)
        XCTAssertEqual(b.offset(dx: -10, dy: 5), Box(x1: 0, y1: 25, x2: 20, y2: 65))
    }

    func testRemoveSmallBoxes() {
        let boxes = [Box(x1: 0, y1: 0, x2: 20, y2: 20),   // kept
                     Box(x1: 0, y1: 0, x2: 19.5, y2: 40), // 19.5 wide
                     Box(x1: 5, y1: 5, x2: 25, y2: 24),   // 19 high
                     Box(x1: 0, y1: 0, x2: 16, y2: 16),   // exactly the minimum: kept
                     Box(x1: 3, y1: 3, x2: 2, y2: 10)]    // inverted
        XCTAssertEqual(removeSmallBoxes(boxes, minSize: 16), [0, 1, 2, 3])
        XCTAssertEqual(removeSmallBoxes(boxes, minSize: 19.5), [0, 1])
        XCTAssertEqual(removeSmallBoxes(boxes, minSize: 20), [0])
        XCTAssertEqual(removeSmallBoxes([], minSize: 1), [])
    }
}
