import Foundation
import Boxes
import Heads
import Imaging
import NeuralNet
import Proposals

/// Fast R-CNN and Faster R-CNN: the backbone runs once per image, RoI pooling
/// cuts every proposal's features out of the shared map, and the box head
/// classifies and refines them. The two differ only in where proposals come
/// from: selective search given by the caller (Fast R-CNN) or the region
/// proposal network on the same features (Faster R-CNN). With a feature
/// pyramid (`neck.type: fpn`) the RPN runs on every level and each RoI is
/// pooled from the level its size selects; nothing else changes.
public final class TwoStageDetector {
    public let config: PipelineConfig
    public let classes: [String]
    public let transform: ImageTransform
    public let backbone: Sequential
    public let features: FeatureExtractor
    public let rpn: RegionProposalNetwork?
    public let pooler: RoIPooler
    public let head: BoxHead
    public let roiTargets: RoITargets
    let boxCoder: BoxCoder

    public init(config: PipelineConfig, classes: [String]) throws {
        guard config.architecture != .rcnn else {
            throw PipelineError.invalid(path: config.name, reason: "R-CNN is not a two-stage detector")
        }
        self.config = config
        self.classes = classes
        transform = ImageTransform(config.input)
        features = try FeatureExtractor(config.backbone, neck: config.neck)
        backbone = features.network
        rpn = config.proposals == .rpn
            ? try RegionProposalNetwork(config: config.rpn, inChannels: features.channels,
                                        strides: features.levels.map(\.stride))
            : nil
        pooler = try RoIPooler(config: config.roiPooling, strides: features.levels.prefix(features.pooledLevels).map(\.stride))
        let pooled = features.channels * config.roiPooling.outputSize * config.roiPooling.outputSize
        head = BoxHead(config: config.boxHead, inFeatures: pooled, numClasses: classes.count)
        roiTargets = try RoITargets(config: config.boxHead)
        boxCoder = roiTargets.boxCoder
    }

    /// Every trainable parameter, backbone (and neck) first.
    public var parameters: [Parameter] { features.parameters + (rpn?.parameters ?? []) + head.parameters }
    /// Parameters and buffers (BatchNorm running statistics): what a weights file holds.
    public var state: [Parameter] { features.state + (rpn?.parameters ?? []) + head.parameters }

    /// Random initialisation, reproducible from `seed`, with the backbone's
    /// pretrained weights when the pipeline file names them.
    public func initialise(seed: UInt64) throws {
        inferenceBackbone = nil
        var rng = SeededGenerator(seed: seed)
        try features.initialise(using: &rng)
        rpn?.initialise(using: &rng)
        try head.initialise(using: &rng)
    }

    public var training: Bool = false {
        didSet {
            backbone.training = training; head.training = training
            features.neck?.training = training
            if training { inferenceBackbone = nil }
        }
    }

    /// The backbone with batch normalisation folded into its convolutions
    /// (`InferenceFusion`), built at the first detection after training or loading.
    private var inferenceBackbone: Sequential?

    // MARK: Inference

