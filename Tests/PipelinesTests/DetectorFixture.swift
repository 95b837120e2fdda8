import Foundation
import XCTest
import Boxes
import Imaging
import Proposals
@testable import Pipelines
@testable import Training

/// What the detector tests share: a pipeline file shrunk to a few seconds of
/// training on BCCD images, temporary model paths, selective search proposals,
/// and the checks every loaded pipeline must pass.
enum DetectorFixture {
    static func config(_ kind: PipelineArchitecture) throws -> PipelineConfig {
        var c = try PipelineConfig.load(path: PipelineConfigTests.root.appendingPathComponent("pipelines/\(kind.rawValue).yaml").path)
        c.input.minSize = 192
        c.input.maxSize = 256
        c.training.epochs = 2
        c.training.imagesPerBatch = 2
        c.training.warmupIterations = 1
        c.training.scaleJitter = []
        c.selectiveSearch.maxSide = 200
        c.selectiveSearch.maxProposals = 300
        c.rcnn.maxProposals = 100
        c.rcnn.trainProposals = 100
        c.rcnn.fineTuneRegionsPerImage = 32
        c.rcnn.miningRounds = 1
        return c
    }

    static func temp(_ name: String) -> String { NSTemporaryDirectory() + "\(name)-\(UUID().uuidString).safetensors" }

    static func proposals(_ samples: [TrainingSample], _ c: PipelineConfig) throws -> [String: [Box]] {
        let search = DetectionPipeline.selectiveSearch(c.selectiveSearch)
        var out: [String: [Box]] = [:]
        for s in samples { out[s.path] = search.proposals(for: try JPEG.decode(path: s.path)) }
        return out
    }

    static func checkPipeline(_ c: PipelineConfig, modelPath: String, image: String, classes: [String]) throws {
        let pipeline = try DetectionPipeline(config: c, modelPath: modelPath)
        XCTAssertEqual(pipeline.classes, classes)
        let out = try pipeline.detect(path: image)
        XCTAssertEqual(out.timings.map(\.stage), c.stages, "every stage of the pipeline file is timed, in order")
        XCTAssertTrue(out.timings.allSatisfy { $0.ms >= 0 })
        XCTAssertEqual(out.width, 640)
        for d in out.detections {
            XCTAssertTrue(d.box.x1 >= 0 && d.box.y1 >= 0 && d.box.x2 <= 640 && d.box.y2 <= 480 && !d.box.isDegenerate)
            XCTAssertTrue((0..<classes.count).contains(d.label))
            XCTAssertTrue(d.score > 0 && d.score <= 1)
        }
        XCTAssertLessThanOrEqual(out.detections.count, c.postprocess.detectionsPerImage)
    }
}
