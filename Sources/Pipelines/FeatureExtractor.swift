import Foundation
import NeuralNet
import WeightFormats

/// The CNN a pipeline shares between its stages, built from the pipeline
/// file's `backbone:` section: its network (parameters under `backbone.body.`),
/// the channels of its output map and that map's stride in input pixels.
public struct FeatureExtractor {
    public let config: PipelineConfig.BackboneConfig
    public let network: Sequential
    public let channels: Int
    public let stride: Int

    public init(_ config: PipelineConfig.BackboneConfig, prefix: String = "backbone.body") throws {
        self.config = config
        switch config.type {
        case .resnet:
            network = Backbone.default(prefix: prefix)
            (channels, stride) = (Backbone.outChannels, Backbone.stride)
        case .mobilenetV2:
            let cut = try MobileNetV2.cut(stride: config.stride)
            // Pretrained backbones keep ImageNet's batch statistics: two images
            // per step give no usable ones (torchvision's FrozenBatchNorm2d).
            network = try MobileNetV2.features(blocks: cut.blocks, frozenBlocks: config.frozenStages,
                                               frozenBatchNorm: config.isPretrained).named(prefix)
            (channels, stride) = (cut.channels, config.stride)
        }
        self.prefix = prefix
    }

    let prefix: String

    /// He initialisation of every convolution (reproducible from `rng`), then,
    /// when the pipeline names pretrained weights, those weights on top.
    public func initialise(using rng: inout SeededGenerator) throws {
        for p in network.parameters where p.value.rank == 4 { try WeightInit.kaiming(p, using: &rng) }
        try loadPretrained()
    }

    /// Loads the pretrained weights the configuration names (nothing for `none`).
    public func loadPretrained() throws {
        guard let path = config.pretrainedPath(projectRoot: FileManager.default.currentDirectoryPath) else { return }
        guard FileManager.default.fileExists(atPath: path) else {
            throw PipelineError.unreadable(path: path, reason: config.weights == "imagenet"
                ? "no ImageNet weights here: run `detect weights fetch \(config.type.rawValue)` (or scripts/fetch-weights) first"
                : "no such weights file")
        }
        switch config.type {
        case .mobilenetV2:
            do { try MobileNetV2.loadPretrained(path: path, into: network, prefix: prefix) } catch {
                throw PipelineError.modelMismatch(path: path, reason: "not MobileNetV2 weights with torchvision's names: \(error)")
            }
        case .resnet:
            let report = try StateDict.load(path: path, into: network, strict: false)
            guard report.missing.isEmpty, report.shapeMismatches.isEmpty else {
                throw PipelineError.modelMismatch(path: path, reason: report.description)
            }
        }
    }
}
