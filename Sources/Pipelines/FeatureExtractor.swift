import Foundation
import NeuralNet

/// The CNN a pipeline shares between its stages, built by the backbone the
/// pipeline file's `backbone.type` names (`Backbones`), with its neck: its
/// network (parameters under `backbone.body.`) and the feature maps the
/// detector stages read (`levels`). Without a neck that is the backbone's
/// deepest map alone; with `neck.type: fpn` it is the Feature Pyramid
/// Network's levels (parameters under `backbone.fpn.`, as torchvision's
/// `BackboneWithFPN`), built from the backbone maps at `neck.in_strides`.
public struct FeatureExtractor {
    public let config: PipelineConfig.BackboneConfig
    public let network: Sequential
    /// Every map the backbone can output (`Backbone.outputShapes`).
    public let outputs: [FeatureMapShape]
    public let neck: FeaturePyramidNetwork?
    /// The maps the detector stages read, finest first: `p3`, `p4`, … (stride
    /// 2^k) for a pyramid.
    public let levels: [FeatureMapShape]
    /// How many of `levels`, from the first, RoIs are pooled from: all but
    /// the FPN's max-pooled level, which only the RPN reads.
    public let pooledLevels: Int
    /// Channels of every level.
    public let channels: Int
    /// Stride of the finest level (of the one map without a neck).
    public let stride: Int
    /// The backbone maps the neck reads.
    let taps: [FeatureMapShape]
    let backbone: any Backbone.Type
    let prefix: String

    public init(_ config: PipelineConfig.BackboneConfig, neck neckConfig: PipelineConfig.NeckConfig = .init(),
                prefix: String = "backbone.body") throws {
        self.config = config
        self.prefix = prefix
        backbone = Backbones.implementation(of: config.type)
        network = try backbone.network(config, prefix: prefix)
        outputs = try backbone.outputShapes(config)
        guard let deepest = outputs.last else {
            throw PipelineError.other("backbone \(config.type.rawValue) declares no feature map")
        }
        switch neckConfig.type {
        case .none:
            (neck, taps, levels, pooledLevels) = (nil, [deepest], [deepest], 1)
        case .fpn:
            let available = outputs
            taps = try neckConfig.inStrides.map { s in
                guard let map = available.first(where: { $0.stride == s }) else {
                    throw PipelineError.other("neck.in_strides: the \(config.type.rawValue) backbone has no map at stride \(s)")
                }
                return map
            }
            let pyramid = try FeaturePyramidNetwork(inChannels: taps.map(\.channels), channels: neckConfig.channels,
                                                    maxPoolLevel: neckConfig.maxPoolLevel)
            neck = pyramid
            let strides = neckConfig.levelStrides(backboneStride: deepest.stride)
            levels = strides.map { FeatureMapShape(name: "p\($0.trailingZeroBitCount)", stride: $0, channels: neckConfig.channels) }
            pooledLevels = taps.count
        }
        channels = levels[0].channels
        stride = levels[0].stride
    }

    /// Parameters of the backbone, then of the neck.
    public var parameters: [Parameter] { network.parameters + (neck?.parameters ?? []) }
    /// What a weights file holds: parameters and buffers (batch-norm statistics).
    public var state: [Parameter] { network.parameters + network.buffers + (neck?.parameters ?? []) }

    /// He initialisation of every backbone convolution and the neck's own
    /// (reproducible from `rng`), then, when the pipeline names pretrained
    /// weights, those weights on top.
    public func initialise(using rng: inout SeededGenerator) throws {
        for p in network.parameters where p.value.rank == 4 { try Initialisation.kaiming(p, using: &rng) }
        try neck?.initialise(using: &rng)
        try loadPretrained()
    }

    /// The maps of `levels` for `input`, computed by `network` (this
    /// extractor's, or an inference copy of it: maps are found by name).
    public func forward(_ input: Tensor, through network: Sequential) throws -> [Tensor] {
        try neckForward(backboneForward(input, through: network))
    }

    /// The backbone's part of `forward`: the maps the neck reads (without a
    /// neck, the deepest map, which is already the one level).
    public func backboneForward(_ input: Tensor, through network: Sequential) throws -> [Tensor] {
        guard neck != nil else { return [try network.forward(input)] }
        let (container, indices) = try Self.tapped(network, taps.map(\.name))
        return try container.forward(input, keepingOutputsOf: indices)
    }

    /// The neck's part of `forward`: the levels, from the backbone's maps.
    public func neckForward(_ maps: [Tensor]) throws -> [Tensor] {
        guard let neck else { return maps }
        return try neck.forward(maps)
    }

    /// Back-propagates the gradients w.r.t. each level of the last `forward`
    /// through the neck and the backbone.
    public func backward(_ gradients: [Tensor]) throws {
        guard let neck else { _ = try network.backward(gradients[0]); return }
        let (container, indices) = try Self.tapped(network, taps.map(\.name))
        _ = try container.backward(neck.backward(gradients), ofOutputsOf: indices)
    }

    /// The `Sequential` inside `network` whose children are the named maps
    /// (reached through single-child wrappers such as MobileNetV2's
    /// `features`, so running it is running the network), and their indices.
    static func tapped(_ network: Sequential, _ names: [String]) throws -> (Sequential, [Int]) {
        var container = network, path = ""
        while container.children.count == 1, let only = container.children.first, let inner = only.layer as? Sequential,
              names.allSatisfy({ $0.hasPrefix(path + only.name + ".") }) {
            path += only.name + "."
            container = inner
        }
        let indices = try names.map { name in
            guard let i = container.children.firstIndex(where: { path + $0.name == name }) else {
                throw PipelineError.other("the backbone has no block \(name) to read a feature map from")
            }
            return i
        }
        return (container, indices)
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
