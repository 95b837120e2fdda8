import Foundation
import XCTest
@testable import Store

final class ContentHashTests: XCTestCase {
    // FIPS 180-4 example vectors, covering the one-block, two-block (56-byte message,
    // padding spills into a second block) and many-block cases.
    func testKnownVectors() {
        XCTAssertEqual(ContentHash.sha256(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ContentHash.sha256(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(ContentHash.sha256(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(ContentHash.sha256(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesMatchOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let expected = ContentHash.sha256(Data(bytes))
        for chunk in [1, 7, 63, 64, 65, 200] {
            var state = SHA256()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                bytes[offset..<end].withUnsafeBytes { state.update($0) }
                offset = end
            }
            XCTAssertEqual(state.finalHex(), expected, "chunk size \(chunk)")
        }
    }

    func testFileHashMatchesSha256sum() throws {
        try Fixture.requireBCCD()
        let image = (Fixture.bccdImages as NSString).appendingPathComponent("BloodImage_00000.jpg")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { throw XCTSkip("no sha256sum") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [image]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(try ContentHash.sha256(path: image), String(output.prefix(64)))
    }
}
