import Foundation
import XCTest
import JSONText

final class JSONTextTests: XCTestCase {
    /// Every character a class name or file name may hold comes back unchanged
    /// through a JSON parser, and the escapes are the short ones where JSON has them.
    func testStringLiteralsRoundTripThroughAJSONParser() throws {
        let texts = ["RBC", "a \"quoted\" name", "back\\slash", "tab\tnew\nline\rreturn", "bell \u{7} nul \u{0}",
                     "ünïcödé 血球 🩸", ""]
        for text in texts {
            let literal = JSONText.string(text)
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            XCTAssertEqual(parsed, [text], literal)
        }
        XCTAssertEqual(JSONText.string("a\"b\\c\nd\u{1}"), #""a\"b\\c\nd\u0001""#)
    }
}
