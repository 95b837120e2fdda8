import XCTest
import Foundation
import Boxes
import NeuralNet
@testable import Proposals

final class ProposalLayerTests: XCTestCase {
    /// Faster R-CNN's settings (pipelines/faster-rcnn.yaml): 12,000 → 2,000 when
    /// training, 6,000 → 300 at test, NMS 0.7, the RPN's box coder.
    let training = ProposalLayer(preNMSTopN: 12000, postNMSTopN: 2000, nmsThreshold: 0.7, minSize: 1e-3, boxCoder: BoxCoder(weights: (1, 1, 1, 1)))
    let testing = ProposalLayer(preNMSTopN: 6000, postNMSTopN: 300, nmsThreshold: 0.7, minSize: 1e-3, boxCoder: BoxCoder(weights: (1, 1, 1, 1)))

    let anchors = [Box(x1: 10, y1: 10, x2: 50, y2: 50),      // 0: logit 1, IoU 0.905 with 1
                   Box(x1: 12, y1: 10, x2: 52, y2: 50),      // 1: logit 3
                   Box(x1: 60, y1: 60, x2: 100, y2: 100),    // 2: logit 0
                   Box(x1: 90, y1: -20, x2: 130, y2: 20),    // 3: logit 2, clipped to (90, 0, 120, 20)
                   Box(x1: 5, y1: 80, x2: 5.5, y2: 90),      // 4: logit 5, half a pixel wide
                   Box(x1: 200, y1: 200, x2: 240, y2: 240)]  // 5: logit 4, outside the image
    let logits: [Float] = [1, 3, 0, 2, 5, 4]

    func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    func testHandComputedProposals() throws {
        let layer = ProposalLayer(preNMSTopN: 6000, postNMSTopN: 300, nmsThreshold: 0.7, minSize: 1, boxCoder: BoxCoder(weights: (1, 1, 1, 1)))
        let zero = [Float](repeating: 0, count: 24)
        let p = try layer.propose(objectness: logits, deltas: zero, anchors: anchors,
                                  imageWidth: 120, imageHeight: 100)
        XCTAssertEqual(p.boxes, [anchors[1], Box(x1: 90, y1: 0, x2: 120, y2: 20), anchors[2]])
        XCTAssertEqual(p.scores, [sigmoid(3), sigmoid(2), 0.5])
        // Caps before and after NMS.
        var capped = layer
        capped.postNMSTopN = 2
        XCTAssertEqual(try capped.propose(objectness: logits, deltas: zero, anchors: anchors,
                                          imageWidth: 120, imageHeight: 100).boxes.count, 2)
        capped = layer
        capped.preNMSTopN = 3  // anchors 1, 3, 0 → 0 suppressed by 1
        XCTAssertEqual(try capped.propose(objectness: logits, deltas: zero, anchors: anchors,
                                          imageWidth: 120, imageHeight: 100).boxes,
                       [anchors[1], Box(x1: 90, y1: 0, x2: 120, y2: 20)])
        // A looser NMS keeps anchor 0.
        capped = layer
        capped.nmsThreshold = 0.95
        XCTAssertEqual(try capped.propose(objectness: logits, deltas: zero, anchors: anchors,
                                          imageWidth: 120, imageHeight: 100).boxes.count, 4)
    }

    func testDeltasAreDecoded() throws {
        // dx 0.5 moves the centre half a width (30 → 50), dw log 2 doubles the width.
        var deltas = [Float](repeating: 0, count: 24)
        deltas[0] = 0.5; deltas[2] = Float(log(2.0))
        let layer = ProposalLayer(preNMSTopN: 6000, postNMSTopN: 300, nmsThreshold: 0.7, minSize: 1, boxCoder: BoxCoder(weights: (1, 1, 1, 1)))
        let p = try layer.propose(objectness: [10, -10, -10, -10, -10, -10], deltas: deltas, anchors: anchors,
                                  imageWidth: 200, imageHeight: 100)
        XCTAssertEqual(p.boxes[0].x1, 10, accuracy: 1e-4)
        XCTAssertEqual(p.boxes[0].x2, 90, accuracy: 1e-4)
        XCTAssertEqual(p.boxes[0].y1, 10, accuracy: 1e-4)
        XCTAssertEqual(p.boxes[0].y2, 50, accuracy: 1e-4)
        // Non-finite deltas drop the box instead of producing NaN proposals.
        deltas[0] = .nan
        let q = try layer.propose(objectness: [10, -10, -10, -10, -10, -10], deltas: deltas, anchors: anchors,
                                  imageWidth: 200, imageHeight: 100)
        XCTAssertFalse(q.boxes.contains(where: { $0.x1.isNaN || $0.x2.isNaN }))
        XCTAssertFalse(q.boxes.contains(anchors[0]))
    }

