import Foundation
import XCTest
import TestSupport
@testable import NeuralNet

/// The JSON fixtures of the loss and optimizer tests, and closeness with
/// numpy's rtol/atol rule (namespaced: the layer tests use TestSupport's
/// `assertClose(_:_:tolerance:)`).
enum TrainingTestSupport {
    static func fixtureURL(_ name: String) throws -> URL { try FixtureJSON.url(name, in: .module) }

    static func json(_ name: String) throws -> [String: Any] {
        try FixtureJSON.object(at: fixtureURL(name))
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
}
