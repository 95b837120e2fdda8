import XCTest
import TestSupport
@testable import NeuralNet

final class LinearTests: XCTestCase {
    func testHandComputed() throws {
        let fc = Linear(2, 3)
        fc.weight.value = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        fc.bias!.value = Tensor(shape: [3], data: [0, 1, -1])
        let y = try fc.forward(Tensor(shape: [2, 2], data: [1, 1, 2, -1]))
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertEqual(y.data, [3, 8, 10, 0, 3, 3])
    }

    func testGradients() throws {
        var rnd = TestRandom(seed: 10)
        let fc = Linear(6, 4)
        rnd.fill(fc)
        try checkGradients(fc, input: rnd.tensor([3, 6]))
        let noBias = Linear(3, 2, bias: false)
        rnd.fill(noBias)
        try checkGradients(noBias, input: rnd.tensor([1, 3]))
    }

    func testRejectsWrongWidth() {
        XCTAssertThrowsError(try Linear(4, 2).forward(Tensor(zeros: [2, 5])))
    }
}
