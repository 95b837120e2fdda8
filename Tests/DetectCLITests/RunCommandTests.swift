import Foundation
import XCTest
import GRDB

/// `detect run`: command-line values reach the detector, and every file of
/// the folder finds its results in the store.
final class RunCommandTests: XCTestCase {
    /// `--score-threshold` below the pipeline file's 0.05 reaches the detector.
    func testRunScoreThresholdCanGoBelowThePipelineFile() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let db = dir + "/s.sqlite"
        let r = try DetectBinary.run(["run", Fixture.root.appendingPathComponent("samples/bccd").path, "--pipeline", "faster-rcnn",
                                      "--score-threshold", "0.01", "--db", db, "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let low = try DatabaseQueue(path: db).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detections WHERE score < 0.05") ?? 0
        }
        let below = try DatabaseQueue(path: db).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detections WHERE score < 0.01") ?? 0
        }
        XCTAssertGreaterThan(low, 0, "no detection between 0.01 and the file's 0.05")
        XCTAssertEqual(below, 0)
    }

    /// Two byte-identical files at different paths: both are processed, and
    /// each path finds its results in the store (one image row, two run files).
    func testByteIdenticalFilesAreBothFindableByPath() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let sample = try FileManager.default.contentsOfDirectory(atPath: Fixture.root.appendingPathComponent("samples/bccd").path)
            .filter { $0.hasSuffix(".jpg") }.sorted()[0]
        try FileManager.default.createDirectory(atPath: dir + "/p/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/p/b", withIntermediateDirectories: true)
        for sub in ["a", "b"] {
            try FileManager.default.copyItem(atPath: Fixture.root.appendingPathComponent("samples/bccd/\(sample)").path, toPath: dir + "/p/\(sub)/x.jpg")
        }
        let db = dir + "/d.sqlite"
        for _ in 0..<2 {   // the second run resumes both
            let r = try DetectBinary.run(["run", "p", "--pipeline", "faster-rcnn", "--db", db, "--json"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
        }
        let (images, files, detections) = try DatabaseQueue(path: db).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM images") ?? -1,
             try String.fetchAll(db, sql: "SELECT path FROM run_files ORDER BY path"),
             try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM run_files f JOIN detections d ON d.image_id = f.image_id AND d.run_id = f.run_id
                WHERE f.path LIKE '%/b/x.jpg'
                """) ?? 0)
        }
        XCTAssertEqual(images, 1)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["x.jpg", "x.jpg"])
        XCTAssertGreaterThan(detections, 0, "the second path has no results")
    }
}
