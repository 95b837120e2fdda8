import XCTest
import TestSupport
@testable import NeuralNet

final class BatchNorm2dTests: XCTestCase {
    func testTrainingNormalisesAndUpdatesRunningStatistics() throws {
        // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
        let bn = BatchNorm2d(1, eps: 0, momentum: 0.5)
        let y = try bn.forward(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]))
        let s = Float(1.25).squareRoot()
        assertClose(y.data, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], tolerance: 1e-6, "normalised")
        assertClose(bn.runningMean.value.data, [1.25], tolerance: 1e-6, "running mean")
        assertClose(bn.runningVar.value.data, [0.5 + 0.5 * 5 / 3], tolerance: 1e-6, "running var")
        bn.training = false
        let e = try bn.forward(Tensor(shape: [1, 1, 1, 1], data: [1.25]))
        XCTAssertEqual(e.data, [0])
    }

    func testGradientsTraining() throws {
        var rnd = TestRandom(seed: 40)
        let bn = BatchNorm2d(3)
        bn.weight.value = rnd.tensor([3], 0.5, 1.5)
        bn.bias.value = rnd.tensor([3])
        try checkGradients(bn, input: rnd.tensor([2, 3, 3, 4], -2, 2), eps: 1e-2, tolerance: 1e-2)
    }

    func testGradientsEval() throws {
        var rnd = TestRandom(seed: 41)
        let bn = BatchNorm2d(2)
        bn.weight.value = rnd.tensor([2], 0.5, 1.5)
        bn.runningMean.value = rnd.tensor([2])
        bn.runningVar.value = rnd.tensor([2], 0.5, 2)
        bn.training = false
        try checkGradients(bn, input: rnd.tensor([2, 2, 3, 3]))
    }

    func testFrozenUsesRunningStatisticsAndTrainsNothing() throws {
        var rnd = TestRandom(seed: 42)
        let bn = BatchNorm2d(2, frozen: true)
        bn.weight.value = Tensor(shape: [2], data: [2, 3])
        bn.bias.value = Tensor(shape: [2], data: [1, -1])
        bn.runningMean.value = Tensor(shape: [2], data: [0.5, -1])
        bn.runningVar.value = Tensor(shape: [2], data: [4, 0.25])
        bn.training = true  // frozen wins over training mode
        let eps: Float = 1e-5
        let x = Tensor(shape: [1, 2, 1, 2], data: [0.5, 2.5, -1, 0])
        let y = try bn.forward(x)
        assertClose(y.data, [1, 1 + 2 * 2 / (4 + eps).squareRoot(), -1, -1 + 3 / (0.25 + eps).squareRoot()],
                    tolerance: 1e-6, "frozen forward")
        XCTAssertEqual(bn.runningMean.value.data, [0.5, -1], "frozen must not move running mean")
        XCTAssertTrue(bn.parameters.allSatisfy { !$0.requiresGrad })
        try checkGradients(bn, input: rnd.tensor([2, 2, 3, 3]))
        XCTAssertTrue(bn.weight.grad.data.allSatisfy { $0 == 0 } && bn.bias.grad.data.allSatisfy { $0 == 0 })
    }

    func testStateDictNames() {
        let names = Set(BatchNorm2d(4).named("bn1").stateDict.keys)
        XCTAssertEqual(names, ["bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"])
    }
}
