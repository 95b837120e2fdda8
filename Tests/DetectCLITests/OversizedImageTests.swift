import Foundation
import XCTest
import Imaging
import GRDB

/// A JPEG whose header claims 65,500 × 65,500 pixels among good photos: it is
/// reported and skipped from its header, and the photos after it are detected.
final class OversizedImageTests: XCTestCase {
    func testRunSkipsAHugeHeaderAndGoesOn() throws {
        let dir = try Fixture.temporaryDirectory(self)
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let samples = root.appendingPathComponent("samples/bccd")
        let photos = try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(".jpg") }.sorted()
        try FileManager.default.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        for p in photos.prefix(2) {
            try FileManager.default.copyItem(atPath: samples.appendingPathComponent(p).path, toPath: dir + "/photos/" + p)
        }
        // Sorted between the two good photos.
        var data = try JPEG.encode(Image(width: 16, height: 8, fill: (10, 20, 30)), quality: 80)
        let sof = (0..<(data.count - 9)).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 }!
        for (offset, byte) in [(5, 0xFF), (6, 0xDC), (7, 0xFF), (8, 0xDC)] { data[sof + offset] = UInt8(byte) }
        try data.write(to: URL(fileURLWithPath: dir + "/photos/" + photos[0].replacingOccurrences(of: ".jpg", with: "-huge.jpg")))
        let r = try DetectBinary.run(["run", "photos", "--pipeline", "faster-rcnn", "--db", dir + "/d.sqlite", "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("-huge.jpg") && r.stderr.contains("megapixels"), r.stderr)
        XCTAssertEqual(r.json?["skipped"] as? Int, 1, r.stdout)
        XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
        // The refused file left no image row behind.
        let rows = try DatabaseQueue(path: dir + "/d.sqlite").read { db in try String.fetchAll(db, sql: "SELECT path FROM images") }
        XCTAssertEqual(rows.count, 2)
        XCTAssertFalse(rows.contains { $0.hasSuffix("-huge.jpg") })
        // A lower limit is an option.
        let low = try DetectBinary.run(["run", "photos", "--pipeline", "faster-rcnn", "--db", dir + "/e.sqlite",
                                        "--max-megapixels", "1", "--json"], in: dir)
        XCTAssertEqual(low.status, 0, low.stderr)
        XCTAssertEqual(low.json?["images"] as? Int, 2, low.stdout)
    }
}
