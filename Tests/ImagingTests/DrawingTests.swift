import XCTest
@testable import Imaging

final class DrawingTests: XCTestCase {
    func coloured(_ img: Image, _ colour: Color) -> Set<[Int]> {
        var s = Set<[Int]>()
        for y in 0..<img.height {
            for x in 0..<img.width where img[0, y, x] == colour.r && img[1, y, x] == colour.g && img[2, y, x] == colour.b {
                s.insert([x, y])
            }
        }
        return s
    }

    func testRectangleOutlineCoversTheBoxEdgesOnly() {
        var img = Image(width: 40, height: 30)
        img.drawRectangle(x1: 10, y1: 10, x2: 30, y2: 20, color: .red, lineWidth: 2)
        let on = coloured(img, .red)
        XCTAssertEqual(on.count, 20 * 10 - 16 * 6)
        for p in [[10, 15], [11, 15], [28, 15], [29, 15], [15, 10], [15, 11], [15, 18], [15, 19], [10, 10], [29, 19]] {
            XCTAssertTrue(on.contains(p), "\(p) should be on the outline")
        }
        for p in [[12, 15], [15, 12], [9, 15], [30, 15], [15, 9], [15, 20], [27, 17]] {
            XCTAssertFalse(on.contains(p), "\(p) should be untouched")
            XCTAssertEqual(img[0, p[1], p[0]], 0)
        }
    }

    func testFractionalAndClippedBoxes() {
        var img = Image(width: 20, height: 20)
        img.fillRectangle(x1: 2.5, y1: 3.2, x2: 5.1, y2: 4.9, color: .blue)   // columns 2..<6, rows 3..<5
        XCTAssertEqual(coloured(img, .blue), Set([2, 3, 4, 5].flatMap { x in [[x, 3], [x, 4]] }))
        var edge = Image(width: 20, height: 20)
        edge.drawRectangle(x1: -5, y1: -5, x2: 10, y2: 30, color: .green, lineWidth: 1)
        // Left, top and bottom edges are outside; only the right edge column 9 shows.
        XCTAssertEqual(coloured(edge, .green), Set((0..<20).map { [9, $0] }))
        edge.drawRectangle(x1: .nan, y1: 0, x2: 5, y2: 5, color: .red)
        edge.fillRectangle(x1: 1e30, y1: -1e30, x2: 2e30, y2: 1e30, color: .red)
        XCTAssertTrue(coloured(edge, .red).isEmpty)
    }

    func testTextUsesTheGlyphBitmap() {
        var img = Image(width: 20, height: 20)
        img.drawText("I", x: 2, y: 3, color: .white)
        // 'I' is a full middle column with serifs on the top and bottom rows.
        var expected = Set((3..<10).map { [4, $0] })
        expected.formUnion([[3, 3], [5, 3], [3, 9], [5, 9]])
        XCTAssertEqual(coloured(img, .white), expected)

        var big = Image(width: 40, height: 40)
        big.drawText("I", x: 0, y: 0, color: .white, scale: 2)
        XCTAssertEqual(coloured(big, .white).count, 11 * 4)

        var two = Image(width: 40, height: 20)
        two.drawText("II", x: 0, y: 0, color: .white)
        XCTAssertEqual(coloured(two, .white).count, 22)
        XCTAssertTrue(coloured(two, .white).contains([2 + BitmapFont.cellWidth, 5]))
    }

    func testFontCoversPrintableASCII() {
        var seen = Set<[UInt8]>()
        for a in UInt8(0x21)...UInt8(0x7E) {
            let cols = Array(BitmapFont.columns(of: Character(UnicodeScalar(a))))
            XCTAssertTrue(cols.contains { $0 != 0 }, "glyph \(a) is blank")
            XCTAssertTrue(cols.allSatisfy { $0 < 0x80 }, "glyph \(a) is taller than 7 rows")
            seen.insert(cols)
        }
        XCTAssertEqual(seen.count, 0x7E - 0x21 + 1, "every glyph is distinct")
        XCTAssertEqual(Array(BitmapFont.columns(of: " ")), [0, 0, 0, 0, 0])
        XCTAssertEqual(Array(BitmapFont.columns(of: "é")), Array(BitmapFont.unknown))
        XCTAssertEqual(BitmapFont.size(of: "RBC 0.93", scale: 2).width, (8 * 6 - 1) * 2)
    }

    func testLabelSitsAboveTheBoxOrInsideAtTheTop() {
        var img = Image(width: 100, height: 60, fill: (50, 50, 50))
        let r = img.drawLabel("WBC", x1: 30, y1: 40, background: .yellow)
        XCTAssertEqual(r.y1, 40)                      // bottom of the label touches the box top
        XCTAssertEqual(r.y0, 40 - 9)                  // 7 px glyphs + 1 px padding each side
        XCTAssertEqual(r.x1 - r.x0, 3 * 6 - 1 + 2)
        let text = coloured(img, Color.yellow.contrasting)
        let bg = coloured(img, .yellow)
        XCTAssertFalse(text.isEmpty)
        XCTAssertEqual(text.count + bg.count, (r.x1 - r.x0) * (r.y1 - r.y0))
        var top = Image(width: 100, height: 60)
        let t = top.drawLabel("RBC", x1: 95, y1: 2, background: .blue)
        XCTAssertEqual(t.y0, 2)
        XCTAssertEqual(t.x1, 100)                     // pushed left to stay inside the image
    }

    func testDrawDetectionOnDecodedImageSurvivesEncoding() throws {
        var img = try JPEG.decode(path: try TestPaths.bccdImage(0))
        let before = img
        img.drawDetection(x1: 100, y1: 100, x2: 300, y2: 250, label: "RBC 0.97", color: .green, lineWidth: 8)
        // Exactly the outline band and the label changed.
        for (x, y) in [(100, 200), (107, 200), (299, 120), (200, 249), (200, 100)] {
            XCTAssertEqual([img[0, y, x], img[1, y, x], img[2, y, x]], [60, 180, 75], "(\(x), \(y))")
        }
        for (x, y) in [(108, 200), (99, 200), (200, 108), (200, 250), (300, 200)] {
            XCTAssertEqual(img[1, y, x], before[1, y, x], "(\(x), \(y)) should be untouched")
        }
        XCTAssertNotEqual(img[1, 95, 103], before[1, 95, 103], "label above the box")
        // Written as JPEG, the 8 px line keeps its colour in its middle.
        let path = try TestPaths.tempDir(self).appendingPathComponent("annotated.jpg").path
        try JPEG.write(img, to: path, quality: 95)
        let back = try JPEG.decode(path: path)
        XCTAssertEqual(back[0, 200, 104], Color.green.r, accuracy: 15)
        XCTAssertEqual(back[1, 200, 104], Color.green.g, accuracy: 15)
        XCTAssertEqual(back[2, 200, 104], Color.green.b, accuracy: 15)
    }
}
