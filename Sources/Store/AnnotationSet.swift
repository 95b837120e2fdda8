import Boxes

/// One annotated object, format-neutral. `box` is in the toolkit's convention
/// (0-based continuous pixels, x2/y2 exclusive).
public struct AnnotatedObject: Sendable, Equatable {
    public var category: String
    public var box: Box
    public var difficult: Bool
    public var truncated: Bool
    public var iscrowd: Bool
    /// VOC `<pose>`; nil when the file had none.
    public var pose: String?
    /// COCO `area` as given (segmentation area, not always the box's); nil when absent.
    public var area: Double?
    /// COCO annotation id; nil for formats without ids.
    public var externalID: Int64?

    public init(category: String, box: Box, difficult: Bool = false, truncated: Bool = false,
                iscrowd: Bool = false, pose: String? = nil, area: Double? = nil, externalID: Int64? = nil) {
        self.category = category; self.box = box; self.difficult = difficult; self.truncated = truncated
        self.iscrowd = iscrowd; self.pose = pose; self.area = area; self.externalID = externalID
    }
}

/// One image with its objects; an empty `objects` is a negative image.
public struct AnnotatedImage: Sendable, Equatable {
    /// The image's name as the annotation file gave it (VOC `<filename>`, COCO `file_name`).
    public var fileName: String
    /// Absolute path of the image file.
    public var path: String
    public var width: Int
    public var height: Int
    /// COCO image id; nil for formats without ids.
    public var externalID: Int64?
    /// The annotation file the objects were read from.
    public var source: String
    public var objects: [AnnotatedObject]
    /// The image's row id in the store's `images` table; nil for images read from files.
    public var imageID: Int64?

    public init(fileName: String, path: String, width: Int, height: Int, externalID: Int64? = nil,
                source: String, objects: [AnnotatedObject] = []) {
        self.fileName = fileName; self.path = path; self.width = width; self.height = height
        self.externalID = externalID; self.source = source; self.objects = objects
    }
}

/// A class of a dataset, in the dataset's order.
public struct AnnotationCategory: Sendable, Equatable {
    public var name: String
    /// COCO category id; nil for formats without ids.
    public var externalID: Int64?
    public var supercategory: String?

    public init(name: String, externalID: Int64? = nil, supercategory: String? = nil) {
        self.name = name; self.externalID = externalID; self.supercategory = supercategory
    }
}

/// What an annotation file (or directory of files) says, independent of its format:
/// readers produce it, the store imports it in one transaction, writers consume it.
public struct AnnotationSet: Sendable, Equatable {
    public var images: [AnnotatedImage]
    /// Every class of the dataset, including classes without boxes, in order
    /// (YOLO class index, COCO list order).
    public var categories: [AnnotationCategory]
    /// Named subsets: split name → indices into `images`.
    public var splits: [String: [Int]]
    /// Problems that did not stop the read (skipped degenerate boxes, size mismatches).
    public var warnings: [String]

    public init(images: [AnnotatedImage] = [], categories: [AnnotationCategory] = [],
                splits: [String: [Int]] = [:], warnings: [String] = []) {
        self.images = images; self.categories = categories; self.splits = splits; self.warnings = warnings
    }

    public var objectCount: Int { images.reduce(0) { $0 + $1.objects.count } }

    /// Adds categories named by objects but missing from `categories`, in sorted
    /// order, so formats without a class list still get a stable class order.
    mutating func addMissingCategories() {
        var known = Set(categories.map(\.name))
        var missing = Set<String>()
        for image in images { for object in image.objects where !known.contains(object.category) { missing.insert(object.category) } }
        for name in missing.sorted() { categories.append(AnnotationCategory(name: name)); known.insert(name) }
    }
}
