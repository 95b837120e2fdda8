import XCTest
import Boxes
@testable import Pipelines
import Heads

final class RoITargetsTests: XCTestCase {
    func targets() throws -> RoITargets {
        var c = PipelineConfig.BoxHeadConfig()
        c.batchSizePerImage = 8
        c.positiveFraction = 0.25
        c.bgIouLow = 0.1   // the Fast R-CNN paper's background band [0.1, 0.5)
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

    /// The background band decides what the head learns to reject: with
    /// [0, 0.5) regions that miss every object are among the negatives, with the
    /// paper's [0.1, 0.5) only near misses are (on a photo of one large animal,
    /// pieces of it). The pretrained Fast R-CNN file samples from [0, 0.5), as
    /// torchvision and detectron2 do; the from-scratch one keeps the paper's band.
    func testBackgroundBandOfTheShippedFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let animal = Box(x1: 120, y1: 60, x2: 520, y2: 420)
        var proposals: [Box] = []
        for y in stride(from: 0, to: 440, by: 40) {
            for x in stride(from: 0, to: 600, by: 40) {
                for side in [40, 120, 240] where x + side <= 640 && y + side <= 480 {
                    proposals.append(Box(x1: Float(x), y1: Float(y), x2: Float(x + side), y2: Float(y + side)))
                }
            }
        }
        for file in ["fast-rcnn-mobilenet.yaml", "faster-rcnn-mobilenet.yaml", "faster-rcnn.yaml"] {
            let config = try PipelineConfig.load(path: root.appendingPathComponent("pipelines/\(file)").path)
            XCTAssertEqual(config.boxHead.bgIouLow, 0, file)
            var rng = SeededGenerator(seed: 1)
            let sample = try RoITargets(config: config.boxHead).sample(proposals: proposals, groundTruth: [animal], labels: [1], using: &rng)
            let far = zip(sample.rois, sample.labels).filter { $0.1 == 0 && $0.0.iou(animal) < 0.1 }.count
            XCTAssertGreaterThan(far, 10, "\(file): \(far) far-away background RoIs of \(sample.rois.count)")
        }
        // The paper's band, in the from-scratch file, samples none of them.
        let paper = try PipelineConfig.load(path: root.appendingPathComponent("pipelines/fast-rcnn.yaml").path).boxHead
        XCTAssertEqual(paper.bgIouLow, 0.1)
        var rng = SeededGenerator(seed: 1)
        let sample = try RoITargets(config: paper).sample(proposals: proposals, groundTruth: [animal], labels: [1], using: &rng)
        XCTAssertEqual(zip(sample.rois, sample.labels).filter { $0.1 == 0 && $0.0.iou(animal) < 0.1 }.count, 0)
    }
}
