import Foundation
import XCTest
import GRDB

/// A pipeline is a named artifact, end to end through the built binary: two
/// pipelines of one architecture (the ResNet `faster-rcnn` and a MobileNetV2
/// `faster-rcnn-mobilenet`) keep their names in training, runs, drawings, the
/// store, `compare` and its report; a trained model carries its pipeline, so
/// the model file alone runs, compares and benchmarks; a model in a pipeline
/// of another architecture or backbone is refused in one sentence.
final class PipelineIdentityTests: XCTestCase {
    func run(_ args: [String], in dir: String, file: StaticString = #filePath, line: UInt = #line) throws -> DetectBinary.Result {
        let r = try DetectBinary.run(args, in: dir)
        XCTAssertEqual(r.status, 0, "detect \(args.joined(separator: " ")) failed:\n\(r.stderr.suffix(2000))", file: file, line: line)
        return r
    }

    func strings(_ db: String, _ sql: String) throws -> [String] {
        try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: sql) }
    }

    /// The `__metadata__` of a safetensors file.
    func metadata(_ path: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        return try XCTUnwrap(header["__metadata__"] as? [String: String])
    }

    func testTwoPipelinesOfOneArchitectureKeepTheirNamesAndModelsCarryThem() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try PipelineCommandsTests.writeSmallPipelines(in: dir)
        // A second Faster R-CNN: the small file with a MobileNetV2 backbone (from
        // scratch, so the test needs no download), named by its file.
        try """
            base: faster-rcnn.yaml
            description: the small faster-rcnn on MobileNetV2
            model: models/faster-rcnn-mobilenet.safetensors
            backbone: {type: mobilenet_v2, weights: none, stride: 16}
            """.write(toFile: dir + "/pipelines/faster-rcnn-mobilenet.yaml", atomically: true, encoding: .utf8)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        for s in PipelineCommandsTests.stems {
            try fm.copyItem(atPath: Fixture.bccd + "/annotations/\(s).xml", toPath: dir + "/ann/\(s).xml")
        }
        try fm.copyItem(atPath: Fixture.bccd + "/images/\(PipelineCommandsTests.stems[0]).jpg", toPath: dir + "/images/a.jpg")
        let db = dir + "/t.sqlite"
        _ = try run(["annotations", "import", "ann", "--format", "voc", "--images", Fixture.bccd + "/images",
                     "--dataset", "tiny", "--db", db], in: dir)

        // a: the ResNet, written to an absolute path; b: the MobileNetV2, to the default file name.
        let a = dir + "/trained/a.safetensors"
        let trainA = try run(["train", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines", "--dataset", "tiny",
                              "--db", db, "--out", a, "--json"], in: dir)
        XCTAssertEqual(trainA.json?["pipeline"] as? String, "faster-rcnn")
        let trainB = try run(["train", "--pipeline", "faster-rcnn-mobilenet", "--pipelines-dir", "pipelines", "--dataset", "tiny",
                              "--db", db, "--json"], in: dir)
        XCTAssertEqual(trainB.json?["pipeline"] as? String, "faster-rcnn-mobilenet")
        XCTAssertEqual(trainB.json?["model"] as? String, "faster-rcnn-mobilenet-tiny.safetensors", "the default output is named after the pipeline")
        let b = dir + "/faster-rcnn-mobilenet-tiny.safetensors"

        // The models carry their pipelines, and not where they were trained.
        let metaA = try metadata(a), metaB = try metadata(b)
        XCTAssertEqual(metaA["pipeline"], "faster-rcnn")
        XCTAssertEqual(metaB["pipeline"], "faster-rcnn-mobilenet")
        XCTAssertEqual(metaB["architecture"], "faster-rcnn")
        let carried = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(metaB["pipeline_config"]).utf8)) as? [String: Any])
        XCTAssertEqual((carried["backbone"] as? [String: Any])?["type"] as? String, "mobilenet_v2")
        XCTAssertEqual((carried["input"] as? [String: Any])?["min_size"] as? Int, 128, "the resolved file, base included")
        XCTAssertEqual(metaA["command"]?.hasPrefix("detect train --pipeline faster-rcnn"), true, metaA["command"] ?? "")
        XCTAssertFalse(metaA["command"]?.contains(dir) ?? true, "no absolute path of the training machine: \(metaA["command"] ?? "")")
        XCTAssertTrue(metaA["command"]?.contains("--out a.safetensors") ?? false, metaA["command"] ?? "")

        // The model alone: its pipeline file may even be gone.
        try fm.removeItem(atPath: dir + "/pipelines/faster-rcnn-mobilenet.yaml")
        let runB = try run(["run", "images", "--model", b, "--db", db, "--draw", "drawn", "--json"], in: dir)
        let runsB = try XCTUnwrap(runB.json?["runs"] as? [[String: Any]], runB.stdout)
        XCTAssertEqual(runsB.first?["pipeline"] as? String, "faster-rcnn-mobilenet")
        XCTAssertEqual(runsB.first?["architecture"] as? String, "faster-rcnn")
        _ = try run(["run", "images", "--model", a, "--db", db, "--draw", "drawn", "--json"], in: dir)
        XCTAssertEqual(try strings(db, "SELECT pipeline FROM runs ORDER BY id"), ["faster-rcnn-mobilenet", "faster-rcnn"])
        XCTAssertTrue(fm.fileExists(atPath: dir + "/drawn/faster-rcnn-mobilenet/a.jpg"))
        XCTAssertTrue(fm.fileExists(atPath: dir + "/drawn/faster-rcnn/a.jpg"))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir + "/drawn").sorted(), ["faster-rcnn", "faster-rcnn-mobilenet"])

        // Side by side: both names, their stages, no R-CNN to be faster than.
        let compare = try run(["compare", "images", "--model", a, "--model", b, "--db", db, "--report", "r.html", "--json"], in: dir)
        let cmp = try XCTUnwrap(compare.json, compare.stdout)
        let pipelines = try XCTUnwrap(cmp["pipelines"] as? [String: [String: Any]])
        XCTAssertEqual(Set(pipelines.keys), ["faster-rcnn", "faster-rcnn-mobilenet"])
        for (name, entry) in pipelines {
            XCTAssertEqual(entry["pipeline"] as? String, name)
            XCTAssertEqual(entry["architecture"] as? String, "faster-rcnn")
            XCTAssertEqual(Set((entry["stages"] as? [String: Any])?.keys ?? [:].keys),
                           ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"], name)
            XCTAssertTrue(entry["speedup_over_rcnn"] is NSNull, "no R-CNN pipeline in the set")
        }
        XCTAssertEqual(cmp["order"] as? [String], ["faster-rcnn", "faster-rcnn-mobilenet"])
        XCTAssertFalse(compare.stdout.contains("faster than"), compare.stdout)
        XCTAssertTrue(compare.stdout.contains("faster-rcnn-mobilenet"), compare.stdout)
        let comparison = try XCTUnwrap(cmp["comparison_id"] as? Int)
        XCTAssertEqual(try strings(db, "SELECT pipeline FROM runs WHERE comparison_id = \(comparison) ORDER BY id"),
                       ["faster-rcnn", "faster-rcnn-mobilenet"])
        let html = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        XCTAssertTrue(html.contains("data-pipeline=\"faster-rcnn-mobilenet\"") && html.contains("data-pipeline=\"faster-rcnn\""))
        XCTAssertTrue(html.contains("faster-rcnn and faster-rcnn-mobilenet — comparison \(comparison)"))
        // Each run's model and how it was trained, read from the model file.
        XCTAssertTrue(html.contains("<li>model \(a)</li>"), "the model file is named")
        XCTAssertTrue(html.contains("<li>dataset tiny</li>"), "the data it was trained on")
        XCTAssertTrue(html.contains("<li>command detect train --pipeline faster-rcnn-mobilenet"), "the command that trained it")

        // A pipeline file with a model (NAME=MODEL), beside an R-CNN: the speed-up is over R-CNN.
        _ = try run(["train", "--pipeline", "rcnn", "--pipelines-dir", "pipelines", "--dataset", "tiny", "--db", db,
                     "--out", "r.safetensors"], in: dir)
        let mixed = try run(["compare", "images", "--pipelines-dir", "pipelines", "--pipeline", "rcnn=r.safetensors",
                             "--pipeline", "faster-rcnn=\(a)", "--model", b, "--db", db, "--json"], in: dir)
        let mixedJSON = try XCTUnwrap(mixed.json?["pipelines"] as? [String: [String: Any]], mixed.stdout)
        XCTAssertEqual(mixed.json?["order"] as? [String], ["rcnn", "faster-rcnn", "faster-rcnn-mobilenet"])
        XCTAssertEqual(mixed.json?["rcnn_baseline"] as? String, "rcnn")
        XCTAssertEqual(mixedJSON["rcnn"]?["speedup_over_rcnn"] as? Double, 1)
        let total = { (k: String) in mixedJSON[k]?["total_ms"] as? Double ?? 0 }
        XCTAssertEqual(mixedJSON["faster-rcnn-mobilenet"]?["speedup_over_rcnn"] as? Double ?? 0,
                       total("rcnn") / total("faster-rcnn-mobilenet"), accuracy: 1e-9)
        XCTAssertTrue(mixed.stdout.contains("faster than R-CNN"), mixed.stdout)

        // Two models of one pipeline are told apart by their model file.
        try fm.copyItem(atPath: a, toPath: dir + "/a2.safetensors")
        let twice = try run(["compare", "images", "--model", a, "--model", "a2.safetensors", "--db", db, "--json"], in: dir)
        XCTAssertEqual(twice.json?["order"] as? [String], ["faster-rcnn:a", "faster-rcnn:a2"])
        // Evaluated side by side: a column per run, the same figures as each run's own eval.
        let sideBySide = try run(["eval", "--comparison", String(try XCTUnwrap(twice.json?["comparison_id"] as? Int)),
                                  "--db", db, "--json"], in: dir)
        XCTAssertEqual(sideBySide.json?["order"] as? [String], ["faster-rcnn:a", "faster-rcnn:a2"], sideBySide.stdout)
        let columns = try XCTUnwrap(sideBySide.json?["runs"] as? [String: [String: Any]], sideBySide.stdout)
        let runA = try XCTUnwrap(columns["faster-rcnn:a"]?["run_id"] as? Int)
        let alone = try run(["eval", "--run", String(runA), "--db", db, "--json"], in: dir)
        XCTAssertEqual(try XCTUnwrap(columns["faster-rcnn:a"]?["mAP"] as? Double), try XCTUnwrap(alone.json?["mAP"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(columns["faster-rcnn:a"]?["mAP"] as? Double, columns["faster-rcnn:a2"]?["mAP"] as? Double, "one model in two files")
        XCTAssertEqual(Set((columns["faster-rcnn:a2"]?["per_class"] as? [String: Any])?.keys ?? [:].keys), ["Platelets", "RBC", "WBC"])
        XCTAssertTrue(sideBySide.stdout.contains("faster-rcnn:a2"), sideBySide.stdout)
        let coco = try run(["eval", "--run", String(runA), String(runA + 1), "--metric", "coco", "--db", db, "--json"], in: dir)
        XCTAssertEqual((coco.json?["runs"] as? [String: Any])?.count, 2, coco.stdout)
        // A report without --run or --comparison is on the newest comparison, its runs told apart the same way.
        let latest = try run(["report", "--out", "latest.html", "--db", db, "--json"], in: dir)
        XCTAssertEqual(latest.json?["comparison_id"] as? Int, twice.json?["comparison_id"] as? Int, latest.stdout)
        XCTAssertTrue(latest.stderr.contains("the newest"), latest.stderr)
        let latestHTML = try String(contentsOfFile: dir + "/latest.html", encoding: .utf8)
        XCTAssertTrue(latestHTML.contains("faster-rcnn:a2 (run"), "two models of one pipeline keep their own labels in the report")

        // One run command, several models: a run each, pictures in a subfolder each.
        let several = try run(["run", "images", "--model", a, "--model", "a2.safetensors", "--model", b, "--db", "several.sqlite",
                               "--draw", "drawn2", "--json"], in: dir)
        let severalRuns = try XCTUnwrap(several.json?["runs"] as? [[String: Any]], several.stdout)
        XCTAssertEqual(severalRuns.map { $0["label"] as? String }, ["faster-rcnn:a", "faster-rcnn:a2", "faster-rcnn-mobilenet"])
        XCTAssertEqual(severalRuns.map { $0["pipeline"] as? String }, ["faster-rcnn", "faster-rcnn", "faster-rcnn-mobilenet"])
        XCTAssertEqual(Set(severalRuns.compactMap { $0["run_id"] as? Int }).count, 3)
        XCTAssertEqual(severalRuns[0]["detections"] as? Int, severalRuns[1]["detections"] as? Int, "one model in two files")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir + "/drawn2").sorted(), ["faster-rcnn-mobilenet", "faster-rcnn:a", "faster-rcnn:a2"])
        XCTAssertTrue(fm.fileExists(atPath: dir + "/drawn2/faster-rcnn:a2/a.jpg"))

        // A model in a pipeline it was not trained for: one sentence naming both.
        let wrongArchitecture = try DetectBinary.run(["run", "images", "--pipeline", "rcnn", "--pipelines-dir", "pipelines",
                                                      "--model", a, "--db", db], in: dir)
        XCTAssertNotEqual(wrongArchitecture.status, 0)
        let message = wrongArchitecture.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(message.count, 1, wrongArchitecture.stderr)
        XCTAssertTrue(message.first?.contains("Faster R-CNN model (pipeline faster-rcnn)") ?? false, wrongArchitecture.stderr)
        XCTAssertTrue(message.first?.contains("cannot run in pipeline rcnn, which is R-CNN") ?? false, wrongArchitecture.stderr)
        XCTAssertFalse(wrongArchitecture.stderr.contains("missing"), "no list of tensor names: \(wrongArchitecture.stderr)")
        let wrongBackbone = try DetectBinary.run(["run", "images", "--pipeline", "faster-rcnn", "--pipelines-dir", "pipelines",
                                                  "--model", b, "--db", db], in: dir)
        XCTAssertNotEqual(wrongBackbone.status, 0)
        XCTAssertTrue(wrongBackbone.stderr.contains("mobilenet_v2 backbone") && wrongBackbone.stderr.contains("whose backbone is resnet"),
                      wrongBackbone.stderr)
        XCTAssertFalse(wrongBackbone.stderr.contains("missing"), wrongBackbone.stderr)

        // The benchmark takes the model alone too.
        let bench = try run(["bench", "pipelines", "images", "--model", b, "--json"], in: dir)
        XCTAssertNotNil((bench.json?["pipelines"] as? [String: Any])?["faster-rcnn-mobilenet"], bench.stdout)

        // Several models side by side, two of one pipeline told apart by their model file.
        let benchSet = try run(["bench", "pipelines", "images", "--model", a, "--model", "a2.safetensors", "--model", b, "--json"], in: dir)
        XCTAssertEqual(benchSet.json?["order"] as? [String], ["faster-rcnn:a", "faster-rcnn:a2", "faster-rcnn-mobilenet"], benchSet.stdout)
        let measured = try XCTUnwrap(benchSet.json?["pipelines"] as? [String: [String: Any]], benchSet.stdout)
        XCTAssertEqual(measured["faster-rcnn:a2"]?["pipeline"] as? String, "faster-rcnn")
        XCTAssertEqual(measured["faster-rcnn:a2"]?["model"] as? String, "a2.safetensors")
        XCTAssertEqual(measured["faster-rcnn-mobilenet"]?["model"] as? String, b)
        for (label, entry) in measured {
            let stages = try XCTUnwrap(entry["stages"] as? [String: Double], label)
            XCTAssertEqual(Set(stages.keys), ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"], label)
            XCTAssertEqual(entry["seconds_per_image"] as? Double ?? 0, stages.values.reduce(0, +), accuracy: 1e-9, label)
        }
        XCTAssertTrue(benchSet.stdout.contains("faster-rcnn:a2 "), benchSet.stdout)
        // One pipeline file and several models run in it.
        let inOne = try run(["bench", "pipelines", "images", "--pipelines-dir", "pipelines", "--pipeline", "faster-rcnn",
                             "--model", a, "--model", "a2.safetensors", "--json"], in: dir)
        XCTAssertEqual(inOne.json?["order"] as? [String], ["faster-rcnn:a", "faster-rcnn:a2"], inOne.stdout)
    }

    /// A user's pipeline file outside the toolkit builds on a bundled pipeline
    /// by its name, keeps its model beside it, and is told how to train it in
    /// the words the user typed.
    func testAUsersPipelineFileElsewhereBuildsOnABundledOne() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try PipelineCommandsTests.writeSmallPipelines(in: dir)   // stands for the toolkit's pipelines (--pipelines-dir)
        let fm = FileManager.default
        for sub in ["own", "ann", "images"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try "base: faster-rcnn\ndescription: mine\nmodel: mine.safetensors\n"
            .write(toFile: dir + "/own/mine.yaml", atomically: true, encoding: .utf8)
        for s in PipelineCommandsTests.stems { try fm.copyItem(atPath: Fixture.bccd + "/annotations/\(s).xml", toPath: dir + "/ann/\(s).xml") }
        try fm.copyItem(atPath: Fixture.bccd + "/images/\(PipelineCommandsTests.stems[0]).jpg", toPath: dir + "/images/a.jpg")
        let db = dir + "/t.sqlite"
        _ = try run(["annotations", "import", "ann", "--format", "voc", "--images", Fixture.bccd + "/images",
                     "--dataset", "tiny", "--db", db], in: dir)

        let show = try run(["pipeline", "show", "own/mine.yaml", "--pipelines-dir", "pipelines", "--json"], in: dir)
        XCTAssertEqual(show.json?["name"] as? String, "mine")
        XCTAssertEqual(show.json?["architecture"] as? String, "faster-rcnn")
        XCTAssertEqual(((show.json?["configuration"] as? [String: Any])?["input"] as? [String: Any])?["min_size"] as? Int, 128,
                       "the base's values, from the toolkit's folder")

        let untrained = try DetectBinary.run(["run", "images", "--pipeline", "own/mine.yaml", "--pipelines-dir", "pipelines", "--db", db], in: dir)
        XCTAssertNotEqual(untrained.status, 0)
        XCTAssertTrue(untrained.stderr.contains("detect train --pipeline own/mine.yaml"), untrained.stderr)

        _ = try run(["train", "--pipeline", "own/mine.yaml", "--pipelines-dir", "pipelines", "--dataset", "tiny", "--db", db,
                     "--out", "own/mine.safetensors"], in: dir)
        // Run from another folder: the model is found beside the pipeline file.
        try fm.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        let detected = try run(["run", "../images", "--pipeline", "../own/mine.yaml", "--pipelines-dir", "../pipelines",
                                "--db", "../t.sqlite", "--json"], in: dir + "/elsewhere")
        let entry = try XCTUnwrap((detected.json?["runs"] as? [[String: Any]])?.first, detected.stdout)
        XCTAssertEqual(entry["pipeline"] as? String, "mine")
        XCTAssertEqual(try fm.attributesOfItem(atPath: try XCTUnwrap(entry["model"] as? String))[.size] as? Int,
                       try fm.attributesOfItem(atPath: dir + "/own/mine.safetensors")[.size] as? Int)
        XCTAssertTrue((entry["model"] as? String)?.hasSuffix("own/mine.safetensors") ?? false, "\(entry)")
    }

    /// The bundled models name their own pipelines: the pretrained MobileNetV2
    /// model is not stored as `faster-rcnn`, and the two compare side by side.
    func testBundledModelsNameTheirOwnPipelines() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try Fixture.temporaryDirectory(self)
        let db = dir + "/t.sqlite"
        let samples = root.appendingPathComponent("samples/bccd").path
        let mobile = root.appendingPathComponent("models/faster-rcnn-mobilenet.safetensors").path
        let resnet = root.appendingPathComponent("models/faster-rcnn.safetensors").path
        for (model, name) in [("rcnn", "rcnn"), ("fast-rcnn", "fast-rcnn"), ("faster-rcnn", "faster-rcnn"),
                              ("faster-rcnn-mobilenet", "faster-rcnn-mobilenet")] {
            XCTAssertEqual(try metadata(root.appendingPathComponent("models/\(model).safetensors").path)["pipeline"], name)
        }
        let r = try run(["run", samples, "--model", mobile, "--db", db, "--json"], in: dir)
        XCTAssertEqual((r.json?["runs"] as? [[String: Any]])?.first?["pipeline"] as? String, "faster-rcnn-mobilenet")
        XCTAssertEqual(try strings(db, "SELECT pipeline FROM runs"), ["faster-rcnn-mobilenet"])
        let compare = try run(["compare", samples, "--model", mobile, "--model", resnet, "--limit", "2", "--db", db, "--json"], in: dir)
        let pipelines = try XCTUnwrap(compare.json?["pipelines"] as? [String: [String: Any]], compare.stdout)
        XCTAssertEqual(Set(pipelines.keys), ["faster-rcnn-mobilenet", "faster-rcnn"])
        for entry in pipelines.values {
            XCTAssertEqual((entry["stages"] as? [String: Any])?.count, 7)
        }
    }
}
