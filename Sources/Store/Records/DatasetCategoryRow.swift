import GRDB

/// One class of a dataset as `loadAnnotations` selects it: `categories.name` with
/// the `dataset_categories` columns the class was imported with.
struct DatasetCategoryRow: Decodable, FetchableRecord {
    var name: String
    var externalID: Int64?
    var supercategory: String?

    enum CodingKeys: String, CodingKey {
        case name
        case externalID = "external_id"
        case supercategory
    }

    var category: AnnotationCategory {
        AnnotationCategory(name: name, externalID: externalID, supercategory: supercategory)
    }
}
