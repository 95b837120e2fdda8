import Foundation
import NeuralNet

/// The CNN a pipeline shares between its stages, built by the backbone the
/// pipeline file's `backbone.type` names (`Backbones`): its network
/// (parameters under `backbone.body.`) and the feature maps it outputs. The
/// detectors take one map: `channels` and `stride` are that map's.
public struct FeatureExtractor {
    public let config: PipelineConfig.BackboneConfig
    public let network: Sequential
    public let outputs: [FeatureMapShape]
    public let channels: Int
    public let stride: Int
    let backbone: any Backbone.Type

    public init(_ config: PipelineConfig.BackboneConfig, prefix: String = "backbone.body") throws {
        self.config = config
        backbone = Backbones.implementation(of: config.type)
        network = try backbone.network(config, prefix: prefix)
        outputs = try backbone.outputShapes(config)
        guard outputs.count == 1, let map = outputs.first else {
            throw PipelineError.other("backbone \(config.type.rawValue) outputs \(outputs.count) feature maps; the detectors take one")
        }
        (channels, stride) = (map.channels, map.stride)
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
        try backbone.loadPretrained(path: path, into: network, prefix: prefix)
    }
}
