import Foundation
import GRDB
import Imaging
import InputFiles

/// Rows a merge added, per table (a second merge of the same shard adds none).
public struct MergeCounts: Sendable, Equatable {
    public var rowsAdded: [String: Int] = [:]
    public var runsMerged: Int = 0
    /// Shard rows that could not be merged, per table: a NULL where the store
    /// needs a value (a category or dataset without a name, an image without a
    /// path), or rows that refer to such a row.
    public var rowsSkipped: [String: Int] = [:]
    public var total: Int { rowsAdded.values.reduce(0, +) }
    public var totalSkipped: Int { rowsSkipped.values.reduce(0, +) }
}

/// Errors of `detect merge`.
public enum MergeError: Error, CustomStringConvertible, Equatable {
    case schema(path: String, found: Int, expected: Int)
    case conflictingRun(path: String, group: String, reason: String)
    case sameFile(path: String)
    /// The shard's schema is not the store's: a view or missing column where a table was expected.
    case invalidShard(path: String, reason: String)
    /// SQLite refused a statement of the merge; the shard is named so a batch of shards can be sorted out.
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case let .schema(path, found, expected):
            return "\(path): shard has schema version \(found), the store \(expected); merge stores of the same detect version"
        case let .conflictingRun(path, group, reason):
            return "\(path): run group '\(group)' \(reason); shards of one run share pipeline, model and configuration"
        case let .sameFile(path):
            return "\(path): cannot merge a store into itself"
        case let .invalidShard(path, reason):
            return "\(path): not a shard store this version can merge: \(reason)"
        case let .database(path, reason):
            return "\(path): merge failed, nothing of this shard was merged: \(reason)"
        }
    }
}

/// Bringing shard stores into one: `detect merge`. SQLite attaches one shard at
/// a time (at most 10 databases may be attached by default), and each shard
/// lands in one transaction, so an interrupted merge leaves whole shards.
///
/// Rows are matched, never duplicated: datasets and categories by name, images
/// by content hash and path, runs by their group (or, without one, by pipeline
/// and configuration, which holds the model's SHA-256), and each image's results of a run are replaced
/// as a whole. Merging a shard twice therefore changes nothing, and the shards
/// of one logical run become one run.
extension Store {
    /// Tables whose row counts a merge reports.
    public static let mergedTables = ["datasets", "categories", "images", "dataset_images", "dataset_categories", "splits",
                                      "annotations", "runs", "run_shards", "run_images", "run_files", "detections", "stage_timings"]

    /// Tables a merge reads from the shard.
    static let shardTables = ["grdb_migrations", "datasets", "categories", "images", "dataset_images", "dataset_categories",
                              "splits", "annotations", "runs", "run_images", "run_files", "detections", "stage_timings"]

