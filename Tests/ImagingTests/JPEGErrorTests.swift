import Foundation
import XCTest
import InputFiles
@testable import Imaging

final class JPEGErrorTests: XCTestCase {
    func assertThrows(_ expected: (ImagingError) -> Bool, path: String, _ body: () throws -> Image,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? ImagingError else {
                return XCTFail("expected ImagingError, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(expected(e), "unexpected error \(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(path), "\(e) does not name \(path)", file: file, line: line)
        }
    }

    func testTruncatedFileIsAnErrorNamingTheFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try TestPaths.bccdImage(0)))
        let dir = try TestPaths.tempDir(self)
        for fraction in [0.3, 0.6, 0.95] {
            let path = dir.appendingPathComponent("cut-\(fraction).jpg").path
            try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
            assertThrows({ if case .truncated = $0 { return true }; return false }, path: path) {
                try JPEG.decode(path: path)
            }
        }
        // Cut inside the headers: still an error naming the file, whichever reader notices.
        let headerCut = dir.appendingPathComponent("header-cut.jpg").path
        try data.prefix(100).write(to: URL(fileURLWithPath: headerCut))
        assertThrows({ _ in true }, path: headerCut) { try JPEG.decode(path: headerCut) }
    }

    /// Even a stream missing only its final EOI marker counts as truncated:
    /// libjpeg's Huffman decoder reads ahead past the last coded bits, so it
    /// cannot tell that case from a cut inside the last MCU row.
    func testMissingEOIMarkerIsTruncation() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try TestPaths.bccdImage(0)))
        XCTAssertEqual(Array(data.suffix(2)), [0xFF, 0xD9])
        XCTAssertThrowsError(try JPEG.decode(data: data.dropLast(2), path: "no-eoi.jpg")) { error in
            XCTAssertEqual((error as? ImagingError).map { if case .truncated("no-eoi.jpg", _) = $0 { true } else { false } }, true)
        }
        // Bytes after EOI are ignored.
        XCTAssertEqual(try JPEG.decode(data: data + Data([0, 1, 2, 3])), try JPEG.decode(data: data))
    }

    func testTruncatedProgressiveFileIsAnError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("progressive.jpg")))
        let path = try TestPaths.tempDir(self).appendingPathComponent("prog-cut.jpg").path
        try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: path))
        assertThrows({ if case .truncated = $0 { return true }; return false }, path: path) {
            try JPEG.decode(path: path)
        }
    }

    func testTextFileNamedJPG() throws {
        let path = try TestPaths.tempDir(self).appendingPathComponent("notes.jpg").path
        try "these are not pixels\n".write(toFile: path, atomically: true, encoding: .utf8)
        assertThrows({ $0 == .notJPEG(path: path) }, path: path) { try JPEG.decode(path: path) }
        XCTAssertThrowsError(try JPEGHeader.read(path: path))
    }

    func testEmptyAndMissingFiles() throws {
        let dir = try TestPaths.tempDir(self)
        let empty = dir.appendingPathComponent("empty.jpg").path
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        assertThrows({ if case .corrupt = $0 { return true }; return false }, path: empty) {
            try JPEG.decode(path: empty)
        }
        let missing = dir.appendingPathComponent("missing.jpg").path
        assertThrows({ if case .unreadable = $0 { return true }; return false }, path: missing) {
            try JPEG.decode(path: missing)
        }
    }

    /// A frame header whose component count disagrees with its length: libjpeg's
    /// fatal error must come back as an error, not end the process.
    func testCorruptFrameHeaderIsAnError() throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("progressive.jpg")))
        // Wreck the frame header's component count so libjpeg rejects the frame.
        let sof = data.firstRange(of: Data([0xFF, 0xC2]))!.lowerBound
        data[sof + 9] = 7
        let path = try TestPaths.tempDir(self).appendingPathComponent("bad-frame.jpg").path
        try data.write(to: URL(fileURLWithPath: path))
        assertThrows({ if case .corrupt = $0 { return true }; return false }, path: path) {
            try JPEG.decode(path: path)
        }
    }

    /// A JPEG whose frame header claims 65,500 × 65,500 pixels is refused from
    /// the header, before libjpeg allocates anything; the limit is adjustable.
    static func hugeHeader() throws -> Data {
        var data = try JPEG.encode(Image(width: 16, height: 8, fill: (10, 20, 30)), quality: 80)
        guard let sof = (0..<(data.count - 9)).first(where: { data[$0] == 0xFF && data[$0 + 1] == 0xC0 }) else {
            throw ImagingError.invalidArgument("no SOF0 marker")
        }
        // FF C0, length (2), precision (1), height (2), width (2)
        for (offset, byte) in [(5, 0xFF), (6, 0xDC), (7, 0xFF), (8, 0xDC)] { data[sof + offset] = UInt8(byte) }
        return data
    }

    func testHeaderClaimingTooManyPixelsIsRefusedBeforeDecoding() throws {
        let data = try Self.hugeHeader()
        XCTAssertEqual(try JPEGHeader.parse(data, path: "huge.jpg").width, 65_500)
        XCTAssertThrowsError(try JPEG.decode(data: data, path: "huge.jpg")) { error in
            guard case let .tooLarge(path, w, h, limit)? = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertEqual([path, String(w), String(h), String(limit)], ["huge.jpg", "65500", "65500", "200000000"])
            XCTAssertTrue("\(error)".contains("megapixels"))
        }
        // A lower limit refuses an ordinary photo the same way; the default lets it through.
        let small = try JPEG.encode(Image(width: 40, height: 30), quality: 80)
        let saved = JPEG.maximumPixels
        defer { JPEG.maximumPixels = saved }
        JPEG.maximumPixels = 1000
        XCTAssertThrowsError(try JPEG.decode(data: small, path: "small.jpg"))
        JPEG.maximumPixels = saved
        XCTAssertEqual(try JPEG.decode(data: small, path: "small.jpg").width, 40)
    }
}

