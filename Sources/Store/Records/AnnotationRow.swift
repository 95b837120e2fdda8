import GRDB
import Boxes

/// One ground-truth box as `loadAnnotations` selects it: the `annotations` columns
/// with the class name (`categories.name`) in place of `category_id`.
///
/// Decoded by hand rather than through `Decodable`: a COCO-sized dataset has
/// hundreds of thousands of boxes, and GRDB's `Decodable` path read 300,000 of
/// them about three times slower than these reads by column name (debug build).
struct AnnotationRow: FetchableRecord {
    var imageID: Int64
    var category: String
    var box: Box
    var difficult: Bool
    var truncated: Bool
    var iscrowd: Bool
    var pose: String?
    var area: Double?
    var externalID: Int64?

    init(row: Row) throws {
        imageID = try row.decode(forColumn: "image_id")
        category = try row.decode(forColumn: "name")
        box = try row.box()
        difficult = try row.decode(forColumn: "difficult")
        truncated = try row.decode(forColumn: "truncated")
        iscrowd = try row.decode(forColumn: "iscrowd")
        pose = try row.decode(forColumn: "pose")
        area = try row.decode(forColumn: "area")
        externalID = try row.decode(forColumn: "external_id")
    }

    var object: AnnotatedObject {
        AnnotatedObject(category: category, box: box,
                        difficult: difficult, truncated: truncated, iscrowd: iscrowd,
                        pose: pose, area: area, externalID: externalID)
    }
}
