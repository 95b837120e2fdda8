import Foundation
import XCTest

/// End-to-end: the real `detect` binary against BCCD in a scratch directory.
final class AnnotationsCommandTests: XCTestCase {
    func testImportListExportAndReimport() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        let imported = try DetectBinary.run(["annotations", "import", Fixture.bccd + "/annotations", "--format", "voc",
                                             "--dataset", "bccd", "--json"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(imported.json?["images"] as? Int, 364)
        XCTAssertEqual(imported.json?["annotations"] as? Int, 4888)
        // Default store is ./detect.sqlite.
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/detect.sqlite"))

        let again = try DetectBinary.run(["annotations", "import", Fixture.bccd + "/annotations", "--format", "voc",
                                          "--dataset", "bccd"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)

        let list = try DetectBinary.run(["annotations", "list", "--json"], in: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
        let datasets = try XCTUnwrap(list.json?["datasets"] as? [[String: Any]])
        XCTAssertEqual(datasets.count, 1)
        XCTAssertEqual(datasets[0]["name"] as? String, "bccd")
        XCTAssertEqual(datasets[0]["images"] as? Int, 364)
        XCTAssertEqual(datasets[0]["boxes"] as? Int, 4888)     // not doubled by the second import
        XCTAssertEqual(datasets[0]["boxes_per_class"] as? [String: Int], ["RBC": 4155, "WBC": 372, "Platelets": 361])
        XCTAssertTrue(list.stdout.contains("RBC"))

        let coco = try DetectBinary.run(["annotations", "export", "--format", "coco", "--out", "bccd.json",
                                         "--db", "detect.sqlite"], in: dir)
        XCTAssertEqual(coco.status, 0, coco.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/bccd.json"))) as? [String: Any]
        XCTAssertEqual((json?["annotations"] as? [Any])?.count, 4888)
        XCTAssertEqual((json?["images"] as? [Any])?.count, 364)
        XCTAssertEqual((json?["categories"] as? [Any])?.count, 3)

        let voc = try DetectBinary.run(["annotations", "export", "--format", "voc", "--out", "voc", "--dataset", "bccd"], in: dir)
        XCTAssertEqual(voc.status, 0, voc.stderr)
        let xmls = try FileManager.default.contentsOfDirectory(atPath: dir + "/voc").filter { $0.hasSuffix(".xml") }
        XCTAssertEqual(xmls.count, 364)

        // The exported COCO file imports into a second dataset with the same counts.
        let back = try DetectBinary.run(["annotations", "import", "bccd.json", "--format", "coco", "--images",
                                         Fixture.bccd + "/images", "--dataset", "from-coco", "--json"], in: dir)
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(back.json?["annotations"] as? Int, 4888)
        let both = try DetectBinary.run(["annotations", "list", "--json"], in: dir)
        XCTAssertEqual((both.json?["datasets"] as? [Any])?.count, 2)
        XCTAssertEqual(both.json?["images"] as? Int, 364)       // shared by the two datasets
        XCTAssertEqual(both.json?["boxes"] as? Int, 2 * 4888)
    }

    func testFailingImportExitsNonZeroNamesTheFileAndWritesNothing() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/Annotations", withIntermediateDirectories: true)
        for stem in ["BloodImage_00000", "BloodImage_00001"] {
            try FileManager.default.copyItem(atPath: "\(Fixture.bccd)/annotations/\(stem).xml", toPath: "\(dir)/Annotations/\(stem).xml")
        }
        let bad = dir + "/Annotations/BloodImage_00001.xml"
        let text = try String(contentsOfFile: bad, encoding: .utf8).replacingOccurrences(of: "<xmin>", with: "<xmin>abc")
        try Data(text.utf8).write(to: URL(fileURLWithPath: bad))

        let result = try DetectBinary.run(["annotations", "import", "Annotations", "--format", "voc",
                                           "--images", Fixture.bccd + "/images"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("BloodImage_00001.xml"), result.stderr)
        XCTAssertTrue(result.stderr.contains("<xmin>"), result.stderr)
        XCTAssertTrue(result.stderr.contains("line "), result.stderr)

        let list = try DetectBinary.run(["annotations", "list", "--json"], in: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual((list.json?["datasets"] as? [Any])?.count, 0)
        XCTAssertEqual(list.json?["boxes"] as? Int, 0)
    }

    func testCSVImportIntoASplitAndYOLOExport() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        let csv = "path,x1,y1,x2,y2,class\nBloodImage_00000.jpg,10,20,30,40,RBC\nBloodImage_00001.jpg,,,,,\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir + "/boxes.csv"))
        let imported = try DetectBinary.run(["annotations", "import", "boxes.csv", "--format", "csv", "--images",
                                             Fixture.bccd + "/images", "--dataset", "small", "--split", "test", "--db", "s.sqlite"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let list = try DetectBinary.run(["annotations", "list", "--db", "s.sqlite", "--json"], in: dir)
        let dataset = try XCTUnwrap((list.json?["datasets"] as? [[String: Any]])?.first)
        XCTAssertEqual(dataset["splits"] as? [String: Int], ["test": 2])
        XCTAssertEqual(dataset["negative_images"] as? Int, 1)
        let yolo = try DetectBinary.run(["annotations", "export", "--format", "yolo", "--out", "labels", "--db", "s.sqlite"], in: dir)
        XCTAssertEqual(yolo.status, 0, yolo.stderr)
        // (10, 20, 30, 40) on 640×480: centre (20, 30), size 20×20.
        XCTAssertEqual(try String(contentsOfFile: dir + "/labels/BloodImage_00000.txt", encoding: .utf8),
                       "0 0.03125000 0.06250000 0.03125000 0.04166667\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/labels/BloodImage_00001.txt", encoding: .utf8), "")
        XCTAssertEqual(try String(contentsOfFile: dir + "/labels/classes.txt", encoding: .utf8), "RBC\n")
    }

    func testExportOfUnknownDatasetFails() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        let noStore = try DetectBinary.run(["annotations", "export", "--format", "csv", "--out", "x.csv"], in: dir)
        XCTAssertNotEqual(noStore.status, 0)
        XCTAssertTrue(noStore.stderr.contains("detect.sqlite"), noStore.stderr)

        let imported = try DetectBinary.run(["annotations", "import", Fixture.bccd + "/annotations", "--format", "voc"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let result = try DetectBinary.run(["annotations", "export", "--format", "csv", "--out", "x.csv", "--dataset", "nope"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("nope"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.csv"))
    }

    func testBenchIOPrintsFigures() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        let result = try DetectBinary.run(["bench", "io", "--data", Fixture.bccd, "--repeat", "1", "--json"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(result.json)
        XCTAssertEqual(json["bccd_boxes"] as? Int, 4888)
        XCTAssertGreaterThan(json["bccd_import_seconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(json["sha256_megabytes_per_second"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(json["jpeg_decode_megapixels_per_second"] as? Double ?? 0, 0)
    }
}
