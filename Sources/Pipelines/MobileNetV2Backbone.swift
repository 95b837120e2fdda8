import NeuralNet
import WeightFormats

/// `backbone.type: mobilenet_v2`: torchvision's MobileNetV2, cut after block
/// 13 (96 channels at stride 16) or whole (1,280 channels at stride 32), with
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
        let cut = try MobileNetV2.cut(stride: config.stride)
        return [FeatureMapShape(name: "features.\(cut.blocks - 1)", stride: config.stride, channels: cut.channels)]
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
