import XCTest
import TestSupport
@testable import NeuralNet

final class PoolingTests: XCTestCase {
    func testMaxPoolHandComputed() throws {
        let x = Tensor(shape: [1, 1, 4, 4], data: (0..<16).map(Float.init))
        XCTAssertEqual(try MaxPool2d(kernel: 2).forward(x).data, [5, 7, 13, 15])
        // Ceil mode keeps the overhanging last window: 4 → 2 windows of 3 with stride 2 (second is 2 wide).
        let ceil = try MaxPool2d(kernel: 3, stride: 2, ceilMode: true).forward(x)
        XCTAssertEqual(ceil.shape, [1, 1, 2, 2])
        XCTAssertEqual(ceil.data, [10, 11, 14, 15])
        let floor = try MaxPool2d(kernel: 3, stride: 2).forward(x)
        XCTAssertEqual(floor.data, [10])
        // Padding counts as −∞, so an all-negative border survives.
        let neg = Tensor(shape: [1, 1, 2, 2], data: [-4, -3, -2, -1])
        XCTAssertEqual(try MaxPool2d(kernel: 2, stride: 2, padding: 1).forward(neg).data, [-4, -3, -2, -1])
    }

    func testAdaptiveAvgPoolHandComputed() throws {
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
        let a = try AdaptiveAvgPool2d(1).forward(x)
        XCTAssertEqual(a.shape, [1, 1, 1, 1])
        XCTAssertEqual(a.data, [2.5])
    }

    func testMaxPoolGradients() throws {
        var rnd = TestRandom(seed: 30)
        let x = rnd.distinct([2, 2, 7, 7])
        try checkGradients(MaxPool2d(kernel: 3, stride: 2, padding: 1), input: x)
        try checkGradients(MaxPool2d(kernel: 3, stride: 2, ceilMode: true), input: x)
        try checkGradients(MaxPool2d(kernel: (2, 3), stride: (2, 2), padding: (1, 1), ceilMode: true), input: x)
    }

    func testAdaptiveAvgPoolGradients() throws {
        var rnd = TestRandom(seed: 32)
        try checkGradients(AdaptiveAvgPool2d((3, 4)), input: rnd.tensor([2, 2, 7, 5]))
        try checkGradients(AdaptiveAvgPool2d(1), input: rnd.tensor([1, 3, 4, 4]))
    }

    func testPoolRejectsTinyInput() {
        XCTAssertThrowsError(try MaxPool2d(kernel: 3).forward(Tensor(zeros: [1, 1, 2, 2])))
        XCTAssertThrowsError(try MaxPool2d(kernel: 2).forward(Tensor(zeros: [1, 4])))
    }
}
