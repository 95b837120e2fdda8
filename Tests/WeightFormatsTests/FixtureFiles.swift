import Foundation
import XCTest
import TestSupport

/// The files under this target's Fixtures folder.
enum FixtureFiles {
    static func fixtureURL(_ name: String) throws -> URL { try FixtureJSON.url(name, in: .module) }

    static func json(_ name: String) throws -> [String: Any] {
        try FixtureJSON.object(at: fixtureURL(name))
    }
}
