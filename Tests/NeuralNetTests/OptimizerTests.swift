import Foundation
import XCTest
import TestSupport
@testable import NeuralNet

private typealias S = TrainingTestSupport

final class OptimizerTests: XCTestCase {
    func testSGDHandComputed() throws {
        let p = Parameter(name: "w", value: Tensor(shape: [2], data: [1, -2]))
        let sgd = try SGD(parameters: [p], learningRate: 0.5, momentum: 0.9, weightDecay: 0.1)
        p.grad = Tensor(shape: [2], data: [1, 1])
        try sgd.step()
        // g = ∇ + 0.1·p = [1.1, 0.8]; first step: buffer = g; p − 0.5·g
        S.assertClose(p.value.data, [0.45, -2.4])
        try sgd.step()
        // g = [1.045, 0.76]; b = 0.9·[1.1, 0.8] + g = [2.035, 1.48]; p − 0.5·b
        S.assertClose(p.value.data, [0.45 - 1.0175, -2.4 - 0.74])
    }

    func testSGDSkipsFrozenAndNonDecayingParameters() throws {
        let frozen = Parameter(name: "frozen", value: Tensor(shape: [1], data: [3]), requiresGrad: false)
        let bias = Parameter(name: "bias", value: Tensor(shape: [1], data: [3]), decay: false)
        frozen.grad = Tensor(shape: [1], data: [1])
        let sgd = try SGD(parameters: [frozen, bias], learningRate: 1, weightDecay: 0.5)
        try sgd.step()
        XCTAssertEqual(frozen.value.data, [3], "frozen parameter moved")
        XCTAssertEqual(bias.value.data, [3], "weight decay applied to a decay=false parameter with zero gradient")

        XCTAssertThrowsError(try SGD(parameters: [bias], learningRate: 0.1, nesterov: true), "Nesterov without momentum")
        bias.grad = Tensor(zeros: [2])
        XCTAssertThrowsError(try sgd.step(), "gradient of the wrong shape")
    }

    /// Three steps with a changing learning rate against a float64 numpy run.
    func testOptimizersMatchNumpy() throws {
        let opt = try XCTUnwrap(S.json("loss_fixtures.json")["optimizers"] as? [String: Any])
        let initial = (opt["initial"] as! [Any]).map(FixtureJSON.floats)
        let grads = (opt["grads"] as! [[Any]]).map { $0.map(FixtureJSON.floats) }
        let lrs = FixtureJSON.floats(opt["lrs"])
        let cases = opt["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let name = c["name"] as! String
            let params = [Parameter(name: "weight", value: Tensor(shape: [initial[0].count], data: initial[0])),
                          Parameter(name: "bias", value: Tensor(shape: [initial[1].count], data: initial[1]), decay: false)]
            let optimizer: any Optimizer
            switch name {
            case "sgd_plain": optimizer = try SGD(parameters: params, learningRate: 0)
            case "sgd_momentum_wd": optimizer = try SGD(parameters: params, learningRate: 0, momentum: 0.9, weightDecay: 1e-2)
            case "sgd_nesterov_wd": optimizer = try SGD(parameters: params, learningRate: 0, momentum: 0.9, weightDecay: 1e-2, nesterov: true)
            case "sgd_momentum_dampening": optimizer = try SGD(parameters: params, learningRate: 0, momentum: 0.9, dampening: 0.5)
            default: XCTFail("unknown case \(name)"); continue
            }
            for step in 0..<3 {
                for k in 0..<2 { params[k].grad = Tensor(shape: [grads[step][k].count], data: grads[step][k]) }
                optimizer.learningRate = lrs[step]
                try optimizer.step()
            }
            let expected = (c["final"] as! [Any]).map(FixtureJSON.floats)
            S.assertClose(params[0].value.data, expected[0], rtol: 1e-5, atol: 1e-6, "\(name) weight")
            S.assertClose(params[1].value.data, expected[1], rtol: 1e-5, atol: 1e-6, "\(name) bias")
        }
    }

    func testGradientClippingByGlobalNorm() {
        let a = Parameter(name: "a", value: Tensor(zeros: [2]))
        let b = Parameter(name: "b", value: Tensor(zeros: [1]))
        let frozen = Parameter(name: "f", value: Tensor(zeros: [1]), requiresGrad: false)
        a.grad = Tensor(shape: [2], data: [3, 0])
        b.grad = Tensor(shape: [1], data: [4])
        frozen.grad = Tensor(shape: [1], data: [100])
        let norm = clipGradientNorm([a, b, frozen], maxNorm: 1)
        S.assertClose(norm, 5, "norm of [3, 0, 4]; frozen gradient excluded")
        S.assertClose(a.grad.data, [0.6, 0], rtol: 1e-5)
        S.assertClose(b.grad.data, [0.8], rtol: 1e-5)
        XCTAssertEqual(frozen.grad.data, [100])

        // Below the limit nothing changes.
        let norm2 = clipGradientNorm([a, b], maxNorm: 10)
        S.assertClose(norm2, 1, rtol: 1e-5)
        S.assertClose(a.grad.data, [0.6, 0], rtol: 1e-5)

        // A non-finite norm is reported and leaves the gradients alone.
        b.grad = Tensor(shape: [1], data: [.infinity])
        XCTAssertFalse(clipGradientNorm([a, b], maxNorm: 1).isFinite)
        S.assertClose(a.grad.data, [0.6, 0], rtol: 1e-5)
    }
}

final class LRScheduleTests: XCTestCase {
    func testSchedulesMatchNumpy() throws {
        let s = try XCTUnwrap(S.json("loss_fixtures.json")["schedules"] as? [String: Any])
        let steps = FixtureJSON.ints(s["steps"])
        let step = StepLR(base: 0.1, stepSize: 10, gamma: 0.1)
        let cosine = CosineLR(base: 0.1, totalSteps: 20, minimum: 0.001)
        let warm = LinearWarmup(MultiStepLR(base: 0.02, milestones: [16, 8]), warmupSteps: 5, startFactor: 0.001)
        S.assertClose(steps.map(step.learningRate(at:)), FixtureJSON.floats(s["step_lr"]), "step")
        S.assertClose(steps.map(cosine.learningRate(at:)), FixtureJSON.floats(s["cosine"]), "cosine")
        S.assertClose(steps.map(warm.learningRate(at:)), FixtureJSON.floats(s["warmup_multistep"]), "warm-up + multistep")
    }

    func testScheduleHandValues() {
        let cosine = CosineLR(base: 1, totalSteps: 100)
        S.assertClose(cosine.learningRate(at: 0), 1)
        S.assertClose(cosine.learningRate(at: 50), 0.5)
        S.assertClose(cosine.learningRate(at: 100), 0)
        S.assertClose(cosine.learningRate(at: 1000), 0, "flat after the end")
        let warm = LinearWarmup(ConstantLR(0.1), warmupSteps: 10, startFactor: 0)
        S.assertClose(warm.learningRate(at: 0), 0)
        S.assertClose(warm.learningRate(at: 5), 0.05)
        S.assertClose(warm.learningRate(at: 10), 0.1)
        // Warm-up composes with cosine decay.
        let both = LinearWarmup(cosine, warmupSteps: 50, startFactor: 0)
        S.assertClose(both.learningRate(at: 25), 0.5 * cosine.learningRate(at: 25))
        XCTAssertEqual(StepLR(base: 1, stepSize: 3, gamma: 0.5).learningRate(at: 7), 0.25)
    }
}
