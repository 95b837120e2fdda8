import Foundation
import XCTest
import Boxes
@testable import Store

final class COCOTests: XCTestCase {
    /// 64-bit ids, non-contiguous categories, int and float bbox values, polygon and
    /// RLE segmentations, a crowd box, an image without annotations, an explicit area.
    private let document = """
        {"info": {"year": 2024},
         "images": [
           {"id": 9007199254740993, "file_name": "BloodImage_00000.jpg", "width": 640, "height": 480},
           {"id": 5, "file_name": "BloodImage_00001.jpg", "width": 640, "height": 480},
           {"id": 6, "file_name": "BloodImage_00002.jpg"}
         ],
         "annotations": [
           {"id": 9223372036854775807, "image_id": 9007199254740993, "category_id": 90, "bbox": [10, 20.5, 30, 40.25],
            "area": 1000.5, "iscrowd": 0, "segmentation": [[10, 20, 40, 20, 40, 60]]},
           {"id": 2, "image_id": 9007199254740993, "category_id": 7, "bbox": [0.125, 1, 2, 3], "iscrowd": 1,
            "segmentation": {"counts": [0, 5, 10], "size": [480, 640]}},
           {"id": 3, "image_id": 5, "category_id": 90, "bbox": [100, 100, 50, 50]}
         ],
         "categories": [
           {"id": 1, "name": "unused", "supercategory": "thing"},
           {"id": 7, "name": "crowd"},
           {"id": 90, "name": "cell", "supercategory": "blood"}
         ]}
        """

    func testImportKeepsIDsAndExportWritesThemBackWithArea() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        try Fixture.write(document, to: "\(directory)/in.json")
        let store = try Store()
        let summary = try store.importAnnotations(from: "\(directory)/in.json", format: .coco,
                                                  imagesDirectory: Fixture.bccdImages, dataset: "coco")
        XCTAssertEqual(summary.images, 3)
        XCTAssertEqual(summary.annotations, 3)
        XCTAssertEqual(summary.categories, 3)

        let set = try store.loadAnnotations(dataset: "coco")
        XCTAssertEqual(set.categories.map(\.name), ["unused", "crowd", "cell"])
        XCTAssertEqual(set.categories.map(\.externalID), [1, 7, 90])
        XCTAssertEqual(set.images.map(\.externalID), [9007199254740993, 5, 6])
        XCTAssertEqual(set.images[2].width, 640)   // read from the JPEG when absent
        XCTAssertEqual(set.images[2].objects, [])
        XCTAssertEqual(set.images[0].objects, [
            AnnotatedObject(category: "cell", box: Box(x1: 10, y1: 20.5, x2: 40, y2: 60.75), area: 1000.5,
                            externalID: 9223372036854775807),
            AnnotatedObject(category: "crowd", box: Box(x1: 0.125, y1: 1, x2: 2.125, y2: 4), iscrowd: true, externalID: 2),
        ])

        let ids = try store.cocoIdentifiers(dataset: "coco")
        XCTAssertEqual(Set(ids.imageIDs.values), [9007199254740993, 5, 6])
        XCTAssertEqual(ids.categoryIDs, ["unused": 1, "crowd": 7, "cell": 90])

