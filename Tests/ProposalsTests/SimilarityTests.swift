import Boxes
import Imaging
import XCTest
@testable import Proposals

final class SimilarityTests: XCTestCase {
    func testHistogramIntersection() {
        let a: [Float] = [0.5, 0.3, 0.2, 0, 0]
        let b: [Float] = [0.1, 0.6, 0.3, 0, 0]
        let s = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                SimilarityMeasures.intersection(pa.baseAddress!, pb.baseAddress!, count: 5)
            }
        }
        XCTAssertEqual(s, 0.1 + 0.3 + 0.2, accuracy: 1e-6)
        // Identical L1-normalised histograms intersect to 1.
        let one = a.withUnsafeBufferPointer { SimilarityMeasures.intersection($0.baseAddress!, $0.baseAddress!, count: 5) }
        XCTAssertEqual(one, 1, accuracy: 1e-6)
    }

    func testSizeAndFill() {
        XCTAssertEqual(SimilarityMeasures.size(10, 20, imageSize: 100), 0.7, accuracy: 1e-6)
        // Two 2x2 squares at x 0..<2 and 3..<5: union box 5x2 = 10 pixels, 2 of them in neither.
        XCTAssertEqual(SimilarityMeasures.fill(4, 4, unionBoxArea: 10, imageSize: 100), 0.98, accuracy: 1e-6)
    }

    /// Three regions in a row on a 10x1 image, features chosen by hand so each
    /// measure alone picks a different first merge.
    func testEachMeasureDrivesTheFirstMerge() {
        // Region 0: x 0..<2 (2 px), region 1: x 2..<5 (3 px), region 2: x 5..<10 (5 px).
        // Colour: 0 and 1 are identical, 1 and 2 share 0.2. Texture: 1 and 2 identical, 0 and 1 share 0.1.
        let features = RegionFeatures(
            imageSize: 10, colourDimensions: 2, textureDimensions: 2,
            sizes: [2, 3, 5], boxes: [0, 0, 2, 1, 2, 0, 5, 1, 5, 0, 10, 1],
            colour: [1, 0, 1, 0, 0.2, 0.8], texture: [0.1, 0.9, 1, 0, 1, 0],
            neighbours: [(0, 1), (1, 2)])
        XCTAssertTrue(HierarchicalGrouping.group(features, measures: .colour).merges[0] == (0, 1))
        XCTAssertTrue(HierarchicalGrouping.group(features, measures: .texture).merges[0] == (1, 2))
        // Size: 1 - 5/10 = 0.5 for (0, 1) against 1 - 8/10 = 0.2 for (1, 2).
        XCTAssertTrue(HierarchicalGrouping.group(features, measures: .size).merges[0] == (0, 1))

        // Colour + texture + size: (0,1) = 1 + 0.1 + 0.5 = 1.6; (1,2) = 0.2 + 1 + 0.2 = 1.4.
        let all = HierarchicalGrouping.group(features, measures: [.colour, .texture, .size])
        XCTAssertTrue(all.merges[0] == (0, 1))
        // The merged region (id 3) has size-weighted histograms and the union box.
        XCTAssertEqual(all.regions.sizes[3], 5)
        XCTAssertEqual(Array(all.regions.boxes[12..<16]), [0, 0, 5, 1])
        XCTAssertEqual(all.regions.colour[6], 1, accuracy: 1e-6)
        XCTAssertEqual(all.regions.texture[6], 0.4 * 0.1 + 0.6 * 1, accuracy: 1e-6)
        XCTAssertEqual(Set([all.merges[1].0, all.merges[1].1]), [2, 3])
        XCTAssertEqual(all.regions.count, 5)
        XCTAssertEqual(Array(all.regions.boxes[16..<20]), [0, 0, 10, 1])
    }

    func testFillPrefersPairsThatFillTheirBox() {
        // A 4x4 image. Region 0: the left column (4 px), region 1: the rest of the top
        // row (3 px), region 2: the remaining 3x3 block (9 px). fill(0,1) = 1 - 9/16,
        // fill(0,2) = 1 - 3/16, fill(1,2) = 1: their union is exactly its box.
        let features = RegionFeatures(
            imageSize: 16, colourDimensions: 1, textureDimensions: 1,
            sizes: [4, 3, 9], boxes: [0, 0, 1, 4, 1, 0, 4, 1, 1, 1, 4, 4],
            colour: [1, 1, 1], texture: [1, 1, 1], neighbours: [(0, 1), (0, 2), (1, 2)])
        let h = HierarchicalGrouping.group(features, measures: .fill)
        XCTAssertTrue(h.merges[0] == (1, 2))
    }

    func testColourSpaceConversions() {
        let red = Image(width: 1, height: 1, fill: (255, 0, 0))
        XCTAssertEqual(ColorSpace.hsv.convert(red).values, [0, 255, 255])
        let cyan = Image(width: 1, height: 1, fill: (0, 255, 255))
        XCTAssertEqual(ColorSpace.hue.convert(cyan).values[0], 90, accuracy: 1e-3)   // 180° in 2° steps
        let orange = ColorSpace.hsv.convert(Image(width: 1, height: 1, fill: (200, 100, 50))).values
        XCTAssertEqual(orange[0], 10, accuracy: 1e-3)   // 20°
        XCTAssertEqual(orange[1], 255 * 150 / 200, accuracy: 1e-3)
        XCTAssertEqual(orange[2], 200, accuracy: 1e-3)
        let white = ColorSpace.lab.convert(Image(width: 1, height: 1, fill: (255, 255, 255))).values
        XCTAssertEqual(white[0], 255, accuracy: 0.5)
        XCTAssertEqual(white[1], 128, accuracy: 0.5)
        XCTAssertEqual(white[2], 128, accuracy: 0.5)
        // sRGB red is L* 53.24, a* 80.09, b* 67.20.
        let labRed = ColorSpace.lab.convert(red).values
        XCTAssertEqual(labRed[0], 53.24 * 2.55, accuracy: 0.5)
        XCTAssertEqual(labRed[1], 80.09 + 128, accuracy: 0.5)
        XCTAssertEqual(labRed[2], 67.20 + 128, accuracy: 0.5)
        let rgI = ColorSpace.rgI.convert(Image(width: 1, height: 1, fill: (30, 60, 90))).values
        XCTAssertEqual(rgI[0], 42.5, accuracy: 1e-3)
        XCTAssertEqual(rgI[1], 85, accuracy: 1e-3)
        XCTAssertEqual(rgI[2], 60, accuracy: 1e-3)
        XCTAssertEqual(ColorSpace.intensity.convert(Image(width: 1, height: 1, fill: (30, 60, 90))).values, [60])
    }

    func testHeapPopsInDescendingOrder() {
        var rng = SeededGenerator(seed: 3)
        var heap = SimilarityHeap(capacity: 0)
        var values: [Float] = []
        for i in 0..<500 {
            let v = Float(rng.next() % 1000) / 100
            values.append(v)
            heap.push(v, Int32(i), Int32(i + 1))
        }
        var popped: [Float] = []
        while let e = heap.pop() { popped.append(e.similarity) }
        XCTAssertEqual(popped, values.sorted(by: >))
    }
}
