import Foundation
import XCTest
import Imaging
@testable import Store

/// Annotation files crafted to crash, escape the output folder or smuggle a
/// non-image in: each ends in a clear error naming the file, never a trap.
final class HostileAnnotationTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try JPEG.write(Image(width: 40, height: 30, fill: (90, 120, 200)), to: dir + "/images/a.jpg")
    }

    func voc(_ name: String, filename: String = "a.jpg", width: String = "40", xmax: String = "20") throws -> String {
        let path = dir + "/ann/\(name).xml"
        try FileManager.default.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        try Fixture.write("""
            <annotation><filename>\(filename)</filename><size><width>\(width)</width><height>30</height><depth>3</depth></size>
            <object><name>thing</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>\(xmax)</xmax><ymax>25</ymax></bndbox></object>
            </annotation>
            """, to: path)
        return path
    }

    func assertRejected(_ path: String, _ format: AnnotationFormat = .voc, mentioning words: [String],
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try format.read(path: path, imagesDirectory: dir + "/images"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains((path as NSString).lastPathComponent), "\(text) does not name the file", file: file, line: line)
            for w in words { XCTAssertTrue(text.contains(w), "\(text) does not mention \(w)", file: file, line: line) }
        }
    }

    func testNumbersTooLargeForAnIntegerAreErrors() throws {
        assertRejected(try voc("wide", width: "1e30"), mentioning: ["width", "outside"])
        assertRejected(try voc("negative", width: "-1e30"), mentioning: ["width"])
        for w in ["1e30", "-1e30"] {
            let coco = dir + "/c\(w).json"
            try Fixture.write("""
                {"images": [{"id": 1, "file_name": "a.jpg", "width": \(w), "height": 30}], "annotations": [],
                 "categories": [{"id": 1, "name": "thing"}]}
                """, to: coco)
            assertRejected(coco, .coco, mentioning: ["images[0].width"])
        }
    }

    func testNonFiniteCoordinatesAreRejectedWithTheirPlace() throws {
        assertRejected(try voc("huge-x", xmax: "1e39"), mentioning: ["line", "finite"])
        let csv = dir + "/boxes.csv"
        try Fixture.write("path,x1,y1,x2,y2,class\nimages/a.jpg,1,2,1e39,20,thing\n", to: csv)
        assertRejected(csv, .csv, mentioning: ["finite"])
    }

    /// Only JPEGs: not `/etc/passwd` by a relative climb out of the images
    /// folder or by an absolute path, and not a text file named .jpg.
    func testAnnotationsCannotReferenceFilesOutsideTheImagesFolder() throws {
        assertRejected(try voc("climb", filename: "../../../../../../../../etc/passwd"), mentioning: ["passwd"])
        assertRejected(try voc("absolute", filename: "/etc/passwd"), mentioning: ["passwd"])
        try Fixture.write("not a picture", to: dir + "/images/fake.jpg")
        assertRejected(try voc("fake", filename: "fake.jpg"), mentioning: ["fake.jpg"])
        // The real image still imports, and an absolute path inside the folder is fine.
        XCTAssertEqual(try AnnotationFormat.voc.read(path: try voc("good"), imagesDirectory: dir + "/images").images.count, 1)
        let inside = try voc("inside", filename: dir + "/images/a.jpg")
        XCTAssertEqual(try AnnotationFormat.voc.read(path: inside, imagesDirectory: dir + "/images").images.first?.path,
                       (dir + "/images/a.jpg" as NSString).standardizingPath)
    }

    /// Names written into paths never leave the output folder, and names a
    /// format cannot represent are refused at export.
    func testExportRefusesNamesThatWouldEscapeOrBreakTheFormat() throws {
        var set = try AnnotationFormat.voc.read(path: try voc("good"), imagesDirectory: dir + "/images")
        set.splits = ["../../escaped": [0]]
        let out = dir + "/out/voc"
        XCTAssertThrowsError(try AnnotationFormat.voc.write(set, to: out)) { error in
            XCTAssertTrue("\(error)".contains("split name"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/escaped.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/escaped.txt"))

        var newline = try AnnotationFormat.voc.read(path: try voc("good"), imagesDirectory: dir + "/images")
        newline.images[0].objects[0].category = "two\nlines"
        newline.categories = [AnnotationCategory(name: "two\nlines")]
        XCTAssertThrowsError(try AnnotationFormat.yolo.write(newline, to: dir + "/out/yolo")) { error in
            XCTAssertTrue("\(error)".contains("classes.txt") && "\(error)".contains("line break"), "\(error)")
        }
    }

    /// Inputs the fuzzer (scripts/fuzz) found crashing, kept as regression tests.
    func testFuzzerCrashesStayFixed() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")
        // An element name of invalid UTF-8 made Foundation's XMLParser trap.
        let crash = try Data(contentsOf: fixtures.appendingPathComponent("voc-invalid-utf8-element.xml"))
        try FileManager.default.createDirectory(atPath: dir + "/ann", withIntermediateDirectories: true)
        try crash.write(to: URL(fileURLWithPath: dir + "/ann/crash.xml"))
        assertRejected(dir + "/ann/crash.xml", mentioning: ["UTF-8"])
        // A processing instruction without data (`<?xbldcher?>`) made Foundation's
        // XMLParser call strlen on a null pointer (SIGSEGV).
        let pi = try Data(contentsOf: fixtures.appendingPathComponent("voc-processing-instruction-without-data.xml"))
        try pi.write(to: URL(fileURLWithPath: dir + "/ann/pi.xml"))
        assertRejected(dir + "/ann/pi.xml", mentioning: ["line 2"])
    }

    /// Processing instructions mean nothing to an annotation: a file with them
    /// (with data or without, after the XML declaration) reads like one without.
    func testProcessingInstructionsAreIgnored() throws {
        let plain = try AnnotationFormat.voc.read(path: try voc("plain"), imagesDirectory: dir + "/images")
        let path = dir + "/ann/pi.xml"
        let text = try String(contentsOfFile: try voc("plain"), encoding: .utf8)
        try Fixture.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?empty?>\n<?xml-stylesheet href=\"a.xsl\"?>\n"
                          + text.replacingOccurrences(of: "<object>", with: "<?inside?><object>"), to: path)
        let read = try AnnotationFormat.voc.read(path: path, imagesDirectory: dir + "/images")
        XCTAssertEqual(read.images.map(\.objects), plain.images.map(\.objects))
        XCTAssertEqual(read.images.count, 1)
        XCTAssertEqual(read.images.first?.objects.count, 1)
        // Line numbers in errors still count the original lines.
        try Fixture.write("<?xml version=\"1.0\"?>\n<?a?>\n<?b\n?>\n<annotation><size></size>\n<x></annotation>\n", to: dir + "/ann/bad.xml")
        assertRejected(dir + "/ann/bad.xml", mentioning: ["line 6", "end tag does not match"])
    }

    /// Foundation's XMLParser on Linux recovers from some errors and reports
    /// success; such a file is still malformed and rejected whole.
    func testRecoveredXMLErrorsRejectTheFile() throws {
        let good = try String(contentsOfFile: try voc("good"), encoding: .utf8)
        for (name, broken, words) in [
            ("mismatch", good.replacingOccurrences(of: "</size>", with: "</sise>"), ["end tag does not match"]),
            ("attribute", good.replacingOccurrences(of: "<size>", with: "<size x=>"), ["line 1"]),
            ("trailing", good + "<annotation></annotation>", ["extra content"]),
        ] {
            try Fixture.write(broken, to: dir + "/ann/\(name).xml")
            assertRejected(dir + "/ann/\(name).xml", mentioning: words)
        }
    }
}
