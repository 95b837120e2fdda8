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

    // Files are hashed in chunks; chunk sizes around the 64-byte block size and one
    // that does not divide the file check that the pieces join up exactly.
    func testChunkedFileHashMatchesOneShot() throws {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let expected = ContentHash.sha256(Data(bytes))
        let path = (try Fixture.temporaryDirectory(self) as NSString).appendingPathComponent("bytes.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for chunk in [1, 7, 63, 64, 65, 200, 1000, 4096] {
            XCTAssertEqual(try ContentHash.sha256(path: path, chunkSize: chunk), expected, "chunk size \(chunk)")
        }
        XCTAssertEqual(try ContentHash.sha256(path: path), expected)
    }

    // The million-"a" vector read in many chunks, and a file of several default
    // chunks (not a multiple of the chunk size) through the public entry point.
    func testMultiChunkFiles() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let million = (directory as NSString).appendingPathComponent("a.bin")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: million))
        XCTAssertEqual(try ContentHash.sha256(path: million, chunkSize: 4096),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")

        let large = Data((0..<(2 * ContentHash.fileChunkSize + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) })
        let path = (directory as NSString).appendingPathComponent("large.bin")
        try large.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ContentHash.sha256(path: path), ContentHash.sha256(large))

        let empty = (directory as NSString).appendingPathComponent("empty.bin")
        try Data().write(to: URL(fileURLWithPath: empty))
        XCTAssertEqual(try ContentHash.sha256(path: empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testUnreadableFileThrows() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let missing = (directory as NSString).appendingPathComponent("missing.jpg")
        XCTAssertThrowsError(try ContentHash.sha256(path: missing)) { error in
            XCTAssertEqual(error as? StoreError, .unreadable(path: missing, reason: "no such file or permission denied"))
        }
        XCTAssertThrowsError(try ContentHash.sha256(path: directory)) { error in
            guard case .unreadable(let path, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, directory)
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