/// Issue 20: the header reader and the image reader never read without bound,
/// and open only regular files.
final class BoundedInputTests: XCTestCase {
    /// Sparse 16 GiB files that start like a JPEG: the (FF D8 FF, then
    /// zeros) is refused at its first segment; one of stray bytes that never
    /// reaches a frame header after a bounded prefix. Both quickly.
    func testHeaderReaderStopsAtItsPrefixBound() throws {
        let dir = try TestPaths.tempDir(self)
        let start = Date()
        for (head, reason) in [([UInt8]([0xFF, 0xD8, 0xFF]), "segment 0xFF0 at byte 2 gives length 0"),
                               ([0xFF, 0xD8, 0xFF, 0xD8], "no frame header (SOF) in the first 16 MiB")] {
            let path = dir.appendingPathComponent("sparse-\(head.count).jpg").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(head)))
            guard truncate(path, 16 << 30) == 0 else { throw XCTSkip("no sparse files here") }
            XCTAssertThrowsError(try JPEGHeader.read(path: path)) { error in
                guard case let .corrupt(p, r)? = error as? ImagingError else { return XCTFail("\(error)") }
                XCTAssertEqual(p, path)
                XCTAssertTrue(r.hasPrefix(reason), r)
            }
            // Decoding refuses it by size, before reading any of it.
            XCTAssertThrowsError(try JPEG.decode(path: path)) { error in
                XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("more than an input file may hold"), "\(error)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    /// A file that does not start with a JPEG marker is refused from its first bytes.
    func testNonJPEGIsRefusedAtOnce() throws {
        let dir = try TestPaths.tempDir(self)
        let path = dir.appendingPathComponent("text.jpg").path
        try Data(repeating: 0x41, count: 1 << 20).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try JPEGHeader.read(path: path)) { XCTAssertEqual($0 as? ImagingError, .notJPEG(path: path)) }
    }

    /// FIFOs, devices and folders are refused by kind, never opened for reading
    /// (opening a FIFO waits for a writer forever).
    func testOnlyRegularFilesAreRead() throws {
        let dir = try TestPaths.tempDir(self)
        let fifo = dir.appendingPathComponent("pipe.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let cases = [(fifo, "FIFO"), ("/dev/zero", "device"), (dir.path, "folder")]
        for (path, word) in cases {
            XCTAssertThrowsError(try JPEGHeader.read(path: path), path) { error in
                XCTAssertTrue("\(error)".contains(path) && "\(error)".contains(word), "\(error)")
            }
            XCTAssertThrowsError(try JPEG.decode(path: path), path) { error in
                XCTAssertTrue("\(error)".contains(path) && "\(error)".contains(word), "\(error)")
            }
            XCTAssertFalse(InputFile.isRegular(path))
        }
    }

    /// Paths resolve as the shell resolves them: `..` against the current
    /// folder (not dropped), and `..` after a symbolic link from the link's target.
    func testAbsolutePathsFollowTheSystem() throws {
        let dir = try TestPaths.tempDir(self)
        let real = InputFile.realPath(dir.path) ?? dir.path
        let fm = FileManager.default
        try fm.createDirectory(atPath: real + "/a/deep", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: real + "/b", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: real + "/b/link", withDestinationPath: real + "/a/deep")
        let saved = fm.currentDirectoryPath
        defer { fm.changeCurrentDirectoryPath(saved) }
        XCTAssertTrue(fm.changeCurrentDirectoryPath(real + "/b"))
        XCTAssertEqual(InputFile.absolute("../a/x.jpg"), real + "/a/x.jpg")
        XCTAssertEqual(InputFile.absolute("./../a/./x.jpg"), real + "/a/x.jpg")
        // b/link/.. is a/, as `ls link/..` shows, not b/.
        XCTAssertEqual(InputFile.absolute("link/../x.jpg"), real + "/a/x.jpg")
        // The last component keeps the name given: a link to a file stays the link.
        XCTAssertEqual(InputFile.absolute("link"), real + "/b/link")
        XCTAssertEqual(InputFile.absolute(".."), real)
    }
}
