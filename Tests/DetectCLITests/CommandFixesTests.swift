import Foundation
import XCTest
import GRDB

/// User-facing bugs of issue 12, each with its test.
final class CommandFixesTests: XCTestCase {
    var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// `--score-threshold` below the pipeline file's 0.05 reaches the detector.
    func testRunScoreThresholdCanGoBelowThePipelineFile() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let db = dir + "/s.sqlite"
        let r = try DetectBinary.run(["run", root.appendingPathComponent("samples/bccd").path, "--pipeline", "faster-rcnn",
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

    /// A split named on the command line that the dataset lacks is an error,
    /// never a silent fall-back to every image.
    func testTrainWithAMissingExplicitSplitFails() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let db = dir + "/t.sqlite"
        var csv = "path,x1,y1,x2,y2,class\n"
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("samples/bccd").path)
            where name.hasSuffix(".jpg") {
            csv += "\(root.appendingPathComponent("samples/bccd/\(name)").path),10,10,100,100,cell\n"
        }
        try csv.write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        let imported = try DetectBinary.run(["annotations", "import", "b.csv", "--format", "csv", "--dataset", "nosplits", "--db", db], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let r = try DetectBinary.run(["train", "--pipeline", "faster-rcnn", "--dataset", "nosplits", "--split", "test",
                                      "--epochs", "1", "--db", db, "--out", dir + "/m.safetensors"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no split 'test'") && r.stderr.contains("no splits"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.safetensors"))
    }

    /// Two byte-identical files at different paths: both are processed, and
    /// each path finds its results in the store (one image row, two run files).
    func testByteIdenticalFilesAreBothFindableByPath() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let sample = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("samples/bccd").path)
            .filter { $0.hasSuffix(".jpg") }.sorted()[0]
        try FileManager.default.createDirectory(atPath: dir + "/p/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/p/b", withIntermediateDirectories: true)
        for sub in ["a", "b"] {
            try FileManager.default.copyItem(atPath: root.appendingPathComponent("samples/bccd/\(sample)").path, toPath: dir + "/p/\(sub)/x.jpg")
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

    /// A stray pipelines/ folder in the working directory does not win; the
    /// bundled one (found from the executable) does, unless --pipelines-dir
    /// names another, and the file loaded is printed.
    func testPipelineFilesComeFromTheExecutableOrPipelinesDir() throws {
        let dir = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        let yaml = try String(contentsOf: root.appendingPathComponent("pipelines/faster-rcnn.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "score_threshold: 0.05", with: "score_threshold: 0.9")
        try yaml.write(toFile: dir + "/pipelines/faster-rcnn.yaml", atomically: true, encoding: .utf8)
        let samples = root.appendingPathComponent("samples/bccd").path
        func minScore(_ extra: [String], db: String) throws -> (Double, String) {
            let r = try DetectBinary.run(["run", samples, "--pipeline", "faster-rcnn", "--db", db] + extra, in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let score = try DatabaseQueue(path: dir + "/" + db).read { db in try Double.fetchOne(db, sql: "SELECT MIN(score) FROM detections") ?? 0 }
            return (score, r.stderr)
        }
        let (bundled, log) = try minScore([], db: "a.sqlite")
        XCTAssertLessThan(bundled, 0.9)
        XCTAssertTrue(log.contains(root.appendingPathComponent("pipelines/faster-rcnn.yaml").standardized.path), log)
        let (custom, _) = try minScore(["--pipelines-dir", dir + "/pipelines"], db: "b.sqlite")
        XCTAssertGreaterThanOrEqual(custom, 0.9)
    }
}
