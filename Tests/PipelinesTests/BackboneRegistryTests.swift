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
            XCTAssertEqual(shapes.count, 1)
            let shape = try XCTUnwrap(shapes.first)
            let network = try backbone.network(config, prefix: "backbone.body")
            let out = try FLOPCounter.count(network, inputShape: [1, 3, 128, 192]).outputShape
            XCTAssertEqual(out, [1, shape.channels, 128 / shape.stride, 192 / shape.stride], "\(config.type) at stride \(config.stride)")
            let extractor = try FeatureExtractor(config)
            XCTAssertEqual(extractor.outputs, shapes)
            XCTAssertEqual([extractor.channels, extractor.stride], [shape.channels, shape.stride])
        }
        XCTAssertEqual(try FeatureExtractor(PipelineConfig.BackboneConfig()).outputs,
                       [FeatureMapShape(name: "layer3", stride: 16, channels: 256)])
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
