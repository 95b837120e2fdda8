import Foundation
import XCTest
import GRDB
@testable import Store

/// Opening stores safely: concurrent first opens, newer schemas, read-only
/// opening, a lock held past the busy timeout, and no orphan image rows.
final class StoreOpeningTests: XCTestCase {
    func path(_ name: String) throws -> String {
        (try Fixture.temporaryDirectory(self) as NSString).appendingPathComponent(name)
    }

    /// Many connections creating the same new store at once all succeed, and
    /// the schema is migrated exactly once.
    func testConcurrentFirstOpensAllSucceed() throws {
        for round in 0..<5 {
            let file = try path("race-\(round).sqlite")
            let failures = ThreadSafeList()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try Store(path: file) } catch { failures.append("\(error)") }
            }
            XCTAssertEqual(failures.items, [], "round \(round)")
            let store = try Store(path: file)
            let migrations = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
            XCTAssertEqual(migrations, Schema.version)
            XCTAssertEqual(try store.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }, Schema.version)
        }
    }

    func testStoreFromANewerSchemaIsRefusedNamingBothVersions() throws {
        let file = try path("newer.sqlite")
        _ = try Store(path: file)
        try DatabaseQueue(path: file).write { db in try db.execute(sql: "PRAGMA user_version = 99") }
        for readOnly in [false, true] {
            XCTAssertThrowsError(try Store(path: file, readOnly: readOnly)) { error in
                XCTAssertEqual(error as? StoreError, .newerSchema(path: file, found: 99, supported: Schema.version, unknownMigrations: []))
                XCTAssertTrue("\(error)".contains("99") && "\(error)".contains("\(Schema.version)"), "\(error)")
            }
        }
        let other = try path("unknown-migration.sqlite")
        _ = try Store(path: other)
        try DatabaseQueue(path: other).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9 from the future')")
        }
        XCTAssertThrowsError(try Store(path: other)) { error in
            XCTAssertTrue("\(error)".contains("v9 from the future"), "\(error)")
        }
    }

    func testReadOnlyOpeningReadsAndNeverWrites() throws {
        let file = try path("ro.sqlite")
        let store = try Store(path: file)
        try store.write { db in try db.execute(sql: "INSERT INTO datasets (name) VALUES ('d')") }
        let ro = try Store(path: file, readOnly: true)
        XCTAssertEqual(try ro.read { db in try String.fetchOne(db, sql: "SELECT name FROM datasets") }, "d")
        XCTAssertThrowsError(try ro.write { db in try db.execute(sql: "INSERT INTO datasets (name) VALUES ('e')") }) { error in
            XCTAssertTrue("\(error)".contains("read-only"), "\(error)")
        }
        // A store of an older schema is brought up to date first when it can be written.
        try DatabaseQueue(path: file).write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%' OR identifier LIKE 'v4%'")
            try db.execute(sql: "DROP TABLE run_shards")
            try db.execute(sql: "DROP INDEX runs_on_uuid")
            for c in ["uuid", "shard_index", "shard_count", "run_group"] { try db.execute(sql: "ALTER TABLE runs DROP COLUMN \(c)") }
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        XCTAssertThrowsError(try Store(path: file, readOnly: true))
        let upgraded = try Store.forReading(path: file)
        XCTAssertEqual(try upgraded.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }, Schema.version)
    }

    /// A lock held past the busy timeout is a clear error naming the store,
    /// and the write it blocked left nothing behind.
    func testALockHeldPastTheTimeoutIsAClearError() throws {
        let file = try path("busy.sqlite")
        let store = try Store(path: file, busyTimeout: 0.2)
        let run = try store.startRun(pipeline: "faster-rcnn", model: nil, configuration: "c").id
        // Another connection holds the write lock for a second.
        let other = try DatabaseQueue(path: file)
        let locked = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? other.inTransaction(.immediate) { _ in
                locked.signal()
                Thread.sleep(forTimeInterval: 1)
                return .rollback
            }
            released.signal()
        }
        locked.wait()
        XCTAssertThrowsError(try store.recordImage(run: run, path: "/x.jpg", width: 4, height: 4, contentHash: "h", fileSize: 1,
                                                   detections: [], timings: [("decode", 1)])) { error in
            XCTAssertEqual(error as? StoreError, .busy(path: file, seconds: 0.2))
        }
        released.wait()
        XCTAssertEqual(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM images") }, 0)
        // Once the lock is gone the same write lands, image row and results together.
        let image = try store.recordImage(run: run, path: "/x.jpg", width: 4, height: 4, contentHash: "h", fileSize: 1,
                                          detections: [], timings: [("decode", 1)])
        XCTAssertEqual(Set(try store.runImageIDs(run: run)), [image])
        XCTAssertEqual(try store.finishedImage(run: run, contentHash: "h"), image)
    }
}

/// Strings appended from several threads.
final class ThreadSafeList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