    /// Detects objects in `image`. `proposals` (original-image pixels) are
    /// required for Fast R-CNN and ignored by Faster R-CNN. Stage times are
    /// added to `timer` under the pipeline file's stage names.
    public func detect(_ image: Image, proposals externalProposals: [Box]? = nil,
                       timer: inout StageTimer) throws -> [Detection] {
        training = false
        let (input, scale) = timer.time("preprocess") { transform.apply(image) }
        let inW = Float(input.shape[3]), inH = Float(input.shape[2])
        // A pipeline that lists a `neck` stage has its pyramid timed on its own;
        // otherwise (models trained before the stage existed) it counts as backbone.
        let neckStage = config.stages.contains("neck")
        var maps = try timer.time("backbone") { () throws -> [Tensor] in
            if inferenceBackbone == nil { inferenceBackbone = InferenceFusion.fused(backbone) }
            return try neckStage ? features.backboneForward(input, through: inferenceBackbone!)
                : features.forward(input, through: inferenceBackbone!)
        }
        if neckStage { maps = try timer.time("neck") { try features.neckForward(maps) } }
        var rois: [Box]
        if let rpn {
            rois = try timer.time("rpn") {
                try rpn.propose(rpn.forward(maps), imageWidth: inW, imageHeight: inH, training: false).boxes
            }
        } else {
            guard let externalProposals else {
                throw PipelineError.invalid(path: config.name, reason: "Fast R-CNN needs proposals")
            }
            rois = externalProposals.map { $0.scaled(by: scale).clipped(width: inW, height: inH) }.filter { !$0.isDegenerate }
        }
        if rois.isEmpty { return [] }
        let pooled = try timer.time("roi_pool") {
            try pooler.forward(features: Array(maps.prefix(features.pooledLevels)), rois: rois, training: false)
        }
        let (logits, deltas) = try timer.time("box_head") { try head.forward(pooled) }
        return timer.time("nms") {
            postprocess(logits: logits, deltas: deltas, rois: rois, inputWidth: inW, inputHeight: inH,
                        scale: scale, imageWidth: Float(image.width), imageHeight: Float(image.height))
        }
    }

    /// Softmax scores and class-specific boxes → per-class NMS → the top
    /// detections, mapped back to original-image pixels.
    func postprocess(logits: Tensor, deltas: Tensor, rois: [Box], inputWidth: Float, inputHeight: Float,
                     scale: Float, imageWidth: Float, imageHeight: Float) -> [Detection] {
        let k1 = classes.count + 1
        let post = config.postprocess
        var boxes: [Box] = [], scores: [Float] = [], labels: [Int] = []
        var probabilities = [Float](repeating: 0, count: k1)
        logits.withUnsafeBufferPointer { lp in
            deltas.withUnsafeBufferPointer { dp in
                probabilities.withUnsafeMutableBufferPointer { prob in
                    for r in 0..<rois.count {
                        softmax(lp.baseAddress! + r * k1, count: k1, into: prob.baseAddress!)
                        for c in 1..<k1 {
                            let p = prob[c]
                            guard p > post.scoreThreshold else { continue }
                            let d = dp.baseAddress! + (r * k1 + c) * 4
                            let b = boxCoder.decode(SIMD4(d[0], d[1], d[2], d[3]), relativeTo: rois[r])
                                .clipped(width: inputWidth, height: inputHeight)
                            guard b.width >= 1e-2, b.height >= 1e-2 else { continue }
                            boxes.append(b); scores.append(p); labels.append(c - 1)
                        }
                    }
                }
            }
        }
        let keep = batchedNMS(boxes: boxes, scores: scores, classes: labels, iouThreshold: post.nmsThreshold,
                              maxOutput: post.detectionsPerImage)
        let inv = 1 / scale
        return keep.map {
            Detection(box: boxes[$0].scaled(by: inv).clipped(width: imageWidth, height: imageHeight),
                      score: scores[$0], label: labels[$0])
        }
    }

    // MARK: Training

    public struct StepLoss: Sendable {
        public var rpnObjectness: Float = 0
        public var rpnBoxRegression: Float = 0
        public var classifier: Float = 0
        public var boxRegression: Float = 0
        public var total: Float { rpnObjectness + rpnBoxRegression + classifier + boxRegression }
    }

