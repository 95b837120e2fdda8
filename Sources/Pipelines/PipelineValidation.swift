import Foundation

/// Training values given on a command line (`detect train --epochs …`) in
/// place of the pipeline file's.
public struct TrainingOverrides: Sendable, Equatable {
    public var epochs: Int?
    public var seed: UInt64?
    public var learningRate: Float?

    public init(epochs: Int? = nil, seed: UInt64? = nil, learningRate: Float? = nil) {
        self.epochs = epochs
        self.seed = seed
        self.learningRate = learningRate
    }

    public var isEmpty: Bool { epochs == nil && seed == nil && learningRate == nil }

    /// Each given value as its option, the key it sets and the value as typed.
    var given: [(option: String, key: String, value: String)] {
        var out: [(option: String, key: String, value: String)] = []
        if let epochs { out.append(("--epochs", "training.epochs", String(epochs))) }
        if let seed { out.append(("--seed", "training.seed", String(seed))) }
        if let learningRate { out.append(("--learning-rate", "training.learning_rate", "\(learningRate)")) }
        return out
    }
}

/// The checks every pipeline gets, whatever it came from: a file, a model's
/// JSON, or a file with command-line values applied.
extension PipelineConfig {
    /// The configuration with `overrides` applied (an explicit epoch count is
    /// run exactly: no `min_iterations` raise), checked by the same rules as a
    /// file's values. A value out of range is an error naming its option and key.
    public func applying(_ overrides: TrainingOverrides, path: String) throws -> PipelineConfig {
        guard !overrides.isEmpty else { return self }
        var config = self
        if let epochs = overrides.epochs {
            config.training.epochs = epochs
            config.training.minIterations = 0
        }
        if let seed = overrides.seed { config.training.seed = seed }
        if let learningRate = overrides.learningRate { config.training.learningRate = learningRate }
        do {
            try config.validate(path: path)
        } catch let PipelineError.invalid(_, reason) {
            if let given = overrides.given.first(where: { reason.hasPrefix($0.key + " ") }) {
                throw PipelineError.invalidOption(option: "\(given.option) \(given.value)", reason: reason)
            }
            throw PipelineError.invalid(path: "\(path) with the command line's values", reason: reason)
        }
        return config
    }

    /// Stage names the detectors time.
    public static let knownStages: Set<String> = [
        "decode", "selective_search", "preprocess", "backbone", "neck", "rpn", "roi_pool", "box_head", "nms",
        "warp", "cnn_features", "svm", "softmax", "box_regression",
    ]

