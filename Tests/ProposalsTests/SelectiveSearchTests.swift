import Boxes
import Imaging
import XCTest
@testable import Proposals

final class SelectiveSearchTests: XCTestCase {
    /// A textured image: smooth gradients plus noise, with a few painted shapes,
    /// so segmentation gives many irregular regions.
    static func texturedImage(width: Int, height: Int, seed: UInt64) -> Image {
        var rng = SeededGenerator(seed: seed)
        var image = Image(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let blob = (x / 17 + y / 13) % 3
                for c in 0..<3 {
                    let base = Float((x * (c + 1) + y * (3 - c)) % 160) + Float(blob * 30)
                    image[c, y, x] = min(255, base + Float(rng.next() % 40))
                }
            }
        }
        return image
    }

    /// Histograms of merged regions, built by size-weighted combination, equal
    /// the histograms counted afresh over the merged region's pixels.
    func testMergedHistogramsEqualRecomputedOnes() {
        let image = Self.texturedImage(width: 72, height: 56, seed: 11)
        let planes = ColorSpace.hsv.convert(image)
        let bins = PixelBins(planes)
        let seg = GraphSegmentation(planes).segment(k: 50, minSize: 10)
        let initial = RegionFeatures(seg, bins: bins)
        XCTAssertGreaterThan(initial.count, 10)
        let h = HierarchicalGrouping.group(initial, measures: .all)
        XCTAssertEqual(h.regions.count, 2 * initial.count - 1)

        // ancestor[r] for every initial region, advanced merge by merge.
        var owner = Array(0..<Int32(initial.count))
        let cd = initial.colourDimensions, td = initial.textureDimensions
        let checked = Set(stride(from: 0, to: h.merges.count, by: max(1, h.merges.count / 12)))
        for (i, (a, b)) in h.merges.enumerated() {
            let t = Int32(initial.count + i)
            for r in owner.indices where owner[r] == a || owner[r] == b { owner[r] = t }
            guard checked.contains(i) else { continue }
            // Relabel: pixels of t -> 0, others -> 1 (or only 0 when t is everything).
            let inside = seg.labels.map { owner[Int($0)] == t }
            let all = !inside.contains(false)
            let labels = inside.map { $0 ? Int32(0) : Int32(1) }
            let two = Segmentation(width: seg.width, height: seg.height, labels: labels, regionCount: all ? 1 : 2)
            let fresh = RegionFeatures(two, bins: bins)
            XCTAssertEqual(fresh.sizes[0], h.regions.sizes[Int(t)])
            XCTAssertEqual(Array(fresh.boxes[0..<4]), Array(h.regions.boxes[(4 * Int(t))..<(4 * Int(t) + 4)]))
            for j in 0..<cd {
                XCTAssertEqual(fresh.colour[j], h.regions.colour[Int(t) * cd + j], accuracy: 1e-5)
            }
            for j in 0..<td {
                XCTAssertEqual(fresh.texture[j], h.regions.texture[Int(t) * td + j], accuracy: 1e-5)
            }
        }
        // The last region is the whole image.
        let last = h.regions.count - 1
        XCTAssertEqual(h.regions.sizes[last], Float(72 * 56))
        XCTAssertEqual(Array(h.regions.boxes[(4 * last)...]), [0, 0, 72, 56])
    }

    func testRegionHistogramsAreNormalisedAndNeighboursSymmetricFree() {
        let image = Self.texturedImage(width: 40, height: 30, seed: 5)
        for space in ColorSpace.allCases {
            let planes = space.convert(image)
            let bins = PixelBins(planes)
            let f = RegionFeatures(GraphSegmentation(planes).segment(k: 100, minSize: 20), bins: bins)
            XCTAssertEqual(f.colourDimensions, space.channels * 25)
            XCTAssertEqual(f.textureDimensions, space.channels * 80)
            XCTAssertEqual(f.sizes.reduce(0, +), 1200)
            for r in 0..<f.count {
                XCTAssertEqual(f.colour[(r * f.colourDimensions)..<((r + 1) * f.colourDimensions)].reduce(0, +), 1, accuracy: 1e-4)
                XCTAssertEqual(f.texture[(r * f.textureDimensions)..<((r + 1) * f.textureDimensions)].reduce(0, +), 1, accuracy: 1e-4)
            }
            for (a, b) in f.neighbours { XCTAssertLessThan(a, b) }
            XCTAssertEqual(Set(f.neighbours.map { "\($0.0),\($0.1)" }).count, f.neighbours.count)
        }
    }

    /// Flat rectangles on a flat background are regions of their own, so their
    /// exact boxes (x2/y2 exclusive) are among the proposals.
    func testProposalsContainPaintedRectangles() {
        let image = GraphSegmentationTests.painted(width: 120, height: 90, background: (40, 120, 40), [
            (10, 10, 40, 50, 230, 30, 30),
            (60, 20, 110, 45, 30, 30, 230),
            (50, 60, 80, 85, 240, 240, 60),
        ])
        for mode in SelectiveSearch.Mode.allCases {
            let boxes = SelectiveSearch(mode: mode).proposals(for: image)
            for expected in [Box(x1: 10, y1: 10, x2: 40, y2: 50), Box(x1: 60, y1: 20, x2: 110, y2: 45),
                             Box(x1: 50, y1: 60, x2: 80, y2: 85)] {
                XCTAssertTrue(boxes.contains(expected), "\(mode): \(expected) missing from \(boxes)")
            }
            XCTAssertTrue(boxes.contains(Box(x1: 0, y1: 0, x2: 120, y2: 90)), "\(mode): whole image missing")
            XCTAssertEqual(Set(boxes).count, boxes.count, "\(mode): duplicates")
        }
    }

    func testRankingIsSeededFilteredAndCapped() {
        let image = Self.texturedImage(width: 96, height: 72, seed: 2)
        var search = SelectiveSearch(mode: .fast)
        let a = search.proposals(for: image)
        XCTAssertEqual(a, search.proposals(for: image), "same seed, same ranking")
        search.seed = 99
        let b = search.proposals(for: image)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(Set(a), Set(b), "the seed only reorders")
        XCTAssertTrue(a.allSatisfy { $0.width >= 20 && $0.height >= 20 })
        XCTAssertGreaterThan(a.count, 10)
        search.maxBoxes = 10
        XCTAssertEqual(search.proposals(for: image), Array(b.prefix(10)))
        search.minSide = 40
        XCTAssertTrue(search.proposals(for: image).allSatisfy { $0.width >= 40 && $0.height >= 40 })
        // Large regions come first on average: the rank grows with depth in the hierarchy.
        let firstHalf = a.prefix(a.count / 2).map(\.area).reduce(0, +)
        let secondHalf = a.suffix(a.count / 2).map(\.area).reduce(0, +)
        XCTAssertGreaterThan(firstHalf, secondHalf)
    }

    func testDownscaledSearchMapsBoxesBack() {
        let image = GraphSegmentationTests.painted(width: 400, height: 200, background: (30, 30, 30), [
            (100, 40, 220, 160, 220, 200, 40),
        ])
        var search = SelectiveSearch(mode: .single)
        search.maxSide = 100
        let boxes = search.proposals(for: image)
        XCTAssertTrue(boxes.allSatisfy { $0.x1 >= 0 && $0.y1 >= 0 && $0.x2 <= 400 && $0.y2 <= 200 })
        let target = Box(x1: 100, y1: 40, x2: 220, y2: 160)
        XCTAssertTrue(boxes.contains { abs($0.x1 - target.x1) <= 4 && abs($0.y1 - target.y1) <= 4
                                      && abs($0.x2 - target.x2) <= 4 && abs($0.y2 - target.y2) <= 4 },
                      "\(boxes)")
        let small = SelectiveSearch.downscaled(image, maxSide: 100)
        XCTAssertEqual(small.width, 100)
        XCTAssertEqual(small.height, 50)
        // Area averaging of a flat area keeps its value.
        XCTAssertEqual(small[0, 25, 40], 220, accuracy: 1e-3)
    }

    /// The minimum side is in the input image's pixels: a 32 px square of a
    /// 400 px image searched at 100 px (8 px there) is kept with minSide 20,
    /// and nothing under 20 input pixels is.
    func testMinimumSideIsInInputPixelsWhenDownscaled() {
        let image = GraphSegmentationTests.painted(width: 400, height: 200, background: (30, 30, 30), [
            (100, 40, 220, 160, 220, 200, 40),
            (300, 60, 332, 92, 40, 90, 230),
        ])
        var search = SelectiveSearch(strategies: [.init(colorSpace: .rgb, k: 10, minSize: 10, measures: .all)])
        search.maxSide = 100
        search.minSide = 20
        let boxes = search.proposals(for: image)
        XCTAssertTrue(boxes.allSatisfy { $0.width >= 20 && $0.height >= 20 }, "\(boxes)")
        XCTAssertTrue(boxes.contains { abs($0.x1 - 300) <= 4 && abs($0.y1 - 60) <= 4
                                      && abs($0.x2 - 332) <= 4 && abs($0.y2 - 92) <= 4 }, "\(boxes)")
        search.minSide = 40
        XCTAssertFalse(search.proposals(for: image).contains { $0.width < 40 || $0.height < 40 })
    }

    func testTinyAndOutOfRangeImagesDoNotCrash() {
        for (w, h) in [(1, 1), (1, 7), (7, 1), (3, 2), (25, 21)] {
            var pixels = (0..<(3 * w * h)).map { Float(($0 * 37) % 300) - 20 }
            pixels[0] = .nan
            let image = Image(width: w, height: h, pixels: pixels)
            for mode in SelectiveSearch.Mode.allCases {
                var search = SelectiveSearch(mode: mode)
                search.minSide = 1
                let boxes = search.proposals(for: image)
                XCTAssertTrue(boxes.contains(Box(x1: 0, y1: 0, x2: Float(w), y2: Float(h))), "\(w)x\(h) \(mode)")
                XCTAssertTrue(boxes.allSatisfy { $0.x1 >= 0 && $0.y1 >= 0 && $0.x2 <= Float(w) && $0.y2 <= Float(h) })
            }
        }
    }
}
