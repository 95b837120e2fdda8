import XCTest
@testable import Imaging

final class ResizeTests: XCTestCase {
    func testConstantImageStaysConstant() {
        let img = Image(width: 37, height: 23, fill: (12.5, 200, 77))
        for (w, h) in [(10, 7), (80, 50), (37, 5), (1, 1), (123, 99)] {
            let r = img.resized(width: w, height: h)
            XCTAssertEqual(r.width, w); XCTAssertEqual(r.height, h)
            let plane = w * h
            for i in 0..<plane {
                XCTAssertEqual(r.pixels[i], 12.5, accuracy: 1e-4)
                XCTAssertEqual(r.pixels[plane + i], 200, accuracy: 1e-4)
                XCTAssertEqual(r.pixels[2 * plane + i], 77, accuracy: 1e-4)
            }
        }
    }

    /// With half-pixel centres an exact 2x reduction samples midway between
    /// pixel pairs, i.e. averages each 2x2 block.
    func testHalvingAveragesBlocks() {
        let checker = makeImage(width: 40, height: 30) { _, x, y in (x + y) % 2 == 0 ? 0 : 255 }
        let half = checker.resized(width: 20, height: 15)
        for v in half.pixels { XCTAssertEqual(v, 127.5, accuracy: 1e-4) }

        let ramp = makeImage(width: 16, height: 8) { c, x, y in Float(x * x + 3 * y + 10 * c) }
        let r = ramp.resized(width: 8, height: 4)
        for c in 0..<3 {
            for y in 0..<4 {
                for x in 0..<8 {
                    let avg = (ramp[c, 2 * y, 2 * x] + ramp[c, 2 * y, 2 * x + 1]
                               + ramp[c, 2 * y + 1, 2 * x] + ramp[c, 2 * y + 1, 2 * x + 1]) / 4
                    XCTAssertEqual(r[c, y, x], avg, accuracy: 1e-3)
                }
            }
        }
    }

    /// Values torch.nn.functional.interpolate(mode="bilinear", align_corners=False)
    /// gives for [0, 100] -> 4 samples: edges clamp, inner samples at 1/4 and 3/4.
    func testUpscaleKnownValues() {
        let img = makeImage(width: 2, height: 1) { _, x, _ in x == 0 ? 0 : 100 }
        let r = img.resized(width: 4, height: 3)
        for y in 0..<3 {
            XCTAssertEqual(r[0, y, 0], 0, accuracy: 1e-4)
            XCTAssertEqual(r[0, y, 1], 25, accuracy: 1e-4)
            XCTAssertEqual(r[1, y, 2], 75, accuracy: 1e-4)
            XCTAssertEqual(r[2, y, 3], 100, accuracy: 1e-4)
        }
    }

    func testLinearRampIsPreservedInside() {
        // Bilinear interpolation reproduces a linear function exactly away from the clamped edges.
        let img = makeImage(width: 50, height: 40) { c, x, y in Float(2 * x + y) + Float(c) }
        let r = img.resized(width: 75, height: 60)
        for y in 2..<58 {
            for x in 2..<73 {
                let sx = (Float(x) + 0.5) * 50 / 75 - 0.5, sy = (Float(y) + 0.5) * 40 / 60 - 0.5
                XCTAssertEqual(r[1, y, x], 2 * sx + sy + 1, accuracy: 1e-3)
            }
        }
    }

    /// Columns 0, 4, 8, ... white: plain bilinear at 1/4 samples between the
    /// black columns and loses the stripes; the antialiasing filter keeps the mean.
    func testAntialiasedShrinkKeepsTheMean() {
        let stripes = makeImage(width: 64, height: 16) { _, x, _ in x % 4 == 0 ? 255 : 0 }
        let plain = stripes.resized(width: 16, height: 16)
        let smooth = stripes.resized(width: 16, height: 16, antialias: true)
        for y in 0..<16 {
            for x in 0..<16 { XCTAssertEqual(plain[0, y, x], 0, accuracy: 1e-4) }
            for x in 1..<15 { XCTAssertEqual(smooth[0, y, x], 255 / 4, accuracy: 1e-3, "(\(x), \(y))") }
        }
        let constant = Image(width: 50, height: 37, fill: (3, 100, 250)).resized(width: 13, height: 7, antialias: true)
        for (i, v) in constant.pixels.enumerated() {
            XCTAssertEqual(v, [3, 100, 250][i / constant.planeSize], accuracy: 1e-3)
        }
        // Enlarging with antialias on is plain bilinear.
        let ramp = makeImage(width: 9, height: 5) { c, x, y in Float(x * 10 + y + c) }
        XCTAssertEqual(ramp.resized(width: 20, height: 11, antialias: true), ramp.resized(width: 20, height: 11))
    }

    func testShorterSideScaling() {
        let a = Image(width: 640, height: 480).resized(shorterSide: 600, maxLongerSide: 1000)
        XCTAssertEqual(a.scale, 1.25, accuracy: 1e-6)
        XCTAssertEqual(a.image.width, 800); XCTAssertEqual(a.image.height, 600)
        let b = Image(width: 500, height: 2000).resized(shorterSide: 600, maxLongerSide: 1000)
        XCTAssertEqual(b.scale, 0.5, accuracy: 1e-6)
        XCTAssertEqual(b.image.width, 250); XCTAssertEqual(b.image.height, 1000)
    }
}
