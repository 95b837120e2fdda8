import XCTest
import NeuralNet
@testable import Pipelines

/// Every `backbone.type` is in the registry, says what maps it outputs, and
/// the network it builds outputs exactly those.
final class BackboneRegistryTests: XCTestCase {
    func testEachBackboneOutputsTheMapsItDeclares() throws {
        var configs: [PipelineConfig.BackboneConfig] = []
        for type in PipelineConfig.BackboneConfig.Kind.allCases {
            var c = PipelineConfig.BackboneConfig()
            c.type = type
            configs.append(c)
            if type == .mobilenetV2 { c.stride = 32; configs.append(c) }
        }
        for config in configs {
            let backbone = Backbones.implementation(of: config.type)
            XCTAssertNil(backbone.problem(with: config), "\(config)")
            let shapes = try backbone.outputShapes(config)
            let deepest = try XCTUnwrap(shapes.last)
            XCTAssertEqual(deepest.stride, config.stride, "the last map is the network's output")
            let network = try backbone.network(config, prefix: "backbone.body")
            let out = try FLOPCounter.count(network, inputShape: [1, 3, 128, 192]).outputShape
            XCTAssertEqual(out, [1, deepest.channels, 128 / deepest.stride, 192 / deepest.stride], "\(config.type) at stride \(config.stride)")
            // Every declared map comes out of the block it names, in its shape.
            let (container, indices) = try FeatureExtractor.tapped(network, shapes.map(\.name))
            let maps = try container.forward(Tensor(zeros: [1, 3, 128, 192]), keepingOutputsOf: indices)
            for (map, shape) in zip(maps, shapes) {
                XCTAssertEqual(map.shape, [1, shape.channels, 128 / shape.stride, 192 / shape.stride], "\(config.type) \(shape.name)")
            }
            let extractor = try FeatureExtractor(config)
            XCTAssertEqual(extractor.outputs, shapes)
            XCTAssertEqual(extractor.levels, [deepest], "without a neck the detectors read the deepest map")
            XCTAssertEqual([extractor.channels, extractor.stride], [deepest.channels, deepest.stride])
        }
        XCTAssertEqual(try MobileNetV2Backbone.outputShapes(configs[2]).map(\.name), ["features.3", "features.6", "features.13", "features.18"])
        XCTAssertEqual(try FeatureExtractor(PipelineConfig.BackboneConfig()).levels,
                       [FeatureMapShape(name: "layer3", stride: 16, channels: 256)])
    }

    /// `neck.type: fpn`: the extractor reads the backbone at the neck's
    /// strides and hands the detectors one map per level, with torchvision's
    /// parameter names, in the inference copy as in the training network.
    func testPyramidExtractorOutputsOneMapPerLevel() throws {
        var backbone = PipelineConfig.BackboneConfig()
        backbone.type = .mobilenetV2
        backbone.stride = 32
        var neck = PipelineConfig.NeckConfig()
        neck.type = .fpn
        neck.channels = 16
        let extractor = try FeatureExtractor(backbone, neck: neck)
        XCTAssertEqual(extractor.levels.map(\.name), ["p3", "p4", "p5", "p6"])
        XCTAssertEqual(extractor.levels.map(\.stride), [8, 16, 32, 64])
        XCTAssertEqual(extractor.pooledLevels, 3, "the max-pooled level is the RPN's alone")
        XCTAssertTrue(extractor.parameters.map(\.name).contains("backbone.fpn.inner_blocks.2.0.weight"))
        XCTAssertTrue(extractor.state.map(\.name).contains("backbone.fpn.layer_blocks.0.0.bias"))
        var rng = SeededGenerator(seed: 1)
        for p in extractor.parameters { p.value = Initialisation.normal(shape: p.value.shape, std: 0.1, using: &rng) }
        let input = Initialisation.normal(shape: [1, 3, 96, 160], std: 1, using: &rng)
        let maps = try extractor.forward(input, through: extractor.network)
        XCTAssertEqual(maps.map(\.shape), [[1, 16, 12, 20], [1, 16, 6, 10], [1, 16, 3, 5], [1, 16, 2, 3]])
        extractor.network.training = false
        let fused = try extractor.forward(input, through: InferenceFusion.fused(extractor.network))
        let plain = try extractor.forward(input, through: extractor.network)
        for (a, b) in zip(fused, plain) {
            XCTAssertEqual(a.shape, b.shape)
            let worst = zip(a.data, b.data).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3, "the fused copy is tapped at the same blocks")
        }
        extractor.network.training = true
        _ = try extractor.forward(input, through: extractor.network)
        for p in extractor.parameters { p.zeroGrad() }
        try extractor.backward(maps.map { Tensor(shape: $0.shape, data: [Float](repeating: 1, count: $0.count)) })
        let inner = try XCTUnwrap(extractor.parameters.first { $0.name == "backbone.fpn.inner_blocks.0.0.weight" })
        XCTAssertGreaterThan(inner.grad.data.map(abs).max() ?? 0, 0, "the finest lateral convolution learns")
        let block6 = try XCTUnwrap(extractor.parameters.first { $0.name.hasPrefix("backbone.body.features.6.") && $0.requiresGrad })
        XCTAssertGreaterThan(block6.grad.data.map(abs).max() ?? 0, 0, "the stride-8 block gets the finest level's gradient")
    }

    func testBackbonesCheckTheirOwnKeys() {
        var resnet = PipelineConfig.BackboneConfig()
        resnet.stride = 32
        XCTAssertEqual(ResNetBackbone.problem(with: resnet), "backbone.stride = 32: the resnet backbone has stride 16")
        var mobile = PipelineConfig.BackboneConfig()
        mobile.type = .mobilenetV2
        mobile.frozenStages = 15
        XCTAssertEqual(MobileNetV2Backbone.problem(with: mobile),
                       "backbone.frozen_stages (mobilenet_v2 at stride 16) = 15 is outside 0...14")
        mobile.stride = 32
        XCTAssertNil(MobileNetV2Backbone.problem(with: mobile))
        mobile.stride = 8
        XCTAssertEqual(MobileNetV2Backbone.problem(with: mobile), "backbone.stride = 8: must be 16 or 32")
    }
}
