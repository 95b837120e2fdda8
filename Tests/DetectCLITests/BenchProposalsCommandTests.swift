import Foundation
import XCTest
@testable import DetectCLI
import Store
import Imaging

final class BenchProposalsCommandTests: XCTestCase {
    private static let sampleVOC = """
        <annotation>
        \t<filename>a.jpg</filename>
        \t<size><width>640</width><height>480</height><depth>3</depth></size>
        \t<object>
        \t\t<name>WBC</name>
        \t\t<bndbox><xmin>260</xmin><ymin>177</ymin><xmax>491</xmax><ymax>376</ymax></bndbox>
        \t</object>
        \t<object>
        \t\t<name>RBC</name>
        \t\t<bndbox>
        \t\t\t<xmin>1</xmin>
        \t\t\t<ymin>1</ymin>
        \t\t\t<xmax>1</xmax>
        \t\t\t<ymax>1</ymax>
        \t\t</bndbox>
        \t</object>
        </annotation>
        """

    /// A VOC folder is read file by file: boxes become 0-based exclusive, and a
    /// malformed file is skipped (reported) without losing the good ones.
    func testVOCFolderBoxesAndMalformedFileSkipped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-voc-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Looked up (an annotation may only name a JPEG), never decoded here.
        for name in ["a.jpg", "b.jpg"] {
            try JPEG.write(Image(width: 64, height: 48), to: dir.appendingPathComponent(name).path)
        }
        try Self.sampleVOC.write(to: dir.appendingPathComponent("a.xml"), atomically: true, encoding: .utf8)
        let broken = Self.sampleVOC.replacingOccurrences(of: "<xmax>491</xmax>", with: "<xmax>abc</xmax>")
            .replacingOccurrences(of: "a.jpg", with: "b.jpg")
        try broken.write(to: dir.appendingPathComponent("b.xml"), atomically: true, encoding: .utf8)
        let command = try BenchProposals.parse([dir.path, "--annotations", dir.path, "--format", "voc"])
        let entries = try command.annotatedImages()
        XCTAssertEqual(entries.map(\.stem), ["a"])
        XCTAssertEqual(entries[0].objects.map(\.category), ["WBC", "RBC"])
        XCTAssertEqual(entries[0].objects[0].box, .init(x1: 259, y1: 176, x2: 491, y2: 376))
        // A one-pixel VOC box (xmin = xmax) covers exactly pixel 0: (0, 0, 1, 1).
        XCTAssertEqual(entries[0].objects[1].box, .init(x1: 0, y1: 0, x2: 1, y2: 1))
    }

    func testFormatAndModeValidated() {
        XCTAssertNoThrow(try BenchProposals.parse(["imgs", "--annotations", "a.json", "--format", "coco"]))
        XCTAssertNoThrow(try BenchProposals.parse(["imgs", "--annotations", "a.csv", "--format", "CSV"]))
        XCTAssertThrowsError(try BenchProposals.parse(["imgs", "--annotations", "a", "--format", "kitti"]))
        XCTAssertThrowsError(try BenchProposals.parse(["imgs", "--annotations", "a", "--mode", "slow"]))
    }

    /// The built `detect` on two BCCD images: the last line is the JSON object
    /// with exactly the fields the issue names, and the figures are sane.
    func testJSONLastLineOnBCCDImages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/bccd").standardizedFileURL
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) else {
            throw NSError(domain: "BCCD dataset not found at \(root.path) (datasets/bccd belongs to the repository)", code: 1)
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("detect")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw XCTSkip("detect executable not built next to the tests (\(exe.path))")
        }
        let annotations = FileManager.default.temporaryDirectory.appendingPathComponent("bench-proposals-\(UUID())")
        try FileManager.default.createDirectory(at: annotations, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: annotations) }
        for stem in ["BloodImage_00007", "BloodImage_00011"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent("annotations/\(stem).xml"),
                                             to: annotations.appendingPathComponent("\(stem).xml"))
        }
        func bench(_ annotationsPath: String, _ format: String) throws -> [String: Any] {
            let p = Process()
            p.executableURL = exe
            p.arguments = ["bench", "proposals", root.appendingPathComponent("images").path,
                           "--annotations", annotationsPath, "--format", format, "--mode", "fast", "--json"]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, errText)
            let output = String(decoding: data, as: UTF8.self)
            let last = try XCTUnwrap(output.split(separator: "\n").last)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], String(last))
        }
        let json = try bench(annotations.path, "voc")
        XCTAssertEqual(Set(json.keys), ["mode", "images", "seconds_per_image", "boxes_per_image",
                                        "recall_at_0_5", "recall_at_0_7", "mabo"])
        XCTAssertEqual(json["mode"] as? String, "fast")
        XCTAssertEqual(json["images"] as? Int, 2)
        let boxes = try XCTUnwrap(json["boxes_per_image"] as? Double)
        XCTAssertTrue(boxes > 100 && boxes <= 2000, "\(boxes)")
        let r5 = try XCTUnwrap(json["recall_at_0_5"] as? Double), r7 = try XCTUnwrap(json["recall_at_0_7"] as? Double)
        let mabo = try XCTUnwrap(json["mabo"] as? Double)
        XCTAssertGreaterThanOrEqual(r5, 0.7)
        XCTAssertLessThanOrEqual(r7, r5)
        XCTAssertTrue(mabo > 0.5 && mabo < 1, "\(mabo)")
        XCTAssertGreaterThan(try XCTUnwrap(json["seconds_per_image"] as? Double), 0)

        // The same boxes written as CSV give the same figures (the search is seeded).
        let csv = annotations.appendingPathComponent("boxes.csv").path
        try AnnotationFormat.csv.write(try AnnotationFormat.voc.read(path: annotations.path,
                                                                     imagesDirectory: root.appendingPathComponent("images").path),
                                       to: csv)
        let fromCSV = try bench(csv, "csv")
        for key in ["images", "boxes_per_image", "recall_at_0_5", "recall_at_0_7", "mabo"] {
            XCTAssertEqual("\(fromCSV[key]!)", "\(json[key]!)", key)
        }
    }
}
