import XCTest
import Boxes
import NeuralNet
@testable import Proposals

final class AnchorGeneratorTests: XCTestCase {
    func assertBox(_ a: Box, _ b: Box, accuracy: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.x1, b.x1, accuracy: accuracy, file: file, line: line)
        XCTAssertEqual(a.y1, b.y1, accuracy: accuracy, file: file, line: line)
        XCTAssertEqual(a.x2, b.x2, accuracy: accuracy, file: file, line: line)
        XCTAssertEqual(a.y2, b.y2, accuracy: accuracy, file: file, line: line)
    }

    func testTwoByTwoMapCentredInCells() throws {
        let g = try AnchorGenerator(sizes: [32], aspectRatios: [0.5, 1, 2], stride: 16)
        let anchors = g.anchors(featureHeight: 2, featureWidth: 2)
        XCTAssertEqual(g.anchorsPerLocation, 3)
        XCTAssertEqual(anchors.count, 12)
        // Cell (0, 0) is centred at (8, 8). Ratio 0.5 (h/w): w = 32/√0.5 = 45.2548,
        // h = 32·√0.5 = 22.6274.
        assertBox(anchors[0], Box(x1: 8 - 22.627417, y1: 8 - 11.3137085, x2: 8 + 22.627417, y2: 8 + 11.3137085))
        assertBox(anchors[1], Box(x1: -8, y1: -8, x2: 24, y2: 24))
        assertBox(anchors[2], Box(x1: 8 - 11.3137085, y1: 8 - 22.627417, x2: 8 + 11.3137085, y2: 8 + 22.627417))
        // Row-major locations: (x 1, y 0) centre (24, 8), (x 0, y 1) centre (8, 24), (1, 1) → (24, 24).
        assertBox(anchors[4], Box(x1: 8, y1: -8, x2: 40, y2: 24))
        assertBox(anchors[7], Box(x1: -8, y1: 8, x2: 24, y2: 40))
        assertBox(anchors[10], Box(x1: 8, y1: 8, x2: 40, y2: 40))
        assertBox(anchors[9], Box(x1: 24 - 22.627417, y1: 24 - 11.3137085, x2: 24 + 22.627417, y2: 24 + 11.3137085))
        for (i, a) in anchors.enumerated() {
            XCTAssertEqual(a.area, 1024, accuracy: 1e-2)
            XCTAssertEqual(a.height / a.width, [0.5, 1, 2][i % 3], accuracy: 1e-5)
        }
    }

    func testTorchvisionCentresAtCellCorner() throws {
        let g = try AnchorGenerator(sizes: [32], aspectRatios: [1], stride: 16, centerOffset: 0)
        let anchors = g.anchors(featureHeight: 2, featureWidth: 2)
        XCTAssertEqual(anchors, [Box(x1: -16, y1: -16, x2: 16, y2: 16), Box(x1: 0, y1: -16, x2: 32, y2: 16),
                                 Box(x1: -16, y1: 0, x2: 16, y2: 32), Box(x1: 0, y1: 0, x2: 32, y2: 32)])
        // Half a cell (8 px) away from our default.
        let ours = try AnchorGenerator(sizes: [32], aspectRatios: [1], stride: 16)
        XCTAssertEqual(ours.anchors(featureHeight: 2, featureWidth: 2).map { $0.offset(dx: -8, dy: -8) }, anchors)
    }

    func testSeveralSizesRatioMajorOrder() throws {
        let g = try AnchorGenerator(sizes: [32, 64], aspectRatios: [1, 4], stride: 8)
        XCTAssertEqual(g.cellAnchors, [Box(x1: -16, y1: -16, x2: 16, y2: 16), Box(x1: -32, y1: -32, x2: 32, y2: 32),
                                       Box(x1: -8, y1: -32, x2: 8, y2: 32), Box(x1: -16, y1: -64, x2: 16, y2: 64)])
        let anchors = try g.anchors(for: Tensor(zeros: [1, 5, 3, 2]))
        XCTAssertEqual(anchors.count, 3 * 2 * 4)
        // Location (x 1, y 2) starts at (2·2 + 1)·4; centre (12, 20).
        XCTAssertEqual(anchors[20], Box(x1: -4, y1: 4, x2: 28, y2: 36))
        XCTAssertEqual(g.anchors(featureHeight: 0, featureWidth: 5), [])
    }

    func testInvalidParametersThrow() {
        XCTAssertThrowsError(try AnchorGenerator(sizes: [], aspectRatios: [1], stride: 16))
        XCTAssertThrowsError(try AnchorGenerator(sizes: [32], aspectRatios: [0], stride: 16))
        XCTAssertThrowsError(try AnchorGenerator(sizes: [32], aspectRatios: [1], stride: -1))
        let g = try! AnchorGenerator()
        XCTAssertEqual(g.anchorsPerLocation, 9)
        XCTAssertThrowsError(try g.anchors(for: Tensor(zeros: [3, 4]))) { error in
            XCTAssertTrue("\(error)".contains("feature map"))
        }
        XCTAssertThrowsError(try g.flattenObjectness(Tensor(zeros: [1, 8, 2, 2])))
        XCTAssertThrowsError(try g.flattenObjectness(Tensor(zeros: [1, 9, 2, 2]), image: 1))
    }

    func testFlattenHeadOutputsToAnchorOrder() throws {
        let g = try AnchorGenerator(sizes: [32], aspectRatios: [0.5, 2], stride: 16)
        let a = 2, h = 2, w = 3
        // Image 1 of a batch of 2: values encode (anchor shape, coordinate, y, x).
        var logits = Tensor(zeros: [2, a, h, w])
        var deltas = Tensor(zeros: [2, 4 * a, h, w])
        for s in 0..<a { for y in 0..<h { for x in 0..<w {
            logits.data[((1 * a + s) * h + y) * w + x] = Float(100 * s + 10 * y + x)
            for k in 0..<4 {
                deltas.data[((1 * 4 * a + 4 * s + k) * h + y) * w + x] = Float(1000 * s + 100 * k + 10 * y + x)
            }
        } } }
        let flatLogits = try g.flattenObjectness(logits, image: 1)
        let flatDeltas = try g.flattenDeltas(deltas, image: 1)
        XCTAssertEqual(flatLogits.count, h * w * a)
        for y in 0..<h { for x in 0..<w { for s in 0..<a {
            let anchor = (y * w + x) * a + s
            XCTAssertEqual(flatLogits[anchor], Float(100 * s + 10 * y + x))
            for k in 0..<4 { XCTAssertEqual(flatDeltas[4 * anchor + k], Float(1000 * s + 100 * k + 10 * y + x)) }
        } } }
        XCTAssertEqual(try g.flattenObjectness(logits, image: 0), [Float](repeating: 0, count: h * w * a))
        // unflatten gives the head's layout back.
        XCTAssertEqual(try g.unflatten(flatDeltas, valuesPerAnchor: 4, featureHeight: h, featureWidth: w),
                       Array(deltas.data[(4 * a * h * w)...]))
        XCTAssertEqual(try g.unflatten(flatLogits, valuesPerAnchor: 1, featureHeight: h, featureWidth: w),
                       Array(logits.data[(a * h * w)...]))
        XCTAssertThrowsError(try g.unflatten(flatLogits, valuesPerAnchor: 4, featureHeight: h, featureWidth: w))
    }

    /// A pyramid's anchor sizes are split over its levels in order, the same
    /// number on each, every level with all the ratios and its own stride.
    func testLevelsSplitTheSizesInOrder() throws {
        let levels = try AnchorGenerator.levels(sizes: [16, 22, 32, 45, 64, 90], aspectRatios: [0.5, 1, 2], strides: [8, 16, 32])
        XCTAssertEqual(levels.map(\.sizes), [[16, 22], [32, 45], [64, 90]])
        XCTAssertEqual(levels.map(\.stride), [8, 16, 32])
        XCTAssertEqual(levels.map(\.anchorsPerLocation), [6, 6, 6])
        XCTAssertThrowsError(try AnchorGenerator.levels(sizes: [16, 32], aspectRatios: [1], strides: [8, 16, 32]))
        XCTAssertThrowsError(try AnchorGenerator.levels(sizes: [16], aspectRatios: [1], strides: []))
    }

    /// The RPN is assembled from finished parts; one head serves every level, so
    /// levels with different anchor counts per location are refused by name.
    func testRegionProposalNetworkFromPartsChecksItsLevels() throws {
        let coder = BoxCoder(weights: (1, 1, 1, 1))
        let targets = AnchorTargets(matcher: try Matcher(highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true),
                                    sampler: try BalancedSampler(batchSizePerImage: 256, positiveFraction: 0.5), boxCoder: coder)
        let layer = ProposalLayer(preNMSTopN: 100, postNMSTopN: 10, nmsThreshold: 0.7, minSize: 1, boxCoder: coder)
        let mixed = [try AnchorGenerator(sizes: [32], aspectRatios: [1], stride: 8),
                     try AnchorGenerator(sizes: [64, 128], aspectRatios: [1], stride: 16)]
        XCTAssertThrowsError(try RegionProposalNetwork(anchorGenerators: mixed, inChannels: 4, channels: 4, anchorTargets: targets,
                                                       trainingLayer: layer, testingLayer: layer)) { error in
            XCTAssertTrue("\(error)".contains("anchors per location"), "\(error)")
        }
        let rpn = try RegionProposalNetwork(anchorGenerators: try AnchorGenerator.levels(sizes: [32, 64], aspectRatios: [0.5, 1, 2],
                                                                                         strides: [8, 16]),
                                            inChannels: 4, channels: 6, anchorTargets: targets, trainingLayer: layer, testingLayer: layer)
        // Each level's output has A = 3 objectness maps and 4A deltas, on that level's grid.
        let out = try rpn.forward([Tensor(zeros: [1, 4, 8, 8]), Tensor(zeros: [1, 4, 4, 4])])
        XCTAssertEqual(out.objectness.map(\.shape), [[1, 3, 8, 8], [1, 3, 4, 4]])
        XCTAssertEqual(out.deltas.map(\.shape), [[1, 12, 8, 8], [1, 12, 4, 4]])
        XCTAssertEqual(out.anchors.count, 3 * (64 + 16))
        XCTAssertThrowsError(try rpn.forward([Tensor(zeros: [1, 4, 8, 8])]), "one map for two levels")
    }
}
