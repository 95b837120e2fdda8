import Foundation
import XCTest
@testable import Pipelines

final class PipelineConfigTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testProjectPipelineFilesParse() throws {
        for kind in PipelineKind.allCases {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(kind.rawValue).yaml").path)
            XCTAssertEqual(c.name, kind)
            XCTAssertEqual(c.stages.first, "decode")
            XCTAssertEqual(c.stages.last, "nms")
            XCTAssertEqual(c.postprocess.nmsThreshold, 0.3)
        }
        let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn.yaml").path)
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path)
        // Fast R-CNN differs from Faster R-CNN by its proposal stage.
        XCTAssertEqual(fast.stages.filter { $0 != "selective_search" }, faster.stages.filter { $0 != "rpn" })
        XCTAssertEqual(fast.roiPooling, faster.roiPooling)
        XCTAssertEqual(fast.boxHead.representationSize, faster.boxHead.representationSize)
        XCTAssertEqual(faster.rpn.postNmsTopNTest, 300)
        XCTAssertEqual(faster.rpn.preNmsTopNTrain, 12000)
    }

    func testMissingKeysTakeDefaults() throws {
        let c = try PipelineConfig.parse("name: faster-rcnn\nstages: [backbone]\nrpn:\n  nms_threshold: 0.6\n")
        XCTAssertEqual(c.rpn.nmsThreshold, 0.6)
        XCTAssertEqual(c.rpn.postNmsTopNTrain, 2000)
        XCTAssertEqual(c.boxHead.boxCoderWeights, [10, 10, 5, 5])
        XCTAssertEqual(c.roiPooling.type, "roi_pool")
    }

    func testBadFilesAreRejectedWithTheKeyNamed() {
        func reason(_ yaml: String) -> String {
            do { _ = try PipelineConfig.parse(yaml, path: "p.yaml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [a]\nrpn:\n  nms_treshold: 0.6\n").contains("rpn.nms_treshold"))
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [a]\nrpn:\n  nms_threshold: high\n").contains("p.yaml"))
        XCTAssertTrue(reason("name: yolo\nstages: [a]\n").contains("name must be one of"))
        XCTAssertTrue(reason("name: fast-rcnn\nstages: [a]\nroi_pooling:\n  type: psroi\n").contains("roi_pooling.type"))
        XCTAssertTrue(reason("name: fast-rcnn\n").contains("stages"))
        XCTAssertTrue(reason("[1, 2").contains("p.yaml"))
    }
}
