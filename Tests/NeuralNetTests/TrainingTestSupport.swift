import Foundation
import XCTest
@testable import NeuralNet

/// Shared helpers for the loss / optimizer / safetensors tests (namespaced so
/// they cannot collide with helpers of the layer tests in this target).
enum TrainingTestSupport {
    static func fixtureURL(_ name: String) throws -> URL {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("Fixtures folder missing from the test bundle")
        }
        return dir.appendingPathComponent(name)
    }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtureURL(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func floats(_ any: Any?) -> [Float] {
        (any as? [Any] ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
    }

    static func ints(_ any: Any?) -> [Int] {
        (any as? [Any] ?? []).map { ($0 as? NSNumber)?.intValue ?? Int.min }
    }

    static func tensor(_ values: Any?, shape: Any?) -> Tensor {
        Tensor(shape: ints(shape), data: floats(values))
    }

    static func assertClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "length \(message)", file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= atol + rtol * abs(y)) {
            XCTFail("\(message) element \(i): \(x) vs expected \(y)", file: file, line: line)
            return
        }
    }

    static func assertClose(_ a: Float, _ b: Float, rtol: Float = 1e-5, atol: Float = 1e-6,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssert(abs(a - b) <= atol + rtol * abs(b), "\(message): \(a) vs expected \(b)", file: file, line: line)
    }

    /// Central finite differences of `loss` w.r.t. every element of `input`,
    /// compared with the analytic gradient.
    static func checkGradient(_ input: Tensor, analytic: Tensor, step: Float = 1e-2, rtol: Float = 2e-2,
                              atol: Float = 2e-4, _ message: String = "",
                              file: StaticString = #filePath, line: UInt = #line,
                              loss: (Tensor) throws -> Float) rethrows {
        XCTAssertEqual(analytic.shape, input.shape, file: file, line: line)
        for i in 0..<input.count {
            var plus = input, minus = input
            plus.data[i] += step
            minus.data[i] -= step
            let numeric = (try loss(plus) - loss(minus)) / (2 * step)
            let a = analytic.data[i]
            if !(abs(numeric - a) <= atol + rtol * max(abs(numeric), abs(a))) {
                XCTFail("\(message) gradient element \(i): analytic \(a), numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }

    static func randomTensor(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Initialisation.normal(shape: shape, std: std, using: &rng)
    }
}
