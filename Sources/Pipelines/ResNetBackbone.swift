import NeuralNet
import WeightFormats

/// `backbone.type: resnet`: the toolkit's small ResNet, output at stride 16
/// (layer1 and layer2, at strides 4 and 8, for a neck),
/// trained from scratch (or from a file of weights with its names).
public enum ResNetBackbone: Backbone {
    public static func problem(with config: PipelineConfig.BackboneConfig) -> String? {
        if config.stride != ResNet.stride {
            return "backbone.stride = \(config.stride): the resnet backbone has stride \(ResNet.stride)"
        }
        if config.frozenStages != 0 {
            return "backbone.frozen_stages = \(config.frozenStages): must be 0 for the resnet backbone (it trains from scratch)"
        }
        if config.weights == "imagenet" {
            return "backbone.weights = imagenet: no ImageNet weights exist for the resnet backbone; use mobilenet_v2"
        }
        return nil
    }

    public static func outputShapes(_ config: PipelineConfig.BackboneConfig) throws -> [FeatureMapShape] {
        [FeatureMapShape(name: "layer1", stride: 4, channels: 64),
         FeatureMapShape(name: "layer2", stride: 8, channels: 128),
         FeatureMapShape(name: "layer3", stride: ResNet.stride, channels: ResNet.outChannels)]
    }

    public static func network(_ config: PipelineConfig.BackboneConfig, prefix: String) throws -> Sequential {
        ResNet.default(prefix: prefix)
    }

    public static func loadPretrained(path: String, into network: Sequential, prefix: String) throws {
        let report = try StateDict.load(path: path, into: network, strict: false)
        guard report.missing.isEmpty, report.shapeMismatches.isEmpty else {
            throw PipelineError.modelMismatch(path: path, reason: report.description)
        }
    }
}