        try store.exportAnnotations(dataset: "coco", format: .coco, to: "\(directory)/out.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/out.json"))) as! [String: Any]
        let annotations = json["annotations"] as! [[String: Any]]
        XCTAssertEqual(annotations.count, 3)
        XCTAssertEqual(annotations.map { $0["id"] as? Int64 }, [9223372036854775807, 2, 3])
        XCTAssertEqual(annotations.map { $0["image_id"] as? Int64 }, [9007199254740993, 9007199254740993, 5])
        XCTAssertEqual(annotations.map { $0["category_id"] as? Int64 }, [90, 7, 90])
        XCTAssertEqual(annotations.map { ($0["area"] as? NSNumber)?.doubleValue }, [1000.5, 2.0 * 3.0, 2500])
        XCTAssertEqual(annotations[0]["bbox"] as? [Double], [10, 20.5, 30, 40.25])
        XCTAssertEqual(annotations.map { $0["iscrowd"] as? Int }, [0, 1, 0])
        let categories = json["categories"] as! [[String: Any]]
        XCTAssertEqual(categories.map { $0["id"] as? Int }, [1, 7, 90])
        XCTAssertEqual(categories.map { $0["name"] as? String }, ["unused", "crowd", "cell"])
        XCTAssertEqual(categories.map { $0["supercategory"] as? String }, ["thing", nil, "blood"])

        // Reading our own export gives the same set back.
        let reread = try AnnotationFormat.coco.read(path: "\(directory)/out.json", imagesDirectory: Fixture.bccdImages)
        var expected = set.images.map(\.objects)
        expected[0][1].area = 6       // written on export as the box's area
        expected[1][0].area = 2500
        XCTAssertEqual(reread.images.map(\.objects), expected)
        XCTAssertEqual(reread.categories, set.categories)
    }

    func testIDsAreAssignedWhenTheSourceHadNone() throws {
        var set = AnnotationSet(
            images: [AnnotatedImage(fileName: "b.jpg", path: "/b.jpg", width: 1, height: 1, externalID: 10, source: "s",
                                    objects: [AnnotatedObject(category: "x", box: Box(x1: 0, y1: 0, x2: 1, y2: 1))]),
                     AnnotatedImage(fileName: "a.jpg", path: "/a.jpg", width: 1, height: 1, source: "s"),
                     AnnotatedImage(fileName: "c.jpg", path: "/c.jpg", width: 1, height: 1, externalID: 10, source: "s")],
            categories: [AnnotationCategory(name: "x")])
        COCOFormat.assignIDs(&set)
        XCTAssertEqual(set.images.map(\.externalID), [10, 11, 12])   // the duplicate 10 is replaced
        XCTAssertEqual(set.categories.map(\.externalID), [1])
        XCTAssertEqual(set.images[0].objects[0].externalID, 1)
    }

    func testMalformedJSONRejectedWithLine() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let file = "\(directory)/bad.json"
        try Fixture.write("{\n\"images\": [\n{\"id\": 1,, \"file_name\": \"a.jpg\"}]}", to: file)
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: file, format: .coco, dataset: "d")) { error in
            guard case let AnnotationError.malformed(path, location, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file)
            XCTAssertTrue(location.hasPrefix("line 3"), location)
            XCTAssertEqual(reason, "invalid JSON")
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    func testNonNumericBBoxAndUnknownCategoryRejected() throws {
        try Fixture.requireBCCD()
        let directory = try Fixture.temporaryDirectory(self)
        let file = "\(directory)/in.json"
        let store = try Store()
        try Fixture.write(document.replacingOccurrences(of: "[100, 100, 50, 50]", with: "[100, \"a\", 50, 50]"), to: file)
        XCTAssertThrowsError(try store.importAnnotations(from: file, format: .coco, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.malformed(_, location, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(location, "annotations[2].bbox[1]")
        }
        try Fixture.write(document.replacingOccurrences(of: "\"category_id\": 7", with: "\"category_id\": 8"), to: file)
        XCTAssertThrowsError(try store.importAnnotations(from: file, format: .coco, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            XCTAssertEqual($0 as? AnnotationError, .unknownClass(path: file, location: "annotations[1].category_id", classID: "id 8"))
        }
        try Fixture.write(document.replacingOccurrences(of: "\"image_id\": 5", with: "\"image_id\": 55"), to: file)
        XCTAssertThrowsError(try store.importAnnotations(from: file, format: .coco, imagesDirectory: Fixture.bccdImages, dataset: "d")) {
            guard case let AnnotationError.unknownImage(_, location, _, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(location, "annotations[2].image_id")
        }
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }
}
