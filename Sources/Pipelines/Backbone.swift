import NeuralNet

/// One feature map a backbone outputs (detectron2's `ShapeSpec`): its name,
/// its stride in input pixels and its channels.
public struct FeatureMapShape: Sendable, Equatable {
    public var name: String
    public var stride: Int
    public var channels: Int

    public init(name: String, stride: Int, channels: Int) {
        self.name = name
        self.stride = stride
        self.channels = channels
    }
}

/// What a `backbone.type` is: which values of the pipeline's `backbone:`
/// section it accepts, the named feature maps it outputs (detectron2's
/// `output_shape()`), how its network is built and how its pretrained weights
/// load. Adding a backbone: a type conforming to this, a case of
/// `PipelineConfig.BackboneConfig.Kind`, and its line in `Backbones.implementation(of:)`.
public protocol Backbone {
    /// Why this backbone cannot run with `config` (naming the key, its value
    /// and what is allowed), or nil. Pipeline validation asks the backbone.
    static func problem(with config: PipelineConfig.BackboneConfig) -> String?
    /// The maps the network can output, shallowest first: each is named by the
    /// path of the child whose output it is (`features.6`, `layer2`), all
    /// children of one `Sequential` inside the network; the last is the
    /// network's own output. A neck picks several; without one the detectors
    /// read the last.
    static func outputShapes(_ config: PipelineConfig.BackboneConfig) throws -> [FeatureMapShape]
    /// The network, its parameters and buffers named under `prefix`.
    static func network(_ config: PipelineConfig.BackboneConfig, prefix: String) throws -> Sequential
    /// Loads the pretrained weights of the safetensors file at `path` into `network`.
    static func loadPretrained(path: String, into network: Sequential, prefix: String) throws
}

/// The registry of backbones, keyed by `backbone.type`.
public enum Backbones {
    public static func implementation(of type: PipelineConfig.BackboneConfig.Kind) -> any Backbone.Type {
        switch type {
        case .resnet: return ResNetBackbone.self
        case .mobilenetV2: return MobileNetV2Backbone.self
        }
    }
}
