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
    let relu = ReLU()
    public let clsLogits: Conv2d
    public let bboxPred: Conv2d
    public let anchorGenerator: AnchorGenerator
    public let anchorTargets: AnchorTargets
    public var trainingLayer: ProposalLayer
    public var testingLayer: ProposalLayer

    /// The head's outputs for one image and the anchors they refer to.
    public struct Output {
        /// `[1, A, h, w]`
        public var objectness: Tensor
        /// `[1, 4A, h, w]`
        public var deltas: Tensor
        public var anchors: [Box]
    }

    public struct Loss {
        public var objectness: Float
        public var boxRegression: Float
        var gradObjectness: Tensor
        var gradDeltas: Tensor
    }

    public init(config: PipelineConfig.RPNConfig, inChannels: Int, stride: Int) throws {
        anchorGenerator = try AnchorGenerator(sizes: config.anchorSizes, aspectRatios: config.aspectRatios,
                                              stride: Float(stride))
        let a = anchorGenerator.anchorsPerLocation
        conv = Conv2d(inChannels, config.channels, kernel: 3, padding: 1).named("rpn.head.conv.0.0")
        clsLogits = Conv2d(config.channels, a, kernel: 1).named("rpn.head.cls_logits")
        bboxPred = Conv2d(config.channels, 4 * a, kernel: 1).named("rpn.head.bbox_pred")
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

    public func forward(_ features: Tensor) throws -> Output {
        let t = try relu.forward(conv.forward(features))
        let objectness = try clsLogits.forward(t)
        let deltas = try bboxPred.forward(t)
        let anchors = try anchorGenerator.anchors(for: features)
        return Output(objectness: objectness, deltas: deltas, anchors: anchors)
    }

    /// Proposals for an image of the given (network input) size.
    public func propose(_ out: Output, imageWidth: Float, imageHeight: Float, training: Bool) throws -> RPNProposals {
        let layer = training ? trainingLayer : testingLayer
        return try layer.propose(objectness: anchorGenerator.flattenObjectness(out.objectness),
                                 deltas: anchorGenerator.flattenDeltas(out.deltas), anchors: out.anchors,
                                 imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// The RPN's two losses (torchvision's recipe): binary cross-entropy over the
    /// sampled anchors, and smooth L1 (β = 1/9) over the positive anchors' deltas
    /// divided by the number of sampled anchors.
    public func loss(_ out: Output, groundTruth: [Box], imageWidth: Float, imageHeight: Float,
                     using rng: inout SeededGenerator) throws -> Loss {
        let assignment = anchorTargets.assign(anchors: out.anchors, groundTruth: groundTruth,
                                              imageWidth: imageWidth, imageHeight: imageHeight, using: &rng)
        let logits = try anchorGenerator.flattenObjectness(out.objectness)
        let deltas = try anchorGenerator.flattenDeltas(out.deltas)
        let sampled = assignment.positive + assignment.negative
        let h = out.objectness.shape[2], w = out.objectness.shape[3]
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
        let a = anchorGenerator.anchorsPerLocation
        let gObj = try anchorGenerator.unflatten(gradLogits, valuesPerAnchor: 1, featureHeight: h, featureWidth: w)
        let gDel = try anchorGenerator.unflatten(gradDeltas, valuesPerAnchor: 4, featureHeight: h, featureWidth: w)
        return Loss(objectness: objectnessLoss, boxRegression: boxLoss,
                    gradObjectness: Tensor(shape: [1, a, h, w], data: gObj),
                    gradDeltas: Tensor(shape: [1, 4 * a, h, w], data: gDel))
    }

    /// Back-propagates the loss gradients; returns the gradient w.r.t. the features.
    public func backward(_ loss: Loss) throws -> Tensor {
        var g = try clsLogits.backward(loss.gradObjectness)
        try g.add(bboxPred.backward(loss.gradDeltas))
        return try conv.backward(relu.backward(g))
    }
}

extension Parameter {
    func zeroValue() {
        value.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = 0 } }
    }
}
