import XCTest
import TestSupport
@testable import NeuralNet

final class ContainerTests: XCTestCase {
    func testSequentialGradientsAndNames() throws {
        var rnd = TestRandom(seed: 60)
        let net = Sequential([
            ("conv", Conv2d(2, 3, kernel: 3, padding: 1)),
            ("act", SmoothActivation()),  // smooth: a kink would make finite differences meaningless
            ("pool", AdaptiveAvgPool2d(2)),
            ("flat", Flatten()),
            ("fc", Linear(12, 2)),
        ]).named("head")
        rnd.fill(net)
        XCTAssertEqual(net.parameters.map(\.name), ["head.conv.weight", "head.conv.bias", "head.fc.weight", "head.fc.bias"])
        try checkGradients(net, input: rnd.tensor([2, 2, 4, 4]))
        let unnamed = Sequential(Conv2d(1, 1, kernel: 1), ReLU(), Conv2d(1, 1, kernel: 1))
        XCTAssertEqual(unnamed.parameters.map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias"])
    }

    func testTrainingFlagPropagates() {
        let bn = BatchNorm2d(2), d = Dropout()
        let net = Sequential([Sequential([bn]), Residual(body: d)])
        net.training = false
        XCTAssertFalse(bn.training)
        XCTAssertFalse(d.training)
    }

    func testResidualAddValuesAndGradients() throws {
        var rnd = TestRandom(seed: 61)
        // Identity shortcut: y = body(x) + x.
        let scale = Conv2d(2, 2, kernel: 1, bias: false)
        scale.weight.value = Tensor(shape: [2, 2, 1, 1], data: [2, 0, 0, 3])
        let block = Residual(body: scale)
        let x = Tensor(shape: [1, 2, 1, 2], data: [1, 2, 3, 4])
        XCTAssertEqual(try block.forward(x).data, [3, 6, 12, 16])

        // Projected shortcut with post-add activation, as in a ResNet block.
        let body = Sequential([("conv1", Conv2d(2, 4, kernel: 3, stride: 2, padding: 1)), ("act", SmoothActivation())])
        let proj = Sequential([Conv2d(2, 4, kernel: 1, stride: 2)])
        let res = Residual(body: body, shortcut: proj, activation: SmoothActivation())
        rnd.fill(res)
        XCTAssertEqual(res.parameters.map(\.name), ["conv1.weight", "conv1.bias", "downsample.0.weight", "downsample.0.bias"])
        try checkGradients(res, input: rnd.tensor([2, 2, 5, 5]))

        let bad = Residual(body: Conv2d(2, 3, kernel: 1))
        XCTAssertThrowsError(try bad.forward(Tensor(zeros: [1, 2, 2, 2])))
    }

}
