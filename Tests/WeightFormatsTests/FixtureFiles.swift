import Foundation
import XCTest

/// The files under this target's Fixtures folder.
enum FixtureFiles {
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
}
