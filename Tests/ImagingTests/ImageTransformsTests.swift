import XCTest
@testable import Imaging

final class ImageTransformsTests: XCTestCase {
    let img = makeImage(width: 7, height: 5) { c, x, y in Float(100 * c + 10 * y + x) }

    func testFlipMirrorsColumns() {
        let f = img.flippedHorizontally()
        XCTAssertEqual(f.width, 7); XCTAssertEqual(f.height, 5)
        for c in 0..<3 { for y in 0..<5 { for x in 0..<7 { XCTAssertEqual(f[c, y, x], img[c, y, 6 - x]) } } }
        XCTAssertEqual(f.flippedHorizontally(), img)
    }

    func testCrop() {
        let c = img.cropped(x: 2, y: 1, width: 4, height: 3)
        XCTAssertEqual(c.width, 4); XCTAssertEqual(c.height, 3)
        XCTAssertEqual(c[0, 0, 0], 12)
        XCTAssertEqual(c[2, 2, 3], 235)
        XCTAssertEqual(img.cropped(x: 0, y: 0, width: 7, height: 5), img)
    }

    func testNormalized() {
        let n = img.normalized(subtract: SIMD3(1, 2, 3), multiply: SIMD3(2, 0.5, 1))
        XCTAssertEqual(n.count, 3 * 35)
        XCTAssertEqual(n[0], (0 - 1) * 2)
        XCTAssertEqual(n[35 + 8], (111 - 2) * 0.5)   // channel 1, y 1, x 1
        XCTAssertEqual(n[70 + 34], 246 - 3)
    }
}
