import Foundation
import XCTest
import GRDB

/// The detector commands end to end through the built binary: train each
/// pipeline briefly on four BCCD images (with small pipeline files placed in
/// the working directory and named by --pipelines-dir), run all
/// three over a folder that also holds a corrupt JPEG, resume without
/// duplicates, evaluate, export results and compare.
final class PipelineCommandsTests: XCTestCase {
    static let stems = ["BloodImage_00000", "BloodImage_00001", "BloodImage_00003", "BloodImage_00004"]

    static func writeSmallPipelines(in dir: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.createDirectory(atPath: dir + "/pipelines", withIntermediateDirectories: true)
        let small = """
            input: {min_size: 128, max_size: 192}
            selective_search: {max_side: 160, max_proposals: 200}
            rpn: {post_nms_top_n_test: 50, pre_nms_top_n_test: 500}
            rcnn: {max_proposals: 40, train_proposals: 40, fine_tune_regions_per_image: 16, mining_rounds: 1}
            training: {epochs: 1, warmup_iterations: 1, scale_jitter: []}
            """
        for name in ["rcnn", "fast-rcnn", "faster-rcnn"] {
            var text = try String(contentsOfFile: root.appendingPathComponent("pipelines/\(name).yaml").path, encoding: .utf8)
            // Drop the project's sections the small settings replace, keep name, stages and model.
            var kept: [String] = []
            var skipping = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let l = String(line)
                if let first = l.first, first != " ", first != "#" {
                    let key = l.split(separator: ":").first.map(String.init) ?? ""
                    skipping = !["name", "description", "model", "stages", "roi_pooling", "box_head", "postprocess"].contains(key)
                }
                if !skipping { kept.append(l) }
            }
            text = kept.joined(separator: "\n") + "\n" + small + "\n"
            try text.write(toFile: dir + "/pipelines/\(name).yaml", atomically: true, encoding: .utf8)
        }
    }

    func run(_ args: [String], in dir: String, file: StaticString = #filePath, line: UInt = #line) throws -> DetectBinary.Result {
        let r = try DetectBinary.run(args, in: dir)
        XCTAssertEqual(r.status, 0, "detect \(args.joined(separator: " ")) failed:\n\(r.stderr.suffix(2000))", file: file, line: line)
        return r
    }

    func count(_ db: String, _ sql: String) throws -> Int {
        try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    func testTrainRunResumeEvalExportCompare() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try Self.writeSmallPipelines(in: dir)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/images/nested", withIntermediateDirectories: true)
        for s in Self.stems {
            try fm.copyItem(atPath: Fixture.bccd + "/annotations/\(s).xml", toPath: dir + "/ann/\(s).xml")
        }
        // The folder to detect in: two images (one nested, upper-case extension), a corrupt JPEG, a text file.
        try fm.copyItem(atPath: Fixture.bccd + "/images/\(Self.stems[0]).jpg", toPath: dir + "/images/a.jpg")
        try fm.copyItem(atPath: Fixture.bccd + "/images/\(Self.stems[1]).jpg", toPath: dir + "/images/nested/b.JPEG")
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/images/a.jpg"))
        try good.prefix(2000).write(to: URL(fileURLWithPath: dir + "/images/broken.jpg"))
        try "not an image".write(toFile: dir + "/images/notes.txt", atomically: true, encoding: .utf8)
        let db = dir + "/t.sqlite"

        _ = try run(["annotations", "import", "ann", "--format", "voc", "--images", Fixture.bccd + "/images",
                     "--dataset", "tiny", "--db", db], in: dir)
        for name in ["faster-rcnn", "fast-rcnn", "rcnn"] {
            let r = try run(["train", "--pipeline", name, "--pipelines-dir", "pipelines", "--dataset", "tiny", "--db", db,
                             "--out", "models/\(name).safetensors", "--json"], in: dir)
            let json = try XCTUnwrap(r.json, r.stdout)
            XCTAssertEqual(json["pipeline"] as? String, name)
            XCTAssertEqual(json["images"] as? Int, 4)
            XCTAssertTrue(fm.fileExists(atPath: dir + "/models/\(name).safetensors"))
        }

        let first = try run(["run", "images", "--pipeline", "all", "--pipelines-dir", "pipelines", "--db", db, "--draw", "drawn", "--json"], in: dir)
        let json = try XCTUnwrap(first.json, first.stdout)
        XCTAssertEqual(json["images"] as? Int, 2)
        XCTAssertEqual(json["skipped"] as? Int, 1)
        XCTAssertTrue(first.stderr.contains("broken.jpg"), "the corrupt file is reported by name")
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.compactMap { $0["pipeline"] as? String }, ["rcnn", "fast-rcnn", "faster-rcnn"])
        XCTAssertEqual(json["run_id"] as? Int, runs[0]["run_id"] as? Int)
        let stageCounts = ["rcnn": 7, "fast-rcnn": 7, "faster-rcnn": 7]
        for r in runs {
            let id = try XCTUnwrap(r["run_id"] as? Int)
            let stages = stageCounts[r["pipeline"] as! String]!
            XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM stage_timings WHERE run_id = \(id)"), 2 * stages)
            XCTAssertEqual(try count(db, "SELECT COUNT(DISTINCT stage) FROM stage_timings WHERE run_id = \(id)"), stages)
            XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM runs WHERE id = \(id) AND status = 'finished'"), 1)
        }
        XCTAssertTrue(fm.fileExists(atPath: dir + "/drawn/faster-rcnn/a.jpg"))
        let detections = try count(db, "SELECT COUNT(*) FROM detections")
        let timings = try count(db, "SELECT COUNT(*) FROM stage_timings")

        // Running the same command again resumes the same runs and adds no rows.
        let again = try run(["run", "images", "--pipeline", "all", "--pipelines-dir", "pipelines", "--db", db, "--json"], in: dir)
        XCTAssertEqual((again.json?["runs"] as? [[String: Any]])?.compactMap { $0["run_id"] as? Int },
                       runs.compactMap { $0["run_id"] as? Int })
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM detections"), detections)
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM stage_timings"), timings)

        let fasterRun = try XCTUnwrap(runs[2]["run_id"] as? Int)
        let voc = try run(["eval", "--run", "\(fasterRun)", "--metric", "voc", "--db", db, "--json"], in: dir)
        let vocJSON = try XCTUnwrap(voc.json, voc.stdout)
        XCTAssertNotNil(vocJSON["mAP"] as? Double)
        XCTAssertEqual(Set((vocJSON["per_class"] as? [String: Any])?.keys ?? [:].keys), ["Platelets", "RBC", "WBC"])
        let coco = try run(["eval", "--run", "\(fasterRun)", "--metric", "coco", "--db", db, "--json"], in: dir)
        let cocoJSON = try XCTUnwrap(coco.json, coco.stdout)
        for key in ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "per_class"] {
            XCTAssertNotNil(cocoJSON[key], key)
        }

        _ = try run(["export-results", "--run", "\(fasterRun)", "--format", "coco", "--out", "results.json", "--db", db], in: dir)
        let exported = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json"))) as? [[String: Any]])
        XCTAssertEqual(exported.count, try count(db, "SELECT COUNT(*) FROM detections WHERE run_id = \(fasterRun)"))
        for e in exported {
            XCTAssertEqual((e["bbox"] as? [Double])?.count, 4)
            XCTAssertNotNil(e["image_id"] as? Int)
            XCTAssertNotNil(e["category_id"] as? Int)
        }
        _ = try run(["export-results", "--run", "\(fasterRun)", "--format", "csv", "--out", "results.csv", "--db", db], in: dir)
        let csv = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "path,x1,y1,x2,y2,class,score")
        XCTAssertEqual(csv.count - 1, exported.count)

        let compare = try run(["compare", "images", "--pipelines-dir", "pipelines", "--db", db, "--json"], in: dir)
        let cmp = try XCTUnwrap(compare.json, compare.stdout)
        XCTAssertNotNil(cmp["comparison_id"] as? Int)
        let pipelines = try XCTUnwrap(cmp["pipelines"] as? [String: [String: Any]])
        XCTAssertEqual(Set(pipelines.keys), ["rcnn", "fast-rcnn", "faster-rcnn"])
        XCTAssertEqual(Set((pipelines["faster-rcnn"]?["stages"] as? [String: Any])?.keys ?? [:].keys),
                       ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"])
        XCTAssertEqual(Set((pipelines["rcnn"]?["stages"] as? [String: Any])?.keys ?? [:].keys),
                       ["decode", "selective_search", "warp", "cnn_features", "svm", "box_regression", "nms"])
        let comparisonRuns = try count(db, "SELECT COUNT(*) FROM runs WHERE comparison_id = \(cmp["comparison_id"] as! Int)")
        XCTAssertEqual(comparisonRuns, 3)
        XCTAssertTrue(compare.stdout.contains("R-CNN 50 s"))
    }

    func testTrainRejectsUnknownSplitAndRunRejectsMissingModel() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try Self.writeSmallPipelines(in: dir)
        let db = dir + "/t.sqlite"
        _ = try run(["annotations", "import", Fixture.bccd + "/annotations", "--format", "voc", "--images",
                     Fixture.bccd + "/images", "--dataset", "bccd", "--db", db], in: dir)
        let badSplit = try DetectBinary.run(["train", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--split", "nope", "--db", db], in: dir)
        XCTAssertNotEqual(badSplit.status, 0)
        XCTAssertTrue(badSplit.stderr.contains("nope") && badSplit.stderr.contains("trainval"), badSplit.stderr)
        // A split given as a file of stems and file names.
        try "BloodImage_00000\nBloodImage_00001.jpg\n\n".write(toFile: dir + "/mine.txt", atomically: true, encoding: .utf8)
        let fromFile = try run(["train", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--split-file", "mine.txt", "--db", db,
                                "--out", "m.safetensors", "--json"], in: dir)
        XCTAssertEqual(fromFile.json?["images"] as? Int, 2)
        try "nothing\n".write(toFile: dir + "/none.txt", atomically: true, encoding: .utf8)
        let emptySplit = try DetectBinary.run(["train", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--split-file", "none.txt", "--db", db], in: dir)
        XCTAssertNotEqual(emptySplit.status, 0)
        XCTAssertTrue(emptySplit.stderr.contains("none.txt"), emptySplit.stderr)
        try FileManager.default.createDirectory(atPath: dir + "/imgs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.bccd + "/images/BloodImage_00000.jpg", toPath: dir + "/imgs/a.jpg")
        let noModel = try DetectBinary.run(["run", "imgs", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--model", "missing.safetensors", "--db", db], in: dir)
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains("missing.safetensors"), noModel.stderr)
    }

    /// Killing `detect run` mid-way keeps every finished image; running the same
    /// command again completes the run with exactly the rows of an uninterrupted one.
    func testKilledRunResumesWithoutLossOrDuplicates() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try Self.writeSmallPipelines(in: dir)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        for s in Self.stems { try fm.copyItem(atPath: Fixture.bccd + "/annotations/\(s).xml", toPath: dir + "/ann/\(s).xml") }
        let all = try fm.contentsOfDirectory(atPath: Fixture.bccd + "/images").filter { $0.hasSuffix(".jpg") }.sorted()
        for name in all.prefix(16) { try fm.copyItem(atPath: Fixture.bccd + "/images/" + name, toPath: dir + "/images/" + name) }
        let db = dir + "/t.sqlite", reference = dir + "/ref.sqlite"
        _ = try run(["annotations", "import", "ann", "--format", "voc", "--images", Fixture.bccd + "/images",
                     "--dataset", "tiny", "--db", db], in: dir)
        _ = try run(["train", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--dataset", "tiny", "--db", db,
                     "--out", "models/faster-rcnn.safetensors"], in: dir)

        let process = Process()
        process.executableURL = DetectBinary.url
        process.arguments = ["run", "images", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--db", db]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var done = 0
        while Date() < deadline && process.isRunning {
            done = (try? count(db, "SELECT COUNT(*) FROM run_images")) ?? 0
            if done >= 2 { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finishedBeforeKill = try count(db, "SELECT COUNT(*) FROM run_images")
        XCTAssertGreaterThanOrEqual(finishedBeforeKill, 2)
        XCTAssertLessThan(finishedBeforeKill, 16, "the run was killed before it finished")
        // Every image either has its timings or nothing at all.
        XCTAssertEqual(try count(db, "SELECT COUNT(DISTINCT image_id) FROM stage_timings"), finishedBeforeKill)

        let resumed = try run(["run", "images", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--db", db, "--json"], in: dir)
        XCTAssertEqual(resumed.json?["images"] as? Int, 16)
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM runs"), 1)
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM run_images"), 16)
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM stage_timings"), 16 * 7)

        _ = try run(["run", "images", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--db", reference], in: dir)
        XCTAssertEqual(try count(db, "SELECT COUNT(*) FROM detections"), try count(reference, "SELECT COUNT(*) FROM detections"))
    }
}
