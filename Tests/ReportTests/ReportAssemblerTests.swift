import Boxes
import Evaluation
import Foundation
import Imaging
@testable import Report
import XCTest

final class ReportAssemblerTests: XCTestCase {
    let categories: [(id: Int64, name: String)] = [(1, "RBC"), (2, "WBC"), (3, "Platelets")]

    /// Two BCCD images with their real ground truth; detections are the ground truth
    /// itself (rcnn, with one box dropped and a false positive) or shifted by 2 px.
    func bccdImages() throws -> [ReportImage] {
        let root = ReportFixture.datasetRoot
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) else {
            throw NSError(domain: "BCCD dataset not found at \(root.path) (datasets/bccd belongs to the repository)", code: 1)
        }
        return try ["BloodImage_00007", "BloodImage_00011"].enumerated().map { i, name in
            let objects = try ReportFixture.parseVOC(root.appendingPathComponent("annotations/\(name).xml"))
            let id = Int64(100 + i)
            return ReportImage(id: id, path: root.appendingPathComponent("images/\(name).jpg").path, width: 640, height: 480,
                               groundTruth: objects.map {
                                   GroundTruthBox(imageID: id, categoryID: ReportFixture.categoryID($0.name), box: $0.box)
                               })
        }
    }

    func testAssemblesTimingsAccuracyAndGalleryFromMeasurements() throws {
        let images = try bccdImages()
        let gt = images.flatMap(\.groundTruth)
        var rcnnDetections = gt.dropFirst().map { ScoredDetection(imageID: $0.imageID, categoryID: $0.categoryID, box: $0.box, score: 0.9) }
        rcnnDetections.append(ScoredDetection(imageID: 100, categoryID: 2, box: Box(x1: 0, y1: 0, x2: 30, y2: 30), score: 0.95))
        let fasterDetections = gt.map {
            ScoredDetection(imageID: $0.imageID, categoryID: $0.categoryID,
                            box: Box(x1: $0.box.x1 + 2, y1: $0.box.y1, x2: $0.box.x2 + 2, y2: $0.box.y2), score: 0.8)
        }
        let noGT = ReportImage(id: 7, path: "/nonexistent.jpg", width: 10, height: 10, groundTruth: [])
        let runs = [
            RunMeasurements(pipeline: "rcnn", architecture: "rcnn", runID: 1, configuration: "pipeline: rcnn",
                            stageSamples: [("selective search", [900, 1100, 1000]), ("CNN per region", [9000, 8000, 10000])],
                            imageIDs: [7, 100, 101], detections: rcnnDetections),
            RunMeasurements(pipeline: "faster-rcnn", architecture: "faster-rcnn", runID: 2, configuration: "pipeline: faster-rcnn",
                            stageSamples: [("backbone", [100, 300]), ("RPN", [10, 30])], totalSamples: [120, 340],
                            imageIDs: [100, 101], detections: fasterDetections),
        ]
        let assembler = ReportAssembler(title: "t", machine: "m", generatedAt: Date(timeIntervalSince1970: 0),
                                        categories: categories, gallerySize: 4)
        let input = try assembler.assemble(runs: runs, images: images + [noGT])

        let rcnn = input.pipelines[0], faster = input.pipelines[1]
        XCTAssertEqual(rcnn.stages.map(\.meanMs), [1000, 9000])
        XCTAssertEqual(rcnn.stages.map(\.medianMs), [1000, 9000])
        XCTAssertEqual(rcnn.totalMs, 10000)
        XCTAssertEqual(faster.stages[0].medianMs, 200)
        XCTAssertEqual(faster.totalMs, 230, "measured totals win over the sum of stages")
        XCTAssertEqual(faster.speedupOverRCNN ?? 0, 10000 / 230, accuracy: 1e-9)
        XCTAssertEqual(rcnn.speedupOverRCNN, 1)
        XCTAssertEqual(rcnn.images, 3)

        // AP is VOC AP50 over the run's images, as the evaluator computes it.
        let expected = VOCEvaluator.evaluate(groundTruth: gt, detections: rcnnDetections, categoryIDs: [1, 2, 3])
        XCTAssertEqual(rcnn.ap50 ?? -1, expected.mAP, accuracy: 1e-12)
        XCTAssertLessThan(rcnn.ap50 ?? 1, 1)
        // 2 px shifts keep IoU far above 0.5: perfect detections.
        XCTAssertEqual(faster.ap50 ?? 0, 1, accuracy: 1e-12)
        XCTAssertEqual(faster.perClassAP.map(\.className), ["RBC", "WBC", "Platelets"])
        XCTAssertEqual(input.prCurves.filter { $0.pipeline == "faster-rcnn" }.count, 3)
        let rbc = try XCTUnwrap(input.prCurves.first { $0.pipeline == "faster-rcnn" && $0.className == "RBC" })
        XCTAssertEqual(rbc.recall.last ?? 0, 1, accuracy: 1e-12)

        // Gallery: only annotated images every run finished (7 has no ground truth).
        XCTAssertEqual(input.gallery.map(\.name), ["BloodImage_00007.jpg", "BloodImage_00011.jpg"])
        let first = input.gallery[0]
        XCTAssertEqual(first.width, 640)
        XCTAssertEqual(first.height, 480)
        XCTAssertEqual(first.groundTruth.count, images[0].groundTruth.count)
        XCTAssertEqual(first.detections.map(\.pipeline), ["rcnn", "faster-rcnn"])
        XCTAssertEqual(first.detections[1].boxes.count, images[0].groundTruth.count)
        let thumb = try JPEG.decode(data: first.jpeg)
        XCTAssertEqual(thumb.width, 480)
        XCTAssertEqual(thumb.height, 360)

        let html = HTMLReport.render(input)
        XCTAssertEqual(occurrences(of: "class=\"gallery-panel\"", in: html), 2 * 3)
        XCTAssertTrue(html.contains("pipeline: faster-rcnn"))
    }

    /// The speed-up goes by architecture, not by name: the slowest R-CNN run of
    /// the set is the baseline, and a set without R-CNN has no speed-ups.
    func testSpeedUpIsOverTheSlowestRCNNArchitectureRun() throws {
        func run(_ name: String, _ architecture: String, _ ms: Double) -> RunMeasurements {
            RunMeasurements(pipeline: name, architecture: architecture, stageSamples: [("a", [ms])], imageIDs: [], detections: [])
        }
        let assembler = ReportAssembler(title: "t", machine: "", generatedAt: Date(), categories: categories)
        let mixed = try assembler.assemble(runs: [run("rcnn-mobilenet", "rcnn", 2000), run("rcnn", "rcnn", 1000),
                                                  run("faster-rcnn-mobilenet", "faster-rcnn", 50)], images: [])
        XCTAssertEqual(mixed.pipelines.map(\.speedupOverRCNN), [1, 2, 40])
        let none = try assembler.assemble(runs: [run("faster-rcnn", "faster-rcnn", 100), run("faster-rcnn-mobilenet", "faster-rcnn", 50)],
                                          images: [])
        XCTAssertEqual(none.pipelines.map(\.speedupOverRCNN), [nil, nil])
        // A pipeline named like a paper but of another architecture is no baseline.
        let named = try assembler.assemble(runs: [run("rcnn", "fast-rcnn", 1000), run("b", "faster-rcnn", 10)], images: [])
        XCTAssertEqual(named.pipelines.map(\.speedupOverRCNN), [nil, nil])
        let html = HTMLReport.render(mixed)
        XCTAssertTrue(html.contains("data-pipeline=\"rcnn-mobilenet\""))
    }

    func testNoAnnotationsMeansNoAPButStillAGallery() throws {
        let picture = try bccdImages()[0]
        let run = RunMeasurements(pipeline: "fast-rcnn", stageSamples: [("backbone", [5])], imageIDs: [1, 2],
                                  detections: [ScoredDetection(imageID: 1, categoryID: 1, box: Box(x1: 0, y1: 0, x2: 40, y2: 40), score: 0.9)])
        let input = try ReportAssembler(title: "t", machine: "", generatedAt: Date(), categories: categories, gallerySize: 1)
            .assemble(runs: [run], images: [ReportImage(id: 1, path: picture.path, width: 640, height: 480, groundTruth: []),
                                            ReportImage(id: 2, path: picture.path, width: 640, height: 480, groundTruth: [])])
        XCTAssertNil(input.pipelines[0].ap50)
        XCTAssertNil(input.pipelines[0].speedupOverRCNN, "no R-CNN run to compare with")
        XCTAssertTrue(input.prCurves.isEmpty)
        XCTAssertEqual(input.gallery.count, 1, "gallerySize caps the sample images")
        XCTAssertEqual(input.gallery[0].groundTruth.count, 0)
        XCTAssertEqual(input.gallery[0].detections[0].boxes.count, 1)
    }

    func testErrorsNameTheProblem() throws {
        let assembler = ReportAssembler(title: "t", machine: "", generatedAt: Date(), categories: categories)
        XCTAssertThrowsError(try assembler.assemble(runs: [], images: [])) { XCTAssertEqual($0 as? ReportError, .noRuns) }
        let gt = GroundTruthBox(imageID: 1, categoryID: 1, box: Box(x1: 0, y1: 0, x2: 4, y2: 4))
        let run = RunMeasurements(pipeline: "rcnn", stageSamples: [], imageIDs: [1], detections: [])
        XCTAssertThrowsError(try assembler.assemble(runs: [run], images: [
            ReportImage(id: 1, path: "/nonexistent/a.jpg", width: 8, height: 8, groundTruth: [gt])])) { error in
            guard case .unreadableImage(let path, _)? = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/a.jpg")
            XCTAssertTrue("\(error)".contains("/nonexistent/a.jpg"))
        }
    }

    func testMeanAndMedian() {
        XCTAssertEqual(ReportAssembler.median([5, 1, 3]), 3)
        XCTAssertEqual(ReportAssembler.median([4, 1, 3, 2]), 2.5)
        XCTAssertEqual(ReportAssembler.mean([1, 2, 3, 6]), 3)
        XCTAssertEqual(ReportAssembler.median([]), 0)
    }
}
