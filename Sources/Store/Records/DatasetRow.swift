import GRDB

/// A dataset's id and name (`datasets`).
struct DatasetRow: Decodable, FetchableRecord {
    var id: Int64
    var name: String
}
