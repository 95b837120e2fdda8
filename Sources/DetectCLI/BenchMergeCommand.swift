import ArgumentParser
import Foundation
import Boxes
import Store

/// `detect bench merge`: how fast `detect merge` brings shard stores together,
/// on synthetic shards (M images each, 5 detections and 7 stage timings per
/// image, one run per shard), and how the time grows with N and M.
public struct BenchMerge: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Measure detect merge: rows per second for N synthetic shards of M images.")

    @Option(help: "Shards to merge.")
    var shards: Int = 8

    @Option(help: "Images per shard.")
    var images: Int = 2000

    @Flag(help: "Also print the figures as one JSON object on the last line.")
    var json = false

    public init() {}

    public func validate() throws {
        guard (1...1000).contains(shards) else { throw ValidationError("--shards must be within 1...1000") }
        guard (1...1_000_000).contains(images) else { throw ValidationError("--images must be within 1...1000000") }
    }

    static let stages = ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"]

    /// A shard store of `images` synthetic images with their results.
    static func makeShard(at path: String, index: Int, count: Int, images: Int) throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "faster-rcnn", model: "models/faster-rcnn.safetensors", configuration: "bench",
                                     shard: Shard(index: index, count: count), group: "bench").id
        var batch: [Store.ImageResult] = []
        for i in 0..<images {
            let n = index * images + i
            let detections = (0..<5).map { k in
                StoredDetection(imageID: 0, category: ["fish", "shark", "ray"][k % 3], score: Float(k + 1) / 6,
                                box: Box(x1: Float(k * 10), y1: Float(k * 7), x2: Float(k * 10 + 50), y2: Float(k * 7 + 40)))
            }
            batch.append(Store.ImageResult(path: "/data/photos/\(n).jpg", width: 640, height: 480,
                                           contentHash: String(format: "%064x", n), fileSize: 100_000 + n,
                                           detections: detections, timings: stages.map { ($0, 1.5) }))
            if batch.count == 1000 { try store.recordImages(run: run, batch); batch.removeAll() }
        }
        if !batch.isEmpty { try store.recordImages(run: run, batch) }
        try store.finishRun(run)
    }

    struct Measurement { var shards: Int, images: Int, rows: Int, seconds: Double }

    static func measure(shards: Int, images: Int, in dir: String) throws -> Measurement {
        let paths = (0..<shards).map { "\(dir)/s\(shards)x\(images)-\($0).sqlite" }
        for (k, p) in paths.enumerated() where !FileManager.default.fileExists(atPath: p) {
            try makeShard(at: p, index: k, count: shards, images: images)
        }
        let target = "\(dir)/merged-\(shards)x\(images).sqlite"
        let store = try Store(path: target)
        let start = Date()
        var rows = 0
        for p in paths { rows += try store.merge(shardAt: p).total }
        return Measurement(shards: shards, images: images, rows: rows, seconds: Date().timeIntervalSince(start))
    }

    public func run() throws {
        try reportingFailure {
            let dir = NSTemporaryDirectory() + "detect-bench-merge-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var cases: [(Int, Int)] = []
            for n in [max(1, shards / 4), max(1, shards / 2), shards] where !cases.contains(where: { $0 == (n, images) }) { cases.append((n, images)) }
            for m in [max(1, images / 4), max(1, images / 2)] where !cases.contains(where: { $0 == (shards, m) }) { cases.append((shards, m)) }
            print("shards  images/shard       rows   seconds      rows/s   s per shard")
            var results: [Measurement] = []
            for (n, m) in cases {
                let r = try Self.measure(shards: n, images: m, in: dir)
                results.append(r)
                print(String(format: "%6d  %12d  %9d  %8.2f  %10.0f  %12.3f", n, m, r.rows, r.seconds,
                             Double(r.rows) / r.seconds, r.seconds / Double(n)))
            }
            let full = results.first { $0.shards == shards && $0.images == images }!
            let rate = Double(full.rows) / full.seconds
            let rowsPerImage = Double(full.rows) / Double(shards * images)
            let projected = 1000 * 10_000 * rowsPerImage / rate
            print(String(format: "at %.0f rows/s (%.1f rows per image), 1,000 shards of 10,000 images would take %.0f s (%.1f min) on one writer",
                         rate, rowsPerImage, projected, projected / 60))
            if json {
                print(jsonLine(["rows_per_second": rate, "rows_per_image": rowsPerImage, "projected_seconds_1000x10000": projected,
                                "cases": results.map { ["shards": $0.shards, "images": $0.images, "rows": $0.rows, "seconds": $0.seconds] }]))
            }
        }
    }
}
