import Foundation
import NeuralNet
import XCTest

/// Reading the JSON fixtures the Python generators write (numbers as NSNumber).
public enum FixtureJSON {
    /// `name` in the Fixtures folder a test target copies into its bundle
    /// (`Bundle.module` is per target, so the target passes its own).
    public static func url(_ name: String, in bundle: Bundle) throws -> URL {
        guard let dir = bundle.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("Fixtures folder missing from the test bundle")
        }
        return dir.appendingPathComponent(name)
    }

    public static func object(at url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    public static func floats(_ any: Any?) -> [Float] {
        (any as? [Any] ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
    }

    public static func ints(_ any: Any?) -> [Int] {
        (any as? [Any] ?? []).map { ($0 as? NSNumber)?.intValue ?? Int.min }
    }

    public static func tensor(_ values: Any?, shape: Any?) -> Tensor {
        Tensor(shape: ints(shape), data: floats(values))
    }
}
