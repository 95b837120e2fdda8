import GRDB

/// What "the same image" means in the store, for every writer (annotation
/// import, detection runs, `detect merge`): an `images` row is a file path with
/// given bytes, `UNIQUE (path, content_hash)`. The same path with new bytes is a
/// new image; the same bytes under another path are another image too, so each
/// file a user named is found by its own path.
///
/// The content hash is for matching, never for identity: `eval` pairs a run's
/// images with a dataset's by it (a folder run over the dataset's files, under
/// any spelling), and a run computes a byte-identical copy's detections once.
extension Store {
    static func imageRow(_ db: Database, path: String, width: Int, height: Int, contentHash: String,
                         fileSize: Int) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM images WHERE path = ? AND content_hash = ?",
                                       arguments: [path, contentHash]) { return id }
        try db.execute(sql: "INSERT INTO images (path, width, height, content_hash, file_size) VALUES (?, ?, ?, ?, ?)",
                       arguments: [path, width, height, contentHash, fileSize])
        return db.lastInsertedRowID
    }
}
