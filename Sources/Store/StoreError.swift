/// Errors from opening and querying the store (annotation files have `AnnotationError`).
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// SQLite could not open or migrate the file.
    case cannotOpen(path: String, reason: String)
    /// No dataset has this name.
    case noSuchDataset(name: String, available: [String])
    /// A command needed one dataset but the store holds several and none was named.
    case datasetNotChosen(available: [String])
    /// A file the store needs (an image being hashed) could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open the store: \(reason)"
        case let .noSuchDataset(name, available):
            let list = available.isEmpty ? "the store has no datasets" : "datasets: \(available.joined(separator: ", "))"
            return "no dataset named '\(name)' (\(list))"
        case let .datasetNotChosen(available):
            return "the store holds several datasets (\(available.joined(separator: ", "))); choose one with --dataset"
        case let .unreadable(path, reason):
            return "\(path): cannot read file: \(reason)"
        }
    }
}
