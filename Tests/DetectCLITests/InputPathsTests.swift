import Foundation
import XCTest
import GRDB

/// Issue 20: paths as the user types them (`..`, `.`, symbolic links, relative
/// or absolute), and every input bounded in time and memory: each crafted
/// input ends within seconds with a clear error or skip, and the store intact.
final class InputPathsTests: XCTestCase {
    /// `project/` beside `photos/`, run from `project/`; `photos/` holds two
    /// BCCD images. Returns the folder (symbolic links resolved, as stored paths are).
    private func layout() throws -> String {
        try Fixture.requireBCCD()
        let made = try Fixture.temporaryDirectory(self)
        let dir = URL(fileURLWithPath: made).resolvingSymlinksInPath().path
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/project", withIntermediateDirectories: true)
        for (i, name) in ["a.jpg", "b.jpg"].enumerated() {
            try fm.copyItem(atPath: Fixture.bccd + "/images/BloodImage_0000\(i).jpg", toPath: dir + "/photos/" + name)
        }
        return dir
    }

    private func stored(_ db: String) throws -> [(path: String, hash: String)] {
        try DatabaseQueue(path: db).read { db in
            try Row.fetchAll(db, sql: "SELECT path, content_hash FROM images ORDER BY path").map { ($0["path"], $0["content_hash"]) }
        }
    }

    private func run(_ args: [String], in dir: String, db: String) throws -> DetectBinary.Result {
        try DetectBinary.run(["run"] + args + ["--pipeline", "faster-rcnn", "--db", db, "--json"], in: dir)
    }

    /// `detect run ../photos` from a project folder beside the photos: both
    /// images stored under paths that work from anywhere, none "unreadable".
    func testRunParentFolder() throws {
        let dir = try layout()
        let r = try run(["../photos"], in: dir + "/project", db: "s.sqlite")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
        XCTAssertEqual(r.json?["skipped"] as? Int, 0, r.stderr)
        XCTAssertEqual(try stored(dir + "/project/s.sqlite").map(\.path), [dir + "/photos/a.jpg", dir + "/photos/b.jpg"])
    }

    /// `detect run ../photos/a.jpg` beside a decoy at `<cwd>/photos/a.jpg` (a
    /// different picture): the file named is the one processed and stored.
    func testRunParentFileBesideADecoy() throws {
        let dir = try layout()
        try FileManager.default.createDirectory(atPath: dir + "/project/photos", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.bccd + "/images/BloodImage_00003.jpg", toPath: dir + "/project/photos/a.jpg")
        let r = try run(["../photos/a.jpg"], in: dir + "/project", db: "s.sqlite")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try stored(dir + "/project/s.sqlite")
        XCTAssertEqual(rows.map(\.path), [dir + "/photos/a.jpg"])
        let decoy = try run([dir + "/project/photos/a.jpg"], in: dir + "/project", db: "decoy.sqlite")
        XCTAssertEqual(decoy.status, 0, decoy.stderr)
        XCTAssertNotEqual(rows.first?.hash, try stored(dir + "/project/decoy.sqlite").first?.hash, "the decoy was processed")
    }

    /// `--files-from` lines with `a/../b` and `./`: resolved against the
    /// current folder by the system, not cut to `/photos/...`.
    func testFilesFromWithDotDot() throws {
        let dir = try layout()
        try "photos/../photos/a.jpg\nproject/.././photos/./b.jpg\n".write(toFile: dir + "/list.txt", atomically: true, encoding: .utf8)
        let r = try run(["--files-from", "list.txt"], in: dir, db: "s.sqlite")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
        XCTAssertEqual(try stored(dir + "/s.sqlite").map(\.path), [dir + "/photos/a.jpg", dir + "/photos/b.jpg"])
    }

