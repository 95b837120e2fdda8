import Foundation
import XCTest
import Boxes
import Imaging
import NeuralNet
@testable import Pipelines
@testable import Training

/// `rcnn.classifier: softmax` scores R-CNN's regions with the layer the CNN
/// was fine-tuned with instead of the SVMs (the paper's appendix B).
final class RCNNSoftmaxClassifierTests: XCTestCase {
    /// The key is typed, and the stage list names the classifier that runs.
    func testClassifierKeyAndItsStage() throws {
        func reason(_ yaml: String) -> String {
            do { _ = try PipelineConfig.parse(yaml, path: "p.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(try PipelineConfig.parse("name: rcnn\nstages: [selective_search, warp, cnn_features, svm]\n").rcnn.classifier, .svm)
        XCTAssertEqual(try PipelineConfig.parse("name: rcnn\nstages: [selective_search, warp, cnn_features, softmax]\nrcnn: {classifier: softmax}\n").rcnn.classifier,
                       .softmax)
        let bad = reason("name: rcnn\nstages: [selective_search, cnn_features]\nrcnn: {classifier: boosting}\n")
        XCTAssertTrue(bad.contains("rcnn.classifier") && bad.contains("'boosting' is not one of svm, softmax"), bad)
        let stage = reason("name: rcnn\nstages: [selective_search, warp, cnn_features, svm]\nrcnn: {classifier: softmax}\n")
        XCTAssertTrue(stage.contains("stages: 'svm' does not run when rcnn.classifier is softmax"), stage)
    }

    /// The detector's softmax scores are the fine-tuning layer's probabilities
    /// on the CNN's own, unscaled features: the SVMs' feature scale (the
    /// features `features(_:boxes:)` returns carry it) must be undone, or the
    /// logits would be multiplied by it.
    func testSoftmaxScoresAreTheFineTuningLayersProbabilities() throws {
        try BCCD.available()
        var c = try DetectorFixture.config(.rcnn)
        c.rcnn.classifier = .softmax
        let detector = try RCNNDetector(config: c, classes: BCCD.classes)
        var rng = SeededGenerator(seed: 3)
        try detector.features.initialise(using: &rng)
        detector.fineTuneClassifier.weight.value = Initialisation.normal(shape: detector.fineTuneClassifier.weight.value.shape,
                                                                        std: 0.05, using: &rng)
        detector.featureScale = 7.5
        let image = try JPEG.decode(path: try BCCD.sample("BloodImage_00000").path)
        let boxes = [Box(x1: 10, y1: 20, x2: 110, y2: 140), Box(x1: 300, y1: 200, x2: 420, y2: 300),
                     Box(x1: 0, y1: 0, x2: 640, y2: 480)]
        var timer = StageTimer()
        let scores = try detector.softmaxScores(try detector.features(image, boxes: boxes, timer: &timer), count: boxes.count)
        detector.backbone.training = false
        let logits = try detector.fineTuneClassifier.forward(detector.cnnFeatures(detector.warpedRegions(image, boxes: boxes)))
        let k1 = BCCD.classes.count + 1
        XCTAssertEqual(scores.count, BCCD.classes.count)
        for r in 0..<boxes.count {
            let row = Array(logits.data[(r * k1)..<((r + 1) * k1)])
            let m = row.max()!
            let e = row.map { expf($0 - m) }
            let sum = e.reduce(0, +)
            var foreground: Float = 0
            for k in 0..<BCCD.classes.count {
                XCTAssertEqual(scores[k][r], e[k + 1] / sum, accuracy: 1e-4, "region \(r), class \(k)")
                foreground += scores[k][r]
            }
            XCTAssertLessThan(foreground, 1, "background keeps its share")
        }
    }

    /// Trained with the softmax classifier, R-CNN skips the SVMs (their
    /// weights stay the untrained ones), still fits box regressors, and the
    /// saved model detects with the `softmax` stage timed.
    func testTrainingWithTheSoftmaxClassifierSkipsTheSVMs() throws {
        try BCCD.available()
        var c = try DetectorFixture.config(.rcnn)
        c.training.epochs = 1
        c.rcnn.classifier = .softmax
        c.stages = c.stages.map { $0 == "svm" ? "softmax" : $0 }
        let samples = try ["BloodImage_00000", "BloodImage_00001"].map(BCCD.sample)
        let detector = try RCNNDetector(config: c, classes: BCCD.classes)
        let untrained = detector.svms
        let trainer = RCNNTrainer(detector: detector, samples: samples, proposals: try DetectorFixture.proposals(samples, c))
        trainer.showProgress = false
        trainer.log = { _ in }
        let summary = try trainer.train()
        XCTAssertTrue(summary.svmTrainingAccuracy.isEmpty)
        XCTAssertTrue(detector.svms == untrained)
        XCTAssertGreaterThan(summary.regressorExamples.reduce(0, +), 0)
        let path = DetectorFixture.temp("rcnn-softmax")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try detector.bundle().save(to: path)
        try DetectorFixture.checkPipeline(c, modelPath: path, image: samples[0].path, classes: BCCD.classes)
    }
}