    public func merge(shardAt shardPath: String) throws -> MergeCounts {
        // One file under two spellings (./store.sqlite, a link) is still itself:
        // compared by device and inode, not by text.
        if let a = InputFile.identity(shardPath), let b = InputFile.identity(path), a == b {
            throw MergeError.sameFile(path: shardPath)
        }
        if let problem = InputFile.problem(shardPath) { throw MergeError.invalidShard(path: shardPath, reason: problem) }
        // Reading it on its own first: a file that is not a store, or one from a
        // newer schema, is refused with the store's own errors.
        _ = try Store(path: shardPath, readOnly: true)
        var counts = MergeCounts()
        do {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [shardPath])
                defer { try? db.execute(sql: "DETACH DATABASE shard") }
                try Self.checkShardTables(db, shardPath: shardPath)
                let shardVersion = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shard.grdb_migrations") ?? 0
                guard shardVersion == Schema.version else {
                    throw MergeError.schema(path: shardPath, found: shardVersion, expected: Schema.version)
                }
                try db.inTransaction(.immediate) {
                    counts = MergeCounts()
                    for t in Self.mergedTables { counts.rowsAdded[t] = 0 }
                    counts.runsMerged = try Self.mergeAttached(db, shardPath: shardPath, counts: &counts)
                    return .commit
                }
            }
        } catch let error as MergeError {
            throw error
        } catch {
            // SQLite's refusals and GRDB's record decoding alike: named by shard.
            throw MergeError.database(path: shardPath, reason: (error as? DatabaseError)?.message ?? "\(error)")
        }
        return counts
    }

    /// Each table the merge reads is a real table of the shard with the
    /// store's columns. A view of the same name (a recursive one never ends,
    /// a bounded one invents millions of rows) or a missing column is refused
    /// before any row is read.
    static func checkShardTables(_ db: Database, shardPath: String) throws {
        for table in shardTables {
            let type = try String.fetchOne(db, sql: "SELECT type FROM shard.sqlite_master WHERE name = ? COLLATE NOCASE",
                                           arguments: [table])
            guard let type else { throw MergeError.invalidShard(path: shardPath, reason: "it has no table '\(table)'") }
            guard type == "table" else {
                throw MergeError.invalidShard(path: shardPath, reason: "'\(table)' is a \(type), not a table")
            }
            let expected = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'main')", arguments: [table])
            let found = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'shard')", arguments: [table]))
            let missing = expected.filter { !found.contains($0) }
            guard missing.isEmpty else {
                throw MergeError.invalidShard(path: shardPath,
                    reason: "table '\(table)' lacks the column\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", "))")
            }
        }
    }

    /// Counts the shard rows of `table` that `where` says cannot be merged.
    static func skip(_ db: Database, _ table: String, where condition: String, _ arguments: StatementArguments = [],
                     counts: inout MergeCounts) throws {
        let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shard.\(table) s WHERE \(condition)", arguments: arguments) ?? 0
        if n > 0 { counts.rowsSkipped[table, default: 0] += n }
    }

    /// Runs one statement and adds the rows it changed (inserted, or with
    /// `removes` deleted) to `table`'s count: net rows added, without counting
    /// whole tables, which would make a merge into a large store slow.
    static func apply(_ db: Database, _ sql: String, _ arguments: StatementArguments = [], table: String? = nil,
                      removes: Bool = false, counts: inout MergeCounts) throws {
        try db.execute(sql: sql, arguments: arguments)
        if let table { counts.rowsAdded[table, default: 0] += removes ? -db.changesCount : db.changesCount }
    }

    /// The merge itself, inside one transaction with the shard attached as `shard`.
    /// Returns the number of shard runs taken in.
    static func mergeAttached(_ db: Database, shardPath: String, counts: inout MergeCounts) throws -> Int {
        try apply(db, "INSERT OR IGNORE INTO main.datasets (name, created_at) SELECT name, created_at FROM shard.datasets",
                  table: "datasets", counts: &counts)
        try apply(db, "INSERT OR IGNORE INTO main.categories (name) SELECT name FROM shard.categories", table: "categories", counts: &counts)
        try apply(db, """
            INSERT OR IGNORE INTO main.images (path, width, height, content_hash, file_size)
                SELECT path, width, height, content_hash, file_size FROM shard.images
            """, table: "images", counts: &counts)
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.map_datasets;
            DROP TABLE IF EXISTS temp.map_categories;
            DROP TABLE IF EXISTS temp.map_images;
            CREATE TEMP TABLE map_datasets (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
            CREATE TEMP TABLE map_categories (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
            CREATE TEMP TABLE map_images (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
            INSERT INTO map_datasets SELECT s.id, m.id FROM shard.datasets s JOIN main.datasets m ON m.name = s.name;
            INSERT INTO map_categories SELECT s.id, m.id FROM shard.categories s JOIN main.categories m ON m.name = s.name;
            INSERT INTO map_images SELECT s.id, m.id FROM shard.images s
                JOIN main.images m ON m.path = s.path AND m.content_hash = s.content_hash;
            """)
        // What the maps lack could not be inserted (NULL name, path or hash); rows
        // that refer to it cannot be placed either. `x NOT IN` is NULL for a NULL x,
        // hence the COALESCE: a NULL reference is unmergeable too.
        let unmapped = { (column: String, map: String) in "COALESCE(s.\(column) NOT IN (SELECT old FROM \(map)), 1)" }
        try skip(db, "datasets", where: unmapped("id", "map_datasets"), counts: &counts)
        try skip(db, "categories", where: unmapped("id", "map_categories"), counts: &counts)
        try skip(db, "images", where: unmapped("id", "map_images"), counts: &counts)
        try skip(db, "annotations", where: [unmapped("dataset_id", "map_datasets"), unmapped("image_id", "map_images"),
                                             unmapped("category_id", "map_categories")].joined(separator: " OR "), counts: &counts)
        // Dataset membership, classes and splits: taken when new.
        try apply(db, """
            INSERT OR IGNORE INTO main.dataset_images (dataset_id, image_id, file_name, external_id)
                SELECT d.new, i.new, s.file_name, s.external_id FROM shard.dataset_images s
                JOIN map_datasets d ON d.old = s.dataset_id JOIN map_images i ON i.old = s.image_id
            """, table: "dataset_images", counts: &counts)
        try apply(db, """
            INSERT OR IGNORE INTO main.dataset_categories (dataset_id, category_id, position, external_id, supercategory)
                SELECT d.new, c.new, s.position, s.external_id, s.supercategory FROM shard.dataset_categories s
                JOIN map_datasets d ON d.old = s.dataset_id JOIN map_categories c ON c.old = s.category_id
            """, table: "dataset_categories", counts: &counts)
        try apply(db, """
            INSERT OR IGNORE INTO main.splits (dataset_id, name, image_id)
                SELECT d.new, s.name, i.new FROM shard.splits s
                JOIN map_datasets d ON d.old = s.dataset_id JOIN map_images i ON i.old = s.image_id
            """, table: "splits", counts: &counts)
        // A dataset image's boxes are replaced as a whole, as an import does.
        try apply(db, """
            DELETE FROM main.annotations WHERE EXISTS (
                SELECT 1 FROM shard.annotations s JOIN map_datasets d ON d.old = s.dataset_id JOIN map_images i ON i.old = s.image_id
                WHERE d.new = main.annotations.dataset_id AND i.new = main.annotations.image_id)
            """, table: "annotations", removes: true, counts: &counts)
        try apply(db, """
            INSERT INTO main.annotations (dataset_id, image_id, category_id, x1, y1, x2, y2, difficult, truncated, iscrowd,
                                          pose, area, external_id, source, format)
                SELECT d.new, i.new, c.new, s.x1, s.y1, s.x2, s.y2, s.difficult, s.truncated, s.iscrowd,
                       s.pose, s.area, s.external_id, s.source, s.format FROM shard.annotations s
                JOIN map_datasets d ON d.old = s.dataset_id JOIN map_images i ON i.old = s.image_id
                JOIN map_categories c ON c.old = s.category_id ORDER BY s.id
            """, table: "annotations", counts: &counts)

        // A run row without its text fields (possible only in a shard whose
        // schema was edited) has nothing to match by: counted, not decoded.
        let wellFormed = "typeof(id) = 'integer' AND typeof(pipeline) = 'text' AND typeof(configuration) = 'text' "
            + "AND typeof(started_at) = 'text' AND typeof(status) = 'text'"
        try skip(db, "runs", where: "NOT (\(wellFormed))", counts: &counts)
        let runs = try RunRow.fetchAll(db, sql: "SELECT * FROM shard.runs s WHERE \(wellFormed) ORDER BY id")
        for run in runs {
            let old = run.id
            let runsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM main.runs") ?? 0
            let target = try targetRun(db, for: run, shardPath: shardPath)
            counts.rowsAdded["runs", default: 0] += (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM main.runs") ?? 0) - runsBefore
            let shardUUID = run.uuid ?? "shard-run-\(old)"
            try apply(db, """
                INSERT OR IGNORE INTO main.run_shards (run_id, shard_uuid, shard_index, shard_count, status, merged_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [target, shardUUID, run.shardIndex, run.shardCount, run.status, timestamp()],
                table: "run_shards", counts: &counts)
            let firstTime = db.changesCount > 0
            try db.execute(sql: "UPDATE main.run_shards SET status = ?, merged_at = ? WHERE run_id = ? AND shard_uuid = ?",
                           arguments: [run.status, timestamp(), target, shardUUID])
            // Each finished image's results of this run, replaced as a whole.
            try db.execute(sql: """
                DROP TABLE IF EXISTS temp.run_images_merged;
                CREATE TEMP TABLE run_images_merged (old INTEGER PRIMARY KEY, new INTEGER NOT NULL, finished_at TEXT);
                INSERT INTO run_images_merged SELECT r.image_id, i.new, r.finished_at FROM shard.run_images r
                    JOIN map_images i ON i.old = r.image_id WHERE r.run_id = ?;
                """, arguments: [old])
            for table in ["detections", "stage_timings", "run_images"] {
                try apply(db, "DELETE FROM main.\(table) WHERE run_id = ? AND image_id IN (SELECT new FROM run_images_merged)",
                          [target], table: table, removes: true, counts: &counts)
            }
            try apply(db, "DELETE FROM main.run_files WHERE run_id = ? AND path IN (SELECT path FROM shard.run_files WHERE run_id = ?)",
                      [target, old], table: "run_files", removes: true, counts: &counts)
            try skip(db, "detections", where: "s.run_id = ? AND s.image_id IN (SELECT image_id FROM shard.run_images WHERE run_id = ?) AND ("
                     + unmapped("image_id", "map_images") + " OR " + unmapped("category_id", "map_categories") + ")",
                     [old, old], counts: &counts)
            try apply(db, """
                INSERT INTO main.detections (run_id, image_id, category_id, score, x1, y1, x2, y2)
                    SELECT ?, m.new, c.new, d.score, d.x1, d.y1, d.x2, d.y2 FROM shard.detections d
                    JOIN run_images_merged m ON m.old = d.image_id JOIN map_categories c ON c.old = d.category_id
                    WHERE d.run_id = ? ORDER BY d.id
                """, [target, old], table: "detections", counts: &counts)
            try apply(db, """
                INSERT INTO main.stage_timings (run_id, image_id, stage, milliseconds)
                    SELECT ?, m.new, t.stage, t.milliseconds FROM shard.stage_timings t
                    JOIN run_images_merged m ON m.old = t.image_id WHERE t.run_id = ? ORDER BY t.id
                """, [target, old], table: "stage_timings", counts: &counts)
            try apply(db, "INSERT INTO main.run_images (run_id, image_id, finished_at) SELECT ?, new, finished_at FROM run_images_merged",
                      [target], table: "run_images", counts: &counts)
            try apply(db, """
                INSERT OR IGNORE INTO main.run_files (run_id, path, image_id)
                    SELECT ?, f.path, m.new FROM shard.run_files f JOIN run_images_merged m ON m.old = f.image_id WHERE f.run_id = ?
                """, [target, old], table: "run_files", counts: &counts)
            if firstTime {
                // Per-run work (image_id NULL) has no image to replace it by: taken once per shard run.
                try apply(db, """
                    INSERT INTO main.stage_timings (run_id, image_id, stage, milliseconds)
                        SELECT ?, NULL, stage, milliseconds FROM shard.stage_timings WHERE run_id = ? AND image_id IS NULL
                    """, [target, old], table: "stage_timings", counts: &counts)
            }
            // The merged run is finished when every shard run it took in was.
            try db.execute(sql: """
                UPDATE main.runs SET
                    status = CASE WHEN EXISTS (SELECT 1 FROM main.run_shards WHERE run_id = ?1 AND status != 'finished')
                                  THEN 'partial' ELSE 'finished' END,
                    started_at = MIN(started_at, ?2),
                    finished_at = (SELECT MAX(x) FROM (SELECT finished_at AS x FROM main.runs WHERE id = ?1 UNION ALL SELECT ?3))
                WHERE id = ?1
                """, arguments: [target, run.startedAt, run.finishedAt])
        }
        return runs.count
    }

    /// The run of this store that a shard's run belongs to, created when new.
    /// Shards of one group must agree on pipeline, model and configuration.
    static func targetRun(_ db: Database, for run: RunRow, shardPath: String) throws -> Int64 {
        let (pipeline, model, configuration, group) = (run.pipeline, run.model, run.configuration, run.runGroup)
        let datasetName = try run.datasetID.flatMap {
            try String.fetchOne(db, sql: "SELECT name FROM shard.datasets WHERE id = ?", arguments: [$0])
        }
        let datasetID = try datasetName.flatMap { try Int64.fetchOne(db, sql: "SELECT id FROM main.datasets WHERE name = ?", arguments: [$0]) }
        let existing: Row?
        if let group {
            existing = try Row.fetchOne(db, sql: """
                SELECT id, pipeline, model, configuration FROM main.runs WHERE run_group = ? AND shard_index IS NULL ORDER BY id LIMIT 1
                """, arguments: [group])
            if let existing {
                // The configuration holds the pipeline file, the threshold and the model's SHA-256.
                let same = existing["pipeline"] as String == pipeline && existing["configuration"] as String == configuration
                if !same {
                    let what = existing["pipeline"] as String != pipeline
                        ? "is \(existing["pipeline"] as String) in this store and \(pipeline) in the shard"
                        : "ran with another model or configuration in this store (\(existing["model"] as String? ?? "no model")) than in the shard (\(model ?? "no model"))"
                    throw MergeError.conflictingRun(path: shardPath, group: group, reason: what)
                }
            }
        } else {
            existing = try Row.fetchOne(db, sql: """
                SELECT id FROM main.runs WHERE run_group IS NULL AND shard_index IS NULL AND comparison_id IS NULL
                  AND pipeline = ? AND configuration = ? ORDER BY id LIMIT 1
                """, arguments: [pipeline, configuration])
        }
        if let existing { return existing["id"] }
        try db.execute(sql: """
            INSERT INTO main.runs (pipeline, model, configuration, started_at, finished_at, status, dataset_id, uuid, run_group)
            VALUES (?, ?, ?, ?, ?, 'finished', ?, ?, ?)
            """, arguments: [pipeline, model, configuration, run.startedAt, run.finishedAt,
                             datasetID, UUID().uuidString.lowercased(), group])
        return db.lastInsertedRowID
    }
}
