/// Errors from opening and querying the store (annotation files have `AnnotationError`).
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// SQLite could not open or migrate the file.
    case cannotOpen(path: String, reason: String)
    /// The store was written by a newer version of the toolkit (a schema this build does not know).
    case newerSchema(path: String, found: Int, supported: Int, unknownMigrations: [String])
    /// Another process held the store's write lock longer than the busy timeout.
    case busy(path: String, seconds: Double)
    /// No dataset has this name.
    case noSuchDataset(name: String, available: [String])
    /// A command needed one dataset but the store holds several and none was named.
    case datasetNotChosen(available: [String])
    /// A command needed ground truth but the store holds no dataset at all.
    case noDatasets(path: String)
    /// A file the store needs (an image being hashed) could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open the store: \(reason)"
        case let .newerSchema(path, found, supported, unknown):
            let extra = unknown.isEmpty ? "" : " (unknown migrations: \(unknown.joined(separator: ", ")))"
            return "\(path): the store has schema version \(found), newer than this build's \(supported)\(extra); use a newer detect"
        case let .busy(path, seconds):
            return "\(path): another process held the store's write lock for more than \(Int(seconds)) s; stopped without losing results (run the same command again to resume)"
        case let .noSuchDataset(name, available):
            let list = available.isEmpty ? "the store has no datasets" : "datasets: \(available.joined(separator: ", "))"
            return "no dataset named '\(name)' (\(list))"
        case let .noDatasets(path):
            return "\(path) holds no annotated dataset to compare with: import one first (detect annotations import DIR --format voc|coco|yolo|csv --dataset NAME --db \(path))"
        case let .datasetNotChosen(available):
            return "the store holds several datasets (\(available.joined(separator: ", "))); choose one with --dataset"
        case let .unreadable(path, reason):
            return "\(path): cannot read file: \(reason)"
        }
    }
}
