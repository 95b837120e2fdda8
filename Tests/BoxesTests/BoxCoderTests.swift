import XCTest
import Foundation
@testable import Boxes

final class BoxCoderTests: XCTestCase {
    let reference = Box(x1: 0, y1: 0, x2: 10, y2: 10)
    let target = Box(x1: 2, y1: 4, x2: 12, y2: 24)

    func testKnownEncodeValues() {
        // Centres (5, 5) → (7, 14), sizes 10×10 → 10×20.
        let d = BoxCoder(weights: (1, 1, 1, 1)).encode(target, relativeTo: reference)
        XCTAssertEqual(d[0], 0.2, accuracy: 1e-6)
        XCTAssertEqual(d[1], 0.9, accuracy: 1e-6)
        XCTAssertEqual(d[2], 0, accuracy: 1e-6)
        XCTAssertEqual(d[3], Float(log(2.0)), accuracy: 1e-6)
        let w = BoxCoder(weights: (10, 10, 5, 5)).encode(target, relativeTo: reference)
        XCTAssertEqual(w[0], 2, accuracy: 1e-5)
        XCTAssertEqual(w[1], 9, accuracy: 1e-5)
        XCTAssertEqual(w[2], 0, accuracy: 1e-5)
        XCTAssertEqual(w[3], 3.4657359, accuracy: 1e-5)
        // Width is x2 − x1 with no +1: a box encoded against itself is all zeros.
        XCTAssertEqual(BoxCoder(weights: (1, 1, 1, 1)).encode(reference, relativeTo: reference), SIMD4<Float>(0, 0, 0, 0))
    }

    func testRoundTrip() {
        var rng = SeededGenerator(seed: 11)
        for coder in [BoxCoder(weights: (1, 1, 1, 1)), BoxCoder(weights: (10, 10, 5, 5)), BoxCoder(weights: (2, 3, 4, 0.5))] {
            var refs: [Box] = [], targets: [Box] = []
            for _ in 0..<200 {
                let x = rng.nextUnitFloat() * 500, y = rng.nextUnitFloat() * 400
                // Size ratios stay below 1000/16 so that decoding is not clamped.
                refs.append(Box(x1: x, y1: y, x2: x + 20 + rng.nextUnitFloat() * 200, y2: y + 20 + rng.nextUnitFloat() * 200))
                let u = rng.nextUnitFloat() * 500, v = rng.nextUnitFloat() * 400
                targets.append(Box(x1: u, y1: v, x2: u + 1 + rng.nextUnitFloat() * 200, y2: v + 1 + rng.nextUnitFloat() * 200))
            }
            let deltas = coder.encode(targets, relativeTo: refs)
            XCTAssertEqual(deltas.count, 800)
            let decoded = coder.decode(deltas, relativeTo: refs)
            for (a, b) in zip(decoded, targets) {
                XCTAssertEqual(a.x1, b.x1, accuracy: 2e-3); XCTAssertEqual(a.y1, b.y1, accuracy: 2e-3)
                XCTAssertEqual(a.x2, b.x2, accuracy: 2e-3); XCTAssertEqual(a.y2, b.y2, accuracy: 2e-3)
            }
        }
    }

    func testDecodeClampsScale() {
        // exp(log(1000/16)) × 10 = 625, however large the prediction.
        for dw: Float in [10, 100, 1e30] {
            let b = BoxCoder(weights: (1, 1, 1, 1)).decode(SIMD4(0, 0, dw, dw), relativeTo: reference)
            XCTAssertEqual(b.width, 625, accuracy: 1e-2)
            XCTAssertEqual(b.height, 625, accuracy: 1e-2)
            XCTAssertEqual(b.centerX, 5, accuracy: 1e-3)
        }
        // The clamp applies after dividing by the weight: 25 / 5 = 5 > log(62.5) ≈ 4.135
        // is clamped, 20 / 5 = 4 is not.
        XCTAssertEqual(BoxCoder(weights: (10, 10, 5, 5)).decode(SIMD4(0, 0, 25, 0), relativeTo: reference).width,
                       625, accuracy: 1e-2)
        XCTAssertEqual(BoxCoder(weights: (10, 10, 5, 5)).decode(SIMD4(0, 0, 20, 0), relativeTo: reference).width,
                       10 * Float(exp(4.0)), accuracy: 1e-2)
        // Below the clamp nothing changes: dw = 5·log 3 with weight 5 → width 30,
        // dx = 10 with weight 10 → centre moves one width.
        let unclamped = BoxCoder(weights: (10, 10, 5, 5)).decode(SIMD4(10, 0, 5 * Float(log(3.0)), 0), relativeTo: reference)
        XCTAssertEqual(unclamped.x1, 0, accuracy: 1e-4)
        XCTAssertEqual(unclamped.x2, 30, accuracy: 1e-4)
        XCTAssertEqual(unclamped.y1, 0, accuracy: 1e-5)
        XCTAssertEqual(unclamped.y2, 10, accuracy: 1e-5)
    }
}
