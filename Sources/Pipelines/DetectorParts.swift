import Boxes
import Heads
import NeuralNet
import Proposals

// The one place where a pipeline file's sections become the detector's parts.
// The parts themselves (in Proposals and Heads) take plain parameters and know
// nothing of the configuration, so another front end can assemble them too.

extension BoxCoder {
    /// A section's `box_coder_weights` (validated to four values).
    init(configured w: [Float]) { self.init(weights: (w[0], w[1], w[2], w[3])) }
}

extension RegionProposalNetwork {
    /// The RPN of `rpn:` for maps of the given strides, finest first.
    public convenience init(config: PipelineConfig.RPNConfig, inChannels: Int, strides: [Int]) throws {
        let coder = BoxCoder(configured: config.boxCoderWeights)
        try self.init(
            anchorGenerators: try AnchorGenerator.levels(sizes: config.anchorSizes, aspectRatios: config.aspectRatios,
                                                         strides: strides),
            inChannels: inChannels, channels: config.channels,
            anchorTargets: AnchorTargets(
                matcher: try Matcher(highThreshold: config.fgIouThreshold, lowThreshold: config.bgIouThreshold,
                                     allowLowQualityMatches: true),
                sampler: try BalancedSampler(batchSizePerImage: config.batchSizePerImage, positiveFraction: config.positiveFraction),
                boxCoder: coder),
            trainingLayer: ProposalLayer(preNMSTopN: config.preNmsTopNTrain, postNMSTopN: config.postNmsTopNTrain,
                                         nmsThreshold: config.nmsThreshold, minSize: config.minSize, boxCoder: coder),
            testingLayer: ProposalLayer(preNMSTopN: config.preNmsTopNTest, postNMSTopN: config.postNmsTopNTest,
                                        nmsThreshold: config.nmsThreshold, minSize: config.minSize, boxCoder: coder))
    }
}

extension RoITargets {
    /// Fast R-CNN's RoI sampling of `box_head:`.
    public init(config: PipelineConfig.BoxHeadConfig) throws {
        self.init(fgIouThreshold: config.fgIouThreshold, bgIouHigh: config.bgIouHigh, bgIouLow: config.bgIouLow,
                  sampler: try BalancedSampler(batchSizePerImage: config.batchSizePerImage,
                                               positiveFraction: config.positiveFraction),
                  boxCoder: BoxCoder(configured: config.boxCoderWeights))
    }
}

extension RoIPooler {
    /// `roi_pooling:` over maps of the given strides, finest first.
    public convenience init(config pooling: PipelineConfig.RoIPoolingConfig, strides: [Int]) throws {
        try self.init(outputSize: pooling.outputSize, strides: strides,
                      method: pooling.type == .roiAlign ? .align(samplingRatio: pooling.samplingRatio, aligned: true) : .pool,
                      canonicalSize: pooling.canonicalSize, canonicalLevel: pooling.canonicalLevel)
    }
}

extension BoxHead {
    /// `box_head:` on pooled features of `inFeatures` values, for `numClasses` object classes.
    public convenience init(config: PipelineConfig.BoxHeadConfig, inFeatures: Int, numClasses: Int) {
        self.init(inFeatures: inFeatures, representationSize: config.representationSize, numClasses: numClasses)
        svdRank = config.svdRank
    }
}
