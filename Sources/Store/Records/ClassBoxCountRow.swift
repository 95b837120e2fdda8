import GRDB

/// A class of a dataset with its number of boxes, as `datasetSummaries` counts
/// them (`boxes` is the alias of the count).
struct ClassBoxCountRow: Decodable, FetchableRecord {
    var name: String
    var boxes: Int
}
