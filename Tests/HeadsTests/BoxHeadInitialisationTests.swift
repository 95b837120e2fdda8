import XCTest
import NeuralNet
import Randomness
@testable import Heads

/// The box head trained from scratch must start where Fast R-CNN's does: unit
/// scale activations and near-uniform class scores. With fc6 scaled by its fan-out
/// (512) instead of its fan-in (256 × 7 × 7) the activations' mean square grew
/// about 25-fold per layer, the first steps saw saturated logits (cross-entropy
/// 1.1 instead of ln 2 for one class) and from-scratch Fast R-CNN settled at the
/// class prior on natural photos.
final class BoxHeadInitialisationTests: XCTestCase {
    func testFreshHeadKeepsActivationScaleAndStartsNearUniform() throws {
        let head = BoxHead(inFeatures: 256 * 7 * 7, representationSize: 512, numClasses: 1)
        var rng = SeededGenerator(seed: 3)
        try head.initialise(using: &rng)
        head.training = false
        let rois = 64
        let pooled = Initialisation.normal(shape: [rois, 256, 7, 7], std: 1, using: &rng)
        let hidden = try head.mlp.forward(pooled)
        let meanSquare = hidden.data.reduce(Float(0)) { $0 + $1 * $1 } / Float(hidden.data.count)
        // Kaiming fan-in with ReLU keeps E[x²] at its input's value (1) layer after layer.
        XCTAssertEqual(meanSquare, 1, accuracy: 0.35, "fc7 activations' mean square")
        let (logits, _) = try head.forward(pooled)
        let ce = try SoftmaxCrossEntropyLoss()(logits: logits, targets: (0..<rois).map { $0 % 2 })
        XCTAssertEqual(ce.value, log(2), accuracy: 0.05, "initial cross-entropy over background and one class")
    }
}