    /// One image's forward and backward pass (approximate joint training for
    /// Faster R-CNN): gradients accumulate in the parameters; the caller steps
    /// the optimizer. Boxes are in the (already augmented) image's pixels;
    /// `labels` are class indices 0..<K. `proposals` are Fast R-CNN's.
    public func trainStep(_ image: Image, groundTruth: [Box], labels: [Int], proposals: [Box]?,
                          shorterSide: Int?, lossScale: Float, using rng: inout SeededGenerator) throws -> StepLoss {
        training = true
        let (input, scale) = transform.apply(image, shorterSide: shorterSide)
        let inW = Float(input.shape[3]), inH = Float(input.shape[2])
        let gt = groundTruth.map { $0.scaled(by: scale).clipped(width: inW, height: inH) }
        var loss = StepLoss()
        let maps = try features.forward(input, through: backbone)
        var gradMaps = maps.map { Tensor(zeros: $0.shape) }
        var candidates: [Box]
        if let rpn {
            let out = try rpn.forward(maps)
            var rpnLoss = try rpn.loss(out, groundTruth: gt.filter { !$0.isDegenerate },
                                       imageWidth: inW, imageHeight: inH, using: &rng)
            loss.rpnObjectness = rpnLoss.objectness
            loss.rpnBoxRegression = rpnLoss.boxRegression
            if lossScale != 1 {
                for l in rpnLoss.gradObjectness.indices {
                    rpnLoss.gradObjectness[l].scale(by: lossScale)
                    rpnLoss.gradDeltas[l].scale(by: lossScale)
                }
            }
            for (l, g) in try rpn.backward(rpnLoss).enumerated() { try gradMaps[l].add(g) }
            // Approximate joint training: proposals are treated as constants.
            candidates = try rpn.propose(out, imageWidth: inW, imageHeight: inH, training: true).boxes
        } else {
            candidates = (proposals ?? []).map { $0.scaled(by: scale).clipped(width: inW, height: inH) }
        }
        let sample = roiTargets.sample(proposals: candidates, groundTruth: gt, labels: labels.map { $0 + 1 }, using: &rng)
        if !sample.rois.isEmpty {
            let pooled = try pooler.forward(features: Array(maps.prefix(features.pooledLevels)), rois: sample.rois)
            let (logits, deltas) = try head.forward(pooled)
            let ce = try SoftmaxCrossEntropyLoss()(logits: logits, targets: sample.labels)
            loss.classifier = ce.value
            // Box loss on each foreground RoI's own class deltas only, divided by
            // the number of sampled RoIs (torchvision's normalisation).
            let k1 = classes.count + 1
            var target = Tensor(zeros: deltas.shape), weight = Tensor(zeros: deltas.shape)
            for (r, label) in sample.labels.enumerated() where label >= 1 {
                for c in 0..<4 {
                    target.data[(r * k1 + label) * 4 + c] = sample.regressionTargets[4 * r + c]
                    weight.data[(r * k1 + label) * 4 + c] = 1
                }
            }
            let l1 = try SmoothL1Loss(beta: 1, reduction: .sumDividedBy(Float(sample.rois.count)))(
                input: deltas, target: target, weights: weight)
            loss.boxRegression = config.boxHead.boxLossWeight * l1.value
            var gLogits = ce.gradient, gDeltas = l1.gradient
            gLogits.scale(by: lossScale)
            gDeltas.scale(by: lossScale * config.boxHead.boxLossWeight)
            let gPooled = try head.backward(gradLogits: gLogits, gradDeltas: gDeltas)
            for (l, g) in try pooler.backward(gPooled, rois: sample.rois).enumerated() { try gradMaps[l].add(g) }
        }
        try features.backward(gradMaps)
        return loss
    }
}

extension Tensor {
    mutating func scale(by s: Float) {
        if s == 1 { return }
        withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= s } }
    }
}

extension TwoStageDetector {
    /// The model as a bundle (weights + class list).
    public func bundle(info: [String: String] = [:]) throws -> ModelBundle {
        ModelBundle(config: config, classes: classes, tensors: try StateDict.tensors(of: state), info: info)
    }

    /// A detector for `config` with the weights of `bundle`, which must be of
    /// a two-stage pipeline (`DetectionPipeline` requires the very same one).
    public convenience init(config: PipelineConfig, bundle: ModelBundle, path: String) throws {
        try self.init(config: config, classes: bundle.classes)
        let needed = Set(state.map(\.name))
        let tensors = bundle.tensors.filter { needed.contains($0.key) }
        let report = try StateDict.load(tensors, into: state, strict: false)
        if !report.missing.isEmpty || !report.shapeMismatches.isEmpty {
            throw PipelineError.modelMismatch(path: path, reason: report.description)
        }
    }
}
