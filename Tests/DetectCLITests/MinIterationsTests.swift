import Foundation
import XCTest

/// `training.min_iterations`: on a small dataset the pipeline file's epochs
/// are raised until training takes that many SGD steps (a fine-tuning
/// schedule measured on 575 photos is otherwise a few hundred steps on 150),
/// while `--epochs` is run exactly.
final class MinIterationsTests: XCTestCase {
    func testSmallDatasetsGetMoreEpochsAndExplicitEpochsAreExact() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try PipelineCommandsTests.writeSmallPipelines(in: dir)
        // Four images, two per step: two steps an epoch, so five steps need three epochs.
        try """
            base: faster-rcnn.yaml
            training: {min_iterations: 5}
            """.write(toFile: dir + "/pipelines/short.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        for s in PipelineCommandsTests.stems {
            try FileManager.default.copyItem(atPath: Fixture.bccd + "/annotations/\(s).xml", toPath: dir + "/ann/\(s).xml")
        }
        let db = dir + "/t.sqlite"
        let imported = try DetectBinary.run(["annotations", "import", "ann", "--format", "voc", "--images", Fixture.bccd + "/images",
                                             "--dataset", "tiny", "--db", db], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)

        let raised = try DetectBinary.run(["train", "--pipeline", "short", "--pipelines-dir", "pipelines", "--dataset", "tiny",
                                           "--db", db, "--out", "a.safetensors", "--json"], in: dir)
        XCTAssertEqual(raised.status, 0, raised.stderr)
        XCTAssertEqual(raised.json?["epochs"] as? Int, 3, raised.stdout)
        XCTAssertTrue(raised.stderr.contains("3 epochs (the pipeline's 1 raised to reach its min_iterations of 5 steps)"), raised.stderr)
        XCTAssertTrue(raised.stderr.contains("epoch 3/3"), raised.stderr)

        let exact = try DetectBinary.run(["train", "--pipeline", "short", "--pipelines-dir", "pipelines", "--dataset", "tiny",
                                          "--db", db, "--epochs", "1", "--out", "b.safetensors", "--json"], in: dir)
        XCTAssertEqual(exact.status, 0, exact.stderr)
        XCTAssertEqual(exact.json?["epochs"] as? Int, 1, exact.stdout)
        XCTAssertFalse(exact.stderr.contains("raised"), exact.stderr)
    }
}
