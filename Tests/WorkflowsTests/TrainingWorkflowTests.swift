import Foundation
import XCTest
import Boxes
import Pipelines
import Store
@testable import Workflows

/// The application layer called directly, as a second front end would.
final class TrainingWorkflowTests: XCTestCase {
    func set(splits: [String: [Int]]) -> AnnotationSet {
        let images = (0..<6).map { AnnotatedImage(fileName: "\($0).jpg", path: "/d/\($0).jpg", width: 10, height: 10, source: "a.csv") }
        return AnnotationSet(images: images, categories: [AnnotationCategory(name: "a")], splits: splits)
    }

    func workflow(split: String?) -> TrainingWorkflow {
        var w = TrainingWorkflow(config: PipelineConfig(.fasterRCNN), configPath: "p.yaml")
        w.split = split
        return w
    }

    func testSplitSelection() throws {
        let s = set(splits: ["train": [0, 1], "val": [2], "test": [5]])
        XCTAssertEqual(try workflow(split: "train+val").selectImages(s).map(\.fileName), ["0.jpg", "1.jpg", "2.jpg"])
        XCTAssertEqual(try workflow(split: "test").selectImages(s).map(\.fileName), ["5.jpg"])
        XCTAssertThrowsError(try workflow(split: nil).selectImages(s)) { XCTAssertTrue("\($0)".contains("trainval"), "\($0)") }
        // Without splits only the default falls back to every image.
        let none = set(splits: [:])
        XCTAssertEqual(try workflow(split: nil).selectImages(none).count, 6)
        XCTAssertThrowsError(try workflow(split: "test").selectImages(none)) { XCTAssertTrue("\($0)".contains("no splits"), "\($0)") }
    }

    func testFilesAndShardsFromAFolder() throws {
        let dir = NSTemporaryDirectory() + "wf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/a/b", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["x.jpg", "a/y.JPG", "a/b/z.jpeg", "a/notes.txt"] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([0xFF, 0xD8, 0xFF]))
        }
        let files = try ImageFiles.findFiles([dir])
        XCTAssertEqual(files.map(\.key).sorted(), ["a/b/z.jpeg", "a/y.JPG", "x.jpg"])
        let shards = (0..<2).map { Sharding.select(files, shard: Shard(index: $0, count: 2)).map(\.key) }
        XCTAssertEqual(Set(shards[0]).union(shards[1]), Set(files.map(\.key)))
        XCTAssertTrue(Set(shards[0]).isDisjoint(with: shards[1]))
        XCTAssertThrowsError(try ImageFiles.findFiles([dir + "/missing"]))
    }
}
