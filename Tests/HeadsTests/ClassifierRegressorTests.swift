import XCTest
import NeuralNet
@testable import Heads

final class ClassifierRegressorTests: XCTestCase {
    func testSVMTwoPointMaxMarginSolution() {
        // x = +1 (positive) and x = -1 (negative), no bias: the max-margin
        // solution puts both on the margin, w = 1, with alpha = 0.5 each.
        var o = LinearSVM.TrainingOptions()
        o.c = 100; o.positiveWeight = 1; o.biasMultiplier = 0; o.tolerance = 1e-7
        let svm = LinearSVM.train(features: [1, -1], labels: [1, -1], dimension: 1, options: o)
        XCTAssertEqual(svm.weights[0], 1, accuracy: 1e-4)
        XCTAssertEqual(svm.bias, 0, accuracy: 1e-6)
    }

    func testSVMSeparatesShiftedClusters() {
        var gen = SeededGenerator(seed: 11)
        var feats: [Float] = [], labels: [Float] = []
        for i in 0..<400 {
            let positive = i % 3 == 0   // imbalanced like detection data
            let cx: Float = positive ? 2 : -1, cy: Float = positive ? 1 : 3
            feats += [cx + gen.nextUnitFloat() - 0.5, cy + gen.nextUnitFloat() - 0.5, gen.nextUnitFloat()]
            labels.append(positive ? 1 : -1)
        }
        var o = LinearSVM.TrainingOptions(); o.c = 1
        let svm = LinearSVM.train(features: feats, labels: labels, dimension: 3, options: o)
        let s = svm.scores(features: feats, count: labels.count)
        let correct = zip(s, labels).filter { ($0 > 0) == ($1 > 0) }.count
        XCTAssertEqual(correct, labels.count)
        // Deterministic for a seed.
        XCTAssertEqual(svm, LinearSVM.train(features: feats, labels: labels, dimension: 3, options: o))
    }

    func testRidgeHandComputed() throws {
        // x = 1, 2, 3; y = 2x + 1. Centred: Sxx = 2, Sxy = 4; lambda = 2 → w = 4 / 4 = 1,
        // b = mean(y) - w mean(x) = 5 - 2 = 3.
        let r = try RidgeRegressor.fit(features: [1, 2, 3], targets: [3, 5, 7], dimension: 1, outputs: 1, lambda: 2)
        XCTAssertEqual(r.weights[0], 1, accuracy: 1e-6)
        XCTAssertEqual(r.bias[0], 3, accuracy: 1e-6)
    }

    func testRidgeRecoversLinearMap() throws {
        var gen = SeededGenerator(seed: 2)
        let d = 6, m = 4, n = 80
        let wTrue = (0..<(d * m)).map { _ in gen.nextUnitFloat() * 2 - 1 }
        let bTrue: [Float] = [0.5, -1, 2, 0]
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<n {
            let row = (0..<d).map { _ in gen.nextUnitFloat() * 4 - 2 }
            x += row
            for k in 0..<m { y.append(bTrue[k] + (0..<d).reduce(0) { $0 + row[$1] * wTrue[$1 * m + k] }) }
        }
        let r = try RidgeRegressor.fit(features: x, targets: y, dimension: d, outputs: m, lambda: 1e-4)
        for (a, b) in zip(r.weights, wTrue) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        for (a, b) in zip(r.bias, bTrue) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        let p = x.withUnsafeBufferPointer { r.predict($0.baseAddress! + 3 * d) }
        for k in 0..<m { XCTAssertEqual(p[k], y[3 * m + k], accuracy: 1e-3) }
        // Strong regularisation shrinks the weights towards zero.
        let shrunk = try RidgeRegressor.fit(features: x, targets: y, dimension: d, outputs: m, lambda: 1e6)
        XCTAssertLessThan(shrunk.weights.map(abs).max()!, 0.01)
        XCTAssertThrowsError(try RidgeRegressor.fit(features: [], targets: [], dimension: 3, outputs: 1))
    }
}
