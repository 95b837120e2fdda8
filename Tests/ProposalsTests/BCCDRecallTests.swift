import Boxes
import Foundation
import Imaging
import XCTest
@testable import Proposals

/// Selective search on a few real BCCD test images: a recall floor at IoU 0.5.
final class BCCDRecallTests: XCTestCase {
    static var dataset: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/bccd").standardizedFileURL
    }

    /// Ground truth of a VOC file in 0-based, x2-exclusive boxes.
    static func groundTruth(_ url: URL) throws -> [Box] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var boxes: [Box] = []
        for chunk in text.components(separatedBy: "<bndbox>").dropFirst() {
            func value(_ tag: String) -> Float {
                let start = chunk.range(of: "<\(tag)>")!.upperBound
                let end = chunk.range(of: "</\(tag)>")!.lowerBound
                return Float(chunk[start..<end].trimmingCharacters(in: .whitespacesAndNewlines))!
            }
            boxes.append(Box(x1: value("xmin") - 1, y1: value("ymin") - 1, x2: value("xmax"), y2: value("ymax")))
        }
        return boxes
    }

    static func iou(_ a: Box, _ b: Box) -> Float {
        let w = min(a.x2, b.x2) - max(a.x1, b.x1), h = min(a.y2, b.y2) - max(a.y1, b.y1)
        guard w > 0, h > 0 else { return 0 }
        return w * h / (a.area + b.area - w * h)
    }

    func testFastModeRecallOnBCCDTestImages() throws {
        let root = Self.dataset
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) else {
            throw NSError(domain: "BCCD dataset not found at \(root.path) (datasets/bccd belongs to the repository)", code: 1)
        }
        var search = SelectiveSearch(mode: .fast)
        search.maxSide = 500
        var hits = 0, total = 0
        for stem in ["BloodImage_00007", "BloodImage_00011", "BloodImage_00015", "BloodImage_00020"] {
            let image = try JPEG.decode(path: root.appendingPathComponent("images/\(stem).jpg").path)
            let truth = try Self.groundTruth(root.appendingPathComponent("annotations/\(stem).xml"))
            let proposals = search.proposals(for: image)
            XCTAssertLessThanOrEqual(proposals.count, 2000)
            XCTAssertGreaterThan(proposals.count, 100)
            for p in proposals {
                XCTAssertTrue(p.x1 >= 0 && p.y1 >= 0 && p.x2 <= 640 && p.y2 <= 480 && !p.isDegenerate, "\(p)")
            }
            for gt in truth {
                total += 1
                if proposals.contains(where: { Self.iou(gt, $0) >= 0.5 }) { hits += 1 }
            }
        }
        let recall = Float(hits) / Float(total)
        // The full 72-image test split gives about 0.95 (see `detect bench proposals`).
        XCTAssertGreaterThanOrEqual(recall, 0.8, "recall at IoU 0.5: \(hits)/\(total)")
    }
}
