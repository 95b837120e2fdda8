import Foundation
import XCTest
import GRDB
import Boxes
import Imaging
@testable import Store

/// One rule for "the same image" whoever writes it (import, run, merge): a path
/// with its bytes.
final class ImageIdentityTests: XCTestCase {
    func count(_ store: Store, _ sql: String) throws -> Int { try store.read { db in try Int.fetchOne(db, sql: sql) ?? -1 } }

    func testImportRunAndMergeAgreeOnWhatOneImageIs() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let a = dir + "/a.jpg", b = dir + "/b.jpg"
        try JPEG.write(Image(width: 32, height: 24, fill: (10, 200, 30)), to: a)
        try FileManager.default.copyItem(atPath: a, toPath: b)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: a))
        let hash = ContentHash.sha256(bytes)
        let store = try Store(path: dir + "/s.sqlite")

        // Import: the same path twice is one image; a byte-identical copy elsewhere is another.
        let imported = try store.imageID(path: a, width: 32, height: 24)
        XCTAssertEqual(try store.imageID(path: a, width: 32, height: 24), imported)
        let copy = try store.imageID(path: b, width: 32, height: 24)
        XCTAssertNotEqual(copy, imported)

        // A run finds the imported rows by path and bytes, never another path's row.
        let run = try store.startRun(pipeline: "faster-rcnn", model: "m", configuration: "c").id
        let detection = StoredDetection(imageID: 0, category: "fish", score: 0.9, box: Box(x1: 1, y1: 2, x2: 20, y2: 22))
        XCTAssertEqual(try store.recordImage(run: run, path: a, width: 32, height: 24, contentHash: hash, fileSize: bytes.count,
                                             detections: [detection], timings: [("decode", 1)]), imported)
        let elsewhere = dir + "/c.jpg"
        let third = try store.recordCopy(run: run, path: elsewhere, of: imported)
        XCTAssertFalse([imported, copy].contains(third))
        XCTAssertEqual(try store.read { db in try String.fetchOne(db, sql: "SELECT path FROM images WHERE id = ?", arguments: [third]) },
                       elsewhere)
        XCTAssertEqual(try store.detectionCount(run: run, image: third), 1)
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM stage_timings WHERE image_id = \(third)"), 0,
                       "a copy's times were not measured")
        XCTAssertEqual(try store.finishedImage(run: run, contentHash: hash), imported, "the first file detected is the original")
        // The same path with new bytes is a new image.
        let changed = try store.recordImage(run: run, path: a, width: 32, height: 24, contentHash: String(repeating: "f", count: 64),
                                            fileSize: 7, detections: [], timings: [])
        XCTAssertFalse([imported, copy, third].contains(changed))
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM run_files f JOIN images i ON i.id = f.image_id WHERE f.path <> i.path"), 0)

        // Merge: a shard holding `b` and a new path with the same bytes adds only the new path.
        let shard = try Store(path: dir + "/shard.sqlite")
        let shardRun = try shard.startRun(pipeline: "faster-rcnn", model: "m", configuration: "c").id
        for path in [b, dir + "/d.jpg"] {
            try shard.recordImage(run: shardRun, path: path, width: 32, height: 24, contentHash: hash, fileSize: bytes.count,
                                  detections: [detection], timings: [])
        }
        let before = try count(store, "SELECT COUNT(*) FROM images")
        let counts = try store.merge(shardAt: dir + "/shard.sqlite")
        XCTAssertEqual(counts.rowsAdded["images"], 1)
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM images"), before + 1)
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM images WHERE content_hash = '\(hash)'"), 4)
    }
}
