import XCTest
import TestSupport
@testable import NeuralNet

final class TruncatedSVDTests: XCTestCase {
    /// A layer whose weights have rank 6 is reproduced exactly by its rank-6
    /// factors; at rank 3 the error is what the dropped singular values leave.
    func testLowRankLayerIsReproducedByItsFactors() throws {
        var rnd = TestRandom(seed: 12)
        let (u, v, trueRank) = (40, 90, 6)
        let left = rnd.tensor([u, trueRank]).data, right = rnd.tensor([trueRank, v]).data
        var w = [Float](repeating: 0, count: u * v)
        for i in 0..<u { for j in 0..<v { for r in 0..<trueRank { w[i * v + j] += left[i * trueRank + r] * right[r * v + j] } } }
        let layer = Linear(v, u)
        layer.weight.value = Tensor(shape: [u, v], data: w)
        layer.bias!.value = rnd.tensor([u])
        layer.training = false
        let x = rnd.tensor([5, v])
        let expected = try layer.forward(x)
        let exact = try XCTUnwrap(TruncatedSVD.factorized(layer, rank: trueRank))
        let got = try exact.forward(x)
        let scale = expected.data.map(abs).max()!
        for (a, b) in zip(got.data, expected.data) { XCTAssertEqual(a, b, accuracy: 1e-3 * scale) }
        // Fewer multiply-adds: 6 × (40 + 90) instead of 40 × 90.
        XCTAssertEqual(exact.parameters.map { $0.value.count }.reduce(0, +), 6 * 90 + 40 * 6 + 40)
        // Rank 3 keeps the three largest singular values: a worse but still close fit.
        let coarse = try XCTUnwrap(TruncatedSVD.factorized(layer, rank: 3)).forward(x)
        let error3 = zip(coarse.data, expected.data).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        XCTAssertGreaterThan(error3, 1e-6)
        XCTAssertNil(try TruncatedSVD.factorized(layer, rank: 40), "no saving at full rank")
    }
}
