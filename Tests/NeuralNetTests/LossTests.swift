import Foundation
import XCTest
import TestSupport
@testable import NeuralNet

private typealias S = TrainingTestSupport

final class LossTests: XCTestCase {
    // MARK: softmax cross-entropy

    func testSoftmaxCrossEntropyHandComputed() throws {
        let two = try SoftmaxCrossEntropyLoss()(logits: Tensor(shape: [1, 2], data: [0, 0]), targets: [0])
        S.assertClose(two.value, Float(log(2.0)), "uniform over 2 classes")
        S.assertClose(two.gradient.data, [-0.5, 0.5])

        // log(e¹ + e² + e³) − 3
        let three = try SoftmaxCrossEntropyLoss()(logits: Tensor(shape: [1, 3], data: [1, 2, 3]), targets: [2])
        S.assertClose(three.value, 0.407_605_96, "logits 1,2,3")

        // Weighted mean: (2·ℓ₀ + 1·ℓ₁) / (2 + 1), both rows ℓ = log 2.
        let weighted = try SoftmaxCrossEntropyLoss(classWeights: [1, 2])(
            logits: Tensor(shape: [2, 2], data: [0, 0, 0, 0]), targets: [1, 0])
        S.assertClose(weighted.value, Float(log(2.0)))
        S.assertClose(weighted.gradient.data, [2 * 0.5 / 3, -2 * 0.5 / 3, -0.5 / 3, 0.5 / 3])
    }

