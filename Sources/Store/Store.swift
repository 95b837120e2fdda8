import Foundation
import GRDB

/// The toolkit's one SQLite file: datasets, images, annotations, runs, detections and
/// stage timings. Opening a store creates or migrates its schema.
///
/// A file-backed store runs in WAL mode (GRDB's `DatabasePool`), so readers such as
/// `detect annotations list` never block a run that is writing results.
public final class Store: Sendable {
    /// The database file, or `":memory:"` for a store that lives only in memory.
    public let path: String
    /// The GRDB connection, for modules that need queries this type does not offer.
    public let writer: any DatabaseWriter

    /// How long a write waits for another process's lock before the command
    /// stops with `StoreError.busy` (nothing is lost: a re-run resumes).
    public static let defaultBusyTimeout: TimeInterval = 30
    public let busyTimeout: TimeInterval

    /// Opens (creating if needed) the store at `path` and brings its schema up to
    /// date. `readOnly` opens an existing store for reading only (it may be a
    /// read-only file) and migrates nothing. A store written by a newer version
    /// of the toolkit is refused, naming both schema versions.
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = Store.defaultBusyTimeout) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Another process (a second `detect run`) may hold the write lock for a while.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.readonly = readOnly
        do {
            if readOnly {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.read { db in try Self.checkSchema(db, path: path, readOnly: true) }
                writer = queue
            } else {
                let pool = try Self.retryingWhileBusy { try DatabasePool(path: path, configuration: configuration) }
                try Self.migrate(pool, path: path)
                writer = pool
            }
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// A store for commands that only read: opened read-only (it may be a
    /// read-only file), after bringing an older schema up to date when the file
    /// can be written.
    public static func forReading(path: String) throws -> Store {
        do {
            return try Store(path: path, readOnly: true)
        } catch StoreError.cannotOpen where FileManager.default.isWritableFile(atPath: path) {
            _ = try Store(path: path)
            return try Store(path: path, readOnly: true)
        }
    }

    /// Refuses a store this build cannot read: migrations it does not know, or a
    /// schema version above its own; read-only, also one that needs migrating.
    static func checkSchema(_ db: Database, path: String, readOnly: Bool) throws {
        let known = Schema.migrator.migrations
        let applied = try Schema.migrator.appliedIdentifiers(db)
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty || version > Schema.version {
            throw StoreError.newerSchema(path: path, found: max(version, applied.count), supported: Schema.version,
                                         unknownMigrations: unknown.sorted())
        }
        if readOnly && applied.count < known.count && !applied.isEmpty {
            throw StoreError.cannotOpen(path: path, reason: "schema version \(applied.count) needs migrating to \(Schema.version); open it once with a writing command (import, run, train)")
        }
    }

    /// Switching a new file to WAL takes an exclusive lock that SQLite does not
    /// wait for: when another process is creating the same store, try again.
    static func retryingWhileBusy<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do { return try body() } catch let error as DatabaseError
                where attempt < 50 && (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
    }

    /// Migrates under SQLite's write lock. Two processes opening a new store at
    /// once race to create it: the loser sees the winner's tables ("already
    /// exists") or its lock, waits, and finds the migrations applied.
    static func migrate(_ pool: DatabasePool, path: String) throws {
        var attempt = 0
        while true {
            let appliedBefore = (try? pool.read { db in try Schema.migrator.appliedIdentifiers(db) }) ?? []
            do {
                try pool.read { db in try checkSchema(db, path: path, readOnly: false) }
                try Schema.migrator.migrate(pool)
                try pool.write { db in
                    if try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 < Schema.version {
                        try db.execute(sql: "PRAGMA user_version = \(Schema.version)")
                    }
                }
                return
            } catch let error as DatabaseError where attempt < 50 {
                // Lost a race with another process creating or migrating the same
                // store ("table … already exists", "duplicate column"): its
                // migrations landed meanwhile, or it still holds the lock. Our
                // failed migration rolled back; look again.
                let appliedAfter = (try? pool.read { db in try Schema.migrator.appliedIdentifiers(db) }) ?? []
                let busy = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                guard busy || appliedAfter != appliedBefore || appliedAfter.count < Schema.version else { throw error }
                if !busy && appliedAfter == appliedBefore && attempt >= 5 { throw error }
                attempt += 1
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
    }

    /// A store that lives in memory only; for tests and throwaway measurements.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        busyTimeout = 0
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        writer = try DatabaseQueue(configuration: configuration)
        try Schema.migrator.migrate(writer)
    }

    /// Runs `body` in one transaction: everything it writes lands, or nothing does
    /// when it throws.
    @discardableResult
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch let error as DatabaseError
            where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.busy(path: path, seconds: busyTimeout)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw StoreError.cannotOpen(path: path, reason: "the store is read-only: \(error.message ?? "\(error)")")
        }
    }

    /// Runs `body` on a consistent snapshot of the store.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}
