import Foundation
import XCTest
import GRDB

/// Which pipeline file a name means: the bundled one next to the executable,
/// or the folder --pipelines-dir names.
final class PipelineLocationTests: XCTestCase {
    /// A stray pipelines/ folder in the working directory does not win; the
    /// bundled one (found from the executable) does, unless --pipelines-dir
    /// names another, and the file loaded is printed.
    func testPipelineFilesComeFromTheExecutableOrPipelinesDir() throws {
        let dir = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        let yaml = try String(contentsOf: Fixture.root.appendingPathComponent("pipelines/faster-rcnn.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "score_threshold: 0.05", with: "score_threshold: 0.9")
        try yaml.write(toFile: dir + "/pipelines/faster-rcnn.yaml", atomically: true, encoding: .utf8)
        let samples = Fixture.root.appendingPathComponent("samples/bccd").path
        func minScore(_ extra: [String], db: String) throws -> (Double, String) {
            let r = try DetectBinary.run(["run", samples, "--pipeline", "faster-rcnn", "--db", db] + extra, in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let score = try DatabaseQueue(path: dir + "/" + db).read { db in try Double.fetchOne(db, sql: "SELECT MIN(score) FROM detections") ?? 0 }
            return (score, r.stderr)
        }
        let (bundled, log) = try minScore([], db: "a.sqlite")
        XCTAssertLessThan(bundled, 0.9)
        XCTAssertTrue(log.contains(Fixture.root.appendingPathComponent("pipelines/faster-rcnn.yaml").standardized.path), log)
        let (custom, _) = try minScore(["--pipelines-dir", dir + "/pipelines"], db: "b.sqlite")
        XCTAssertGreaterThanOrEqual(custom, 0.9)
    }
}