    /// Rejects values no stage could run with: every key against its documented
    /// range, then the keys that constrain each other. Errors name the key, the
    /// value and what is allowed.
    public func validate(path: String) throws {
        func fail(_ why: String) throws -> Never { throw PipelineError.invalid(path: path, reason: why) }
        func int(_ key: String, _ v: Int, _ r: ClosedRange<Int>) throws {
            if !r.contains(v) { try fail("\(key) = \(v) is outside \(r.lowerBound)...\(r.upperBound)") }
        }
        func real(_ key: String, _ v: Float, _ lo: Float, _ hi: Float, openLow: Bool = false, openHigh: Bool = false) throws {
            let ok = v.isFinite && (openLow ? v > lo : v >= lo) && (openHigh ? v < hi : v <= hi)
            if !ok { try fail("\(key) = \(v) is outside \(openLow ? "(" : "[")\(lo), \(hi)\(openHigh ? ")" : "]")") }
        }
        func fraction(_ key: String, _ v: Float, zeroAllowed: Bool = true) throws {
            try real(key, v, 0, 1, openLow: !zeroAllowed)
        }
        // name: a folder name (drawings) and part of default file names
        try Self.validateName(name, fail: fail)
        // input
        try int("input.min_size", input.minSize, 32...4096)
        try int("input.max_size", input.maxSize, input.minSize...8192)
        if input.pixelMean.count != 3 || input.pixelStd.count != 3 {
            try fail("input.pixel_mean and input.pixel_std need three values (R, G, B)")
        }
        for (i, m) in input.pixelMean.enumerated() { try real("input.pixel_mean[\(i)]", m, -1000, 1000) }
        for (i, d) in input.pixelStd.enumerated() { try real("input.pixel_std[\(i)]", d, 0, 1000, openLow: true) }
        // backbone
        if backbone.weights.isEmpty { try fail("backbone.weights must be none, imagenet or a path") }
        // The backbone type checks its own keys (stride, frozen stages, weights).
        if let problem = Backbones.implementation(of: backbone.type).problem(with: backbone) { try fail(problem) }
        // neck
        if neck.type == .fpn {
            if PipelineArchitecture(stages: stages) == .rcnn {
                try fail("neck.type = \(neck.type.rawValue): R-CNN runs its CNN on each warped region and pools one vector from it; a feature pyramid is for Fast and Faster R-CNN")
            }
            try int("neck.channels", neck.channels, 1...1024)
            if !(1...5).contains(neck.inStrides.count) { try fail("neck.in_strides takes 1 to 5 strides, got \(neck.inStrides.count)") }
            if !zip(neck.inStrides, neck.inStrides.dropFirst()).allSatisfy({ $0 < $1 }) {
                try fail("neck.in_strides = \(neck.inStrides): strides must increase")
            }
            if neck.inStrides.last != backbone.stride {
                try fail("neck.in_strides = \(neck.inStrides): the deepest must be backbone.stride (\(backbone.stride))")
            }
            let available = (try? Backbones.implementation(of: backbone.type).outputShapes(backbone).map(\.stride)) ?? []
            if let missing = neck.inStrides.first(where: { !available.contains($0) }) {
                try fail("neck.in_strides: the \(backbone.type.rawValue) backbone at stride \(backbone.stride) has no map at stride \(missing) (it has \(available.map(String.init).joined(separator: ", ")))")
            }
            let levels = neck.levelStrides(backboneStride: backbone.stride).count
            // Only the RPN reads the anchor sizes (a Fast R-CNN file may inherit any).
            if PipelineArchitecture(stages: stages) == .fasterRCNN, rpn.anchorSizes.count % levels != 0 {
                try fail("rpn.anchor_sizes has \(rpn.anchorSizes.count) sizes for \(levels) pyramid levels: with neck.type fpn each level takes the same number of sizes, in order")
            }
            try real("roi_pooling.canonical_size", roiPooling.canonicalSize, 1, 10_000)
            try int("roi_pooling.canonical_level", roiPooling.canonicalLevel, 0...16)
        }
        // selective search
        try int("selective_search.max_side", selectiveSearch.maxSide, 16...10_000)
        try real("selective_search.min_box_side", selectiveSearch.minBoxSide, 0, 10_000)
        try int("selective_search.max_proposals", selectiveSearch.maxProposals, 1...100_000)
        // rpn
        if rpn.anchorSizes.isEmpty || rpn.aspectRatios.isEmpty { try fail("rpn.anchor_sizes and rpn.aspect_ratios must not be empty") }
        if rpn.anchorSizes.count > 16 || rpn.aspectRatios.count > 16 { try fail("rpn.anchor_sizes and rpn.aspect_ratios take at most 16 values each") }
        for (i, a) in rpn.anchorSizes.enumerated() { try real("rpn.anchor_sizes[\(i)]", a, 0, 4096, openLow: true) }
        for (i, a) in rpn.aspectRatios.enumerated() { try real("rpn.aspect_ratios[\(i)]", a, 0.01, 100) }
        try int("rpn.pre_nms_top_n_train", rpn.preNmsTopNTrain, 1...1_000_000)
        try int("rpn.pre_nms_top_n_test", rpn.preNmsTopNTest, 1...1_000_000)
        try int("rpn.post_nms_top_n_train", rpn.postNmsTopNTrain, 1...rpn.preNmsTopNTrain)
        try int("rpn.post_nms_top_n_test", rpn.postNmsTopNTest, 1...rpn.preNmsTopNTest)
        try real("rpn.nms_threshold", rpn.nmsThreshold, 0, 1, openLow: true)
        try real("rpn.min_size", rpn.minSize, 0, 10_000)
        try fraction("rpn.fg_iou_threshold", rpn.fgIouThreshold, zeroAllowed: false)
        try real("rpn.bg_iou_threshold", rpn.bgIouThreshold, 0, rpn.fgIouThreshold)
        try int("rpn.batch_size_per_image", rpn.batchSizePerImage, 1...100_000)
        try fraction("rpn.positive_fraction", rpn.positiveFraction, zeroAllowed: false)
        try int("rpn.channels", rpn.channels, 1...4096)
        if rpn.boxCoderWeights.count != 4 { try fail("rpn.box_coder_weights needs four values") }
        for (i, w) in rpn.boxCoderWeights.enumerated() { try real("rpn.box_coder_weights[\(i)]", w, 0, 1000, openLow: true) }
        // RoI pooling
        try int("roi_pooling.output_size", roiPooling.outputSize, 1...32)
        try int("roi_pooling.sampling_ratio", roiPooling.samplingRatio, 0...16)
        // box head
        try int("box_head.representation_size", boxHead.representationSize, 1...16_384)
        try fraction("box_head.fg_iou_threshold", boxHead.fgIouThreshold, zeroAllowed: false)
        try real("box_head.bg_iou_high", boxHead.bgIouHigh, 0, boxHead.fgIouThreshold, openLow: true)
        try real("box_head.bg_iou_low", boxHead.bgIouLow, 0, boxHead.bgIouHigh, openHigh: true)
        try int("box_head.batch_size_per_image", boxHead.batchSizePerImage, 1...100_000)
        try fraction("box_head.positive_fraction", boxHead.positiveFraction, zeroAllowed: false)
        if boxHead.boxCoderWeights.count != 4 { try fail("box_head.box_coder_weights needs four values") }
        for (i, w) in boxHead.boxCoderWeights.enumerated() { try real("box_head.box_coder_weights[\(i)]", w, 0, 1000, openLow: true) }
        try real("box_head.box_loss_weight", boxHead.boxLossWeight, 0, 1000)
        try int("box_head.svd_rank", boxHead.svdRank, 0...boxHead.representationSize)
        // R-CNN
        try int("rcnn.warp_size", rcnn.warpSize, 16...1024)
        try int("rcnn.context_padding", rcnn.contextPadding, 0...(rcnn.warpSize / 2 - 1))
        try int("rcnn.max_proposals", rcnn.maxProposals, 1...100_000)
        try int("rcnn.batch_size", rcnn.batchSize, 1...4096)
        try int("rcnn.train_proposals", rcnn.trainProposals, 1...100_000)
        try int("rcnn.fine_tune_regions_per_image", rcnn.fineTuneRegionsPerImage, 2...10_000)
        try fraction("rcnn.fine_tune_foreground_fraction", rcnn.fineTuneForegroundFraction, zeroAllowed: false)
        try int("rcnn.feature_pool_size", rcnn.featurePoolSize, 1...16)
        try int("rcnn.mining_rounds", rcnn.miningRounds, 0...100)
        try real("rcnn.svm_c", rcnn.svmC, 0, 1e6, openLow: true)
        try real("rcnn.svm_positive_weight", rcnn.svmPositiveWeight, 0, 1e6, openLow: true)
        try real("rcnn.svm_bias_multiplier", rcnn.svmBiasMultiplier, 0, 1e6)
        try fraction("rcnn.negative_iou_threshold", rcnn.negativeIouThreshold)
        try real("rcnn.hard_threshold", rcnn.hardThreshold, -1e6, 1e6)
        try real("rcnn.evict_threshold", rcnn.evictThreshold, -1e6, rcnn.hardThreshold)
        try real("rcnn.feature_norm", rcnn.featureNorm, 0, 1e6, openLow: true)
        try real("rcnn.ridge_lambda", rcnn.ridgeLambda, 0, 1e9)
        try fraction("rcnn.ridge_min_iou", rcnn.ridgeMinIou)
        // postprocess
        try fraction("postprocess.score_threshold", postprocess.scoreThreshold)
        try real("postprocess.nms_threshold", postprocess.nmsThreshold, 0, 1, openLow: true)
        try int("postprocess.detections_per_image", postprocess.detectionsPerImage, 1...100_000)
        // training
        try int("training.epochs", training.epochs, 1...10_000)
        try int("training.min_iterations", training.minIterations, 0...10_000_000)
        try int("training.images_per_batch", training.imagesPerBatch, 1...256)
        try real("training.learning_rate", training.learningRate, 0, 10, openLow: true)
        try real("training.momentum", training.momentum, 0, 1, openHigh: true)
        try real("training.weight_decay", training.weightDecay, 0, 1, openHigh: true)
        try int("training.warmup_iterations", training.warmupIterations, 0...10_000_000)
        for (i, f) in training.lrDropFractions.enumerated() {
            try real("training.lr_drop_fractions[\(i)]", f, 0, 1, openLow: true, openHigh: true)
        }
        try real("training.gradient_clip_norm", training.gradientClipNorm, 0, 1e9)
        if training.scaleJitter.count != 0 && training.scaleJitter.count != 2 { try fail("training.scale_jitter is [min, max] or empty") }
        if training.scaleJitter.count == 2 {
            try int("training.scale_jitter[0]", training.scaleJitter[0], 32...4096)
            try int("training.scale_jitter[1]", training.scaleJitter[1], training.scaleJitter[0]...4096)
        }
        // stages: they decide the architecture, so they must describe exactly one
        if stages.isEmpty { try fail("stages must list the pipeline's stages") }
        for stage in stages where !Self.knownStages.contains(stage) {
            try fail("stages: '\(stage)' is not a stage (known: \(Self.knownStages.sorted().joined(separator: ", ")))")
        }
        if stages.contains("rpn") && stages.contains("selective_search") {
            try fail("stages: 'rpn' and 'selective_search' are both proposal stages; a pipeline has one")
        }
        guard let architecture = PipelineArchitecture(stages: stages) else {
            try fail("stages name no proposal stage: list 'rpn' (Faster R-CNN) or 'selective_search' (Fast R-CNN), or 'cnn_features' with 'selective_search' (R-CNN)")
        }
        if architecture == .rcnn {
            if let s = stages.first(where: { PipelineArchitecture.twoStageOnlyStages.contains($0) }) {
                try fail("stages: '\(s)' does not run in an R-CNN pipeline (its CNN runs per region: cnn_features)")
            }
            if !stages.contains("selective_search") { try fail("stages: an R-CNN pipeline scores selective search regions: list 'selective_search'") }
            let other: RCNNClassifier = rcnn.classifier == .svm ? .softmax : .svm
            if stages.contains(other.rawValue) {
                try fail("stages: '\(other.rawValue)' does not run when rcnn.classifier is \(rcnn.classifier.rawValue) (list '\(rcnn.classifier.rawValue)')")
            }
        } else if let s = stages.first(where: { PipelineArchitecture.rcnnOnlyStages.contains($0) }) {
            try fail("stages: '\(s)' runs only in R-CNN (with cnn_features); this is a \(architecture.title) pipeline")
        }
        if stages.contains("neck") && neck.type == .none {
            try fail("stages: 'neck' times the feature pyramid, but this pipeline has none (neck.type: none)")
        }
    }

    /// Names a pipeline may have: they become folder and file names.
    static func validateName(_ name: String, fail: (String) throws -> Never) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if name.isEmpty || name.count > 64 || name.hasPrefix(".") || name.hasPrefix("-") || !name.allSatisfy(allowed.contains) {
            try fail("name '\(Self.printable(name))' must be 1-64 letters, digits, '.', '_' or '-', not starting with '.' or '-' (set name: in the file)")
        }
        if ["all", "bundled"].contains(name) { try fail("name '\(name)' is reserved (--pipeline \(name) means several pipelines)") }
    }

    /// A name for messages: control characters escaped.
    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }
}
