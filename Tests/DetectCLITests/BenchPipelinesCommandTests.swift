import Foundation
import XCTest

/// `detect bench pipelines` end to end: bundled models and samples, found from
/// an unrelated working directory, every stage timed at 640×480.
final class BenchPipelinesCommandTests: XCTestCase {
    func testStagesAndTotalsForEachPipelineAsJSON() throws {
        let dir = NSTemporaryDirectory()
        let r = try DetectBinary.run(["bench", "pipelines", "--limit", "1", "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(r.json, r.stdout)
        XCTAssertEqual(json["width"] as? Int, 640)
        XCTAssertEqual(json["height"] as? Int, 480)
        XCTAssertEqual(json["images"] as? Int, 1)
        let pipelines = try XCTUnwrap(json["pipelines"] as? [String: [String: Any]])
        XCTAssertEqual(Set(pipelines.keys), ["rcnn", "fast-rcnn", "faster-rcnn"])
        let expectedStages: [String: Set<String>] = [
            "rcnn": ["decode", "selective_search", "warp", "cnn_features", "svm", "box_regression", "nms"],
            "fast-rcnn": ["decode", "selective_search", "preprocess", "backbone", "roi_pool", "box_head", "nms"],
            "faster-rcnn": ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"],
        ]
        for (name, p) in pipelines {
            let stages = try XCTUnwrap(p["stages"] as? [String: Double], name)
            XCTAssertEqual(Set(stages.keys), expectedStages[name], name)
            let total = try XCTUnwrap(p["seconds_per_image"] as? Double)
            XCTAssertEqual(stages.values.reduce(0, +), total, accuracy: 1e-9 + 1e-9 * total, name)
            XCTAssertGreaterThan(stages["decode"]!, 0, name)
            XCTAssertEqual(p["meets_target"] as? Bool, total <= (p["target_seconds"] as? Double ?? -1), name)
        }
        // The stage that dominates each generation: R-CNN's per-region CNN.
        let rcnn = pipelines["rcnn"]!["stages"] as! [String: Double]
        XCTAssertEqual(rcnn.max { $0.value < $1.value }?.key, "cnn_features")
    }

    func testUnknownPipelineIsAUsageError() throws {
        let r = try DetectBinary.run(["bench", "pipelines", "--pipeline", "yolo"], in: NSTemporaryDirectory())
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("yolo"), r.stderr)
    }
}
