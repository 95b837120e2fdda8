import Foundation
import XCTest
import Boxes
@testable import Store

final class RoundTripTests: XCTestCase {
    /// BCCD: VOC → COCO → VOC through the store keeps every box, class, flag and count.
    func testBCCDThroughCOCOAndBackToVOC() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let store = try Store()
        try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "voc")
        let cocoFile = "\(directory)/bccd.json"
        _ = try store.exportAnnotations(dataset: "voc", format: .coco, to: cocoFile)
        let coco = try store.importAnnotations(from: cocoFile, format: .coco, imagesDirectory: Fixture.bccdImages, dataset: "coco")
        XCTAssertEqual(coco.images, 364)
        XCTAssertEqual(coco.annotations, 4888)
        XCTAssertEqual(coco.categories, 3)
        let vocOut = "\(directory)/voc"
        _ = try store.exportAnnotations(dataset: "coco", format: .voc, to: vocOut)
        let again = try store.importAnnotations(from: vocOut, format: .voc, dataset: "voc-again")
        XCTAssertEqual(again.images, 364)
        XCTAssertEqual(again.annotations, 4888)

        let original = try AnnotationFormat.voc.read(path: Fixture.bccdAnnotations)
        let final = try store.loadAnnotations(dataset: "voc-again")
        XCTAssertEqual(final.images.count, 364)
        XCTAssertEqual(final.objectCount, 4888)
        XCTAssertEqual(Set(final.categories.map(\.name)), ["RBC", "WBC", "Platelets"])
        XCTAssertEqual(objectsByImage(final), objectsByImage(original))
        for image in final.images {
            XCTAssertEqual(image.width, 640)
            XCTAssertEqual(image.height, 480)
        }
        // The re-exported XML gives VOC's own integers back: the one-pixel box is again (504, 337, 504, 337).
        let xml = try String(contentsOfFile: "\(vocOut)/BloodImage_00338.xml", encoding: .utf8)
        XCTAssertTrue(xml.contains("<xmin>504</xmin>\n\t\t\t<ymin>337</ymin>\n\t\t\t<xmax>504</xmax>\n\t\t\t<ymax>337</ymax>"))
        // Images are shared between the three datasets, not copied.
        XCTAssertEqual(try store.rowCounts()["images"], 364)
    }

    func testBCCDThroughYOLO() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let store = try Store()
        try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "voc")
        _ = try store.exportAnnotations(dataset: "voc", format: .yolo, to: "\(directory)/labels")
        let classes = try String(contentsOfFile: "\(directory)/labels/classes.txt", encoding: .utf8)
        XCTAssertEqual(classes.split(separator: "\n").count, 3)
        let summary = try store.importAnnotations(from: "\(directory)/labels", format: .yolo,
                                                  imagesDirectory: Fixture.bccdImages, dataset: "yolo")
        XCTAssertEqual(summary.images, 364)
        XCTAssertEqual(summary.annotations, 4888)
        let a = objectsByImage(try store.loadAnnotations(dataset: "voc"))
        let b = objectsByImage(try store.loadAnnotations(dataset: "yolo"))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, objects) in a {
            let other = b[name]!
            XCTAssertEqual(objects.map(\.category), other.map(\.category), name)
            for (p, q) in zip(objects, other) {
                // YOLO keeps 8 decimals of a fraction of the size: well under 1e-3 px here.
                XCTAssertEqual(p.box.x1, q.box.x1, accuracy: 1e-3); XCTAssertEqual(p.box.y1, q.box.y1, accuracy: 1e-3)
                XCTAssertEqual(p.box.x2, q.box.x2, accuracy: 1e-3); XCTAssertEqual(p.box.y2, q.box.y2, accuracy: 1e-3)
            }
        }
    }

    func testBCCDThroughCSVExactly() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let store = try Store()
        try store.importAnnotations(from: Fixture.bccdAnnotations, format: .voc, dataset: "voc")
        _ = try store.exportAnnotations(dataset: "voc", format: .csv, to: "\(directory)/boxes.csv")
        let summary = try store.importAnnotations(from: "\(directory)/boxes.csv", format: .csv, dataset: "csv")
        XCTAssertEqual(summary.images, 364)
        XCTAssertEqual(summary.annotations, 4888)
        let a = objectsByImage(try store.loadAnnotations(dataset: "voc"))
        let b = objectsByImage(try store.loadAnnotations(dataset: "csv"))
        XCTAssertEqual(a.mapValues { $0.map { [$0.category: $0.box] } }, Dictionary(uniqueKeysWithValues:
            b.map { (($0.key as NSString).lastPathComponent, $0.value.map { [$0.category: $0.box] }) }))
    }

    func testCSVNegativeImagesHeaderQuotingAndFloats() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let csv = "\(directory)/boxes.csv"
        try Fixture.write("""
            path,x1,y1,x2,y2,class
            BloodImage_00000.jpg,10,20.25,30,40,RBC
            BloodImage_00000.jpg,0,0,640,480,"cell, big"
            BloodImage_00001.jpg,,,,,

            """, to: csv)
        let store = try Store()
        let summary = try store.importAnnotations(from: csv, format: .csv, imagesDirectory: Fixture.bccdImages, dataset: "d")
        XCTAssertEqual(summary.images, 2)
        XCTAssertEqual(summary.annotations, 2)
        let set = try store.loadAnnotations(dataset: "d")
        XCTAssertEqual(set.images.map(\.objects.count), [2, 0])
        XCTAssertEqual(set.images[0].objects.map(\.box), [Box(x1: 10, y1: 20.25, x2: 30, y2: 40), Box(x1: 0, y1: 0, x2: 640, y2: 480)])
        XCTAssertEqual(set.images[0].objects.map(\.category), ["RBC", "cell, big"])
        XCTAssertEqual(try store.datasetSummaries()[0].negativeImages, 1)

        let out = "\(directory)/out.csv"
        _ = try store.exportAnnotations(dataset: "d", format: .csv, to: out)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "path,x1,y1,x2,y2,class")
        XCTAssertEqual(lines[1], "\(Fixture.bccdImages)/BloodImage_00000.jpg,10,20.25,30,40,RBC")
        XCTAssertEqual(lines[2], "\(Fixture.bccdImages)/BloodImage_00000.jpg,0,0,640,480,\"cell, big\"")
        XCTAssertEqual(lines[3], "\(Fixture.bccdImages)/BloodImage_00001.jpg,,,,,")
        let back = try AnnotationFormat.csv.read(path: out)
        XCTAssertEqual(back.images.map(\.objects), set.images.map(\.objects).map { $0.map {
            AnnotatedObject(category: $0.category, box: $0.box) } })
    }

    func testMalformedCSVRejectedWithLineAndColumn() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let csv = "\(directory)/boxes.csv"
        try Fixture.write("""
            BloodImage_00000.jpg,10,20,30,40,RBC
            BloodImage_00001.jpg,1,2,x3,4,RBC
            """, to: csv)
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: csv, format: .csv, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            XCTAssertEqual($0 as? AnnotationError, .malformed(path: csv, location: "line 2, x2", reason: "not a number: 'x3'"))
        }
        try Fixture.write("BloodImage_00000.jpg,10,20,30\n", to: csv)
        XCTAssertThrowsError(try store.importAnnotations(from: csv, format: .csv, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.malformed(_, location, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(location, "line 1")
        }
        try Fixture.write("nowhere.jpg,10,20,30,40,RBC\n", to: csv)
        XCTAssertThrowsError(try store.importAnnotations(from: csv, format: .csv, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.unknownImage(_, location, image, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(location, "line 1")
            XCTAssertEqual(image, "nowhere.jpg")
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    func testYOLOUnknownClassAndBadLineRejected() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        try Fixture.write("RBC\nWBC\n", to: "\(directory)/classes.txt")
        try Fixture.write("0 0.5 0.5 0.25 0.25\n", to: "\(directory)/BloodImage_00000.txt")
        try Fixture.write("1 0.5 0.5 0.25 0.25\n2 0.5 0.5 0.1 0.1\n", to: "\(directory)/BloodImage_00001.txt")
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: directory, format: .yolo, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.unknownClass(path, location, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, "\(directory)/BloodImage_00001.txt")
            XCTAssertEqual(location, "line 2")
        }
        try Fixture.write("1 0.5 0.5 0.25\n", to: "\(directory)/BloodImage_00001.txt")
        XCTAssertThrowsError(try store.importAnnotations(from: directory, format: .yolo, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.malformed(_, location, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(location, "line 1")
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
        // Fixed, it imports: a 640×480 image, centre (320, 240), 160×120.
        try Fixture.write("", to: "\(directory)/BloodImage_00001.txt")
        let set = try AnnotationFormat.yolo.read(path: directory, imagesDirectory: Fixture.bccdImages)
        XCTAssertEqual(set.images[0].objects, [AnnotatedObject(category: "RBC", box: Box(x1: 240, y1: 180, x2: 400, y2: 300))])
        XCTAssertEqual(set.images[1].objects, [])
        XCTAssertEqual(set.categories.map(\.name), ["RBC", "WBC"])
    }
}
