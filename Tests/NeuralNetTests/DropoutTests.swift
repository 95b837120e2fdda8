import XCTest
import TestSupport
@testable import NeuralNet

final class DropoutTests: XCTestCase {
    func testMaskScalingRateAndGradient() throws {
        let d = Dropout(p: 0.25, seed: 7)
        let x = Tensor(shape: [1, 10_000], repeating: 2)
        let y = try d.forward(x)
        let kept = y.data.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 2 / 0.75) < 1e-6 }, "survivors are scaled by 1/(1-p)")
        let rate = 1 - Double(kept.count) / 10_000
        XCTAssertEqual(rate, 0.25, accuracy: 0.02)
        let g = try d.backward(Tensor(shape: [1, 10_000], repeating: 1))
        XCTAssertEqual(g.data.map { $0 != 0 }, y.data.map { $0 != 0 }, "gradient flows through the same mask")
        XCTAssertTrue(g.data.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
    }

    func testSeededReproducibleAndEvalIsIdentity() throws {
        var rnd = TestRandom(seed: 50)
        let x = rnd.tensor([4, 64])
        let a = try Dropout(p: 0.5, seed: 3).forward(x), b = try Dropout(p: 0.5, seed: 3).forward(x)
        let c = try Dropout(p: 0.5, seed: 4).forward(x)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let d = Dropout(p: 0.5, seed: 3)
        d.training = false
        XCTAssertEqual(try d.forward(x), x)
        XCTAssertEqual(try d.backward(x), x)
    }
}
