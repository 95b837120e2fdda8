import GRDB

/// One image of a dataset as `loadAnnotations` selects it: the `images` row with
/// the name and id its annotation file gave it (`dataset_images`).
struct DatasetImageRow: Decodable, FetchableRecord {
    var id: Int64
    var path: String
    var width: Int
    var height: Int
    var fileName: String
    var externalID: Int64?

    enum CodingKeys: String, CodingKey {
        case id, path, width, height
        case fileName = "file_name"
        case externalID = "external_id"
    }

    func image(dataset: String) -> AnnotatedImage {
        var image = AnnotatedImage(fileName: fileName, path: path, width: width, height: height,
                                   externalID: externalID, source: "dataset \(dataset)")
        image.imageID = id
        return image
    }
}
