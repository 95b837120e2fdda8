import Foundation
import Boxes
import Heads
import Imaging
import NeuralNet

/// R-CNN (Girshick et al. 2014): every proposal is warped, with 16 px of
/// context, to a fixed square and passed through the CNN on its own; a linear
/// SVM per class scores the region's features, a class-specific ridge
/// regressor refines its box, and per-class NMS (0.3) removes duplicates.
///
/// The CNN is the pipeline's backbone followed by adaptive average pooling
/// (ResNet: 256 × 2 × 2 = 1024 features per region, the role of the paper's
/// pool5/fc7). As in the paper, `RCNNTrainer` fine-tunes the CNN on warped
/// regions of the user's own annotations (softmax over K + 1 classes), from
/// ImageNet weights when the pipeline file names them (MobileNetV2) or from
/// scratch, then fits the SVMs and regressors on its features.
public final class RCNNDetector {
    public let config: PipelineConfig
    public let classes: [String]
    public let backbone: Sequential
    public let features: FeatureExtractor
    let pool: AdaptiveAvgPool2d
    let flatten = Flatten()
    /// Softmax classifier used only while fine-tuning the CNN on regions.
    public let fineTuneClassifier: Linear
    public var svms: [LinearSVM]
    public var regressors: [RidgeRegressor?]
    /// Multiplier bringing features to mean L2 norm `rcnn.feature_norm` (R-CNN: 20).
    public var featureScale: Float = 1
    /// The deltas the ridge regressors learn and predict: the paper's
    /// unweighted (t_x, t_y, t_w, t_h). Training and detection share this one.
    public static let boxCoder = BoxCoder(weights: (1, 1, 1, 1))
    public let warp: RegionWarp
    let mean: SIMD3<Float>
    let invStd: SIMD3<Float>

    /// Length of a region's feature vector: backbone channels × pooled grid cells.
    public let featureDimension: Int

    public init(config: PipelineConfig, classes: [String]) throws {
        self.config = config
        self.classes = classes
        features = try FeatureExtractor(config.backbone)
        backbone = features.network
        let grid = config.rcnn.featurePoolSize
        pool = AdaptiveAvgPool2d(grid)
        featureDimension = features.channels * grid * grid
        fineTuneClassifier = Linear(featureDimension, classes.count + 1).named("rcnn.finetune.cls_score")
        svms = Array(repeating: LinearSVM(weights: [Float](repeating: 0, count: featureDimension), bias: -1),
                     count: classes.count)
        regressors = Array(repeating: nil, count: classes.count)
        let m = config.input.pixelMean, s = config.input.pixelStd
        mean = SIMD3(m[0], m[1], m[2])
        invStd = SIMD3(1 / s[0], 1 / s[1], 1 / s[2])
        warp = RegionWarp(size: config.rcnn.warpSize, padding: config.rcnn.contextPadding, fill: mean)
    }

    /// The warped, normalised regions of `boxes` as one `[N, 3, S, S]` batch.
    public func warpedRegions(_ image: Image, boxes: [Box]) -> Tensor {
        let s = config.rcnn.warpSize
        var t = Tensor(zeros: [boxes.count, 3, s, s])
        t.withUnsafeMutableBufferPointer { p in
            warp.warp(image, boxes: boxes.map { ($0.x1, $0.y1, $0.x2, $0.y2) }, into: p, subtract: mean, multiply: invStd)
        }
        return t
    }

    /// CNN features `[N, 1024]` of a batch of warped regions.
    public func cnnFeatures(_ regions: Tensor) throws -> Tensor {
        try flatten.forward(pool.forward(backbone.forward(regions)))
    }

    /// Backward through pooling and backbone for fine-tuning.
    public func cnnBackward(_ grad: Tensor) throws {
        inferenceBackbone = nil   // the weights are about to change
        _ = try backbone.backward(pool.backward(flatten.backward(grad)))
    }

