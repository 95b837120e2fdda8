import XCTest
@testable import Imaging

final class RegionWarpTests: XCTestCase {
    /// R: x index, G: y index, B: 7 everywhere. Bilinear sampling of this is exact.
    let ramp = makeImage(width: 64, height: 48) { c, x, y in c == 0 ? Float(x) : (c == 1 ? Float(y) : 7) }

    func testContextRegionMatchesRCNNPadding() {
        let warp = RegionWarp(size: 227, padding: 16, fill: .zero)
        let r = warp.contextRegion(of: (100, 100, 295, 295))   // 195 px box -> 1:1 scale
        XCTAssertEqual(r.x1, 84, accuracy: 1e-4); XCTAssertEqual(r.y1, 84, accuracy: 1e-4)
        XCTAssertEqual(r.x2, 311, accuracy: 1e-4); XCTAssertEqual(r.y2, 311, accuracy: 1e-4)
        let s = warp.contextRegion(of: (10, 20, 49, 137.0))    // 39 x 117 box: 5x and 5/3x
        XCTAssertEqual(s.x1, 10 - 16.0 / 5, accuracy: 1e-4)
        XCTAssertEqual(s.y2, 137 + 16 * 117.0 / 195, accuracy: 1e-4)
    }

    func testBoxInsideSamplesExpectedPositions() {
        let warp = RegionWarp(size: 32, padding: 4, fill: SIMD3(1, 2, 3))
        // 24 px box to 24 px inner square: one source pixel per output pixel, offset by the padding.
        let a = warp.warp(ramp, box: (10, 6, 34, 30))
        XCTAssertEqual(a.width, 32); XCTAssertEqual(a.height, 32)
        for v in 0..<32 {
            for u in 0..<32 {
                XCTAssertEqual(a[0, v, u], Float(6 + u), accuracy: 1e-4)
                XCTAssertEqual(a[1, v, u], Float(2 + v), accuracy: 1e-4)
                XCTAssertEqual(a[2, v, u], 7, accuracy: 1e-4)
            }
        }
        // Anisotropic: a 12 x 30 box, stretched 2x across and shrunk 0.8x down.
        let b = warp.warp(ramp, box: (20, 7, 32, 37))
        for v in 0..<32 {
            for u in 0..<32 {
                let x = 20 + (Float(u) + 0.5 - 4) * 12 / 24 - 0.5
                let y = 7 + (Float(v) + 0.5 - 4) * 30 / 24 - 0.5
                XCTAssertEqual(b[0, v, u], x, accuracy: 1e-4)
                XCTAssertEqual(b[1, v, u], y, accuracy: 1e-4)
            }
        }
    }

    func testBorderBoxFillsMeanOutsideImage() {
        let fill = SIMD3<Float>(101, 102, 103)
        let warp = RegionWarp(size: 24, padding: 4, fill: fill)
        // Box at the top-left corner: its 4 px of context above and left lie outside the image.
        let a = warp.warp(ramp, box: (0, 0, 16, 16))
        for v in 0..<24 {
            for u in 0..<24 {
                if u < 4 || v < 4 {
                    for c in 0..<3 { XCTAssertEqual(a[c, v, u], fill[c], "(\(u),\(v))") }
                } else {
                    XCTAssertEqual(a[0, v, u], Float(u - 4), accuracy: 1e-4)
                    XCTAssertEqual(a[1, v, u], Float(v - 4), accuracy: 1e-4)
                }
            }
        }
        // Box past the right/bottom edges and one entirely outside.
        let b = warp.warp(ramp, box: (56, 40, 72, 56))
        XCTAssertEqual(b[0, 4, 4], 56, accuracy: 1e-4)
        XCTAssertEqual(b[0, 12, 12], fill[0])   // source x = 64.5: outside the 64 px image
        let c = warp.warp(ramp, box: (200, 200, 230, 260))
        for i in 0..<c.pixels.count { XCTAssertEqual(c.pixels[i], fill[i / c.planeSize]) }
    }

    func testBatchMatchesSingleWarpsAndNormalises() throws {
        let image = try JPEG.decode(path: try TestPaths.bccdImage(1))
        let mean = SIMD3<Float>(187, 175, 182)
        let warp = RegionWarp(size: 40, padding: 6, fill: mean)
        var boxes: [BoxCorners] = [(10, 20, 200, 150), (-30, -10, 50, 70), (600, 400, 700, 520),
                                   (100, 100, 101, 101), (300, 200, 340, 400)]
        for i in 0..<40 {
            let x = Float(i * 13 % 600), y = Float(i * 7 % 440), d = Float(i)
            boxes.append((x, y, x + 20 + d, y + 30 + d))
        }
        let scale = SIMD3<Float>(0.5, 0.25, 2)
        let batch = warp.warp(image, boxes: boxes, subtract: mean, multiply: scale)
        let per = 3 * 40 * 40
        XCTAssertEqual(batch.count, boxes.count * per)
        for (i, box) in boxes.enumerated() {
            let single = warp.warp(image, box: box)
            for j in 0..<per {
                let c = j / (40 * 40)
                XCTAssertEqual(batch[i * per + j], (single.pixels[j] - mean[c]) * scale[c], accuracy: 1e-3)
            }
        }
        // Outside the image the normalised value is exactly 0 (mean in, mean out).
        XCTAssertEqual(batch[1 * per + 0], 0)
    }

    func testNonFiniteBoxFillsInsteadOfCrashing() {
        let warp = RegionWarp(size: 8, padding: 1, fill: SIMD3(5, 5, 5))
        let a = warp.warp(ramp, box: (.nan, 0, 10, 10))
        for v in 0..<8 { XCTAssertEqual(a[0, v, 3], 5) }
        let b = warp.warp(ramp, box: (0, 0, .infinity, 10))
        XCTAssertEqual(b.pixels.count, 3 * 64)
    }
}
