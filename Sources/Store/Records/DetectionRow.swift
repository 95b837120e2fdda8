import GRDB
import Boxes

/// One detection of a run as `detections(run:)` selects it: the `detections`
/// columns with the class name (`categories.name`).
///
/// Decoded by hand rather than through `Decodable`: a run over a large folder
/// holds hundreds of thousands of detections, which evaluation and reports read
/// whole, and GRDB's `Decodable` path is about three times slower on such rows
/// (see `AnnotationRow`).
struct DetectionRow: FetchableRecord {
    var imageID: Int64
    var category: String
    var categoryID: Int64
    var score: Double
    var box: Box

    init(row: Row) throws {
        imageID = try row.decode(forColumn: "image_id")
        category = try row.decode(forColumn: "name")
        categoryID = try row.decode(forColumn: "category_id")
        score = try row.decode(forColumn: "score")
        box = try row.box()
    }

    var detection: StoredDetection {
        StoredDetection(imageID: imageID, category: category, categoryID: categoryID, score: Float(score),
                        box: box)
    }
}