    /// The backbone with batch normalisation folded into its convolutions
    /// (`InferenceFusion`) for feature extraction; rebuilt after fine-tuning.
    private var inferenceBackbone: Sequential?

    /// Scaled features of `boxes` in `image`, `boxes.count × featureDimension`,
    /// computed in batches of `rcnn.batch_size` regions.
    public func features(_ image: Image, boxes: [Box], timer: inout StageTimer) throws -> [Float] {
        backbone.training = false
        let batch = max(1, config.rcnn.batchSize)
        var out = [Float]()
        out.reserveCapacity(boxes.count * featureDimension)
        var start = 0
        while start < boxes.count {
            let chunk = Array(boxes[start..<min(boxes.count, start + batch)])
            let regions = timer.time("warp") { warpedRegions(image, boxes: chunk) }
            let f = try timer.time("cnn_features") { () throws -> Tensor in
                if inferenceBackbone == nil { inferenceBackbone = InferenceFusion.fused(backbone) }
                return try flatten.forward(pool.forward(inferenceBackbone!.forward(regions)))
            }
            let scale = featureScale
            out.append(contentsOf: f.data.map { $0 * scale })
            start += batch
        }
        return out
    }

    /// The proposals the detector scores: the first `rcnn.max_proposals`
    /// non-degenerate ones. Training draws the SVMs' regions from the same set.
    public func scoredProposals(_ proposals: [Box]) -> [Box] {
        Array(proposals.lazy.filter { !$0.isDegenerate }.prefix(config.rcnn.maxProposals))
    }

    /// Detections for `image` given its proposals (original pixels).
    public func detect(_ image: Image, proposals: [Box], timer: inout StageTimer) throws -> [Detection] {
        let boxes = scoredProposals(proposals)
        if boxes.isEmpty { return [] }
        let feats = try features(image, boxes: boxes, timer: &timer)
        let d = featureDimension
        // Per-class probabilities [K][N] whichever classifier scores the regions.
        let scores: [[Float]] = config.rcnn.classifier == .svm
            ? timer.time("svm") { svms.map { $0.scores(features: feats, count: boxes.count).map(Self.probability) } }
            : try timer.time("softmax") { try softmaxScores(feats, count: boxes.count) }
        let post = config.postprocess
        var candidates: [Box] = [], candScores: [Float] = [], candLabels: [Int] = []
        timer.time("box_regression") {
            let coder = Self.boxCoder
            let w = Float(image.width), h = Float(image.height)
            feats.withUnsafeBufferPointer { fp in
                for (k, classScores) in scores.enumerated() {
                    for (i, p) in classScores.enumerated() {
                        guard p > post.scoreThreshold else { continue }
                        var box = boxes[i]
                        if let r = regressors[k] {
                            let t = r.predict(fp.baseAddress! + i * d)
                            box = coder.decode(SIMD4(t[0], t[1], t[2], t[3]), relativeTo: box)
                        }
                        box = box.clipped(width: w, height: h)
                        guard !box.isDegenerate else { continue }
                        candidates.append(box); candScores.append(p); candLabels.append(k)
                    }
                }
            }
        }
        let keep = timer.time("nms") {
            batchedNMS(boxes: candidates, scores: candScores, classes: candLabels,
                       iouThreshold: post.nmsThreshold, maxOutput: post.detectionsPerImage)
        }
        return keep.map { Detection(box: candidates[$0], score: candScores[$0], label: candLabels[$0]) }
    }

    /// Per-class probabilities `[K][N]` from the fine-tuning softmax layer
    /// (background, class 0 of its K + 1 outputs, left out). It was trained on
    /// unscaled features, so the SVMs' feature scale is undone first.
    func softmaxScores(_ feats: [Float], count: Int) throws -> [[Float]] {
        let inv = featureScale > 0 ? 1 / featureScale : 1
        let logits = try fineTuneClassifier.forward(Tensor(shape: [count, featureDimension], data: feats.map { $0 * inv }))
        let k1 = classes.count + 1
        var out = [[Float]](repeating: [Float](repeating: 0, count: count), count: classes.count)
        var probabilities = [Float](repeating: 0, count: k1)
        logits.withUnsafeBufferPointer { lp in
            probabilities.withUnsafeMutableBufferPointer { prob in
                for r in 0..<count {
                    softmax(lp.baseAddress! + r * k1, count: k1, into: prob.baseAddress!)
                    for c in 1..<k1 { out[c - 1][r] = prob[c] }
                }
            }
        }
        return out
    }

