import Foundation
import GRDB
import Boxes

/// One detection as stored with a run.
public struct StoredDetection: Sendable, Equatable {
    public var imageID: Int64
    public var category: String
    public var categoryID: Int64
    public var score: Float
    public var box: Box

    public init(imageID: Int64, category: String, categoryID: Int64 = 0, score: Float, box: Box) {
        self.imageID = imageID; self.category = category; self.categoryID = categoryID; self.score = score; self.box = box
    }
}

/// A row of `runs`.
public struct RunRecord: Sendable, Equatable {
    public var id: Int64
    public var pipeline: String
    public var model: String?
    public var configuration: String
    public var status: String
    public var startedAt: String
    public var finishedAt: String?
    public var comparisonID: Int64?
    public var datasetID: Int64?
    /// Globally unique id (the integer id is only unique within one store).
    public var uuid: String = ""
    /// Which shard of a larger run this is (`--shard K/N`), nil for a whole run.
    public var shard: Shard?
    /// Name shared by the shards of one logical run (e.g. the Slurm array job id).
    public var group: String?
}

/// One part of a run split across machines: files whose shard number is `index`, of `count`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public init(index: Int, count: Int) { self.index = index; self.count = count }
    public var description: String { "\(index)/\(count)" }
}

/// Runs, their detections and stage timings. Each image's results land in one
/// transaction together with its `run_images` row, so an interrupted run keeps
/// every finished image and a resumed one skips exactly those.
extension Store {
    /// Starts a run, or returns the latest run with the same pipeline, model and
    /// configuration (and comparison): re-running a command resumes it, and its
    /// finished images are skipped rather than stored twice.
    public func startRun(pipeline: String, model: String?, configuration: String,
                         comparisonID: Int64? = nil, datasetID: Int64? = nil,
                         shard: Shard? = nil, group: String? = nil) throws -> (id: Int64, resumed: Bool) {
        try write { db in
            if let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM runs WHERE pipeline = ? AND model IS ? AND configuration = ?
                  AND comparison_id IS ? AND shard_index IS ? AND shard_count IS ? AND run_group IS ?
                ORDER BY id DESC LIMIT 1
                """, arguments: [pipeline, model, configuration, comparisonID, shard?.index, shard?.count, group]) {
                try db.execute(sql: "UPDATE runs SET status = 'running' WHERE id = ?", arguments: [id])
                return (id, true)
            }
            try db.execute(sql: """
                INSERT INTO runs (pipeline, model, configuration, started_at, status, comparison_id, dataset_id,
                                  uuid, shard_index, shard_count, run_group)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)
                """, arguments: [pipeline, model, configuration, Self.timestamp(), comparisonID, datasetID,
                                 UUID().uuidString.lowercased(), shard?.index, shard?.count, group])
            return (db.lastInsertedRowID, false)
        }
    }

    public func finishRun(_ id: Int64, status: String = "finished") throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                           arguments: [status, Self.timestamp(), id])
        }
    }

    /// A fresh comparison id (one more than any used).
    public func nextComparisonID() throws -> Int64 {
        try read { db in (try Int64.fetchOne(db, sql: "SELECT MAX(comparison_id) FROM runs") ?? 0) + 1 }
    }

    /// Paths whose results the run holds (each file of a run, even byte-identical ones).
    public func finishedPaths(run: Int64) throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT path FROM run_files WHERE run_id = ?", arguments: [run])) }
    }

    /// One file's results for `recordImages`.
    public struct ImageResult: Sendable {
        public var path: String, width: Int, height: Int, contentHash: String, fileSize: Int
        public var detections: [StoredDetection]
        public var timings: [(stage: String, ms: Double)]
        public init(path: String, width: Int, height: Int, contentHash: String, fileSize: Int,
                    detections: [StoredDetection], timings: [(stage: String, ms: Double)]) {
            self.path = path; self.width = width; self.height = height; self.contentHash = contentHash
            self.fileSize = fileSize; self.detections = detections; self.timings = timings
        }
    }

    /// Several files' results in one transaction (a batch of `recordImage`).
    public func recordImages(run: Int64, _ results: [ImageResult]) throws {
        try write { db in
            for r in results {
                let image = try Self.imageRow(db, path: r.path, width: r.width, height: r.height, contentHash: r.contentHash, fileSize: r.fileSize)
                try Self.record(db, run: run, image: image, detections: r.detections, timings: r.timings)
                try db.execute(sql: "INSERT OR REPLACE INTO run_files (run_id, path, image_id) VALUES (?, ?, ?)", arguments: [run, r.path, image])
            }
        }
    }

    /// The image of this run whose file had these bytes, if the run finished one:
    /// a byte-identical copy under another path takes its results from it.
    public func finishedImage(run: Int64, contentHash: String) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT r.image_id FROM run_images r JOIN images i ON i.id = r.image_id
                WHERE r.run_id = ? AND i.content_hash = ? ORDER BY r.rowid LIMIT 1
                """, arguments: [run, contentHash])
        }
    }

    /// Records the file at `path`, a byte-identical copy of `original` (an image
    /// this run finished), as an image of its own with the original's detections,
    /// in one transaction. Stage times are not copied: the copy was not measured.
    @discardableResult
    public func recordCopy(run: Int64, path: String, of original: Int64) throws -> Int64 {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT width, height, content_hash, file_size FROM images WHERE id = ?",
                                             arguments: [original]) else {
                throw StoreError.unreadable(path: self.path, reason: "no image \(original) to copy results from")
            }
            let image = try Self.imageRow(db, path: path, width: row["width"], height: row["height"],
                                          contentHash: row["content_hash"], fileSize: row["file_size"])
            guard image != original else { return image }
            try db.execute(sql: "DELETE FROM detections WHERE run_id = ? AND image_id = ?", arguments: [run, image])
            try db.execute(sql: """
                INSERT INTO detections (run_id, image_id, category_id, score, x1, y1, x2, y2)
                    SELECT run_id, ?, category_id, score, x1, y1, x2, y2 FROM detections
                    WHERE run_id = ? AND image_id = ? ORDER BY id
                """, arguments: [image, run, original])
            try db.execute(sql: "INSERT OR REPLACE INTO run_images (run_id, image_id, finished_at) VALUES (?, ?, ?)",
                           arguments: [run, image, Self.timestamp()])
            try db.execute(sql: "INSERT OR REPLACE INTO run_files (run_id, path, image_id) VALUES (?, ?, ?)", arguments: [run, path, image])
            return image
        }
    }

    /// How many detections the run stored for one image.
    public func detectionCount(run: Int64, image: Int64) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detections WHERE run_id = ? AND image_id = ?", arguments: [run, image]) ?? 0
        }
    }

    /// Registers a file's image and writes its results in one transaction, so a
    /// file that fails to decode or detect leaves no row behind. Returns the image id.
    @discardableResult
    public func recordImage(run: Int64, path: String, width: Int, height: Int, contentHash: String, fileSize: Int,
                            detections: [StoredDetection], timings: [(stage: String, ms: Double)]) throws -> Int64 {
        try write { db in
            let image = try Self.imageRow(db, path: path, width: width, height: height, contentHash: contentHash, fileSize: fileSize)
            try Self.record(db, run: run, image: image, detections: detections, timings: timings)
            try db.execute(sql: "INSERT OR REPLACE INTO run_files (run_id, path, image_id) VALUES (?, ?, ?)", arguments: [run, path, image])
            return image
        }
    }

    /// Writes one image's detections and stage timings, atomically, replacing
    /// anything a previous attempt left for this run and image.
    public func recordImage(run: Int64, image: Int64, detections: [StoredDetection],
                            timings: [(stage: String, ms: Double)]) throws {
        try write { db in try Self.record(db, run: run, image: image, detections: detections, timings: timings) }
    }

    static func record(_ db: Database, run: Int64, image: Int64, detections: [StoredDetection],
                       timings: [(stage: String, ms: Double)]) throws {
        try db.execute(sql: "DELETE FROM detections WHERE run_id = ? AND image_id = ?", arguments: [run, image])
        try db.execute(sql: "DELETE FROM stage_timings WHERE run_id = ? AND image_id = ?", arguments: [run, image])
        var categoryIDs: [String: Int64] = [:]
        for d in detections {
            let cat: Int64
            if let c = categoryIDs[d.category] { cat = c } else {
                cat = try Self.categoryID(db, name: d.category)
                categoryIDs[d.category] = cat
            }
            try db.execute(sql: """
                INSERT INTO detections (run_id, image_id, category_id, score, x1, y1, x2, y2) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run, image, cat, Double(d.score), Double(d.box.x1), Double(d.box.y1), Double(d.box.x2), Double(d.box.y2)])
        }
        for t in timings {
            try db.execute(sql: "INSERT INTO stage_timings (run_id, image_id, stage, milliseconds) VALUES (?, ?, ?, ?)",
                           arguments: [run, image, t.stage, t.ms])
        }
        try db.execute(sql: "INSERT OR REPLACE INTO run_images (run_id, image_id, finished_at) VALUES (?, ?, ?)",
                       arguments: [run, image, Self.timestamp()])
    }

    static func categoryID(_ db: Database, name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM categories WHERE name = ?", arguments: [name]) { return id }
        try db.execute(sql: "INSERT INTO categories (name) VALUES (?)", arguments: [name])
        return db.lastInsertedRowID
    }

    public func run(_ id: Int64) throws -> RunRecord? {
        try read { db in
            try RunRow.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id])?.record
        }
    }

    /// The latest comparison and the latest run, for commands that default to
    /// what was just done.
    public func newestComparisonID() throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(comparison_id) FROM runs") }
    }

    public func newestRunID() throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM runs") }
    }

    public func runs(comparison: Int64) throws -> [RunRecord] {
        try read { db in
            try RunRow.fetchAll(db, sql: "SELECT * FROM runs WHERE comparison_id = ? ORDER BY id", arguments: [comparison]).map(\.record)
        }
    }

    public func detections(run: Int64) throws -> [StoredDetection] {
        try read { db in
            try DetectionRow.fetchAll(db, sql: """
                SELECT d.image_id, c.name, d.category_id, d.score, d.x1, d.y1, d.x2, d.y2
                FROM detections d JOIN categories c ON c.id = d.category_id WHERE d.run_id = ? ORDER BY d.id
                """, arguments: [run]).map(\.detection)
        }
    }

    /// For images of a dataset, the run's image that shows each: the same image
    /// when the run read the dataset's file, else a file with the same bytes (a
    /// copy, or the file under another spelling of its path). Each run image
    /// stands for one dataset image at most. Dataset image id → run image id.
    public func runImages(of run: Int64, showing datasetImages: [Int64]) throws -> [Int64: Int64] {
        try read { db in
            var inRun = Set<Int64>(), byHash: [String: [Int64]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.image_id, i.content_hash FROM run_images r JOIN images i ON i.id = r.image_id
                WHERE r.run_id = ? ORDER BY r.rowid
                """, arguments: [run]) {
                let id: Int64 = row[0]
                inRun.insert(id)
                byHash[row[1], default: []].append(id)
            }
            // The bytes of every image that could match, in one query.
            var hashOf: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT id, content_hash FROM images WHERE content_hash IN (
                    SELECT i.content_hash FROM run_images r JOIN images i ON i.id = r.image_id WHERE r.run_id = ?)
                """, arguments: [run]) { hashOf[row[0]] = row[1] }
            var out: [Int64: Int64] = [:], used = Set<Int64>()
            for d in datasetImages where inRun.contains(d) && used.insert(d).inserted { out[d] = d }
            for d in datasetImages where out[d] == nil {
                guard let hash = hashOf[d], let match = byHash[hash]?.first(where: { !used.contains($0) }) else { continue }
                used.insert(match)
                out[d] = match
            }
            return out
        }
    }

    /// Image ids a run finished, in the order it finished them.
    public func runImageIDs(run: Int64) throws -> [Int64] {
        try read { db in try Int64.fetchAll(db, sql: "SELECT image_id FROM run_images WHERE run_id = ? ORDER BY rowid", arguments: [run]) }
    }

    /// Per-image stage times of a run: stage → milliseconds, one value per image.
    public func stageTimings(run: Int64) throws -> [(stage: String, ms: [Double])] {
        try read { db in
            var order: [String] = [], values: [String: [Double]] = [:]
            for r in try StageTimingRow.fetchAll(db, sql: """
                SELECT stage, milliseconds FROM stage_timings WHERE run_id = ? AND image_id IS NOT NULL ORDER BY id
                """, arguments: [run]) {
                if values[r.stage] == nil { order.append(r.stage) }
                values[r.stage, default: []].append(r.milliseconds)
            }
            return order.map { ($0, values[$0]!) }
        }
    }

    public func imagePath(_ id: Int64) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT path FROM images WHERE id = ?", arguments: [id]) }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}
