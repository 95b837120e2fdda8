import Foundation
import XCTest
import Boxes
import Imaging
import NeuralNet
@testable import Pipelines
@testable import Training

final class TwoStageTrainingTests: XCTestCase {
    func smallConfig(_ kind: PipelineArchitecture) -> PipelineConfig {
        var c = PipelineConfig(kind)
        c.input.minSize = 240
        c.input.maxSize = 320
        c.training.epochs = 12
        c.training.imagesPerBatch = 1
        c.training.learningRate = 0.01
        c.training.warmupIterations = 2
        c.training.lrDropFractions = []
        c.training.seed = 3
        return c
    }

    /// Overfitting two images: the joint loss must fall well below its start.
    func testFasterRCNNLossFallsOnTwoImages() throws {
        try BCCD.available()
        let samples = try ["BloodImage_00000", "BloodImage_00001"].map(BCCD.sample)
        let detector = try TwoStageDetector(config: smallConfig(.fasterRCNN), classes: BCCD.classes)
        let trainer = TwoStageTrainer(detector: detector, samples: samples)
        trainer.showProgress = false
        let ckpt = NSTemporaryDirectory() + "faster-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: ckpt) }
        let start = Date()
        let epochs = try trainer.train(checkpointPath: ckpt, resume: false)
        print("faster-rcnn 6 epochs x 2 images:", Date().timeIntervalSince(start), "s;", epochs.map(\.meanLoss.total))
        XCTAssertLessThan(epochs.last!.meanLoss.total, 0.7 * epochs.first!.meanLoss.total)
    }
}
