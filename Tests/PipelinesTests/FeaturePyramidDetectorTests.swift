import Foundation
import XCTest
import Boxes
import Imaging
import NeuralNet
@testable import Pipelines
@testable import Training

/// Faster and Fast R-CNN with a feature pyramid: they train (the loss falls
/// on two images), their models round-trip to identical detections, and a
/// single-map pipeline refuses a pyramid model in one sentence.
final class FeaturePyramidDetectorTests: XCTestCase {
    func pyramidConfig(_ kind: PipelineArchitecture) throws -> PipelineConfig {
        var c = try DetectorFixture.config(kind)
        c.neck.type = .fpn
        c.neck.inStrides = [4, 8, 16]   // the small ResNet's layer1, layer2, layer3
        c.neck.channels = 32
        c.neck.maxPoolLevel = kind == .fasterRCNN
        c.rpn.anchorSizes = [16, 24, 32, 48, 64, 96, 128, 256]
        c.rpn.channels = 32
        c.roiPooling.type = .roiAlign
        c.roiPooling.canonicalSize = 64   // RoIs of BCCD cells at 192-256 pixels reach several levels
        try c.validate(path: "fpn-test")
        return c
    }

    func testFasterRCNNWithPyramidTrainsAndRoundTrips() throws {
        try BCCD.available()
        var c = try pyramidConfig(.fasterRCNN)
        c.training.epochs = 8
        c.training.imagesPerBatch = 1
        c.training.learningRate = 0.01
        c.training.lrDropFractions = []
        let samples = try ["BloodImage_00000", "BloodImage_00001"].map(BCCD.sample)
        let detector = try TwoStageDetector(config: c, classes: BCCD.classes)
        XCTAssertEqual(detector.rpn?.anchorGenerators.map(\.stride), [4, 8, 16, 32])
        XCTAssertEqual(detector.rpn?.anchorGenerators.map(\.sizes), [[16, 24], [32, 48], [64, 96], [128, 256]])
        XCTAssertEqual(detector.pooler.strides, [4, 8, 16])
        let trainer = TwoStageTrainer(detector: detector, samples: samples)
        trainer.showProgress = false
        let ckpt = DetectorFixture.temp("fpn-ckpt"), path = DetectorFixture.temp("fpn")
        defer { for p in [ckpt, path] { try? FileManager.default.removeItem(atPath: p) } }
        let epochs = try trainer.train(checkpointPath: ckpt, resume: false)
        let losses = epochs.map(\.meanLoss.total)
        XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(losses)")
        XCTAssertLessThan(losses.last!, 0.7 * losses.first!, "the joint loss falls: \(losses)")
        // Proposals come from every level of the pyramid.
        let image = try JPEG.decode(path: samples[0].path)
        detector.training = false
        let (input, _) = detector.transform.apply(image)
        let maps = try detector.features.forward(input, through: detector.backbone)
        let out = try XCTUnwrap(detector.rpn).forward(maps)
        XCTAssertEqual(out.objectness.count, 4)
        XCTAssertEqual(out.anchors.count, zip(out.objectness, detector.rpn!.anchorGenerators).reduce(0) {
            $0 + $1.0.shape[2] * $1.0.shape[3] * $1.1.anchorsPerLocation })
        try detector.bundle().save(to: path)
        XCTAssertTrue(try ModelBundle.load(path: path).tensors.keys.contains("backbone.fpn.layer_blocks.2.0.weight"))
        var t1 = StageTimer(), t2 = StageTimer()
        let before = try detector.detect(image, timer: &t1)
        XCTAssertFalse(before.isEmpty)
        let loaded = try TwoStageDetector(config: c, bundle: try ModelBundle.load(path: path), path: path)
        XCTAssertEqual(try loaded.detect(image, timer: &t2), before, "the model carries the pyramid's weights")
        // A pipeline listing the `neck` stage times the pyramid on its own, with the same detections.
        var timed = c
        timed.stages.insert("neck", at: try XCTUnwrap(timed.stages.firstIndex(of: "backbone")) + 1)
        try timed.validate(path: "fpn-neck")
        let split = try TwoStageDetector(config: timed, bundle: try ModelBundle.load(path: path), path: path)
        var t3 = StageTimer()
        XCTAssertEqual(try split.detect(image, timer: &t3), before)
        XCTAssertEqual(t3.milliseconds.map(\.stage), ["preprocess", "backbone", "neck", "rpn", "roi_pool", "box_head", "nms"])
        XCTAssertFalse(t2.milliseconds.contains { $0.stage == "neck" }, "without the stage the pyramid counts as backbone")
        try DetectorFixture.checkPipeline(c, modelPath: path, image: samples[0].path, classes: BCCD.classes)
        // The single-map pipeline of the same architecture and backbone refuses it, naming the neck.
        let single = try DetectorFixture.config(.fasterRCNN)
        XCTAssertThrowsError(try DetectionPipeline(config: single, modelPath: path)) {
            XCTAssertTrue("\($0)".contains("with neck fpn on strides 4, 8, 16 with 32 channels and a max-pooled level"), "\($0)")
        }
    }

    func testFastRCNNPoolsSelectiveSearchRegionsFromTheirLevels() throws {
        try BCCD.available()
        var c = try pyramidConfig(.fastRCNN)
        c.training.epochs = 2
        let samples = try ["BloodImage_00000", "BloodImage_00001"].map(BCCD.sample)
        let proposals = try DetectorFixture.proposals(samples, c)
        let detector = try TwoStageDetector(config: c, classes: BCCD.classes)
        XCTAssertNil(detector.rpn)
        XCTAssertEqual(detector.features.levels.map(\.stride), [4, 8, 16], "no max-pooled level without an RPN")
        let (_, scale) = detector.transform.apply(try JPEG.decode(path: samples[0].path))
        let rois = proposals[samples[0].path]!.map { $0.scaled(by: scale) }
        XCTAssertGreaterThan(Set(detector.pooler.levels(of: rois)).count, 1, "selective search regions span levels")
        let trainer = TwoStageTrainer(detector: detector, samples: samples, proposals: proposals)
        trainer.showProgress = false
        let ckpt = DetectorFixture.temp("fast-fpn-ckpt"), path = DetectorFixture.temp("fast-fpn")
        defer { for p in [ckpt, path] { try? FileManager.default.removeItem(atPath: p) } }
        let epochs = try trainer.train(checkpointPath: ckpt, resume: false)
        XCTAssertTrue(epochs.allSatisfy { $0.meanLoss.total.isFinite && $0.meanLoss.classifier > 0 })
        try detector.bundle().save(to: path)
        try DetectorFixture.checkPipeline(c, modelPath: path, image: samples[0].path, classes: BCCD.classes)
    }
}
