import XCTest
import Boxes
@testable import Pipelines

final class RoITargetsTests: XCTestCase {
    func targets() throws -> RoITargets {
        var c = PipelineConfig.BoxHeadConfig()
        c.batchSizePerImage = 8
        c.positiveFraction = 0.25
        return try RoITargets(config: c)
    }

    func testForegroundBackgroundAndIgnoredBands() throws {
        let gt = [Box(x1: 0, y1: 0, x2: 10, y2: 10)]
        let proposals = [
            Box(x1: 0, y1: 0, x2: 10, y2: 8),     // IoU 0.8 → foreground
            Box(x1: 0, y1: 0, x2: 10, y2: 3),     // IoU 0.3 → background
            Box(x1: 50, y1: 50, x2: 60, y2: 60),  // IoU 0 → below 0.1, ignored
        ]
        var rng = SeededGenerator(seed: 1)
        let s = try targets().sample(proposals: proposals, groundTruth: gt, labels: [2], using: &rng)
        // The ground truth joins the proposals as a foreground RoI.
        XCTAssertEqual(Set(s.rois), Set([proposals[0], proposals[1], gt[0]]))
        for (roi, label) in zip(s.rois, s.labels) {
            XCTAssertEqual(label, roi == proposals[1] ? 0 : 2)
        }
        let coder = BoxCoder(weights: (10, 10, 5, 5))
        let i = s.rois.firstIndex(of: proposals[0])!
        let expected = coder.encode(gt[0], relativeTo: proposals[0])
        for k in 0..<4 { XCTAssertEqual(s.regressionTargets[4 * i + k], expected[k], accuracy: 1e-5) }
        let b = s.rois.firstIndex(of: proposals[1])!
        XCTAssertEqual(Array(s.regressionTargets[(4 * b)..<(4 * b + 4)]), [0, 0, 0, 0])
    }

    func testImageWithoutObjectsSamplesBackgroundOnly() throws {
        let proposals = (0..<20).map { Box(x1: Float($0), y1: 0, x2: Float($0) + 10, y2: 10) }
        var rng = SeededGenerator(seed: 2)
        let s = try targets().sample(proposals: proposals, groundTruth: [], labels: [], using: &rng)
        XCTAssertEqual(s.rois.count, 8)
        XCTAssertTrue(s.labels.allSatisfy { $0 == 0 })
    }

    func testForegroundCapIsRespected() throws {
        let gt = [Box(x1: 0, y1: 0, x2: 100, y2: 100)]
        let proposals = (0..<30).map { Box(x1: Float($0 % 5), y1: 0, x2: 100, y2: 100) } +
            (0..<30).map { Box(x1: 0, y1: Float(60 + $0 % 10), x2: 100, y2: 100) }
        var rng = SeededGenerator(seed: 3)
        let s = try targets().sample(proposals: proposals, groundTruth: gt, labels: [1], using: &rng)
        XCTAssertEqual(s.labels.filter { $0 > 0 }.count, 2)   // 25 % of 8
        XCTAssertEqual(s.labels.count, 8)
    }
}
