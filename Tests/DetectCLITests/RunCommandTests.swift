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
    /// each is an image of its own (one rule: a path with its bytes) holding the
    /// same results, detected once; a second run resumes both.
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
        var reported: [Int] = []
        for _ in 0..<2 {   // the second run resumes both
            let r = try DetectBinary.run(["run", "p", "--pipeline", "faster-rcnn", "--db", db, "--json"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
            reported.append(((r.json?["runs"] as? [[String: Any]])?.first?["detections"] as? Int) ?? -1)
        }
        let (images, files, perPath, timed) = try DatabaseQueue(path: db).read { db in
            (try String.fetchAll(db, sql: "SELECT path FROM images ORDER BY path"),
             try Row.fetchAll(db, sql: "SELECT f.path AS file, i.path AS image FROM run_files f JOIN images i ON i.id = f.image_id"),
             try Int.fetchAll(db, sql: """
                SELECT COUNT(d.id) FROM images i LEFT JOIN detections d ON d.image_id = i.id GROUP BY i.id ORDER BY i.path
                """),
             try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT image_id) FROM stage_timings WHERE image_id IS NOT NULL") ?? -1)
        }
        XCTAssertEqual(images.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent }, ["a", "b"])
        XCTAssertEqual(files.count, 2)
        for f in files { XCTAssertEqual(f["file"] as String, f["image"] as String, "a run file points at another path's image") }
        XCTAssertEqual(perPath.count, 2)
        XCTAssertGreaterThan(perPath[0], 0)
        XCTAssertEqual(perPath[0], perPath[1], "the copy does not hold the same results")
        XCTAssertEqual(reported[0], perPath[0] * 2, "the run's detection count leaves out the copy")
        XCTAssertEqual(timed, 1, "the copy was detected again (or its times were invented)")
    }
}