    /// A symbolic link to the photo folder is followed like a folder; the link
    /// and its target named together are one set of files, run once.
    func testSymlinkedFolder() throws {
        let dir = try layout()
        try FileManager.default.createSymbolicLink(atPath: dir + "/project/pics", withDestinationPath: "../photos")
        let r = try run(["pics", "../photos"], in: dir + "/project", db: "s.sqlite")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.json?["images"] as? Int, 2, r.stdout)
        XCTAssertEqual(try stored(dir + "/project/s.sqlite").count, 2)
    }

    /// `annotations import --images ../photos` from the project folder: the
    /// images are found beside it and stored under their absolute paths.
    func testAnnotationsImportWithParentImagesFolder() throws {
        let dir = try layout()
        try "path,x1,y1,x2,y2,class\na.jpg,1,1,50,50,cell\n./b.jpg,2,2,60,60,cell\n"
            .write(toFile: dir + "/project/a.csv", atomically: true, encoding: .utf8)
        let r = try DetectBinary.run(["annotations", "import", "a.csv", "--format", "csv", "--images", "../photos",
                                      "--db", "s.sqlite"], in: dir + "/project")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try stored(dir + "/project/s.sqlite").map(\.path), [dir + "/photos/a.jpg", dir + "/photos/b.jpg"])
    }

    /// A FIFO named like a JPEG in the folder run: skipped and reported by kind
    /// without being opened (opening it would wait forever); the rest is run.
    func testRunSkipsAFIFO() throws {
        let dir = try layout()
        XCTAssertEqual(mkfifo(dir + "/photos/pipe.jpg", 0o600), 0)
        let start = Date()
        let r = try run(["../photos"], in: dir + "/project", db: "s.sqlite")
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.json?["images"] as? Int, 2)
        XCTAssertEqual(r.json?["skipped"] as? Int, 1)
        XCTAssertTrue(r.stderr.contains(dir + "/photos/pipe.jpg") && r.stderr.contains("FIFO"), r.stderr)
    }

    /// Weights files, split lists and file lists are input files like the
    /// images: a FIFO named as a model, a checkpoint or a `--split-file` is
    /// refused at once, saying what it is.
    func testFIFOsAsModelCheckpointAndListsAreRefusedByName() throws {
        let dir = try layout()
        for name in ["m.safetensors", "c.pth", "split.txt", "list.txt"] {
            XCTAssertEqual(mkfifo(dir + "/project/" + name, 0o600), 0)
        }
        try "path,x1,y1,x2,y2,class\nphotos/a.jpg,10,10,60,60,cell\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        let imported = try DetectBinary.run(["annotations", "import", "a.csv", "--format", "csv", "--images", ".",
                                             "--dataset", "cells", "--db", "project/s.sqlite"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let commands: [[String]] = [
            ["run", "../photos", "--model", "m.safetensors", "--db", "s.sqlite"],
            ["pipeline", "show", "--model", "m.safetensors"],
            ["weights", "list", "c.pth"],
            ["weights", "import", "c.pth", "--out", "w.safetensors"],
            ["train", "--pipeline", "faster-rcnn", "--dataset", "cells", "--split-file", "split.txt", "--db", "s.sqlite"],
            ["run", "--files-from", "list.txt", "--pipeline", "faster-rcnn", "--db", "s.sqlite"],
        ]
        for command in commands {
            let start = Date()
            let r = try DetectBinary.run(command, in: dir + "/project")
            XCTAssertLessThan(Date().timeIntervalSince(start), 30, command.joined(separator: " "))
            XCTAssertNotEqual(r.status, 0, command.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains("FIFO"), "\(command.joined(separator: " ")): \(r.stderr)")
        }
    }

    // MARK: the five crafted inputs

    /// An annotation CSV naming a FIFO as its image: refused at once (the
    /// import used to block forever), naming the image; the store unchanged.
    func testAnnotationsImportWithAFIFOImage() throws {
        let dir = try layout()
        XCTAssertEqual(mkfifo(dir + "/photos/pipe.jpg", 0o600), 0)
        try "path,x1,y1,x2,y2,class\nphotos/pipe.jpg,1,1,5,5,cell\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        let start = Date()
        let r = try DetectBinary.run(["annotations", "import", "a.csv", "--format", "csv", "--images", ".", "--db", "s.sqlite"], in: dir)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(dir + "/photos/pipe.jpg is a FIFO"), r.stderr)
        XCTAssertEqual(try storedIfAny(dir + "/s.sqlite"), 0)
    }

    /// A sparse 16 GiB file starting with FF D8 FF as an annotation's image:
    /// refused from its first bytes (it used to be read to 8.4 GB).
    func testAnnotationsImportWithASparseHugeImage() throws {
        let dir = try layout()
        let huge = dir + "/photos/huge.jpg"
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: Data([0xFF, 0xD8, 0xFF])))
        guard truncate(huge, 16 << 30) == 0 else { throw XCTSkip("no sparse files here") }
        try "path,x1,y1,x2,y2,class\nphotos/a.jpg,1,1,5,5,cell\nphotos/huge.jpg,1,1,5,5,cell\n"
            .write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        let start = Date()
        let r = try DetectBinary.run(["annotations", "import", "a.csv", "--format", "csv", "--images", ".", "--db", "s.sqlite"], in: dir)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(huge) && r.stderr.contains("corrupt JPEG"), r.stderr)
        XCTAssertEqual(try storedIfAny(dir + "/s.sqlite"), 0)
    }

    /// An image in a store whose path names /dev/zero or a FIFO (as a merged
    /// shard may hold): `detect report` skips it by kind, unread (it used to
    /// read /dev/zero to 8.4 GB), says so naming it, and writes the report.
    func testReportSkipsDevicesAndFIFOsFromTheStore() throws {
        let dir = try layout()
        let r = try run(["photos/a.jpg"], in: dir, db: "s.sqlite")
        XCTAssertEqual(r.status, 0, r.stderr)
        let runID = try XCTUnwrap(r.json?["run_id"] as? Int)
        XCTAssertEqual(mkfifo(dir + "/pipe.jpg", 0o600), 0)
        let queue = try DatabaseQueue(path: dir + "/s.sqlite")
        for (path, kind) in [("/dev/zero", "a device"), (dir + "/pipe.jpg", "a FIFO")] {
            try queue.write { db in try db.execute(sql: "UPDATE images SET path = ?", arguments: [path]) }
            let start = Date()
            let report = try DetectBinary.run(["report", "--run", String(runID), "--out", "r.html", "--db", "s.sqlite"], in: dir)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
            XCTAssertEqual(report.status, 0, report.stderr)
            XCTAssertTrue(report.stderr.contains("skipping \(path)") && report.stderr.contains(kind), report.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/r.html"))
            XCTAssertEqual(try storedIfAny(dir + "/s.sqlite"), 1)
        }
    }

    /// A shard whose `images` is a recursive view (the merge never ended) and
    /// one whose `categories` is a bounded view of 2,000,000 rows (silently
    /// added): both refused as views, naming the shard; the store unchanged.
    func testMergeRefusesViews() throws {
        let dir = try layout()
        let made = try run(["photos/a.jpg"], in: dir, db: "base.sqlite")
        XCTAssertEqual(made.status, 0, made.stderr)
        let views = [
            ("images", "CREATE VIEW images AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                       + "SELECT x AS id, 'p' || x AS path, 1 AS width, 1 AS height, 'h' || x AS content_hash, 1 AS file_size FROM c"),
            ("categories", "CREATE VIEW categories AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
                           + "SELECT x AS id, 'class' || x AS name FROM c"),
        ]
        for (table, view) in views {
            let shard = dir + "/\(table)-view.sqlite"
            try FileManager.default.copyItem(atPath: dir + "/base.sqlite", toPath: shard)
            try DatabaseQueue(path: shard).writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON")
                try db.execute(sql: "ALTER TABLE \(table) RENAME TO \(table)_old")
                try db.execute(sql: view)
            }
            let start = Date()
            let r = try DetectBinary.run(["merge", "\(table)-view.sqlite", "--into", "merged.sqlite"], in: dir)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("\(table)-view.sqlite") && r.stderr.contains("'\(table)' is a view, not a table"), r.stderr)
            XCTAssertEqual(try storedIfAny(dir + "/merged.sqlite"), 0)
            let categories = try DatabaseQueue(path: dir + "/merged.sqlite").read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM categories") }
            XCTAssertEqual(categories, 0)
        }
    }

    /// Rows a merge cannot take (a category without a name, an image without a
    /// path, in a shard whose tables lack the NOT NULL) are counted and reported.
    func testMergeReportsRowsItCannotTake() throws {
        let dir = try layout()
        let made = try run(["photos"], in: dir, db: "shard.sqlite")
        XCTAssertEqual(made.status, 0, made.stderr)
        let (images, detections) = try DatabaseQueue(path: dir + "/shard.sqlite").writeWithoutTransaction { db -> (Int, Int) in
            try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA writable_schema = ON")
            // Only the NOT NULLs go; the columns stay as the store has them.
            try db.execute(sql: """
                UPDATE sqlite_master SET sql = replace(sql, 'path TEXT NOT NULL', 'path TEXT') WHERE name = 'images';
                UPDATE sqlite_master SET sql = replace(sql, 'name TEXT NOT NULL UNIQUE', 'name TEXT UNIQUE') WHERE name = 'categories';
                UPDATE sqlite_master SET sql = replace(sql, 'pipeline TEXT NOT NULL', 'pipeline TEXT') WHERE name = 'runs';
                """)
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            return (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM images") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detections") ?? 0)
        }
        XCTAssertEqual(images, 2)
        XCTAssertGreaterThan(detections, 0)
        // Reopened, so SQLite reads the edited schema.
        try DatabaseQueue(path: dir + "/shard.sqlite").write { db in
            try db.execute(sql: "UPDATE images SET path = NULL WHERE path LIKE '%/b.jpg'")
            try db.execute(sql: "UPDATE categories SET name = NULL")
        }
        let r = try DetectBinary.run(["merge", "shard.sqlite", "--into", "merged.sqlite", "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let skipped = r.json?["rows_skipped"] as? [String: Int] ?? [:]
        XCTAssertEqual(skipped["images"], 1, r.stdout)
        XCTAssertEqual(skipped["categories"], try DatabaseQueue(path: dir + "/shard.sqlite").read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM categories") })
        XCTAssertEqual(skipped["detections"], detections, r.stdout)
        XCTAssertTrue(r.stderr.contains("shard.sqlite") && r.stderr.contains("not merged"), r.stderr)
        XCTAssertEqual(try storedIfAny(dir + "/merged.sqlite"), 1)

        // A run without a pipeline name: counted, never decoded into a crash.
        try DatabaseQueue(path: dir + "/shard.sqlite").write { db in try db.execute(sql: "UPDATE runs SET pipeline = NULL") }
        let second = try DetectBinary.run(["merge", "shard.sqlite", "--into", "second.sqlite", "--json"], in: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual((second.json?["rows_skipped"] as? [String: Int])?["runs"], 1, second.stdout)
        XCTAssertEqual(try DatabaseQueue(path: dir + "/second.sqlite").read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM runs") }, 0)
    }

    /// The store itself as a shard, spelt `./store.sqlite` or through a link:
    /// refused at once as itself (it used to wait 30 s for its own lock).
    func testSelfMergeIsFoundBehindOtherSpellings() throws {
        let dir = try layout()
        XCTAssertEqual(try run(["photos/a.jpg"], in: dir, db: "store.sqlite").status, 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.sqlite", withDestinationPath: "store.sqlite")
        for spelling in ["./store.sqlite", "link.sqlite", "project/../store.sqlite"] {
            let start = Date()
            let r = try DetectBinary.run(["merge", spelling, "--into", "store.sqlite"], in: dir)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, spelling)
            XCTAssertNotEqual(r.status, 0, spelling)
            XCTAssertTrue(r.stderr.contains("\(spelling): cannot merge a store into itself"), r.stderr)
        }
        XCTAssertEqual(try storedIfAny(dir + "/store.sqlite"), 1)
    }

    /// Tensor names are printed escaped: an escape sequence cannot reach the
    /// terminal, and a newline in a name cannot fake a listing line.
    func testWeightsListEscapesNames() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let header = #"{"a\nfake  [9]  F32":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b\u001b[2J":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: 8))
        try data.write(to: URL(fileURLWithPath: dir + "/w.safetensors"))
        let r = try DetectBinary.run(["weights", "list", "w.safetensors"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, r.stdout)
        XCTAssertFalse(r.stdout.contains("\u{1b}"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("a\\u{a}fake") }, r.stdout)
        XCTAssertFalse(lines.contains { $0.hasPrefix("fake") }, r.stdout)
    }

    /// Images in the store, or 0 when the command left no store at all.
    private func storedIfAny(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM images") ?? 0 }
    }
}
