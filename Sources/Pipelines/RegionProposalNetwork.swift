import Boxes
import NeuralNet
import Proposals

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
        var gradObjectness: [Tensor]
        var gradDeltas: [Tensor]
    }

    /// `strides`: of the maps `forward` will get, finest first. With several
    /// maps `config.anchorSizes` is split over them in order, the same number
    /// of sizes on each.
    public init(config: PipelineConfig.RPNConfig, inChannels: Int, strides: [Int]) throws {
        guard !strides.isEmpty, config.anchorSizes.count % strides.count == 0 else {
            throw PipelineError.other("rpn.anchor_sizes: \(config.anchorSizes.count) sizes do not split over \(strides.count) feature maps")
        }
        let perLevel = config.anchorSizes.count / strides.count
        anchorGenerators = try strides.enumerated().map { l, stride in
            try AnchorGenerator(sizes: Array(config.anchorSizes[(l * perLevel)..<((l + 1) * perLevel)]),
                                aspectRatios: config.aspectRatios, stride: Float(stride))
        }
        let a = anchorGenerators[0].anchorsPerLocation
        let conv = Conv2d(inChannels, config.channels, kernel: 3, padding: 1).named("rpn.head.conv.0.0")
        let clsLogits = Conv2d(config.channels, a, kernel: 1).named("rpn.head.cls_logits")
        let bboxPred = Conv2d(config.channels, 4 * a, kernel: 1).named("rpn.head.bbox_pred")
        (self.conv, self.clsLogits, self.bboxPred) = (conv, clsLogits, bboxPred)
        levelHeads = strides.indices.map { l in
            l == 0 ? (conv, ReLU(), clsLogits, bboxPred)
                : (conv.sharingParameters(), ReLU(), clsLogits.sharingParameters(), bboxPred.sharingParameters())
        }
        let w = config.boxCoderWeights
        let coder = BoxCoder(weights: (w[0], w[1], w[2], w[3]))
        anchorTargets = AnchorTargets(
            matcher: try Matcher(highThreshold: config.fgIouThreshold, lowThreshold: config.bgIouThreshold,
                                 allowLowQualityMatches: true),
            sampler: try BalancedSampler(batchSizePerImage: config.batchSizePerImage,
                                         positiveFraction: config.positiveFraction),
            boxCoder: coder)
        trainingLayer = ProposalLayer(preNMSTopN: config.preNmsTopNTrain, postNMSTopN: config.postNmsTopNTrain,
                                      nmsThreshold: config.nmsThreshold, minSize: config.minSize, boxCoder: coder)
        testingLayer = ProposalLayer(preNMSTopN: config.preNmsTopNTest, postNMSTopN: config.postNmsTopNTest,
                                     nmsThreshold: config.nmsThreshold, minSize: config.minSize, boxCoder: coder)
    }

    public var parameters: [Parameter] {
        conv.parameters + clsLogits.parameters + bboxPred.parameters
    }

    /// Initialisation of the paper: N(0, 0.01²) weights, zero biases.
    func initialise(using rng: inout SeededGenerator) {
        for layer in [conv, clsLogits, bboxPred] {
            WeightInit.gaussian(layer.weight, std: 0.01, using: &rng)
            layer.bias?.zeroValue()
        }
    }

    /// The head on each of `features` (one map per stride given at init).
    public func forward(_ features: [Tensor]) throws -> Output {
        guard features.count == levelHeads.count else {
            throw PipelineError.other("the RPN got \(features.count) feature maps for \(levelHeads.count) strides")
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

extension Parameter {
    func zeroValue() {
        value.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = 0 } }
    }
}