    func testImageWithNoObjects() throws {
        // An empty feature map has no anchors and no proposals.
        let empty = try testing.propose(objectness: [], deltas: [], anchors: [],
                                                      imageWidth: 100, imageHeight: 100)
        XCTAssertEqual(empty, RPNProposals(boxes: [], scores: []))
        // An RPN that sees nothing still ranks its anchors; every score is low.
        let gen = try AnchorGenerator(sizes: [64], aspectRatios: [1], stride: 16)
        let all = gen.anchors(featureHeight: 4, featureWidth: 4)
        let p = try testing.propose(objectness: [Float](repeating: -8, count: all.count),
                                                  deltas: [Float](repeating: 0, count: all.count * 4),
                                                  anchors: all, imageWidth: 64, imageHeight: 64)
        XCTAssertFalse(p.boxes.isEmpty)
        XCTAssertTrue(p.scores.allSatisfy { abs($0 - sigmoid(-8)) < 1e-6 })
        // Equal scores: NMS keeps the lowest anchor index first, the top-left anchor.
        XCTAssertEqual(p.boxes[0], all[0].clipped(width: 64, height: 64))
    }

    func testMismatchedInputsThrow() {
        XCTAssertThrowsError(try ProposalLayer(preNMSTopN: 6000, postNMSTopN: 300, nmsThreshold: 0.7, minSize: 1e-3, boxCoder: BoxCoder(weights: (1, 1, 1, 1))).propose(objectness: [1, 2], deltas: [Float](repeating: 0, count: 24),
                                                         anchors: anchors, imageWidth: 10, imageHeight: 10)) {
            XCTAssertTrue("\($0)".contains("objectness"))
        }
        XCTAssertThrowsError(try ProposalLayer(preNMSTopN: 6000, postNMSTopN: 300, nmsThreshold: 0.7, minSize: 1e-3, boxCoder: BoxCoder(weights: (1, 1, 1, 1))).propose(objectness: logits, deltas: [0, 0, 0],
                                                         anchors: anchors, imageWidth: 10, imageHeight: 10)) {
            XCTAssertTrue("\($0)".contains("box deltas"))
        }
    }

    /// The head's outputs for a batch of two realistic images, each image's
    /// slice flattened in anchor order as the RPN does.
    func testRealisticSizesFromBatchedHeadOutputs() throws {
        let gen = try AnchorGenerator(sizes: [32, 64, 128], aspectRatios: [0.5, 1, 2], stride: 16)
        let (h, w, a) = (30, 40, gen.anchorsPerLocation)
        var rng = SeededGenerator(seed: 17)
        var logits = Tensor(zeros: [2, a, h, w]), deltas = Tensor(zeros: [2, 4 * a, h, w])
        for i in logits.data.indices { logits.data[i] = rng.nextUnitFloat() * 8 - 4 }
        for i in deltas.data.indices { deltas.data[i] = (rng.nextUnitFloat() - 0.5) * 0.6 }
        let sizes: [(width: Float, height: Float)] = [(640, 480), (600, 470)]
        let all = gen.anchors(featureHeight: h, featureWidth: w)
        XCTAssertEqual(try gen.anchors(for: logits), all)
        for layer in [training, testing] {
            let batch = try sizes.indices.map { n in
                try layer.propose(objectness: gen.flattenObjectness(logits, image: n),
                                  deltas: gen.flattenDeltas(deltas, image: n), anchors: all,
                                  imageWidth: sizes[n].width, imageHeight: sizes[n].height)
            }
            for (n, p) in batch.enumerated() {
                XCTAssertGreaterThan(p.boxes.count, 0)
                XCTAssertLessThanOrEqual(p.boxes.count, layer.postNMSTopN)
                XCTAssertEqual(zip(p.scores, p.scores.dropFirst()).allSatisfy { $0 >= $1 }, true)
                for b in p.boxes {
                    XCTAssertTrue(b.x1 >= 0 && b.y1 >= 0 && b.x2 <= sizes[n].width && b.y2 <= sizes[n].height)
                    XCTAssertGreaterThanOrEqual(min(b.width, b.height), layer.minSize)
                }
                let m = iouMatrix(p.boxes, p.boxes)
                var worst: Float = 0
                for i in p.boxes.indices { for j in p.boxes.indices where j != i {
                    worst = max(worst, m[i * p.boxes.count + j])
                } }
                XCTAssertLessThanOrEqual(worst, 0.7 + 1e-6)
            }
            XCTAssertEqual(batch[0].boxes.count, layer.postNMSTopN)
        }
    }
}
