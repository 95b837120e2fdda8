import Foundation
import XCTest
import GRDB
@testable import Store

final class SchemaTests: XCTestCase {
    func testTablesAndColumnsExist() throws {
        let store = try Store()
        let expected: [String: [String]] = [
            "datasets": ["id", "name"],
            "images": ["id", "path", "width", "height", "content_hash"],
            "categories": ["id", "name"],
            "annotations": ["id", "dataset_id", "image_id", "category_id", "x1", "y1", "x2", "y2",
                            "difficult", "truncated", "iscrowd", "source", "pose", "area", "external_id"],
            "runs": ["id", "pipeline", "model", "configuration", "started_at", "finished_at", "status", "comparison_id"],
            "detections": ["id", "run_id", "image_id", "category_id", "score", "x1", "y1", "x2", "y2"],
            "stage_timings": ["id", "run_id", "image_id", "stage", "milliseconds"],
            "run_files": ["run_id", "path", "image_id"],
        ]
        try store.read { db in
            for (table, columns) in expected {
                let actual = Set(try db.columns(in: table).map(\.name))
                for column in columns { XCTAssertTrue(actual.contains(column), "\(table).\(column) missing") }
            }
        }
    }

    func testFileStoreUsesWALAndForeignKeys() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let path = (directory as NSString).appendingPathComponent("test.sqlite")
        let store = try Store(path: path)
        let mode = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode?.lowercased(), "wal")
        // An annotation pointing at no image must be refused.
        XCTAssertThrowsError(try store.write { db in
            try db.execute(sql: "INSERT INTO datasets (name) VALUES ('d')")
            try db.execute(sql: "INSERT INTO categories (name) VALUES ('c')")
            try db.execute(sql: """
                INSERT INTO annotations (dataset_id, image_id, category_id, x1, y1, x2, y2, source, format)
                VALUES (1, 999, 1, 0, 0, 1, 1, 's', 'csv')
                """)
        })
        XCTAssertEqual(try store.rowCounts()["datasets"], 0)
        // Reopening an existing file finds the schema in place (migrations are not rerun).
        _ = try Store(path: path)
    }

    func testOpeningADirectoryFailsWithTheFileNamed() throws {
        let directory = try Fixture.temporaryDirectory(self)
        XCTAssertThrowsError(try Store(path: directory)) { error in
            XCTAssertTrue("\(error)".contains(directory), "\(error)")
        }
    }

    func testInterruptedTransactionLeavesStoreUnchanged() throws {
        struct Interrupted: Error {}
        let store = try Store()
        try store.write { db in try db.execute(sql: "INSERT INTO datasets (name) VALUES ('kept')") }
        let before = try store.rowCounts()
        XCTAssertThrowsError(try store.write { db in
            try db.execute(sql: "INSERT INTO datasets (name) VALUES ('lost')")
            try db.execute(sql: "INSERT INTO categories (name) VALUES ('cat')")
            try db.execute(sql: "INSERT INTO images (path, width, height, content_hash, file_size) VALUES ('/x.jpg', 1, 1, 'h', 1)")
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try store.rowCounts(), before)
        XCTAssertEqual(try store.datasetNames(), ["kept"])
    }
}
