import Boxes
import NeuralNet
import Randomness

/// Faster R-CNN's region proposal network (Ren et al. 2015): a 3×3 convolution
/// over the backbone features, then two sibling 1×1 convolutions giving, per
/// feature-map cell, an objectness logit and four box deltas for each of its A
/// anchors. Parameter names are torchvision's (`rpn.head.conv.0.0.weight`,
/// `rpn.head.cls_logits.weight`, `rpn.head.bbox_pred.weight`).
public final class RegionProposalNetwork {
    public let conv: Conv2d
    public let clsLogits: Conv2d
    public let bboxPred: Conv2d
    /// One per feature map, finest first: its stride and its share of the anchor sizes.
    public let anchorGenerators: [AnchorGenerator]
    /// The head as applied to each map: level 0's convolutions are the ones
    /// above; the others share their parameters (the FPN paper's shared head).
    let levelHeads: [(conv: Conv2d, relu: ReLU, cls: Conv2d, bbox: Conv2d)]
    public let anchorTargets: AnchorTargets
    public var trainingLayer: ProposalLayer
    public var testingLayer: ProposalLayer

    /// The head's outputs for one image, per feature map, and the anchors they refer to.
    public struct Output {
        /// `[1, A, h, w]` per map
        public var objectness: [Tensor]
        /// `[1, 4A, h, w]` per map
        public var deltas: [Tensor]
        /// Every map's anchors, finest map first.
        public var anchors: [Box]
    }

    public struct Loss {
        public var objectness: Float
        public var boxRegression: Float
        /// d(loss)/d(objectness) and d(loss)/d(deltas), per map, for `backward`.
        public var gradObjectness: [Tensor]
        public var gradDeltas: [Tensor]
    }

    /// Assembled from finished parts, as torchvision's: one anchor generator per
    /// feature map `forward` will get (finest first; `AnchorGenerator.levels`
    /// splits a list of sizes over them), the head's width, the anchor targets
    /// for training, and the proposal layers for training and detection.
    public init(anchorGenerators: [AnchorGenerator], inChannels: Int, channels: Int, anchorTargets: AnchorTargets,
                trainingLayer: ProposalLayer, testingLayer: ProposalLayer) throws {
        guard let first = anchorGenerators.first else { throw RPNError.invalidParameter("the RPN needs at least one feature map") }
        // One head serves every map, so every map has as many anchors per location.
        guard anchorGenerators.allSatisfy({ $0.anchorsPerLocation == first.anchorsPerLocation }) else {
            throw RPNError.invalidParameter("the RPN's feature maps have different numbers of anchors per location: "
                                            + anchorGenerators.map { "\($0.anchorsPerLocation)" }.joined(separator: ", "))
        }
        guard inChannels > 0, channels > 0 else {
            throw RPNError.invalidParameter("the RPN head needs positive channels, got \(inChannels) in and \(channels) wide")
        }
        self.anchorGenerators = anchorGenerators
        let a = first.anchorsPerLocation
        let conv = Conv2d(inChannels, channels, kernel: 3, padding: 1).named("rpn.head.conv.0.0")
        let clsLogits = Conv2d(channels, a, kernel: 1).named("rpn.head.cls_logits")
        let bboxPred = Conv2d(channels, 4 * a, kernel: 1).named("rpn.head.bbox_pred")
        (self.conv, self.clsLogits, self.bboxPred) = (conv, clsLogits, bboxPred)
        levelHeads = anchorGenerators.indices.map { l in
            l == 0 ? (conv, ReLU(), clsLogits, bboxPred)
                : (conv.sharingParameters(), ReLU(), clsLogits.sharingParameters(), bboxPred.sharingParameters())
        }
        self.anchorTargets = anchorTargets
        self.trainingLayer = trainingLayer
        self.testingLayer = testingLayer
    }

    public var parameters: [Parameter] {
        conv.parameters + clsLogits.parameters + bboxPred.parameters
    }

    /// Initialisation of the paper: N(0, 0.01²) weights, zero biases.
    public func initialise(using rng: inout SeededGenerator) {
        for layer in [conv, clsLogits, bboxPred] {
            Initialisation.gaussian(layer.weight, std: 0.01, using: &rng)
            if let bias = layer.bias { Initialisation.zero(bias) }
        }
    }

    /// The head on each of `features` (one map per stride given at init).
    public func forward(_ features: [Tensor]) throws -> Output {
        guard features.count == levelHeads.count else {
            throw RPNError.sizeMismatch(stage: "rpn", what: "the feature maps", expected: levelHeads.count, got: features.count)
        }
        var out = Output(objectness: [], deltas: [], anchors: [])
        for (l, map) in features.enumerated() {
            let head = levelHeads[l]
            let t = try head.relu.forward(head.conv.forward(map))
            out.objectness.append(try head.cls.forward(t))
            out.deltas.append(try head.bbox.forward(t))
            out.anchors += try anchorGenerators[l].anchors(for: map)
        }
        return out
    }

