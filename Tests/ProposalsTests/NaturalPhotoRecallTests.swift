import Boxes
import Foundation
import Imaging
import XCTest
@testable import Proposals

/// Selective search (fast mode, as the pipelines and `detect bench proposals`
/// run it) on four natural photographs with hand-drawn boxes: people, a cat's
/// face, a cup with its saucer and spoon, a rocket between launch towers.
final class NaturalPhotoRecallTests: XCTestCase {
    func testFastModeFindsTheObjectsOfNaturalPhotos() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/natural")
        var search = SelectiveSearch(mode: .fast)
        search.maxSide = 500
        search.maxBoxes = 2000
        var overlaps: [Float] = []
        for stem in ["astronaut", "chelsea", "coffee", "rocket"] {
            let image = try JPEG.decode(path: fixtures.appendingPathComponent("\(stem).jpg").path)
            let truth = try BCCDRecallTests.groundTruth(fixtures.appendingPathComponent("\(stem).xml"))
            XCTAssertFalse(truth.isEmpty)
            let proposals = search.proposals(for: image)
            XCTAssertLessThanOrEqual(proposals.count, 2000)
            XCTAssertTrue(proposals.allSatisfy { $0.width >= 20 && $0.height >= 20 })
            for gt in truth {
                overlaps.append(proposals.reduce(0) { max($0, gt.iou($1)) })
            }
        }
        XCTAssertEqual(overlaps.count, 16)
        let recall5 = Float(overlaps.filter { $0 >= 0.5 }.count) / Float(overlaps.count)
        let recall7 = Float(overlaps.filter { $0 >= 0.7 }.count) / Float(overlaps.count)
        let abo = overlaps.reduce(0, +) / Float(overlaps.count)
        // Measured: every box at IoU 0.7 or better, average best overlap 0.85.
        XCTAssertEqual(recall5, 1, "best overlaps \(overlaps)")
        XCTAssertGreaterThanOrEqual(recall7, 0.875, "best overlaps \(overlaps)")
        XCTAssertGreaterThanOrEqual(abo, 0.8, "best overlaps \(overlaps)")
    }
}
