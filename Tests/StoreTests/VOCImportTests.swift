import Foundation
import XCTest
import GRDB
import Boxes
@testable import Store

final class VOCImportTests: XCTestCase {
    func testBCCDImportCountsClassesSplitsAndOnePixelBoxes() throws {
        try Fixture.requireBCCD()
        let store = try Store()
        let summary = try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "bccd")
        XCTAssertEqual(summary.images, 364)
        XCTAssertEqual(summary.annotations, 4888)
        XCTAssertEqual(summary.categories, 3)
        XCTAssertEqual(summary.warnings, [])
        XCTAssertEqual(summary.splits, ["train": 205, "val": 87, "trainval": 292, "test": 72])

        let datasets = try store.datasetSummaries()
        XCTAssertEqual(datasets.count, 1)
        let counts = Dictionary(uniqueKeysWithValues: datasets[0].boxesPerClass.map { ($0.name, $0.boxes) })
        XCTAssertEqual(counts, ["RBC": 4155, "WBC": 372, "Platelets": 361])
        XCTAssertEqual(datasets[0].images, 364)
        XCTAssertEqual(datasets[0].negativeImages, 0)

        let set = try store.loadAnnotations(dataset: "bccd")
        let byName = Dictionary(uniqueKeysWithValues: set.images.map { ($0.fileName, $0) })
        // VOC (260, 177, 491, 376) 1-based inclusive is (259, 176, 491, 376) here.
        let first = try XCTUnwrap(byName["BloodImage_00000.jpg"])
        XCTAssertEqual(first.width, 640)
        XCTAssertEqual(first.height, 480)
        XCTAssertEqual(first.objects.first?.category, "WBC")
        XCTAssertEqual(first.objects.first?.box, Box(x1: 259, y1: 176, x2: 491, y2: 376))
        XCTAssertEqual(first.objects.first?.pose, "Unspecified")
        // The two one-pixel boxes are kept as valid 1×1 boxes.
        XCTAssertTrue(byName["BloodImage_00338.jpg"]!.objects.contains { $0.box == Box(x1: 503, y1: 336, x2: 504, y2: 337) })
        XCTAssertTrue(byName["BloodImage_00343.jpg"]!.objects.contains { $0.box == Box(x1: 180, y1: 328, x2: 181, y2: 329) })
        XCTAssertEqual(set.images.flatMap(\.objects).filter(\.truncated).count, 1131)
        XCTAssertEqual(set.images.flatMap(\.objects).filter(\.difficult).count, 0)
        XCTAssertEqual(set.images.first.map { ($0.path as NSString).lastPathComponent }, "BloodImage_00000.jpg")
        XCTAssertEqual(set.splits["test"]?.count, 72)
    }

    func testDatasetRootStandsForItsAnnotationsDirectory() throws {
        try Fixture.requireBCCD()
        let set = try AnnotationFormat.voc.read(path: Fixture.bccd)
        XCTAssertEqual(set.images.count, 364)
        XCTAssertEqual(set.objectCount, 4888)
        XCTAssertEqual(set.splits["trainval"]?.count, 292)
    }

    func testReimportDoesNotDuplicate() throws {
        try Fixture.requireBCCD()
        let store = try Store()
        try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "bccd")
        let before = try store.rowCounts()
        let again = try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "bccd")
        XCTAssertEqual(again.replaced, 4888)
        XCTAssertEqual(try store.rowCounts(), before)
        XCTAssertEqual(before["annotations"], 4888)
        XCTAssertEqual(before["images"], 364)
        XCTAssertEqual(before["categories"], 3)
        // Its own COCO export imported into the same dataset replaces, not adds.
        let directory = try Fixture.temporaryDirectory(self)
        try store.exportAnnotations(dataset: "bccd", format: .coco, to: "\(directory)/bccd.json")
        let coco = try store.importAnnotations(from: "\(directory)/bccd.json", format: .coco,
                                               imagesDirectory: Fixture.bccdImages, dataset: "bccd")
        XCTAssertEqual(coco.replaced, 4888)
        XCTAssertEqual(try store.rowCounts(), before)
        // The same images in a second dataset are shared, not copied.
        try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "copy")
        XCTAssertEqual(try store.rowCounts()["images"], 364)
        XCTAssertEqual(try store.rowCounts()["annotations"], 2 * 4888)
    }

    /// Three BCCD files copied into a VOC-style layout so tests can damage one.
    private func smallVOC() throws -> (annotations: String, images: String) {
        let root = try Fixture.temporaryDirectory(self)
        let annotations = (root as NSString).appendingPathComponent("Annotations")
        try FileManager.default.createDirectory(atPath: annotations, withIntermediateDirectories: true)
        for stem in ["BloodImage_00000", "BloodImage_00001", "BloodImage_00002"] {
            try FileManager.default.copyItem(atPath: "\(Fixture.bccdAnnotations)/\(stem).xml", toPath: "\(annotations)/\(stem).xml")
        }
        return (annotations, Fixture.bccdImages)
    }

    func testMalformedXMLRejectsWholeImportNamingFileAndLine() throws {
        try Fixture.requireBCCD()
        let (annotations, images) = try smallVOC()
        let bad = "\(annotations)/BloodImage_00001.xml"
        var text = try String(contentsOfFile: bad, encoding: .utf8)
        text = text.replacingOccurrences(of: "</bndbox>", with: "</bndbx>")
        try Fixture.write(text, to: bad)
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: annotations, format: .voc, imagesDirectory: images, dataset: "d")) { error in
            guard case let AnnotationError.malformed(path, location, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, bad)
            XCTAssertTrue(location.hasPrefix("line "), location)
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    func testNonNumericCoordinateRejectedWithElementAndLine() throws {
        try Fixture.requireBCCD()
        let (annotations, images) = try smallVOC()
        let bad = "\(annotations)/BloodImage_00002.xml"
        var lines = try String(contentsOfFile: bad, encoding: .utf8).components(separatedBy: "\n")
        let index = try XCTUnwrap(lines.firstIndex { $0.contains("<ymax>") })
        lines[index] = "\t\t\t<ymax>12a</ymax>"
        try Fixture.write(lines.joined(separator: "\n"), to: bad)
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: annotations, format: .voc, imagesDirectory: images, dataset: "d")) { error in
            XCTAssertEqual(error as? AnnotationError,
                           .malformed(path: bad, location: "line \(index + 1), <ymax>", reason: "not a number: '12a'"))
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    func testUnknownImageRejected() throws {
        try Fixture.requireBCCD()
        let (annotations, images) = try smallVOC()
        let bad = "\(annotations)/BloodImage_00000.xml"
        let text = try String(contentsOfFile: bad, encoding: .utf8)
            .replacingOccurrences(of: "<filename>BloodImage_00000.jpg</filename>", with: "<filename>missing.jpg</filename>")
            .replacingOccurrences(of: "<path>", with: "<nopath>").replacingOccurrences(of: "</path>", with: "</nopath>")
        try Fixture.write(text, to: bad)
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: annotations, format: .voc, imagesDirectory: images, dataset: "d")) { error in
            guard case let AnnotationError.unknownImage(path, location, image, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, bad)
            XCTAssertEqual(image, "missing.jpg")
            XCTAssertEqual(location, "line 3, <filename>")
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    /// A <filename> whose extension is stale (the image was converted to JPEG
    /// afterwards) or that carries the annotator's folder still finds the image
    /// of the same name.
    func testStaleExtensionInFilenameFindsTheJPEG() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        try Fixture.write("""
            <annotation><filename>BloodImage_00001.png</filename>
            <object><name>RBC</name><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>40</xmax><ymax>50</ymax></bndbox></object>
            </annotation>
            """, to: "\(directory)/x.xml")
        try Fixture.write("""
            <annotation><filename>JPEGImages/BloodImage_00002.jpg</filename>
            <object><name>RBC</name><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>40</xmax><ymax>50</ymax></bndbox></object>
            </annotation>
            """, to: "\(directory)/y.xml")
        let set = try AnnotationFormat.voc.read(path: directory, imagesDirectory: Fixture.bccdImages)
        XCTAssertEqual(set.images.map { ($0.path as NSString).lastPathComponent }, ["BloodImage_00001.jpg", "BloodImage_00002.jpg"])
        XCTAssertEqual(set.images[0].objects.map(\.box), [Box(x1: 10, y1: 20, x2: 40, y2: 50)])
    }

    func testDegenerateBoxSkippedWithWarningAndMissingSizeReadFromJPEG() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let file = "\(directory)/BloodImage_00000.xml"
        try Fixture.write("""
            <annotation><filename>BloodImage_00000.jpg</filename>
            <object><name>RBC</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>9</xmax><ymax>20</ymax></bndbox></object>
            <object><name>RBC</name><difficult>1</difficult><bndbox><xmin>10.5</xmin><ymin>10</ymin><xmax>30</xmax><ymax>20</ymax></bndbox></object>
            </annotation>
            """, to: file)
        let set = try AnnotationFormat.voc.read(path: directory, imagesDirectory: Fixture.bccdImages)
        XCTAssertEqual(set.images.count, 1)
        XCTAssertEqual(set.images[0].width, 640)
        XCTAssertEqual(set.images[0].height, 480)
        XCTAssertEqual(set.images[0].objects, [AnnotatedObject(category: "RBC", box: Box(x1: 9.5, y1: 9, x2: 30, y2: 20), difficult: true)])
        XCTAssertEqual(set.warnings.count, 1)
        XCTAssertTrue(set.warnings[0].hasPrefix("\(file): line 2, <object>: skipped degenerate box"), set.warnings[0])
    }

    func testImageWithoutObjectsSurvivesVOCAndCOCO() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        try Fixture.write("""
            <?xml version="1.0"?>
            <annotation><filename>BloodImage_00005.jpg</filename><size><width>640</width><height>480</height></size></annotation>
            """, to: "\(directory)/in/BloodImage_00005.xml")
        let store = try Store()
        let summary = try store.importAnnotations(from: "\(directory)/in", format: .voc, imagesDirectory: Fixture.bccdImages, dataset: "neg")
        XCTAssertEqual(summary.images, 1)
        XCTAssertEqual(summary.annotations, 0)
        XCTAssertEqual(try store.datasetSummaries().first?.negativeImages, 1)
        try store.exportAnnotations(dataset: "neg", format: .coco, to: "\(directory)/neg.json")
        let coco = try AnnotationFormat.coco.read(path: "\(directory)/neg.json")
        XCTAssertEqual(coco.images.map(\.fileName), ["BloodImage_00005.jpg"])
        XCTAssertEqual(coco.images.map(\.objects.count), [0])
        try store.exportAnnotations(dataset: "neg", format: .voc, to: "\(directory)/out")
        let voc = try AnnotationFormat.voc.read(path: "\(directory)/out")
        XCTAssertEqual(voc.images.map(\.fileName), ["BloodImage_00005.jpg"])
        XCTAssertEqual(voc.images.map(\.objects.count), [0])
    }

    func testFailureInsideImportTransactionLeavesStoreUnchanged() throws {
        try Fixture.requireBCCD()
        let store = try Store()
        let (annotations, images) = try smallVOC()
        try store.importAnnotations(from: annotations, format: .voc, imagesDirectory: images, dataset: "first")
        let before = try store.rowCounts()
        // The third image vanishes between reading the annotations and writing them:
        // the import fails after rows for the first two were written in the transaction.
        var set = try AnnotationFormat.voc.read(path: annotations, imagesDirectory: images)
        set.images[2].path = "/nonexistent/BloodImage_00002.jpg"
        XCTAssertThrowsError(try store.importAnnotations(set, dataset: "second", format: .voc)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/BloodImage_00002.jpg"), "\(error)")
        }
        XCTAssertEqual(try store.rowCounts(), before)
        XCTAssertEqual(try store.datasetNames(), ["first"])
    }
}