    /// SVM margins are reported through a logistic so that every pipeline's
    /// scores lie in (0, 1); the map is monotonic, so rankings and AP are the
    /// SVM's own (margin −1, the negatives' side of the margin, maps to 0.12).
    @inline(__always)
    public static func probability(_ margin: Float) -> Float { 1 / (1 + expf(-2 * margin)) }

    // MARK: Weights

    static let svmWeight = "rcnn.svm.weight", svmBias = "rcnn.svm.bias"
    static let regWeight = "rcnn.bbox_regressor.weight", regBias = "rcnn.bbox_regressor.bias"
    static let featureScaleKey = "rcnn.feature_scale"

    public func bundle(info: [String: String] = [:]) throws -> ModelBundle {
        var t = try StateDict.tensors(of: backbone.parameters + backbone.buffers + fineTuneClassifier.parameters)
        let k = classes.count, d = featureDimension
        t[Self.svmWeight] = Tensor(shape: [k, d], data: svms.flatMap(\.weights))
        t[Self.svmBias] = Tensor(shape: [k], data: svms.map(\.bias))
        t[Self.regWeight] = Tensor(shape: [k, d, 4], data: regressors.flatMap { $0?.weights ?? [Float](repeating: 0, count: d * 4) })
        t[Self.regBias] = Tensor(shape: [k, 4], data: regressors.flatMap { $0?.bias ?? [0, 0, 0, 0] })
        t[Self.featureScaleKey] = Tensor(shape: [1], data: [featureScale])
        return ModelBundle(config: config, classes: classes, tensors: t, info: info)
    }

    public convenience init(config: PipelineConfig, bundle: ModelBundle, path: String) throws {
        try self.init(config: config, classes: bundle.classes)
        let cnn = backbone.parameters + backbone.buffers + fineTuneClassifier.parameters
        let names = Set(cnn.map(\.name))
        let report = try StateDict.load(bundle.tensors.filter { names.contains($0.key) }, into: cnn, strict: false)
        if !report.missing.isEmpty || !report.shapeMismatches.isEmpty {
            throw PipelineError.modelMismatch(path: path, reason: report.description)
        }
        let k = classes.count, d = featureDimension
        guard let sw = bundle.tensors[Self.svmWeight], sw.shape == [k, d],
              let sb = bundle.tensors[Self.svmBias], sb.shape == [k],
              let rw = bundle.tensors[Self.regWeight], rw.shape == [k, d, 4],
              let rb = bundle.tensors[Self.regBias], rb.shape == [k, 4],
              let fs = bundle.tensors[Self.featureScaleKey], fs.count == 1 else {
            throw PipelineError.modelMismatch(path: path, reason: "missing or mis-shaped R-CNN SVM/regressor tensors")
        }
        svms = (0..<k).map { LinearSVM(weights: Array(sw.data[($0 * d)..<(($0 + 1) * d)]), bias: sb.data[$0]) }
        regressors = (0..<k).map {
            let w = Array(rw.data[($0 * d * 4)..<(($0 + 1) * d * 4)]), b = Array(rb.data[($0 * 4)..<(($0 + 1) * 4)])
            // A class without regression examples is saved as zeros: no regressor.
            return w.allSatisfy { $0 == 0 } && b.allSatisfy { $0 == 0 } ? nil
                : RidgeRegressor(weights: w, bias: b, dimension: d, outputs: 4)
        }
        featureScale = fs.data[0]
    }
}
