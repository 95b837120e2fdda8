import Foundation
import XCTest
@testable import Pipelines

final class PipelineConfigTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testProjectPipelineFilesParse() throws {
        for kind in PipelineKind.allCases {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(kind.rawValue).yaml").path)
            XCTAssertEqual(c.name, kind)
            XCTAssertEqual(c.stages.first, "decode")
            XCTAssertEqual(c.stages.last, "nms")
            XCTAssertEqual(c.postprocess.nmsThreshold, 0.3)
        }
        let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn.yaml").path)
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path)
        // Fast R-CNN differs from Faster R-CNN by its proposal stage.
        XCTAssertEqual(fast.stages.filter { $0 != "selective_search" }, faster.stages.filter { $0 != "rpn" })
        XCTAssertEqual(fast.roiPooling, faster.roiPooling)
        XCTAssertEqual(fast.boxHead.representationSize, faster.boxHead.representationSize)
        XCTAssertEqual(faster.rpn.postNmsTopNTest, 300)
        XCTAssertEqual(faster.rpn.preNmsTopNTrain, 12000)
    }

    func testMissingKeysTakeDefaults() throws {
        let c = try PipelineConfig.parse("name: faster-rcnn\nstages: [backbone]\nrpn:\n  nms_threshold: 0.6\n")
        XCTAssertEqual(c.rpn.nmsThreshold, 0.6)
        XCTAssertEqual(c.rpn.postNmsTopNTrain, 2000)
        XCTAssertEqual(c.boxHead.boxCoderWeights, [10, 10, 5, 5])
        XCTAssertEqual(c.roiPooling.type, "roi_pool")
    }

    func testBadFilesAreRejectedWithTheKeyNamed() {
        func reason(_ yaml: String) -> String {
            do { _ = try PipelineConfig.parse(yaml, path: "p.yaml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [a]\nrpn:\n  nms_treshold: 0.6\n").contains("rpn.nms_treshold"))
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [a]\nrpn:\n  nms_threshold: high\n").contains("p.yaml"))
        XCTAssertTrue(reason("name: yolo\nstages: [a]\n").contains("name must be one of"))
        XCTAssertTrue(reason("name: fast-rcnn\nstages: [a]\nroi_pooling:\n  type: psroi\n").contains("roi_pooling.type"))
        XCTAssertTrue(reason("name: fast-rcnn\n").contains("stages"))
        XCTAssertTrue(reason("[1, 2").contains("p.yaml"))
    }

    /// The pretrained pipeline files: MobileNetV2 from ImageNet, and Fast R-CNN
    /// still Faster R-CNN with another proposal stage.
    func testPretrainedPipelineFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix("-mobilenet.yaml") }.sorted()
        XCTAssertEqual(files, ["fast-rcnn-mobilenet.yaml", "faster-rcnn-mobilenet.yaml", "rcnn-mobilenet.yaml"])
        for file in files {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(file)").path)
            XCTAssertEqual(c.backbone.kind, .mobilenetV2, file)
            XCTAssertEqual(c.backbone.weights, "imagenet", file)
            XCTAssertTrue(c.model.hasSuffix("-mobilenet.safetensors"), file)
        }
        let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn-mobilenet.yaml").path)
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn-mobilenet.yaml").path)
        XCTAssertEqual(fast.backbone, faster.backbone)
        XCTAssertEqual(fast.roiPooling, faster.roiPooling)
        XCTAssertEqual(fast.stages.filter { $0 != "selective_search" }, faster.stages.filter { $0 != "rpn" })
        // The default stays the from-scratch ResNet.
        XCTAssertEqual(try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path).backbone,
                       PipelineConfig.BackboneConfig())
    }

    func testBackboneSectionIsValidated() {
        func reason(_ backbone: String) -> String {
            do { _ = try PipelineConfig.parse("name: faster-rcnn\nstages: [a]\nbackbone:\n" + backbone, path: "p.yaml"); return "accepted" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(reason("  type: mobilenet_v2\n  stride: 32\n  frozen_stages: 19\n"), "accepted")
        XCTAssertTrue(reason("  type: vgg16\n").contains("backbone.type"))
        XCTAssertTrue(reason("  type: mobilenet_v2\n  stride: 8\n").contains("backbone.stride"))
        XCTAssertTrue(reason("  type: mobilenet_v2\n  frozen_stages: 15\n").contains("backbone.frozen_stages"))
        XCTAssertTrue(reason("  type: resnet\n  weights: imagenet\n").contains("backbone.weights"))
        XCTAssertTrue(reason("  type: resnet\n  frozen_stages: 2\n").contains("backbone.frozen_stages"))
    }

    func testImageNetWeightsResolveUnderTheProjectRoot() {
        var b = PipelineConfig.BackboneConfig()
        XCTAssertNil(b.pretrainedPath(projectRoot: "/p"))
        b.type = "mobilenet_v2"; b.weights = "imagenet"
        XCTAssertEqual(b.pretrainedPath(projectRoot: "/p"), "/p/models/imagenet/mobilenet_v2.safetensors")
        b.weights = "/abs/w.safetensors"
        XCTAssertEqual(b.pretrainedPath(projectRoot: "/p"), "/abs/w.safetensors")
    }
}