    /// Each map's values in anchor order, with its anchors.
    private func levels(_ out: Output) throws -> [(objectness: [Float], deltas: [Float], anchors: [Box])] {
        var start = 0
        return try anchorGenerators.enumerated().map { l, generator in
            let count = out.objectness[l].shape[2] * out.objectness[l].shape[3] * generator.anchorsPerLocation
            defer { start += count }
            return (try generator.flattenObjectness(out.objectness[l]), try generator.flattenDeltas(out.deltas[l]),
                    Array(out.anchors[start..<(start + count)]))
        }
    }

    /// Proposals for an image of the given (network input) size.
    public func propose(_ out: Output, imageWidth: Float, imageHeight: Float, training: Bool) throws -> RPNProposals {
        let layer = training ? trainingLayer : testingLayer
        return try layer.propose(levels: levels(out), imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// The RPN's two losses (torchvision's recipe), over the anchors of every
    /// map together: binary cross-entropy over the sampled anchors, and smooth
    /// L1 (β = 1/9) over the positive anchors' deltas divided by the number of
    /// sampled anchors.
    public func loss(_ out: Output, groundTruth: [Box], imageWidth: Float, imageHeight: Float,
                     using rng: inout SeededGenerator) throws -> Loss {
        let assignment = anchorTargets.assign(anchors: out.anchors, groundTruth: groundTruth,
                                              imageWidth: imageWidth, imageHeight: imageHeight, using: &rng)
        let perLevel = try levels(out)
        let logits = perLevel.count == 1 ? perLevel[0].objectness : perLevel.flatMap(\.objectness)
        let deltas = perLevel.count == 1 ? perLevel[0].deltas : perLevel.flatMap(\.deltas)
        let sampled = assignment.positive + assignment.negative
        var gradLogits = [Float](repeating: 0, count: logits.count)
        var gradDeltas = [Float](repeating: 0, count: deltas.count)
        var objectnessLoss: Float = 0, boxLoss: Float = 0
        if !sampled.isEmpty {
            let x = Tensor(shape: [sampled.count], data: sampled.map { logits[$0] })
            let t = Tensor(shape: [sampled.count], data: sampled.map { assignment.labels[$0] >= 1 ? 1 : 0 })
            let bce = try BinaryCrossEntropyWithLogitsLoss(reduction: .mean)(logits: x, targets: t)
            objectnessLoss = bce.value
            for (k, i) in sampled.enumerated() { gradLogits[i] = bce.gradient.data[k] }
        }
        if !assignment.positive.isEmpty {
            let p = assignment.positive
            var pred = [Float](), target = [Float]()
            pred.reserveCapacity(4 * p.count); target.reserveCapacity(4 * p.count)
            for i in p {
                for k in 0..<4 {
                    pred.append(deltas[4 * i + k])
                    target.append(assignment.regressionTargets[4 * i + k])
                }
            }
            let l1 = try SmoothL1Loss(beta: 1.0 / 9, reduction: .sumDividedBy(Float(sampled.count)))(
                input: Tensor(shape: [p.count, 4], data: pred), target: Tensor(shape: [p.count, 4], data: target))
            boxLoss = l1.value
            for (k, i) in p.enumerated() {
                for c in 0..<4 { gradDeltas[4 * i + c] = l1.gradient.data[4 * k + c] }
            }
        }
        var loss = Loss(objectness: objectnessLoss, boxRegression: boxLoss, gradObjectness: [], gradDeltas: [])
        var start = 0
        for (l, generator) in anchorGenerators.enumerated() {
            let a = generator.anchorsPerLocation
            let h = out.objectness[l].shape[2], w = out.objectness[l].shape[3], count = h * w * a
            let gObj = try generator.unflatten(Array(gradLogits[start..<(start + count)]), valuesPerAnchor: 1,
                                               featureHeight: h, featureWidth: w)
            let gDel = try generator.unflatten(Array(gradDeltas[(4 * start)..<(4 * (start + count))]), valuesPerAnchor: 4,
                                               featureHeight: h, featureWidth: w)
            loss.gradObjectness.append(Tensor(shape: [1, a, h, w], data: gObj))
            loss.gradDeltas.append(Tensor(shape: [1, 4 * a, h, w], data: gDel))
            start += count
        }
        return loss
    }

    /// Back-propagates the loss gradients; returns the gradient w.r.t. each feature map.
    public func backward(_ loss: Loss) throws -> [Tensor] {
        try levelHeads.enumerated().map { l, head in
            var g = try head.cls.backward(loss.gradObjectness[l])
            try g.add(head.bbox.backward(loss.gradDeltas[l]))
            return try head.conv.backward(head.relu.backward(g))
        }
    }
}
