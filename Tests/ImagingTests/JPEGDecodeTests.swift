import Foundation
import XCTest
@testable import Imaging

final class JPEGDecodeTests: XCTestCase {
    /// Pixel values of BCCD image 0 as a plain libjpeg program decodes them
    /// (Fixtures/make_fixtures.c, outside the code under test).
    func testBCCDDecodeMatchesLibjpegReference() throws {
        let path = try TestPaths.bccdImage(0)
        let image = try JPEG.decode(path: path)
        XCTAssertEqual(image.width, 640)
        XCTAssertEqual(image.height, 480)
        let reference = try String(contentsOfFile: TestPaths.fixture("bccd_00000_reference.txt"), encoding: .utf8)
        var checked = 0
        for line in reference.split(separator: "\n") {
            let f = line.split(separator: " ")
            switch f[0] {
            case "size":
                XCTAssertEqual(Int(f[1]), image.width); XCTAssertEqual(Int(f[2]), image.height)
            case "pixel":
                let x = Int(f[1])!, y = Int(f[2])!
                for c in 0..<3 {
                    XCTAssertEqual(image[c, y, x], Float(f[3 + c])!, accuracy: 1, "channel \(c) at (\(x), \(y))")
                }
                checked += 1
            case "mean":
                let plane = image.planeSize
                for c in 0..<3 {
                    let mean = image.pixels[(c * plane)..<((c + 1) * plane)].reduce(0.0) { $0 + Double($1) } / Double(plane)
                    XCTAssertEqual(mean, Double(f[1 + c])!, accuracy: 0.05, "mean of channel \(c)")
                }
            default: XCTFail("unexpected reference line \(line)")
            }
        }
        XCTAssertEqual(checked, 10)
    }

