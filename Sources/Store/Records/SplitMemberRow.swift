import GRDB

/// One image's membership of a named split (`splits`).
struct SplitMemberRow: Decodable, FetchableRecord {
    var name: String
    var imageID: Int64

    enum CodingKeys: String, CodingKey {
        case name
        case imageID = "image_id"
    }
}
