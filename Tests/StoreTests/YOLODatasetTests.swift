import Foundation
import XCTest
import Boxes
import Imaging
@testable import Store

/// Ultralytics-style YOLO datasets: class names from a data YAML, split lists from a
/// `splits/` folder or from `train.txt`/`val.txt`/`test.txt` beside the YAML. Every
/// fixture is built in a temporary directory, with small JPEGs written here.
final class YOLODatasetTests: XCTestCase {
    /// `<root>/labels/<stem>.txt` and `<root>/images/<stem>.jpg` (100×50 px) for each
    /// label; returns the root.
    private func makeDataset(_ labels: [String: String]) throws -> String {
        let root = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: "\(root)/images", withIntermediateDirectories: true)
        for (stem, text) in labels {
            try Fixture.write(text, to: "\(root)/labels/\(stem).txt")
            try JPEG.write(Image(width: 100, height: 50), to: "\(root)/images/\(stem).jpg")
        }
        return root
    }

    private func readYOLO(_ path: String) throws -> AnnotationSet {
        try AnnotationFormat.yolo.read(path: path)
    }

    /// The malformed error thrown by reading `path`, or a failure.
    private func malformed(_ path: String, file: StaticString = #filePath, line: UInt = #line)
        -> (path: String, location: String, reason: String)? {
        do {
            _ = try readYOLO(path)
            XCTFail("read succeeded", file: file, line: line)
        } catch let AnnotationError.malformed(path, location, reason) {
            return (path, location, reason)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testNamesAsFlowListBlockListMappingAndBlockMapping() throws {
        let root = try makeDataset(["a": "1 0.5 0.5 0.2 0.4\n", "b": "0 0.25 0.5 0.5 1\n"])
        let variants: [(file: String, text: String)] = [
            ("labels/data.yaml", "train: ../train/images\nval: ../valid/images\n\nnc: 2\nnames: ['fish', 'jelly fish']"),
            ("dataset.yaml", "path: .\nnames:\n  - fish\n  - \"jelly fish\"\nnc: 2\n"),
            ("labels/data.yaml", "names: {0: fish, 1: jelly fish}\n"),
            ("aquarium.yml", "# classes\nnames:\n  1: jelly fish\n  0: fish\n"),
        ]
        for (file, text) in variants {
            try Fixture.write(text, to: "\(root)/\(file)")
            defer { try? FileManager.default.removeItem(atPath: "\(root)/\(file)") }
            let set = try readYOLO("\(root)/labels")
            XCTAssertEqual(set.categories.map(\.name), ["fish", "jelly fish"], file)
            XCTAssertEqual(set.images.map(\.fileName), ["a.jpg", "b.jpg"], file)
            // 100×50 image: centre (50, 25), 20×20; then centre (25, 25), 50×50.
            XCTAssertEqual(set.images[0].objects, [AnnotatedObject(category: "jelly fish", box: Box(x1: 40, y1: 15, x2: 60, y2: 35))], file)
            XCTAssertEqual(set.images[1].objects, [AnnotatedObject(category: "fish", box: Box(x1: 0, y1: 0, x2: 50, y2: 50))], file)
            XCTAssertEqual(set.splits, [:], file)
            XCTAssertEqual(set.warnings, [], file)
        }
        // A YAML without `names` is not a class list.
        try Fixture.write("lr: 0.01\n", to: "\(root)/labels/data.yaml")
        XCTAssertThrowsError(try readYOLO("\(root)/labels")) {
            guard case AnnotationError.noClassesFile = $0 else { return XCTFail("\($0)") }
        }
    }

    func testNCMismatchRejectedNamingTheFile() throws {
        let root = try makeDataset(["a": ""])
        try Fixture.write("nc: 3\nnames: [fish, shark]\n", to: "\(root)/labels/data.yaml")
        let error = malformed("\(root)/labels")
        XCTAssertEqual(error?.path, "\(root)/labels/data.yaml")
        XCTAssertEqual(error?.location, "line 1, nc")
        XCTAssertEqual(error?.reason, "nc is 3 but names lists 2 classes")
        let store = try Store()
        XCTAssertThrowsError(try store.importAnnotations(from: "\(root)/labels", format: .yolo, dataset: "d"))
        XCTAssertEqual(try store.rowCounts().values.reduce(0, +), 0)
    }

    func testGapInMappingIDsRejected() throws {
        let root = try makeDataset(["a": ""])
        try Fixture.write("names:\n  0: fish\n  2: shark\n", to: "\(root)/labels/data.yaml")
        let error = malformed("\(root)/labels")
        XCTAssertEqual(error?.path, "\(root)/labels/data.yaml")
        XCTAssertEqual(error?.location, "line 3, names: 2")
        XCTAssertTrue(error?.reason.contains("id 1 is missing") ?? false, error?.reason ?? "")
        try Fixture.write("names: {0: fish, x: shark}\n", to: "\(root)/labels/data.yaml")
        XCTAssertEqual(malformed("\(root)/labels")?.reason, "class id 'x' is not an integer")
    }

    func testBadClassNamesRejectedWithLineAndKey() throws {
        let root = try makeDataset(["a": ""])
        let cases: [(yaml: String, location: String, reason: String)] = [
            ("names: [fish, '']\n", "line 1, names[1]", "empty class name"),
            ("names:\n  - fish\n  -\n", "line 3, names[1]", "empty class name"),
            ("names:\n  0: fish\n  1: \"sea\\nlion\"\n", "line 3, names: 1", "newline or control character"),
            ("names: [fish, \"a\\tb\"]\n", "line 1, names[1]", "newline or control character"),
            ("names: [fish, fish]\n", "line 1, names[1]", "listed twice"),
            ("names: [fish, [a, b]]\n", "line 1, names[1]", "plain string"),
            ("names: fish\n", "line 1, names", "a list of class names or a mapping"),
            ("names: [fish\n", "line 2, column 1", "invalid YAML"),
        ]
        for (yaml, location, reason) in cases {
            try Fixture.write(yaml, to: "\(root)/labels/data.yaml")
            let error = malformed("\(root)/labels")
            XCTAssertEqual(error?.path, "\(root)/labels/data.yaml", yaml)
            XCTAssertEqual(error?.location, location, yaml)
            XCTAssertTrue(error?.reason.contains(reason) ?? false, "\(yaml): \(error?.reason ?? "")")
        }
    }

    func testClassesFileTakesPrecedenceOverDataYAML() throws {
        let root = try makeDataset(["a": "1 0.5 0.5 0.2 0.4\n"])
        try Fixture.write("names: [fish, shark]\n", to: "\(root)/labels/data.yaml")
        // In the parent directory it still wins over the YAML beside the labels.
        try Fixture.write("RBC\nWBC\n", to: "\(root)/classes.txt")
        XCTAssertEqual(try readYOLO("\(root)/labels").categories.map(\.name), ["RBC", "WBC"])
        try FileManager.default.removeItem(atPath: "\(root)/classes.txt")
        try Fixture.write("RBC\nWBC\nPlatelets\n", to: "\(root)/labels/obj.names")
        let set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.categories.map(\.name), ["RBC", "WBC", "Platelets"])
        XCTAssertEqual(set.images[0].objects.map(\.category), ["WBC"])
        try FileManager.default.removeItem(atPath: "\(root)/labels/obj.names")
        XCTAssertEqual(try readYOLO("\(root)/labels").categories.map(\.name), ["fish", "shark"])
    }

    func testSplitsFolderBecomesSplitsAndImportsIntoTheStore() throws {
        let root = try makeDataset(["IMG_1.rf.ab": "0 0.5 0.5 0.2 0.2\n", "IMG_2.rf.cd": "", "IMG_3.rf.ef": "0 0.5 0.5 0.2 0.2\n"])
        try Fixture.write("nc: 1\nnames: [fish]\n", to: "\(root)/labels/data.yaml")
        // Stems (with dots), file names and paths; blank lines, comments, CRLF and repeats.
        try Fixture.write("IMG_1.rf.ab\r\n\r\n# comment\nIMG_2.rf.cd.jpg\nIMG_1.rf.ab\n", to: "\(root)/splits/train.txt")
        try Fixture.write("./images/IMG_3.rf.ef.jpg\n", to: "\(root)/splits/val.txt")
        try Fixture.write("/elsewhere/labels/IMG_2.rf.cd.txt\n", to: "\(root)/splits/test.txt")
        let set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.images.map(\.fileName), ["IMG_1.rf.ab.jpg", "IMG_2.rf.cd.jpg", "IMG_3.rf.ef.jpg"])
        XCTAssertEqual(set.splits, ["train": [0, 1], "val": [2], "test": [1]])
        XCTAssertEqual(set.warnings, [])

        let store = try Store()
        let summary = try store.importAnnotations(from: "\(root)/labels", format: .yolo, dataset: "d")
        XCTAssertEqual(summary.images, 3)
        XCTAssertEqual(summary.annotations, 2)
        XCTAssertEqual(summary.splits, ["train": 2, "val": 1, "test": 1])
        let loaded = try store.loadAnnotations(dataset: "d")
        XCTAssertEqual(Set(loaded.splits["train"]!.map { loaded.images[$0].fileName }), ["IMG_1.rf.ab.jpg", "IMG_2.rf.cd.jpg"])
        XCTAssertEqual(try store.datasetSummaries().first?.splits, ["train": 2, "val": 1, "test": 1])

        // The dataset root stands for its labels directory.
        XCTAssertEqual(try readYOLO(root).splits, set.splits)
    }

    func testUnknownNamesInASplitBecomeAWarning() throws {
        let root = try makeDataset(["a": "", "b": ""])
        try Fixture.write("names: [fish]\n", to: "\(root)/labels/data.yaml")
        try Fixture.write("a\nmissing1\nb\nmissing2.jpg\n", to: "\(root)/splits/train.txt")
        let set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.splits, ["train": [0, 1]])
        XCTAssertEqual(set.warnings, [
            "\(root)/splits/train.txt: 2 entries name no imported image (first: 'missing1' at line 2); left out of split 'train'",
        ])
    }

    func testUnsafeSplitNamesRejected() throws {
        let root = try makeDataset(["a": ""])
        try Fixture.write("names: [fish]\n", to: "\(root)/labels/data.yaml")
        for name in ["a..b", "..", "bad\u{7}name", "tab\tname"] {
            let file = "\(root)/splits/\(name).txt"
            try Fixture.write("a\n", to: file)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let error = malformed("\(root)/labels")
            XCTAssertEqual(error?.path, file, name)
            XCTAssertEqual(error?.location, "file name", name)
            XCTAssertTrue(error?.reason.hasPrefix("unsafe split name ") ?? false, error?.reason ?? "")
        }
        XCTAssertEqual(try readYOLO("\(root)/labels").splits, [:])
    }

    func testUltralyticsListsBesideTheDataYAML() throws {
        let root = try makeDataset(["a": "", "b": "", "c": ""])
        // Lists beside data.yaml in the label directory are lists, not labels.
        try Fixture.write("names: [fish]\n", to: "\(root)/labels/data.yaml")
        try Fixture.write("/data/images/a.jpg\n./images/b.jpg\n", to: "\(root)/labels/train.txt")
        try Fixture.write("c\n", to: "\(root)/labels/val.txt")
        var set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.images.map(\.fileName), ["a.jpg", "b.jpg", "c.jpg"])
        XCTAssertEqual(set.splits, ["train": [0, 1], "val": [2]])
        // `train:` naming a list file (relative to `path:`) is read too.
        try FileManager.default.removeItem(atPath: "\(root)/labels/train.txt")
        try FileManager.default.removeItem(atPath: "\(root)/labels/val.txt")
        try Fixture.write("path: ..\ntrain: lists/mine.txt\nval: images\nnames: [fish]\n", to: "\(root)/labels/data.yaml")
        try Fixture.write("c.jpg\n", to: "\(root)/lists/mine.txt")
        set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.splits, ["train": [2]])
        // A splits/ folder wins over both.
        try Fixture.write("a\n", to: "\(root)/splits/holdout.txt")
        XCTAssertEqual(try readYOLO("\(root)/labels").splits, ["holdout": [0]])
    }

    func testUltralyticsLabelsPerSplitFindTheDataYAMLAboveLabels() throws {
        let root = try Fixture.temporaryDirectory(self)
        try Fixture.write("0 0.5 0.5 0.2 0.2\n", to: "\(root)/labels/train/a.txt")
        try FileManager.default.createDirectory(atPath: "\(root)/images/train", withIntermediateDirectories: true)
        try JPEG.write(Image(width: 100, height: 50), to: "\(root)/images/train/a.jpg")
        try Fixture.write("path: .\ntrain: images/train\nnames: {0: fish}\n", to: "\(root)/data.yaml")
        let set = try readYOLO("\(root)/labels/train")
        XCTAssertEqual(set.categories.map(\.name), ["fish"])
        XCTAssertEqual(set.images.map(\.path), ["\(root)/images/train/a.jpg"])
    }

    func testZeroSizeBoxesDroppedWithWarningAndEmptyLabelKept() throws {
        let root = try makeDataset([
            // CRLF line ends (Windows tools), no newline at the end.
            "a": "0 0.5 0.5 0.2 0.2\r\n0 0.3 0.3 0 0\r\n0 0.1 0.1 0.1 0.1",
            "b": "",
        ])
        try Fixture.write("nc: 1\nnames: [shark]\n", to: "\(root)/labels/data.yaml")
        let set = try readYOLO("\(root)/labels")
        XCTAssertEqual(set.images.map(\.objects.count), [2, 0])
        XCTAssertEqual(set.objectCount, 2)
        XCTAssertEqual(set.warnings.count, 1)
        XCTAssertTrue(set.warnings[0].hasPrefix("\(root)/labels/a.txt: line 2: skipped degenerate box"), set.warnings[0])
        let store = try Store()
        let summary = try store.importAnnotations(from: "\(root)/labels", format: .yolo, dataset: "d")
        XCTAssertEqual(summary.images, 2)
        XCTAssertEqual(summary.annotations, 2)
        XCTAssertEqual(summary.warnings.count, 1)
        XCTAssertEqual(try store.datasetSummaries().first?.negativeImages, 1)
    }

    func testYAMLAnchorsAliasesAndHugeFilesRefused() throws {
        let root = try makeDataset(["a": ""])
        // "Billion laughs": each level doubles; refused at the first anchor.
        var yaml = "l0: &l0 [fish, fish]\n"
        for k in 1...30 { yaml += "l\(k): &l\(k) [*l\(k - 1), *l\(k - 1)]\n" }
        yaml += "names: *l30\n"
        try Fixture.write(yaml, to: "\(root)/labels/data.yaml")
        var error = malformed("\(root)/labels")
        XCTAssertEqual(error?.path, "\(root)/labels/data.yaml")
        XCTAssertEqual(error?.location, "line 1, anchor")
        XCTAssertTrue(error?.reason.contains("anchors and aliases") ?? false, error?.reason ?? "")
        // A merge key needs an alias as well.
        try Fixture.write("base: &b {nc: 1}\nnames: [fish]\n<<: *b\n", to: "\(root)/labels/data.yaml")
        XCTAssertTrue(malformed("\(root)/labels")?.reason.contains("anchors and aliases") ?? false)
        // An '&' or '*' inside a quoted name is just text.
        try Fixture.write("names: ['R&D', '*star*']\n", to: "\(root)/labels/data.yaml")
        XCTAssertEqual(try readYOLO("\(root)/labels").categories.map(\.name), ["R&D", "*star*"])
        // Over 1 MiB is refused before parsing.
        try Fixture.write("names: [fish]\n" + String(repeating: "# padding\n", count: 110_000), to: "\(root)/labels/data.yaml")
        error = malformed("\(root)/labels")
        XCTAssertEqual(error?.location, "file")
        XCTAssertTrue(error?.reason.contains("more than a dataset YAML may hold") ?? false, error?.reason ?? "")
    }
}
