import Boxes
import Foundation
import Store
import XCTest
@testable import DetectCLI

/// `detect report` on a store holding the bundled sample images, their annotations
/// and three runs written through the store's own API (detections derived from the
/// ground truth, so the expected AP is known without running a network).
final class ReportCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let stages = [
        "rcnn": ["selective search", "warp", "cnn", "svm", "box regression", "nms"],
        "fast-rcnn": ["selective search", "backbone", "roi pool", "head", "nms"],
        "faster-rcnn": ["backbone", "rpn", "roi pool", "head", "nms"],
    ]

    struct Fixture { var db: String; var dir: URL; var comparison: Int64; var runs: [Int64]; var objects: Int; var images: Int }

    func makeStore() throws -> Fixture {
        let annotations = Self.root.appendingPathComponent("annotations/bccd-samples")
        let images = Self.root.appendingPathComponent("samples/bccd")
        guard FileManager.default.fileExists(atPath: annotations.path) else {
            throw XCTSkip("bundled samples not found at \(annotations.path)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("store.sqlite").path
        let store = try Store(path: db)
        try store.importAnnotations(from: annotations.path, format: .voc, imagesDirectory: images.path, dataset: "bccd-samples")
        let set = try store.loadAnnotations(dataset: "bccd-samples")
        let comparison = try store.nextComparisonID()
        var runs: [Int64] = []
        for (level, pipeline) in ["rcnn", "fast-rcnn", "faster-rcnn"].enumerated() {
            let run = try store.startRun(pipeline: pipeline, model: nil, configuration: "pipeline: \(pipeline)\n",
                                         comparisonID: comparison).id
            for image in set.images {
                // rcnn misses each image's first object; the others find everything.
                let objects = level == 0 ? Array(image.objects.dropFirst()) : image.objects
                let detections = objects.map { o in
                    StoredDetection(imageID: image.imageID!, category: o.category, score: 0.9,
                                    box: Box(x1: o.box.x1 + Float(level), y1: o.box.y1, x2: o.box.x2 + Float(level), y2: o.box.y2))
                }
                let timings = Self.stages[pipeline]!.enumerated().map { (stage: $1, ms: Double(100 * (3 - level) + $0)) }
                try store.recordImage(run: run, image: image.imageID!, detections: detections, timings: timings)
            }
            try store.finishRun(run)
            runs.append(run)
        }
        return Fixture(db: db, dir: dir, comparison: comparison, runs: runs, objects: set.objectCount, images: set.images.count)
    }

    func testComparisonReportHasEveryRunStageClassAndImage() throws {
        let f = try makeStore()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let out = f.dir.appendingPathComponent("report.html").path
        let command = try ReportCommand.parseAsRoot(["--comparison", "\(f.comparison)", "--out", out, "--db", f.db]) as! ReportCommand
        try command.run()
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let stageCount = Self.stages.values.reduce(0) { $0 + $1.count }
        XCTAssertEqual(count("class=\"stage-segment\"", html), 2 * stageCount)
        XCTAssertEqual(count("class=\"pr-chart\"", html), 3)
        for c in ["rbc", "wbc", "platelets"] { XCTAssertTrue(html.contains("id=\"pr-\(c)\"")) }
        XCTAssertEqual(count("class=\"gallery-item\"", html), min(4, f.images))
        XCTAssertEqual(count("class=\"gt-box\"", html), f.objects)
        // Every detection scores 0.9, so all are drawn: all objects twice, rcnn's one per image fewer.
        XCTAssertEqual(count("class=\"det-box\"", html), 3 * f.objects - f.images)
        XCTAssertEqual(count("<pre class=\"config\">", html), 3)
        // fast-rcnn (1 px shift) and faster-rcnn (2 px) find every object: AP50 1.
        XCTAssertTrue(html.contains("<td class=\"num\">1.000</td>"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"))
    }

    func testRunListKeepsOrderAndGallerySize() throws {
        let f = try makeStore()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let out = f.dir.appendingPathComponent("runs.html").path
        let command = try ReportCommand.parseAsRoot(["--run", "\(f.runs[2])", "\(f.runs[0])", "--gallery", "1",
                                                     "--out", out, "--db", f.db]) as! ReportCommand
        try command.run()
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(count("class=\"gallery-item\"", html), 1)
        let faster = try XCTUnwrap(html.range(of: "data-pipeline=\"faster-rcnn\""))
        let rcnn = try XCTUnwrap(html.range(of: "data-pipeline=\"rcnn\""))
        XCTAssertLessThan(faster.lowerBound, rcnn.lowerBound, "runs appear in the order given")
        // faster-rcnn: 5 stages of 100..104 ms = 510 ms; rcnn: 6 of 300..305 = 1815 ms.
        XCTAssertTrue(html.contains(">510<"))
        XCTAssertTrue(html.contains(">1\u{2009}815<"))
        XCTAssertTrue(html.contains(String(format: ">%.1f×<", 1815.0 / 510.0)))
    }

    func testBadArgumentsAndMissingRunsFail() throws {
        XCTAssertThrowsError(try ReportCommand.parseAsRoot(["--run", "1", "--comparison", "1", "--out", "x.html"]))
        XCTAssertThrowsError(try ReportCommand.parseAsRoot(["--run", "1"]))
        let f = try makeStore()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let out = f.dir.appendingPathComponent("none.html").path
        let command = try ReportCommand.parseAsRoot(["--comparison", "999", "--out", out, "--db", f.db]) as! ReportCommand
        XCTAssertThrowsError(try command.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual("\(ReportCommandError.noSuchComparison(999, store: "s.sqlite"))", "s.sqlite: no runs with comparison id 999")
        // Neither --run nor --comparison: a store without runs has nothing to report on.
        let empty = f.dir.appendingPathComponent("empty.sqlite").path
        _ = try Store(path: empty)
        let nothing = try ReportCommand.parseAsRoot(["--out", out, "--db", empty]) as! ReportCommand
        XCTAssertThrowsError(try nothing.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Neither --run nor --comparison: the newest comparison, every run of it.
    func testWithoutRunsTheNewestComparisonIsReported() throws {
        let f = try makeStore()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let store = try Store(path: f.db)
        let loose = try store.startRun(pipeline: "faster-rcnn", model: nil, configuration: "later, outside the comparison").id
        try store.finishRun(loose)
        let out = f.dir.appendingPathComponent("newest.html").path
        let command = try ReportCommand.parseAsRoot(["--out", out, "--db", f.db]) as! ReportCommand
        try command.run()
        let html = try String(contentsOfFile: out, encoding: .utf8)
        for pipeline in ["rcnn", "fast-rcnn", "faster-rcnn"] { XCTAssertTrue(html.contains("data-pipeline=\"\(pipeline)\""), pipeline) }
        XCTAssertTrue(html.contains("comparison \(f.comparison)"))
    }

    private func count(_ needle: String, _ haystack: String) -> Int { haystack.components(separatedBy: needle).count - 1 }
}
