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
    /// Stores written before the rule let a run's file share a byte-identical
    /// file's row under another path; opening one gives each file its own row
    /// with the run's results, and the timings to the file the run processed.
    func testAnOlderStoresSharedRowsBecomeOneImagePerFile() throws {
        let file = try Fixture.temporaryDirectory(self) + "/v3.sqlite"
        let queue = try DatabaseQueue(path: file)
        try Schema.migrator.migrate(queue, upTo: "v3 run uuids, shards, merges")
        try queue.write { db in
            try db.execute(sql: """
                PRAGMA user_version = 3;
                INSERT INTO categories (id, name) VALUES (1, 'fish');
                INSERT INTO datasets (id, name) VALUES (1, 'd');
                INSERT INTO images (id, path, width, height, content_hash, file_size) VALUES
                    (1, '/d/a.jpg', 32, 24, 'H', 100), (2, '/f/c.jpg', 32, 24, 'H2', 90);
                INSERT INTO dataset_images (dataset_id, image_id, file_name) VALUES (1, 1, 'a.jpg');
                INSERT INTO annotations (dataset_id, image_id, category_id, x1, y1, x2, y2, source, format)
                    VALUES (1, 1, 1, 1, 1, 9, 9, 'a.xml', 'voc');
                INSERT INTO runs (id, pipeline, configuration, uuid) VALUES (1, 'faster-rcnn', 'c', 'u1'), (2, 'faster-rcnn', 'c', 'u2');
                -- run 1, over a folder of copies: /f/a.jpg and /f/b.jpg shared the dataset's row
                INSERT INTO run_files (run_id, path, image_id) VALUES (1, '/f/a.jpg', 1), (1, '/f/b.jpg', 1), (1, '/f/c.jpg', 2);
                INSERT INTO run_images (run_id, image_id) VALUES (1, 1), (1, 2);
                INSERT INTO detections (run_id, image_id, category_id, score, x1, y1, x2, y2) VALUES
                    (1, 1, 1, 0.9, 1, 1, 9, 9), (1, 1, 1, 0.4, 2, 2, 8, 8), (1, 2, 1, 0.7, 3, 3, 7, 7);
                INSERT INTO stage_timings (run_id, image_id, stage, milliseconds) VALUES
                    (1, 1, 'decode', 5), (1, 1, 'backbone', 7), (1, 2, 'decode', 4), (1, NULL, 'load_model', 100);
                -- run 2, over the dataset's file and a copy of it
                INSERT INTO run_files (run_id, path, image_id) VALUES (2, '/d/a.jpg', 1), (2, '/d/copy.jpg', 1);
                INSERT INTO run_images (run_id, image_id) VALUES (2, 1);
                INSERT INTO detections (run_id, image_id, category_id, score, x1, y1, x2, y2) VALUES (2, 1, 1, 0.8, 1, 1, 9, 9);
                INSERT INTO stage_timings (run_id, image_id, stage, milliseconds) VALUES (2, 1, 'decode', 6);
                """)
        }
        let store = try Store(path: file)
        let id = { (path: String) in try store.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM images WHERE path = ?", arguments: [path]) } }
        let fa = try XCTUnwrap(id("/f/a.jpg")), fb = try XCTUnwrap(id("/f/b.jpg")), copy = try XCTUnwrap(id("/d/copy.jpg"))
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM images"), 5)
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM images WHERE content_hash = 'H'"), 4)
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM run_files f JOIN images i ON i.id = f.image_id WHERE f.path != i.path"), 0)

        // Rows of `table` a run has for each image (nil: image_id IS NULL, per-run work).
        func rows(_ table: String, run: Int, _ images: [Int64?]) throws -> [Int] {
            try images.map { try count(store, "SELECT COUNT(*) FROM \(table) WHERE run_id = \(run) AND image_id " + ($0.map { "= \($0)" } ?? "IS NULL")) }
        }
        // Run 1 never processed /d/a.jpg: its results and times leave that row; the first copy carries the times.
        XCTAssertEqual(try rows("detections", run: 1, [1, fa, fb, 2]), [0, 2, 2, 1])
        XCTAssertEqual(try store.runImageIDs(run: 1).sorted(), [2, fa, fb].sorted())
        XCTAssertEqual(try rows("stage_timings", run: 1, [1, fa, fb, 2, nil]), [0, 2, 0, 1, 1])
        XCTAssertEqual(try count(store, "SELECT CAST(SUM(milliseconds) AS INTEGER) FROM stage_timings WHERE run_id = 1"), 116)
        // Run 2 processed /d/a.jpg itself: it keeps its results and times; the copy gets the results.
        XCTAssertEqual(try rows("detections", run: 2, [1, copy]), [1, 1])
        XCTAssertEqual(try rows("stage_timings", run: 2, [1, copy]), [1, 0])
        XCTAssertEqual(try store.runImageIDs(run: 2).sorted(), [1, copy].sorted())

        // The dataset keeps its image and box; eval still meets run 1's copy of it by its bytes.
        XCTAssertEqual(try count(store, "SELECT COUNT(*) FROM annotations WHERE image_id = 1"), 1)
        let shown = try store.runImages(of: 1, showing: [1])
        XCTAssertEqual(shown.count, 1)
        XCTAssertTrue([fa, fb].contains(try XCTUnwrap(shown[1])), "\(shown)")
        XCTAssertEqual(try store.runImages(of: 2, showing: [1])[1], 1)
    }
}
