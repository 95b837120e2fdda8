import XCTest
@testable import Imaging

final class PixelConversionTests: XCTestCase {
    func testInterleavedRoundTrip() {
        let bytes: [UInt8] = (0..<(5 * 3 * 3)).map { UInt8(($0 * 37) % 256) }
        let img = Image(interleavedRGB: bytes, width: 5, height: 3)
        XCTAssertEqual(img[0, 0, 0], Float(bytes[0]))
        XCTAssertEqual(img[1, 0, 0], Float(bytes[1]))
        XCTAssertEqual(img[2, 2, 4], Float(bytes[3 * (2 * 5 + 4) + 2]))
        XCTAssertEqual(img.interleavedRGB(), bytes)
    }

    func testGrayConversions() {
        let gray = Image(gray: [UInt8]([0, 10, 20, 30, 40, 250]), width: 3, height: 2)
        XCTAssertEqual(gray[0, 1, 2], 250); XCTAssertEqual(gray[1, 1, 2], 250); XCTAssertEqual(gray[2, 0, 1], 10)
        var colour = Image(width: 2, height: 1)
        colour[0, 0, 0] = 255                           // pure red
        colour[1, 0, 1] = 100; colour[2, 0, 1] = 200
        let luma = colour.grayscale()
        XCTAssertEqual(luma[0], 0.299 * 255, accuracy: 1e-3)
        XCTAssertEqual(luma[1], 0.587 * 100 + 0.114 * 200, accuracy: 1e-3)
        let g = colour.toGrayRGB()
        XCTAssertEqual(g[2, 0, 0], luma[0])
        XCTAssertEqual(Image(gray: luma, width: 2, height: 1), g)
    }

    func testBytesAreClampedAndRounded() {
        var img = Image(width: 4, height: 1)
        img[0, 0, 0] = -5; img[0, 0, 1] = 300; img[0, 0, 2] = 127.5; img[0, 0, 3] = .nan
        let b = img.interleavedRGB()
        XCTAssertEqual([b[0], b[3], b[6], b[9]], [0, 255, 128, 0])
    }
}
