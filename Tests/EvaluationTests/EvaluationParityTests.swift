import XCTest
import Foundation
import Boxes
@testable import Evaluation

/// Parity with the reference implementations on committed fixtures
/// (Fixtures/gen_eval_fixtures.py: pycocotools for COCO, the VOC devkit
/// algorithm in numpy for VOC). The cases include a class with no detections,
/// an image with no ground truth, crowd boxes, segmentation-style areas that
/// differ from the box area, tied scores and >100 detections on one image.
final class EvaluationParityTests: XCTestCase {
    struct Case {
        var gt: [GroundTruthBox]
        var dets: [ScoredDetection]
        var images: [Int64]
        var cats: [Int64]
        var cocoStats: [Double]
        var cocoPerClass: [Int64: Double]
        var vocArea: [Int64: Double?]
        var voc07: [Int64: Double?]
    }

    func loadCase(_ name: String) throws -> Case {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let gtJSON = try XCTUnwrap(root["ground_truth"] as? [String: Any])
        func i64(_ v: Any?) -> Int64 { (v as! NSNumber).int64Value }
        func box(_ v: Any?) -> Box {
            let b = (v as! [NSNumber]).map { $0.floatValue }
            return Box(x1: b[0], y1: b[1], x2: b[0] + b[2], y2: b[1] + b[3])
        }
        let images = (gtJSON["images"] as! [[String: Any]]).map { i64($0["id"]) }
        let cats = (gtJSON["categories"] as! [[String: Any]]).map { i64($0["id"]) }
        let gt = (gtJSON["annotations"] as! [[String: Any]]).map {
            GroundTruthBox(imageID: i64($0["image_id"]), categoryID: i64($0["category_id"]), box: box($0["bbox"]),
                           difficult: ($0["difficult"] as! NSNumber).boolValue,
                           isCrowd: ($0["iscrowd"] as! NSNumber).boolValue,
                           area: ($0["area"] as? NSNumber)?.doubleValue)
        }
        let dets = (root["detections"] as! [[String: Any]]).map {
            ScoredDetection(imageID: i64($0["image_id"]), categoryID: i64($0["category_id"]), box: box($0["bbox"]),
                            score: ($0["score"] as! NSNumber).floatValue)
        }
        let coco = root["coco"] as! [String: Any]
        let voc = root["voc"] as! [String: Any]
        func perClass(_ d: Any?) -> [Int64: Double?] {
            var out: [Int64: Double?] = [:]
            for (k, v) in d as! [String: Any] { out[Int64(k)!] = (v as? NSNumber)?.doubleValue }
            return out
        }
        return Case(gt: gt, dets: dets, images: images, cats: cats,
                    cocoStats: (coco["stats"] as! [NSNumber]).map(\.doubleValue),
                    cocoPerClass: perClass(coco["per_class"]).mapValues { $0! },
                    vocArea: perClass(voc["area"]), voc07: perClass(voc["voc07"]))
    }

    func checkCOCO(_ name: String) throws {
        let c = try loadCase(name)
        let r = COCOEvaluator.evaluate(groundTruth: c.gt, detections: c.dets, imageIDs: c.images, categoryIDs: c.cats)
        XCTAssertEqual(r.stats.count, 12)
        let labels = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
        for (i, (ours, ref)) in zip(r.stats, c.cocoStats).enumerated() {
            XCTAssertEqual(ours, ref, accuracy: 1e-4, "\(name) \(labels[i])")
        }
        for (cat, ref) in c.cocoPerClass {
            XCTAssertEqual(r.perClass[cat]!, ref, accuracy: 1e-4, "\(name) class \(cat)")
        }
        // The fixtures are only meaningful if they exercise non-trivial values.
        XCTAssertGreaterThan(c.cocoStats[0], 0.05)
    }

    func checkVOC(_ name: String) throws {
        let c = try loadCase(name)
        for (method, refs) in [(VOCEvaluator.APMethod.area, c.vocArea), (.elevenPoint, c.voc07)] {
            let r = VOCEvaluator.evaluate(groundTruth: c.gt, detections: c.dets, categoryIDs: c.cats, method: method)
            for cls in r.perClass {
                let ref = refs[cls.categoryID]!
                if let ref { XCTAssertEqual(try XCTUnwrap(cls.ap), ref, accuracy: 1e-6, "\(name) \(method) class \(cls.categoryID)") }
                else { XCTAssertNil(cls.ap) }
            }
            let defined = refs.values.compactMap { $0 }
            XCTAssertEqual(r.mAP, defined.reduce(0, +) / Double(defined.count), accuracy: 1e-6)
        }
    }

    func testCOCOMatchesPycocotoolsCaseA() throws { try checkCOCO("eval_case_a") }
    func testCOCOMatchesPycocotoolsCaseB() throws { try checkCOCO("eval_case_b") }
    func testVOCMatchesDevkitCaseA() throws { try checkVOC("eval_case_a") }
    func testVOCMatchesDevkitCaseB() throws { try checkVOC("eval_case_b") }
}
