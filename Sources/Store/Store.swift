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

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Another process (a second `detect run`) may hold the write lock briefly.
        configuration.busyMode = .timeout(10)
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// A store that lives in memory only; for tests and throwaway measurements.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        writer = try DatabaseQueue(configuration: configuration)
        try Schema.migrator.migrate(writer)
    }

    /// Runs `body` in one transaction: everything it writes lands, or nothing does
    /// when it throws.
    @discardableResult
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.write(body)
    }

    /// Runs `body` on a consistent snapshot of the store.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}
