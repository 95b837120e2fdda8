import Boxes
import Imaging
import XCTest
@testable import Proposals

final class GraphSegmentationTests: XCTestCase {
    /// An image made of flat rectangles: `rects` are (x1, y1, x2, y2, r, g, b), painted in order.
    static func painted(width: Int, height: Int, background: (Float, Float, Float),
                        _ rects: [(Int, Int, Int, Int, Float, Float, Float)]) -> Image {
        var image = Image(width: width, height: height, fill: (background.0, background.1, background.2))
        for (x1, y1, x2, y2, r, g, b) in rects {
            for y in y1..<y2 {
                for x in x1..<x2 { image[0, y, x] = r; image[1, y, x] = g; image[2, y, x] = b }
            }
        }
        return image
    }

    private func assertRegions(_ seg: Segmentation, _ rects: [(Int, Int, Int, Int)],
                               file: StaticString = #filePath, line: UInt = #line) {
        var seen = Set<Int32>()
        for (x1, y1, x2, y2) in rects {
            let label = seg[y1, x1]
            for y in y1..<y2 {
                for x in x1..<x2 where seg[y, x] != label {
                    XCTFail("pixel (\(x), \(y)) has label \(seg[y, x]), its region \(label)", file: file, line: line)
                    return
                }
            }
            XCTAssertTrue(seen.insert(label).inserted, "two regions share label \(label)", file: file, line: line)
        }
    }

    func testTwoHalvesGiveTwoComponents() {
        let image = Self.painted(width: 40, height: 30, background: (20, 20, 20), [(20, 0, 40, 30, 220, 220, 220)])
        let graph = GraphSegmentation(ColorSpace.rgb.convert(image), sigma: 0.8)
        // Smoothing turns the step into a ramp whose columns (30 px each) differ from
        // their neighbours by more than k/|C|: they are components of their own...
        XCTAssertGreaterThan(graph.segment(k: 100, minSize: 20).regionCount, 2)
        // ...until the minimum size folds each into the side it is closest to.
        let seg = graph.segment(k: 100, minSize: 50)
        XCTAssertEqual(seg.regionCount, 2)
        assertRegions(seg, [(0, 0, 20, 30), (20, 0, 40, 30)])
    }

    func testFourFlatRectanglesGiveFourComponents() {
        // Quadrants of distinct colours: every edge inside a quadrant weighs 0, every
        // edge across a border far more than k/|C| once the quadrants have grown.
        let image = Self.painted(width: 64, height: 48, background: (200, 30, 30), [
            (32, 0, 64, 24, 30, 200, 30),
            (0, 24, 32, 48, 30, 30, 200),
            (32, 24, 64, 48, 230, 230, 230),
        ])
        for sigma: Float in [0, 0.8] {
            // Min size 200 absorbs the ramps that smoothing leaves along the borders.
            let seg = GraphSegmentation(ColorSpace.rgb.convert(image), sigma: sigma).segment(k: 100, minSize: 200)
            XCTAssertEqual(seg.regionCount, 4, "sigma \(sigma)")
            assertRegions(seg, [(0, 0, 32, 24), (32, 0, 64, 24), (0, 24, 32, 48), (32, 24, 64, 48)])
        }
    }

    func testSmallComponentsAreMergedIntoNeighbours() {
        // A 3x3 speck is its own component with min size 1, and absorbed with min size 20.
        let image = Self.painted(width: 30, height: 30, background: (10, 10, 10), [(10, 10, 13, 13, 250, 250, 250)])
        let graph = GraphSegmentation(ColorSpace.rgb.convert(image), sigma: 0)
        XCTAssertEqual(graph.segment(k: 10, minSize: 1).regionCount, 2)
        XCTAssertEqual(graph.segment(k: 10, minSize: 20).regionCount, 1)
    }

    func testLargerKGivesFewerRegionsOnNoise() {
        var rng = SeededGenerator(seed: 7)
        let w = 48, h = 32
        let pixels = (0..<(3 * w * h)).map { _ in Float(rng.next() % 256) }
        let graph = GraphSegmentation(ColorSpace.rgb.convert(Image(width: w, height: h, pixels: pixels)))
        let counts = [10, 100, 1000].map { graph.segment(k: Float($0), minSize: 1).regionCount }
        XCTAssertGreaterThan(counts[0], counts[1])
        XCTAssertGreaterThan(counts[1], counts[2])
        // Labels are dense.
        let seg = graph.segment(k: 100, minSize: 5)
        XCTAssertEqual(Set(seg.labels).count, seg.regionCount)
        XCTAssertEqual(seg.labels.max().map { Int($0) + 1 }, seg.regionCount)
    }

    func testRadixSortOrdersByWeightAndKeepsPayloadOrder() {
        let weights: [Float] = [3.5, 0, 1.25, 3.5, 200, 0.001, 1.25]
        var keys = weights.enumerated().map { UInt64($0.element.bitPattern) << 32 | UInt64($0.offset) }
        GraphSegmentation.radixSortUpper32(&keys)
        XCTAssertEqual(keys.map { Int($0 & 0xFFFF_FFFF) }, [1, 5, 2, 6, 0, 3, 4])
    }

    func testGaussianDerivativeOfARampIsItsSlope() {
        let w = 32, h = 8
        let ramp = (0..<(w * h)).map { Float(2 * ($0 % w)) }
        var out = [Float](repeating: 0, count: w * h)
        let d = GaussianFilter.derivativeKernel(sigma: 1)
        ramp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                d.withUnsafeBufferPointer { k in
                    GaussianFilter.convolveRows(src.baseAddress!, dst.baseAddress!, width: w, height: h, half: k, odd: true)
                }
            }
        }
        for x in 5..<(w - 5) { XCTAssertEqual(out[3 * w + x], 2, accuracy: 0.02) }
        // Smoothing preserves a constant.
        let flat = ColorPlanes(width: 9, height: 7, channels: 1, values: [Float](repeating: 42, count: 63))
        for v in GaussianFilter.smooth(flat, sigma: 0.8).values { XCTAssertEqual(v, 42, accuracy: 1e-4) }
    }
}
