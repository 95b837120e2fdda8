import Foundation
import XCTest
import GRDB
import Boxes
@testable import Store

final class MergeTests: XCTestCase {
    func store(_ dir: String, _ name: String) throws -> Store { try Store(path: dir + "/" + name) }

    func result(_ n: Int) -> Store.ImageResult {
        Store.ImageResult(path: "/p/\(n).jpg", width: 64, height: 48, contentHash: String(repeating: "\(n % 10)", count: 64),
                          fileSize: 10 + n, detections: [StoredDetection(imageID: 0, category: "fish", score: 0.5,
                                                                         box: Box(x1: 1, y1: 2, x2: 30, y2: 40))],
                          timings: [("decode", 1), ("nms", 0.1)])
    }

    /// Shards of one group must agree on pipeline, model and configuration.
    func testAShardOfTheSameGroupWithAnotherModelIsRefused() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let a = try store(dir, "a.sqlite"), b = try store(dir, "b.sqlite")
        let runA = try a.startRun(pipeline: "faster-rcnn", model: "m1", configuration: "cfg\n# model_sha256: 1", shard: Shard(index: 0, count: 2), group: "job-7").id
        try a.recordImages(run: runA, [result(1)])
        let runB = try b.startRun(pipeline: "faster-rcnn", model: "m2", configuration: "cfg\n# model_sha256: 2", shard: Shard(index: 1, count: 2), group: "job-7").id
        try b.recordImages(run: runB, [result(2)])
        let merged = try store(dir, "m.sqlite")
        XCTAssertEqual(try merged.merge(shardAt: dir + "/a.sqlite").rowsAdded["detections"], 1)
        XCTAssertThrowsError(try merged.merge(shardAt: dir + "/b.sqlite")) { error in
            XCTAssertTrue("\(error)".contains("job-7") && "\(error)".contains("b.sqlite"), "\(error)")
        }
        // Refused whole: nothing of b landed.
        XCTAssertEqual(try merged.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM images") }, 1)
        // A store into itself is refused too.
        XCTAssertThrowsError(try a.merge(shardAt: dir + "/a.sqlite"))
    }

    func testAShardFromAnotherSchemaIsRefused() throws {
        let dir = try Fixture.temporaryDirectory(self)
        _ = try store(dir, "old.sqlite")
        try DatabaseQueue(path: dir + "/old.sqlite").write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%'")
        }
        XCTAssertThrowsError(try store(dir, "m.sqlite").merge(shardAt: dir + "/old.sqlite")) { error in
            XCTAssertTrue("\(error)".contains("schema version"), "\(error)")
        }
    }
}