    func testSoftmaxCrossEntropyMatchesNumpy() throws {
        let cases = try XCTUnwrap(S.json("loss_fixtures.json")["softmax_cross_entropy"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let name = c["name"] as! String
            let logits = FixtureJSON.tensor(c["logits"], shape: c["shape"])
            let loss = SoftmaxCrossEntropyLoss(
                ignoreIndex: (c["ignore_index"] as? NSNumber)?.intValue,
                classWeights: c["class_weights"] is NSNull ? nil : FixtureJSON.floats(c["class_weights"]),
                reduction: c["reduction"] as! String == "sum" ? .sum : .mean)
            let r = try loss(logits: logits, targets: FixtureJSON.ints(c["targets"]))
            S.assertClose(r.value, Float((c["loss"] as! NSNumber).doubleValue), name)
            S.assertClose(r.gradient.data, FixtureJSON.floats(c["grad"]), rtol: 1e-4, atol: 1e-6, name)
        }
    }

    func testSoftmaxCrossEntropyGradient() throws {
        let logits = TestRandom.normal([5, 4], std: 2, seed: 1)
        let targets = [0, 3, 2, 2, 1]
        for loss in [SoftmaxCrossEntropyLoss(),
                     SoftmaxCrossEntropyLoss(ignoreIndex: 2, classWeights: [0.3, 1, 2, 4]),
                     SoftmaxCrossEntropyLoss(classWeights: [0.3, 1, 2, 4], reduction: .sum),
                     SoftmaxCrossEntropyLoss(reduction: .sumDividedBy(8))] {
            let r = try loss(logits: logits, targets: targets)
            try checkGradient(logits, analytic: r.gradient, "\(loss)") { try loss(logits: $0, targets: targets).value }
        }
    }

    func testSoftmaxCrossEntropyExtremesAndEdgeCases() throws {
        let huge = try SoftmaxCrossEntropyLoss()(logits: Tensor(shape: [2, 2], data: [1000, -1000, -1000, 1000]), targets: [1, 1])
        XCTAssert(huge.value.isFinite)
        S.assertClose(huge.value, 1000, "one sample 2000 logits wrong, the other right")
        XCTAssert(huge.gradient.data.allSatisfy(\.isFinite))

        let ignored = try SoftmaxCrossEntropyLoss(ignoreIndex: -1)(logits: Tensor(shape: [2, 3], repeating: 1), targets: [-1, -1])
        XCTAssertEqual(ignored.value, 0)
        XCTAssertEqual(ignored.gradient.data, [Float](repeating: 0, count: 6))

        XCTAssertThrowsError(try SoftmaxCrossEntropyLoss()(logits: Tensor(zeros: [2, 3]), targets: [0, 3]))
        XCTAssertThrowsError(try SoftmaxCrossEntropyLoss()(logits: Tensor(zeros: [2, 3]), targets: [0]))
        XCTAssertThrowsError(try SoftmaxCrossEntropyLoss(classWeights: [1, 1])(logits: Tensor(zeros: [2, 3]), targets: [0, 1]))
        XCTAssertThrowsError(try SoftmaxCrossEntropyLoss()(logits: Tensor(zeros: [6]), targets: [0, 1]))
    }

    // MARK: binary cross-entropy with logits

    func testBCEWithLogitsHandComputedAndStable() throws {
        let loss = BinaryCrossEntropyWithLogitsLoss(reduction: .sum)
        let r = try loss(logits: Tensor(shape: [4], data: [0, 100, -100, 2]), targets: Tensor(shape: [4], data: [1, 0, 0, 1]))
        // log 2 + 100 + ~0 + log(1 + e⁻²)
        S.assertClose(r.value, Float(log(2.0) + 100 + log1p(exp(-2.0))), "sum")
        S.assertClose(r.gradient.data, [-0.5, 1, 0, -Float(1 / (1 + exp(2.0)))], atol: 1e-6)
        XCTAssert(r.gradient.data.allSatisfy(\.isFinite))
    }

    func testBCEWithLogitsMatchesNumpy() throws {
        let cases = try XCTUnwrap(S.json("loss_fixtures.json")["bce_with_logits"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let name = c["name"] as! String
            let x = FixtureJSON.tensor(c["logits"], shape: c["shape"])
            let t = FixtureJSON.tensor(c["targets"], shape: c["shape"])
            let w: Tensor? = c["weights"] is NSNull ? nil : FixtureJSON.tensor(c["weights"], shape: c["shape"])
            let loss = BinaryCrossEntropyWithLogitsLoss(reduction: c["reduction"] as! String == "sum" ? .sum : .mean,
                                                        positiveWeight: Float((c["pos_weight"] as! NSNumber).doubleValue))
            let r = try loss(logits: x, targets: t, weights: w)
            S.assertClose(r.value, Float((c["loss"] as! NSNumber).doubleValue), name)
            S.assertClose(r.gradient.data, FixtureJSON.floats(c["grad"]), rtol: 1e-4, atol: 1e-7, name)
        }
    }

    func testBCEWithLogitsGradient() throws {
        let x = TestRandom.normal([3, 4], std: 2, seed: 2)
        var t = TestRandom.normal([3, 4], seed: 3)
        for i in t.data.indices { t.data[i] = t.data[i] > 0 ? 1 : (i % 3 == 0 ? 0.25 : 0) }
        let w = TestRandom.normal([3, 4], seed: 4)
        for loss in [BinaryCrossEntropyWithLogitsLoss(), BinaryCrossEntropyWithLogitsLoss(reduction: .sum, positiveWeight: 2.5)] {
            for weights in [nil, w] {
                let r = try loss(logits: x, targets: t, weights: weights)
                try checkGradient(x, analytic: r.gradient, "\(loss)") { try loss(logits: $0, targets: t, weights: weights).value }
            }
        }
        XCTAssertThrowsError(try BinaryCrossEntropyWithLogitsLoss()(logits: x, targets: Tensor(zeros: [4, 3])))
    }

    // MARK: smooth L1

    func testSmoothL1HandComputed() throws {
        let input = Tensor(shape: [4], data: [0.5, 2, -3, 0])
        let target = Tensor(zeros: [4])
        let r = try SmoothL1Loss(beta: 1, reduction: .sum)(input: input, target: target)
        // 0.5·0.25 + (2 − 0.5) + (3 − 0.5) + 0
        S.assertClose(r.value, 4.125)
        S.assertClose(r.gradient.data, [0.5, 1, -1, 0])

        // Only the first RoI is foreground, divided by the 2 sampled RoIs.
        let fg = Tensor(shape: [2, 2], data: [1, 1, 0, 0])
        let r2 = try SmoothL1Loss(beta: 1.0 / 9, reduction: .sumDividedBy(2))(
            input: Tensor(shape: [2, 2], data: [0.05, -1, 7, 7]), target: Tensor(zeros: [2, 2]), weights: fg)
        S.assertClose(r2.value, (0.5 * 0.0025 * 9 + (1 - 0.5 / 9)) / 2)
        S.assertClose(r2.gradient.data, [0.05 * 9 / 2, -0.5, 0, 0])

        XCTAssertThrowsError(try SmoothL1Loss(beta: -1)(input: input, target: target))
        XCTAssertThrowsError(try SmoothL1Loss()(input: input, target: Tensor(zeros: [3])))
        XCTAssertThrowsError(try SmoothL1Loss(reduction: .sumDividedBy(0))(input: input, target: target))
    }

    func testSmoothL1MatchesNumpy() throws {
        let cases = try XCTUnwrap(S.json("loss_fixtures.json")["smooth_l1"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let name = c["name"] as! String
            let x = FixtureJSON.tensor(c["input"], shape: c["shape"]), t = FixtureJSON.tensor(c["target"], shape: c["shape"])
            let w: Tensor? = c["weights"] is NSNull ? nil : FixtureJSON.tensor(c["weights"], shape: c["shape"])
            let reduction: LossReduction
            switch c["reduction"] as! String {
            case "mean": reduction = .mean
            case "sum": reduction = .sum
            default: reduction = .sumDividedBy(Float((c["divisor"] as! NSNumber).doubleValue))
            }
            let r = try SmoothL1Loss(beta: Float((c["beta"] as! NSNumber).doubleValue), reduction: reduction)(input: x, target: t, weights: w)
            S.assertClose(r.value, Float((c["loss"] as! NSNumber).doubleValue), name)
            S.assertClose(r.gradient.data, FixtureJSON.floats(c["grad"]), rtol: 1e-4, atol: 1e-6, name)
        }
    }

    func testSmoothL1Gradient() throws {
        // Values chosen away from the |d| = β kinks so finite differences are valid.
        let x = Tensor(shape: [2, 4], data: [0.02, -0.05, 0.3, -0.8, 1.7, -2.2, 0.07, 0.5])
        let t = Tensor(shape: [2, 4], data: [0, 0, 0.1, 0, 0, -0.1, 0, 0.2])
        let w = Tensor(shape: [2, 4], data: [1, 1, 1, 1, 0, 0, 2, 2])
        for loss in [SmoothL1Loss(beta: 1), SmoothL1Loss(beta: 1.0 / 9, reduction: .sum), SmoothL1Loss(beta: 0, reduction: .sumDividedBy(3))] {
            for weights in [nil, w] {
                let r = try loss(input: x, target: t, weights: weights)
                try checkGradient(x, analytic: r.gradient, step: 1e-3, "\(loss)") { try loss(input: $0, target: t, weights: weights).value }
                // The target side is the negative of the input side.
                try checkGradient(t, analytic: Tensor(shape: t.shape, data: r.gradient.data.map { -$0 }), step: 1e-3) {
                    try loss(input: x, target: $0, weights: weights).value
                }
            }
        }
    }

}
