import Foundation
import XCTest

/// `detect train`: what it refuses before training, with a message that says why.
final class TrainCommandTests: XCTestCase {
    /// A split named on the command line that the dataset lacks is an error,
    /// never a silent fall-back to every image.
    func testTrainWithAMissingExplicitSplitFails() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let db = dir + "/t.sqlite"
        var csv = "path,x1,y1,x2,y2,class\n"
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixture.root.appendingPathComponent("samples/bccd").path)
            where name.hasSuffix(".jpg") {
            csv += "\(Fixture.root.appendingPathComponent("samples/bccd/\(name)").path),10,10,100,100,cell\n"
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

    /// Values given on the command line get the checks a pipeline file's
    /// values get, and the error names the option and the key.
    func testOutOfRangeCommandLineValuesAreRefusedByName() throws {
        let dir = try Fixture.temporaryDirectory(self)
        for (option, key) in [(["--epochs", "0"], "training.epochs"), (["--learning-rate=-0.5"], "training.learning_rate"),
                              (["--learning-rate", "nan"], "training.learning_rate")] {
            let r = try DetectBinary.run(["train", "--pipeline", "faster-rcnn", "--db", dir + "/t.sqlite",
                                          "--out", dir + "/m.safetensors"] + option, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(option)")
            let flag = option[0].components(separatedBy: "=")[0]
            XCTAssertTrue(r.stderr.contains(flag) && r.stderr.contains(key) && r.stderr.contains("outside"), "\(option): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.safetensors"))
        }
    }
}
