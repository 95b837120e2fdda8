import Foundation
import XCTest
import GRDB
@testable import DetectCLI

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
    /// What run, compare and bench put side by side: `all` is the papers'
    /// three; one plain --pipeline with --model files runs the models in it
    /// (run, bench), otherwise the pipeline stands beside them; nothing gives
    /// the command's defaults; a pipeline file without its model says how to
    /// train it, in the words typed.
    func testPipelineSetsExpandAllAndKeepTheSinglePipelineRule() throws {
        PipelineLocator.pipelinesDirectory = Fixture.root.appendingPathComponent("pipelines").path
        defer { PipelineLocator.pipelinesDirectory = nil }
        let mobile = Fixture.root.appendingPathComponent("models/faster-rcnn-mobilenet.safetensors").path
        let names = { (set: [PipelineLocator.Resolved]) in set.map(\.config.name) }
        XCTAssertEqual(names(try PipelineLocator.resolveSet(pipelines: ["all"], models: [])), ["rcnn", "fast-rcnn", "faster-rcnn"])
        XCTAssertEqual(names(try PipelineLocator.resolveSet(pipelines: [], models: [], defaults: ["faster-rcnn"])), ["faster-rcnn"])
        let inOne = try PipelineLocator.resolveSet(pipelines: ["faster-rcnn-mobilenet"], models: [mobile, mobile], modelsInSinglePipeline: true)
        XCTAssertEqual(names(inOne), ["faster-rcnn-mobilenet", "faster-rcnn-mobilenet"])
        XCTAssertEqual(inOne.map(\.modelPath), [mobile, mobile])
        let beside = try PipelineLocator.resolveSet(pipelines: ["faster-rcnn"], models: [mobile])
        XCTAssertEqual(names(beside), ["faster-rcnn", "faster-rcnn-mobilenet"])
        XCTAssertEqual(names(try PipelineLocator.resolveSet(pipelines: ["faster-rcnn=\(mobile)", "all"], models: [])),
                       ["faster-rcnn", "rcnn", "fast-rcnn", "faster-rcnn"])
        let ghost = try Fixture.temporaryDirectory(self) + "/ghost.yaml"
        try "base: faster-rcnn\nmodel: ghost.safetensors\n".write(toFile: ghost, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineLocator.resolveSet(pipelines: [ghost], models: [])) {
            XCTAssertTrue("\($0)".contains("detect train --pipeline \(ghost) --dataset NAME"), "\($0)")
        }
    }
}
