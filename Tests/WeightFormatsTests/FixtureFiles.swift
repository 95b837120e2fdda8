import Foundation
import XCTest
import TestSupport

/// The files under this target's Fixtures folder.
enum FixtureFiles {
    static func fixtureURL(_ name: String) throws -> URL {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("Fixtures folder missing from the test bundle")
        }
        return dir.appendingPathComponent(name)
    }

    static func json(_ name: String) throws -> [String: Any] {
        try FixtureJSON.object(at: fixtureURL(name))
    }
}
