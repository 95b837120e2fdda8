import XCTest
import TestSupport
@testable import NeuralNet

final class ActivationTests: XCTestCase {
    func testForwardValues() throws {
        let x = Tensor(shape: [1, 4], data: [-2, -0.5, 0, 3])
        XCTAssertEqual(try ReLU().forward(x).data, [0, 0, 0, 3])
    }

    func testGradients() throws {
        var rnd = TestRandom(seed: 20)
        let x = rnd.tensorAwayFromZero([2, 3, 4, 3])
        try checkGradients(ReLU(), input: x)
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
