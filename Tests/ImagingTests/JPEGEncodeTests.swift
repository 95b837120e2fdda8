import Foundation
import XCTest
@testable import Imaging

final class JPEGEncodeTests: XCTestCase {
    func testRoundTripPSNRRisesWithQuality() throws {
        let original = try JPEG.decode(path: try TestPaths.bccdImage(3))
        var last = 0.0
        var lastSize = 0
        for q in [20, 60, 95] {
            let data = try JPEG.encode(original, quality: q)
            let back = try JPEG.decode(data: data)
            XCTAssertEqual(back.width, original.width)
            XCTAssertEqual(back.height, original.height)
            let p = psnr(original, back)
            XCTAssertGreaterThan(p, last, "quality \(q)")
            XCTAssertGreaterThan(data.count, lastSize, "quality \(q)")
            last = p
            lastSize = data.count
        }
        XCTAssertGreaterThan(last, 38, "PSNR at quality 95")
    }

    func testWriteFileAndProgressive() throws {
        let original = makeImage(width: 100, height: 70) { c, x, y in
            128 + 100 * sin(Float(x) / 9 + Float(c)) * cos(Float(y) / 11)
        }
        let dir = try TestPaths.tempDir(self)
        let baseline = dir.appendingPathComponent("b.jpg").path
        let progressive = dir.appendingPathComponent("p.jpg").path
        try JPEG.write(original, to: baseline, quality: 90)
        try JPEG.write(original, to: progressive, quality: 90, progressive: true)
        XCTAssertFalse(try JPEGHeader.read(path: baseline).progressive)
        XCTAssertTrue(try JPEGHeader.read(path: progressive).progressive)
        let b = try JPEG.decode(path: baseline), p = try JPEG.decode(path: progressive)
        XCTAssertGreaterThan(psnr(original, b), 35)
        // Same quantised coefficients, only sent in a different order.
        XCTAssertEqual(psnr(b, p), .infinity)
    }

    func testQualityOutOfRangeAndUnwritablePath() throws {
        let img = Image(width: 8, height: 8, fill: (10, 20, 30))
        for q in [0, 101, -5] {
            XCTAssertThrowsError(try JPEG.encode(img, quality: q)) { error in
                guard case .invalidArgument = error as? ImagingError else { return XCTFail("\(error)") }
            }
        }
        let path = "/nonexistent-dir-for-imaging-tests/out.jpg"
        XCTAssertThrowsError(try JPEG.write(img, to: path)) { error in
            XCTAssertEqual((error as? ImagingError).map { if case .writeFailed(path, _) = $0 { true } else { false } }, true)
        }
    }

    func testOutOfRangeValuesAreClamped() throws {
        let img = makeImage(width: 16, height: 16) { c, _, _ in c == 0 ? 400 : (c == 1 ? -50 : 128) }
        let back = try JPEG.decode(data: try JPEG.encode(img, quality: 100))
        XCTAssertEqual(back[0, 8, 8], 255, accuracy: 2)
        XCTAssertEqual(back[1, 8, 8], 0, accuracy: 2)
        XCTAssertEqual(back[2, 8, 8], 128, accuracy: 2)
    }
}
