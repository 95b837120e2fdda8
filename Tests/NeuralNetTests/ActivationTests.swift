import XCTest
@testable import NeuralNet

final class ActivationTests: XCTestCase {
    func testForwardValues() throws {
        let x = Tensor(shape: [1, 4], data: [-2, -0.5, 0, 3])
        XCTAssertEqual(try ReLU().forward(x).data, [0, 0, 0, 3])
        XCTAssertEqual(try LeakyReLU(negativeSlope: 0.1).forward(x).data, [-0.2, -0.05, 0, 3])
        let s = try Sigmoid().forward(Tensor(shape: [3], data: [0, 2, -100]))
        assertClose(s.data, [0.5, 0.880797, 0], tolerance: 1e-6, "sigmoid")
        XCTAssertFalse(try Sigmoid().forward(Tensor(shape: [2], data: [-1000, 1000])).data.contains { $0.isNaN })
    }

    func testGradients() throws {
        var rnd = TestRandom(seed: 20)
        let x = rnd.tensorAwayFromZero([2, 3, 4, 3])
        try checkGradients(ReLU(), input: x)
        try checkGradients(LeakyReLU(negativeSlope: 0.2), input: x)
        try checkGradients(Sigmoid(), input: rnd.tensor([2, 5], -4, 4), eps: 1e-2)
    }

    func testLargeTensorsTakeTheParallelPath() throws {
        // Big enough to be split across threads; every element must still be right.
        var rnd = TestRandom(seed: 21)
        let x = rnd.tensor([1, 4, 200, 200])
        let y = try ReLU().forward(x)
        XCTAssertEqual(y.data, x.data.map { max($0, 0) })
    }

    func testFlatten() throws {
        var rnd = TestRandom(seed: 22)
        let f = Flatten()
        let x = rnd.tensor([2, 3, 2, 2])
        let y = try f.forward(x)
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertEqual(y.data, x.data)
        try checkGradients(f, input: x)
    }
}