    func testEveryBCCDImageDecodesToItsHeaderSize() throws {
        _ = try TestPaths.bccdImage(0)
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.bccdImagesDir)
            .filter { $0.hasSuffix(".jpg") }.sorted()
        XCTAssertEqual(files.count, 364)
        for name in files {
            let path = TestPaths.bccdImagesDir + "/" + name
            let header = try JPEGHeader.read(path: path)
            let image = try JPEG.decode(path: path)
            XCTAssertEqual(image.width, header.width, name)
            XCTAssertEqual(image.height, header.height, name)
        }
    }

    /// Quadrant colours the fixture generator drew (TL, TR, BL, BR), checked on
    /// the 12x12 interior of each 32x32 quadrant, away from chroma bleeding.
    func assertQuadrants(_ image: Image, _ expected: [(Float, Float, Float)], tolerance: Float,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(image.width, 64, file: file, line: line)
        XCTAssertEqual(image.height, 64, file: file, line: line)
        for (q, colour) in expected.enumerated() {
            let x0 = (q % 2) * 32 + 10, y0 = (q / 2) * 32 + 10
            var worst: Float = 0
            for y in y0..<(y0 + 12) {
                for x in x0..<(x0 + 12) {
                    worst = max(worst, abs(image[0, y, x] - colour.0), abs(image[1, y, x] - colour.1),
                                abs(image[2, y, x] - colour.2))
                }
            }
            XCTAssertLessThanOrEqual(worst, tolerance, "quadrant \(q)", file: file, line: line)
        }
    }

    func testProgressiveJPEG() throws {
        let path = TestPaths.fixture("progressive.jpg")
        XCTAssertTrue(try JPEGHeader.read(path: path).progressive)
        let image = try JPEG.decode(path: path)
        assertQuadrants(image, [(220, 30, 40), (30, 200, 60), (40, 50, 210), (240, 240, 240)], tolerance: 6)
    }

    func testGrayscaleBecomesRGB() throws {
        let path = TestPaths.fixture("gray.jpg")
        XCTAssertEqual(try JPEGHeader.read(path: path).components, 1)
        let image = try JPEG.decode(path: path)
        assertQuadrants(image, [(50, 50, 50), (200, 200, 200), (120, 120, 120), (0, 0, 0)], tolerance: 3)
        let plane = image.planeSize
        for i in 0..<plane {
            XCTAssertEqual(image.pixels[i], image.pixels[plane + i])
            XCTAssertEqual(image.pixels[i], image.pixels[2 * plane + i])
        }
    }

    /// Adobe CMYK stores inverted ink; (0,255,255,0) ink is red, 50% black is mid grey.
    func testAdobeCMYKBecomesRGB() throws {
        let path = TestPaths.fixture("cmyk_adobe.jpg")
        XCTAssertEqual(try JPEGHeader.read(path: path).components, 4)
        let image = try JPEG.decode(path: path)
        assertQuadrants(image, [(255, 0, 0), (0, 255, 0), (127, 127, 127), (191, 191, 0)], tolerance: 6)
    }

    /// CMYK without an Adobe marker holds plain ink amounts (not inverted).
    func testPlainCMYKBecomesRGB() throws {
        let image = try JPEG.decode(path: TestPaths.fixture("cmyk_plain.jpg"))
        assertQuadrants(image, [(255, 0, 0), (0, 255, 0), (127, 127, 127), (191, 191, 0)], tolerance: 6)
    }

    func testAdobeYCCKProgressiveBecomesRGB() throws {
        let path = TestPaths.fixture("ycck_adobe.jpg")
        let header = try JPEGHeader.read(path: path)
        XCTAssertEqual(header.components, 4)
        XCTAssertTrue(header.progressive)
        let image = try JPEG.decode(path: path)
        assertQuadrants(image, [(255, 0, 0), (0, 255, 0), (127, 127, 127), (191, 191, 0)], tolerance: 6)
    }

    /// Displayed (x, y) of a stored w x h raster shows the stored pixel given by
    /// the EXIF 2.3 definitions of the orientation tag.
    func storedPosition(orientation: Int, x: Int, y: Int, w: Int, h: Int) -> (Int, Int) {
        switch orientation {
        case 2: return (w - 1 - x, y)
        case 3: return (w - 1 - x, h - 1 - y)
        case 4: return (x, h - 1 - y)
        case 5: return (y, x)
        case 6: return (y, h - 1 - x)
        case 7: return (w - 1 - y, h - 1 - x)
        case 8: return (w - 1 - y, x)
        default: return (x, y)
        }
    }

    func testEXIFOrientationsAreApplied() throws {
        // 48x32 stored: six 16x16 blocks of distinct colours, so every flip and turn is visible.
        let colours: [(Float, Float, Float)] = [(250, 0, 0), (0, 250, 0), (0, 0, 250),
                                                (250, 250, 0), (0, 250, 250), (250, 0, 250)]
        let stored = makeImage(width: 48, height: 32) { c, x, y in
            let k = (y / 16) * 3 + x / 16
            return [colours[k].0, colours[k].1, colours[k].2][c]
        }
        let plain = try JPEG.encode(stored, quality: 95)
        let upright = try JPEG.decode(data: plain)
        for o in 1...8 {
            for little in [false, true] {
                let data = insertingOrientation(plain, UInt16(o), littleEndian: little)
                let header = try JPEGHeader.parse(data, path: "o\(o)")
                XCTAssertEqual(header.orientation, o)
                let image = try JPEG.decode(data: data, path: "o\(o)")
                XCTAssertEqual(image.width, o >= 5 ? 32 : 48, "orientation \(o)")
                XCTAssertEqual(image.height, o >= 5 ? 48 : 32, "orientation \(o)")
                XCTAssertEqual(header.width, image.width)
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        let (sx, sy) = storedPosition(orientation: o, x: x, y: y, w: 48, h: 32)
                        for c in 0..<3 where image[c, y, x] != upright[c, sy, sx] {
                            XCTFail("orientation \(o): (\(x),\(y)) c\(c) differs from stored (\(sx),\(sy))"); return
                        }
                    }
                }
            }
        }
        // Orientation 6 means "rotate 90 degrees clockwise to view": the stored
        // bottom-left block (yellow) becomes the displayed top-left one.
        let six = try JPEG.decode(data: insertingOrientation(plain, 6, littleEndian: false))
        XCTAssertEqual(six[0, 8, 8], 250, accuracy: 6)
        XCTAssertEqual(six[1, 8, 8], 250, accuracy: 6)
        XCTAssertEqual(six[2, 8, 8], 0, accuracy: 6)
        // Orientation 3 is a half turn: the stored bottom-right block (magenta) is top-left.
        let three = try JPEG.decode(data: insertingOrientation(plain, 3, littleEndian: true))
        XCTAssertEqual(three[0, 8, 8], 250, accuracy: 6)
        XCTAssertEqual(three[1, 8, 8], 0, accuracy: 6)
        XCTAssertEqual(three[2, 8, 8], 250, accuracy: 6)
    }

    func testInvalidOrientationIsIgnored() throws {
        let stored = makeImage(width: 48, height: 32) { c, x, y in Float((x * 5 + y * 3 + c * 40) % 256) }
        let plain = try JPEG.encode(stored, quality: 90)
        let upright = try JPEG.decode(data: plain)
        for bad: UInt16 in [0, 9, 255, 0xFFFF] {
            let data = insertingOrientation(plain, bad, littleEndian: bad % 2 == 0)
            XCTAssertEqual(try JPEGHeader.parse(data, path: "x").orientation, 1)
            XCTAssertEqual(try JPEG.decode(data: data), upright, "orientation value \(bad)")
        }
    }

    func testApplyingOrientationMatchesDecode() throws {
        let stored = makeImage(width: 48, height: 32) { c, x, y in Float((x * 7 + y * 11 + c * 50) % 256) }
        let plain = try JPEG.encode(stored, quality: 90)
        let upright = try JPEG.decode(data: plain)
        for o in 1...8 {
            let decoded = try JPEG.decode(data: insertingOrientation(plain, UInt16(o), littleEndian: true))
            XCTAssertEqual(upright.applyingOrientation(o), decoded, "orientation \(o)")
        }
    }

    /// DCT-domain reduced decoding picks the smallest 1/2^k scale that still
    /// covers the requested size and looks like a downscaled full decode.
    func testReducedDecode() throws {
        let path = try TestPaths.bccdImage(0)
        let full = try JPEG.decode(path: path)
        let quarter = try JPEG.decode(path: path, minimumSize: (width: 150, height: 100))
        XCTAssertEqual(quarter.width, 160)
        XCTAssertEqual(quarter.height, 120)
        let half = try JPEG.decode(path: path, minimumSize: (width: 300, height: 200))
        XCTAssertEqual(half.width, 320)
        let eighth = try JPEG.decode(path: path, minimumSize: (width: 1, height: 1))
        XCTAssertEqual(eighth.width, 80)
        XCTAssertEqual(eighth.height, 60)
        XCTAssertEqual(try JPEG.decode(path: path, minimumSize: (width: 700, height: 10)), full)
        XCTAssertEqual(try JPEG.decode(path: path, longerSideAtLeast: 500), full)        // 320 < 500
        XCTAssertEqual(try JPEG.decode(path: path, longerSideAtLeast: 320), half)
        XCTAssertEqual(try JPEG.decode(path: path, longerSideAtLeast: 100).width, 160)
        // Portrait (after orientation 6): the longer side is the height.
        let portrait = insertingOrientation(try Data(contentsOf: URL(fileURLWithPath: path)), 6, littleEndian: false)
        let portraitPath = try TestPaths.tempDir(self).appendingPathComponent("portrait.jpg").path
        try portrait.write(to: URL(fileURLWithPath: portraitPath))
        let p = try JPEG.decode(path: portraitPath, longerSideAtLeast: 300)
        XCTAssertEqual(p.width, 240); XCTAssertEqual(p.height, 320)

        // Averaging 4x4 blocks of the full decode approximates the 1/4 decode.
        var diff = 0.0
        for c in 0..<3 {
            for y in 0..<120 {
                for x in 0..<160 {
                    var s: Float = 0
                    for dy in 0..<4 { for dx in 0..<4 { s += full[c, 4 * y + dy, 4 * x + dx] } }
                    diff += Double(abs(s / 16 - quarter[c, y, x]))
                }
            }
        }
        XCTAssertLessThan(diff / Double(3 * 160 * 120), 3.0)
    }
}
