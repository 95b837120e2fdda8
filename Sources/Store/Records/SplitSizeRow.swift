import GRDB

/// A split with its number of images, as `datasetSummaries` counts them
/// (`images` is the alias of the count).
struct SplitSizeRow: Decodable, FetchableRecord {
    var name: String
    var images: Int
}
