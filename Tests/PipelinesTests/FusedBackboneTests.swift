import Foundation
import XCTest
import Imaging
import NeuralNet
@testable import Pipelines

/// The inference copy of a trained backbone (BN folded, ReLU fused) against the
/// backbone itself, with the bundled Fast R-CNN weights on a real BCCD image.
final class FusedBackboneTests: XCTestCase {
    func testBundledFastRCNNBackboneFusedGivesTheSameFeatures() throws {
        try BCCD.available()
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let modelPath = project.appendingPathComponent("models/fast-rcnn.safetensors").path
        let config = try PipelineConfig.load(path: project.appendingPathComponent("pipelines/fast-rcnn.yaml").path)
        let detector = try TwoStageDetector(config: config, bundle: try ModelBundle.load(path: modelPath), path: modelPath)
        detector.training = false
        let image = try JPEG.decode(path: BCCD.root.appendingPathComponent("images/BloodImage_00007.jpg").path)
        let input = detector.transform.apply(image).0
        let expected = try detector.backbone.forward(input)
        let got = try InferenceFusion.fused(detector.backbone).forward(input)
        XCTAssertEqual(got.shape, expected.shape)
        var worst: Float = 0, scale: Float = 0
        for (a, b) in zip(got.data, expected.data) { worst = max(worst, abs(a - b)); scale = max(scale, abs(b)) }
        XCTAssertLessThan(worst, 1e-4 * scale, "largest difference \(worst) on features up to \(scale)")
    }
}
