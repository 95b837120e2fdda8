import GRDB

/// A row of `runs`, every column (`SELECT *`): read for `RunRecord` and by a
/// merge, which takes a shard's runs in.
struct RunRow: Decodable, FetchableRecord {
    var id: Int64
    var pipeline: String
    var model: String?
    var configuration: String
    var startedAt: String
    var finishedAt: String?
    var status: String
    var comparisonID: Int64?
    var datasetID: Int64?
    /// Nullable: migration v3 added the column (and filled it in for older runs).
    var uuid: String?
    var shardIndex: Int?
    var shardCount: Int?
    var runGroup: String?

    enum CodingKeys: String, CodingKey {
        case id, pipeline, model, configuration
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case status
        case comparisonID = "comparison_id"
        case datasetID = "dataset_id"
        case uuid
        case shardIndex = "shard_index"
        case shardCount = "shard_count"
        case runGroup = "run_group"
    }

    var record: RunRecord {
        RunRecord(id: id, pipeline: pipeline, model: model, configuration: configuration, status: status,
                  startedAt: startedAt, finishedAt: finishedAt, comparisonID: comparisonID, datasetID: datasetID,
                  uuid: uuid ?? "", shard: shardIndex.flatMap { i in shardCount.map { Shard(index: i, count: $0) } },
                  group: runGroup)
    }
}
