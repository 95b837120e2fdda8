import Boxes
import NeuralNet
import Foundation

/// Boxes proposed by the region proposal network for one image, best first,
/// with their objectness probabilities.
public struct RPNProposals: Sendable, Equatable {
    public var boxes: [Box]
    public var scores: [Float]

    public init(boxes: [Box], scores: [Float]) {
        self.boxes = boxes
        self.scores = scores
    }
}

/// Turns the RPN's per-anchor objectness and box deltas into region proposals:
/// decode the deltas against the anchors, clip to the image, drop boxes smaller
/// than `minSize`, keep the `preNMSTopN` highest-scoring, suppress overlaps
/// above `nmsThreshold`, and return at most `postNMSTopN`.
///
/// The order is py-faster-rcnn's (small boxes are removed before the top-k cut,
/// so they never take a place in it); torchvision cuts first. Faster R-CNN's
/// numbers are the defaults: 12000/2000 in training, 6000/300 at test time.
/// `minSize` defaults to torchvision's 1e-3, which only drops empty boxes;
/// py-faster-rcnn used 16 pixels at the network's input scale.
public struct ProposalLayer: Sendable, Equatable {
    public var preNMSTopN: Int
    public var postNMSTopN: Int
    public var nmsThreshold: Float
    public var minSize: Float
    public var boxCoder: BoxCoder

    public init(preNMSTopN: Int, postNMSTopN: Int, nmsThreshold: Float, minSize: Float, boxCoder: BoxCoder) {
        self.preNMSTopN = preNMSTopN
        self.postNMSTopN = postNMSTopN
        self.nmsThreshold = nmsThreshold
        self.minSize = minSize
        self.boxCoder = boxCoder
    }


    /// Proposals of one image. `objectness` holds one logit per anchor and
    /// `deltas` four values per anchor, both in anchor order (see
    /// `AnchorGenerator`); the image size is the network input's.
    public func propose(objectness: [Float], deltas: [Float], anchors: [Box],
                        imageWidth: Float, imageHeight: Float) throws -> RPNProposals {
        let (candidates, candidateScores) = try topCandidates(objectness: objectness, deltas: deltas, anchors: anchors,
                                                              imageWidth: imageWidth, imageHeight: imageHeight)
        let survivors = nms(boxes: candidates, scores: candidateScores,
                            iouThreshold: nmsThreshold, maxOutput: postNMSTopN)
        return RPNProposals(boxes: survivors.map { candidates[$0] },
                            scores: survivors.map { Self.sigmoid(candidateScores[$0]) })
    }

    /// Proposals of one image from the anchors of several pyramid levels
    /// (FPN): the `preNMSTopN` best of each level, suppressed within their
    /// level, and the `postNMSTopN` best of all levels (torchvision's and
    /// detectron2's multi-level RPN). Each level's values are in its anchor order.
    public func propose(levels: [(objectness: [Float], deltas: [Float], anchors: [Box])],
                        imageWidth: Float, imageHeight: Float) throws -> RPNProposals {
        if levels.count == 1, let only = levels.first {
            return try propose(objectness: only.objectness, deltas: only.deltas, anchors: only.anchors,
                               imageWidth: imageWidth, imageHeight: imageHeight)
        }
        var boxes: [Box] = [], scores: [Float] = [], levelOf: [Int] = []
        for (l, level) in levels.enumerated() {
            let (b, s) = try topCandidates(objectness: level.objectness, deltas: level.deltas, anchors: level.anchors,
                                           imageWidth: imageWidth, imageHeight: imageHeight)
            boxes += b; scores += s
            levelOf += [Int](repeating: l, count: b.count)
        }
        let survivors = batchedNMS(boxes: boxes, scores: scores, classes: levelOf,
                                   iouThreshold: nmsThreshold, maxOutput: postNMSTopN)
        return RPNProposals(boxes: survivors.map { boxes[$0] }, scores: survivors.map { Self.sigmoid(scores[$0]) })
    }

    /// Decoded, clipped boxes without the small ones, the `preNMSTopN` best
    /// first, with their logits.
    private func topCandidates(objectness: [Float], deltas: [Float], anchors: [Box],
                               imageWidth: Float, imageHeight: Float) throws -> (boxes: [Box], scores: [Float]) {
        guard objectness.count == anchors.count else {
            throw RPNError.sizeMismatch(stage: "proposal layer", what: "objectness",
                                        expected: anchors.count, got: objectness.count)
        }
        guard deltas.count == anchors.count * 4 else {
            throw RPNError.sizeMismatch(stage: "proposal layer", what: "box deltas",
                                        expected: anchors.count * 4, got: deltas.count)
        }
        guard preNMSTopN >= 0, postNMSTopN >= 0, minSize >= 0 else {
            throw RPNError.invalidParameter(
                "proposal layer: preNMSTopN \(preNMSTopN), postNMSTopN \(postNMSTopN), minSize \(minSize)")
        }
        var boxes = boxCoder.decode(deltas, relativeTo: anchors)
        clipBoxes(&boxes, width: imageWidth, height: imageHeight)
        // Non-finite deltas decode to NaN boxes, whose size comparisons fail:
        // they leave here together with the small ones.
        let kept = removeSmallBoxes(boxes, minSize: minSize)
        var keptScores = [Float](repeating: 0, count: kept.count)
        for (k, i) in kept.enumerated() { keptScores[k] = objectness[i] }

        var top = descendingScoreOrder(keptScores)
        if top.count > preNMSTopN { top.removeLast(top.count - preNMSTopN) }
        return (top.map { boxes[kept[$0]] }, top.map { keptScores[$0] })
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
