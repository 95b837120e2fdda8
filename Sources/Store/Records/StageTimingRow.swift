import GRDB

/// One stage's wall time on one image (`stage_timings`).
///
/// Decoded by hand rather than through `Decodable`: a run has a row per stage
/// per image, easily a million, and GRDB's `Decodable` path is about three
/// times slower on such rows (see `AnnotationRow`).
struct StageTimingRow: FetchableRecord {
    var stage: String
    var milliseconds: Double

    init(row: Row) throws {
        stage = try row.decode(forColumn: "stage")
        milliseconds = try row.decode(forColumn: "milliseconds")
    }
}
