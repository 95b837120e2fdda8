import Foundation
import XCTest
import GRDB
import Boxes
@testable import Store

/// What the store's readers return for every column they map, including NULLs,
/// so that a record whose column name drifts from the schema fails here.
final class StoreReadBackTests: XCTestCase {
    func testRunsReadBackEveryColumn() throws {
        let store = try Store()
        let datasetID = try store.write { db -> Int64 in
            try db.execute(sql: "INSERT INTO datasets (name) VALUES ('d')")
            return db.lastInsertedRowID
        }
        let sharded = try store.startRun(pipeline: "faster-rcnn", model: "m.safetensors", configuration: "cfg",
                                         comparisonID: 7, datasetID: datasetID, shard: Shard(index: 1, count: 4),
                                         group: "job-9").id
        try store.finishRun(sharded, status: "partial")
        let plain = try store.startRun(pipeline: "rcnn", model: nil, configuration: "", comparisonID: 7).id

        let a = try XCTUnwrap(try store.run(sharded))
        XCTAssertEqual(a.id, sharded)
        XCTAssertEqual(a.pipeline, "faster-rcnn")
        XCTAssertEqual(a.model, "m.safetensors")
        XCTAssertEqual(a.configuration, "cfg")
        XCTAssertEqual(a.status, "partial")
        XCTAssertFalse(a.startedAt.isEmpty)
        XCTAssertNotNil(a.finishedAt)
        XCTAssertEqual(a.comparisonID, 7)
        XCTAssertEqual(a.datasetID, datasetID)
        XCTAssertEqual(a.uuid.count, 36)
        XCTAssertEqual(a.shard, Shard(index: 1, count: 4))
        XCTAssertEqual(a.group, "job-9")

        let b = try XCTUnwrap(try store.run(plain))
        XCTAssertNil(b.model)
        XCTAssertEqual(b.status, "running")
        XCTAssertNil(b.finishedAt)
        XCTAssertNil(b.datasetID)
        XCTAssertNil(b.shard)
        XCTAssertNil(b.group)

        XCTAssertEqual(try store.runs(comparison: 7), [a, b])
        XCTAssertEqual(try store.runs(comparison: 8), [])
        XCTAssertNil(try store.run(plain + 1))
    }

    func testDetectionsAndStageTimingsReadBack() throws {
        let store = try Store()
        let run = try store.startRun(pipeline: "p", model: nil, configuration: "c").id
        let detections = [
            StoredDetection(imageID: 0, category: "fish", score: 0.875, box: Box(x1: 1.5, y1: 2, x2: 30.25, y2: 40)),
            StoredDetection(imageID: 0, category: "shark", score: 0.125, box: Box(x1: 0, y1: 0.5, x2: 8, y2: 9.75)),
        ]
        let image = try store.recordImage(run: run, path: "/p/a.jpg", width: 64, height: 48, contentHash: "h", fileSize: 1,
                                          detections: detections, timings: [("decode", 1.5), ("nms", 0.25)])
        try store.recordImage(run: run, path: "/p/b.jpg", width: 64, height: 48, contentHash: "i", fileSize: 1,
                              detections: [], timings: [("decode", 2), ("nms", 0.5)])
        // Per-run work has no image and is not a per-image sample.
        try store.write { db in
            try db.execute(sql: "INSERT INTO stage_timings (run_id, image_id, stage, milliseconds) VALUES (?, NULL, 'load', 99)",
                           arguments: [run])
        }

        let read = try store.detections(run: run)
        XCTAssertEqual(read.map(\.imageID), [image, image])
        XCTAssertEqual(read.map(\.category), ["fish", "shark"])
        let categoryIDs = try store.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM categories WHERE name IN ('fish', 'shark') ORDER BY name")
        }
        XCTAssertEqual(read.map(\.categoryID), categoryIDs)
        XCTAssertEqual(read.map(\.score), [0.875, 0.125])
        XCTAssertEqual(read.map(\.box), detections.map(\.box))

        let timings = try store.stageTimings(run: run)
        XCTAssertEqual(timings.map(\.stage), ["decode", "nms"])
        XCTAssertEqual(timings.map(\.ms), [[1.5, 2], [0.25, 0.5]])
    }

    func testDatasetReadBackAndSummary() throws {
        let directory = try Fixture.temporaryDirectory(self)
        var set = AnnotationSet()
        for (n, name) in ["b.jpg", "a.jpg", "c.jpg"].enumerated() {
            let path = (directory as NSString).appendingPathComponent(name)
            try Data("image \(n)".utf8).write(to: URL(fileURLWithPath: path))
            set.images.append(AnnotatedImage(fileName: name, path: path, width: 100 + n, height: 50 + n,
                                             externalID: n == 2 ? nil : Int64(10 + n), source: "ann.json"))
        }
        set.categories = [AnnotationCategory(name: "cat", externalID: 3, supercategory: "animal"),
                          AnnotationCategory(name: "dog"), AnnotationCategory(name: "unused", externalID: 9)]
        set.images[0].objects = [
            AnnotatedObject(category: "cat", box: Box(x1: 1, y1: 2, x2: 3.5, y2: 4), difficult: true, truncated: false,
                            iscrowd: true, pose: "Left", area: 6.25, externalID: 41),
            AnnotatedObject(category: "dog", box: Box(x1: 0, y1: 0, x2: 10, y2: 10)),
        ]
        set.images[1].objects = [AnnotatedObject(category: "cat", box: Box(x1: 5, y1: 5, x2: 6, y2: 7), truncated: true)]
        set.splits = ["train": [0, 1], "val": [2, 0]]
        let store = try Store()
        try store.importAnnotations(set, dataset: "pets", format: .coco)

        let loaded = try store.loadAnnotations(dataset: "pets")
        XCTAssertEqual(loaded.categories, set.categories)
        // Ordered by file name: a (set index 1), b (0), c (2).
        XCTAssertEqual(loaded.images.map(\.fileName), ["a.jpg", "b.jpg", "c.jpg"])
        XCTAssertEqual(loaded.images.map(\.path), [set.images[1].path, set.images[0].path, set.images[2].path])
        XCTAssertEqual(loaded.images.map(\.width), [101, 100, 102])
        XCTAssertEqual(loaded.images.map(\.height), [51, 50, 52])
        XCTAssertEqual(loaded.images.map(\.externalID), [11, 10, nil])
        XCTAssertEqual(loaded.images.map(\.source), Array(repeating: "dataset pets", count: 3))
        XCTAssertTrue(loaded.images.allSatisfy { $0.imageID != nil })
        XCTAssertEqual(loaded.images[0].objects, set.images[1].objects)
        XCTAssertEqual(loaded.images[1].objects, set.images[0].objects)
        XCTAssertEqual(loaded.images[2].objects, [])
        XCTAssertEqual(loaded.splits, ["train": [0, 1], "val": [1, 2]])

        let summary = try XCTUnwrap(try store.datasetSummaries().first)
        XCTAssertEqual(summary.name, "pets")
        XCTAssertEqual(summary.images, 3)
        XCTAssertEqual(summary.negativeImages, 1)
        XCTAssertEqual(summary.boxes, 3)
        XCTAssertEqual(summary.boxesPerClass, [.init(name: "cat", boxes: 2), .init(name: "dog", boxes: 1),
                                               .init(name: "unused", boxes: 0)])
        XCTAssertEqual(summary.splits, ["train": 2, "val": 2])
    }
}
