import XCTest
import NeuralNet
import Randomness
@testable import Heads

final class BoxHeadSVDTests: XCTestCase {
    /// With fc6 of rank 2, the head run through fc6's rank-2 truncated SVD gives
    /// the same logits and deltas as the whole fc6, and only at inference: in
    /// training the full layer runs (and backward works).
    func testTruncatedFC6AtInferenceOnly() throws {
        let head = BoxHead(inFeatures: 12, representationSize: 8, numClasses: 2)
        var seed: UInt64 = 7
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(seed >> 40) / Float(1 << 24) - 0.5
        }
        for p in head.parameters { p.value = Tensor(shape: p.value.shape, data: (0..<p.value.count).map { _ in next() }) }
        let fc6 = head.mlp["fc6"] as! Linear
        let a = (0..<(8 * 2)).map { _ in next() }, b = (0..<(2 * 12)).map { _ in next() }
        fc6.weight.value = Tensor(shape: [8, 12], data: (0..<(8 * 12)).map { i in
            (0..<2).reduce(0) { $0 + a[(i / 12) * 2 + $1] * b[$1 * 12 + i % 12] }
        })
        let pooled = Tensor(shape: [3, 3, 2, 2], data: (0..<36).map { _ in next() })
        head.training = false
        let whole = try head.forward(pooled)
        head.svdRank = 2
        let factored = try head.forward(pooled)
        for (x, y) in zip(factored.logits.data + factored.deltas.data, whole.logits.data + whole.deltas.data) {
            XCTAssertEqual(x, y, accuracy: 1e-4)
        }
        head.training = true
        let trained = try head.forward(pooled)
        XCTAssertEqual(trained.logits.data, whole.logits.data)
        XCTAssertNoThrow(try head.backward(gradLogits: trained.logits, gradDeltas: trained.deltas))
    }
}
