import NeuralNet
import WeightFormats

/// `backbone.type: mobilenet_v2`: torchvision's MobileNetV2, cut after block
/// 13 (96 channels at stride 16) or whole (1,280 channels at stride 32), with
/// the last block of each stride as a map a neck can read (24, 32, 96 and
/// 1,280 channels at strides 4, 8, 16 and 32),
/// its first `frozen_stages` blocks fixed; ImageNet weights load by name.
public enum MobileNetV2Backbone: Backbone {
    public static func problem(with config: PipelineConfig.BackboneConfig) -> String? {
        guard let cut = try? MobileNetV2.cut(stride: config.stride) else {
            return "backbone.stride = \(config.stride): must be 16 or 32"
        }
        guard (0...cut.blocks).contains(config.frozenStages) else {
            return "backbone.frozen_stages (mobilenet_v2 at stride \(config.stride)) = \(config.frozenStages) is outside 0...\(cut.blocks)"
        }
        return nil
    }

    public static func outputShapes(_ config: PipelineConfig.BackboneConfig) throws -> [FeatureMapShape] {
        try MobileNetV2.stageOutputs(blocks: MobileNetV2.cut(stride: config.stride).blocks).map {
            FeatureMapShape(name: "features.\($0.block)", stride: $0.stride, channels: $0.channels)
        }
    }

    public static func network(_ config: PipelineConfig.BackboneConfig, prefix: String) throws -> Sequential {
        let cut = try MobileNetV2.cut(stride: config.stride)
        // Pretrained backbones keep ImageNet's batch statistics: two images
        // per step give no usable ones (torchvision's FrozenBatchNorm2d).
        return try MobileNetV2.features(blocks: cut.blocks, frozenBlocks: config.frozenStages,
                                        frozenBatchNorm: config.isPretrained).named(prefix)
    }

    public static func loadPretrained(path: String, into network: Sequential, prefix: String) throws {
        do { try MobileNetV2.loadPretrained(path: path, into: network, prefix: prefix) } catch {
            throw PipelineError.modelMismatch(path: path, reason: "not MobileNetV2 weights with torchvision's names: \(error)")
        }
    }
}
