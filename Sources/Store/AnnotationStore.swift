import Foundation
import GRDB
import Boxes
import Imaging

/// What one import wrote.
public struct ImportSummary: Sendable, Equatable {
    public var dataset: String
    /// Images in the imported set (new or already known to the store).
    public var images: Int
    /// Boxes written.
    public var annotations: Int
    /// Boxes from an earlier import of the same files that these replaced.
    public var replaced: Int
    public var categories: Int
    /// Split name → number of images.
    public var splits: [String: Int]
    public var warnings: [String]
}

/// A dataset as `detect annotations list` shows it.
public struct DatasetSummary: Sendable, Equatable {
    public var name: String
    public var images: Int
    /// Images without any box.
    public var negativeImages: Int
    public var boxes: Int
    /// Boxes per class, in the dataset's class order (classes without boxes included).
    public var boxesPerClass: [ClassCount]
    /// Split name → number of images.
    public var splits: [String: Int]

    public struct ClassCount: Sendable, Equatable {
        public var name: String
        public var boxes: Int
    }
}

/// The COCO ids `detect annotations export --format coco` gives a dataset's images and
/// classes, for writers of COCO results that must match them.
public struct COCOIdentifiers: Sendable, Equatable {
    /// `images.id` row → COCO image id.
    public var imageIDs: [Int64: Int64]
    /// Class name → COCO category id.
    public var categoryIDs: [String: Int64]
}

extension Store {
    /// Writes `set` into dataset `dataset` (created if new) in one transaction: a
    /// failure anywhere (an image file that cannot be hashed, a database error) leaves
    /// the store as it was. Images are matched by path and content hash; the boxes the
    /// dataset held for an imported image are replaced by the imported ones, so importing
    /// the same annotations twice (even through another format) does not duplicate rows.
    @discardableResult
    public func importAnnotations(_ original: AnnotationSet, dataset: String,
                                  format: AnnotationFormat) throws -> ImportSummary {
        var set = original
        set.addMissingCategories()
        return try write { db in
            let datasetID = try Self.datasetID(db, name: dataset, create: true)!

            var categoryIDs: [String: Int64] = [:]
            var nextPosition = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM dataset_categories WHERE dataset_id = ?",
                                                arguments: [datasetID]) ?? 0
            for category in set.categories {
                try db.execute(sql: "INSERT OR IGNORE INTO categories (name) VALUES (?)", arguments: [category.name])
                let id = try Int64.fetchOne(db, sql: "SELECT id FROM categories WHERE name = ?", arguments: [category.name])!
                categoryIDs[category.name] = id
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset_categories WHERE dataset_id = ? AND category_id = ?",
                                               arguments: [datasetID, id]) ?? false
                if exists {
                    try db.execute(sql: """
                        UPDATE dataset_categories SET external_id = COALESCE(?, external_id),
                               supercategory = COALESCE(?, supercategory)
                        WHERE dataset_id = ? AND category_id = ?
                        """, arguments: [category.externalID, category.supercategory, datasetID, id])
                } else {
                    try db.execute(sql: """
                        INSERT INTO dataset_categories (dataset_id, category_id, position, external_id, supercategory)
                        VALUES (?, ?, ?, ?, ?)
                        """, arguments: [datasetID, id, nextPosition, category.externalID, category.supercategory])
                    nextPosition += 1
                }
            }

            var imageIDs: [Int64] = []
            for image in set.images {
                let id = try Self.imageID(db, path: image.path, width: image.width, height: image.height)
                imageIDs.append(id)
                try db.execute(sql: """
                    INSERT INTO dataset_images (dataset_id, image_id, file_name, external_id) VALUES (?, ?, ?, ?)
                    ON CONFLICT (dataset_id, image_id) DO UPDATE
                    SET file_name = excluded.file_name, external_id = COALESCE(excluded.external_id, external_id)
                    """, arguments: [datasetID, id, image.fileName, image.externalID])
            }

            // Replace, not add: an import is the truth for the images it names, so the
            // boxes this dataset already holds for them go first, whichever file or format
            // they came from (re-importing a COCO export of the dataset changes nothing).
            // All deletes precede the inserts, as two entries of one import may name the
            // same image and both are kept.
            var replaced = 0
            for id in Set(imageIDs) {
                try db.execute(sql: "DELETE FROM annotations WHERE dataset_id = ? AND image_id = ?",
                               arguments: [datasetID, id])
                replaced += db.changesCount
            }

            let insert = try db.cachedStatement(sql: """
                INSERT INTO annotations (dataset_id, image_id, category_id, x1, y1, x2, y2, difficult, truncated,
                                         iscrowd, pose, area, external_id, source, format)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var written = 0
            for (image, id) in zip(set.images, imageIDs) {
                for o in image.objects {
                    try insert.execute(arguments: [
                        datasetID, id, categoryIDs[o.category]!, Double(o.box.x1), Double(o.box.y1), Double(o.box.x2),
                        Double(o.box.y2), o.difficult, o.truncated, o.iscrowd, o.pose, o.area, o.externalID,
                        image.source, format.rawValue,
                    ])
                    written += 1
                }
            }

            var splitCounts: [String: Int] = [:]
            for (name, members) in set.splits {
                for index in members {
                    try db.execute(sql: "INSERT OR IGNORE INTO splits (dataset_id, name, image_id) VALUES (?, ?, ?)",
                                   arguments: [datasetID, name, imageIDs[index]])
                }
                splitCounts[name] = Set(members).count
            }
            return ImportSummary(dataset: dataset, images: Set(imageIDs).count, annotations: written, replaced: replaced,
                                 categories: set.categories.count, splits: splitCounts, warnings: set.warnings)
        }
    }

    /// Reads the annotations at `path` and imports them; see `AnnotationFormat.read`
    /// and `importAnnotations(_:dataset:format:)`. A malformed file throws before
    /// anything is written.
    @discardableResult
    public func importAnnotations(from path: String, format: AnnotationFormat, imagesDirectory: String? = nil,
                                  dataset: String) throws -> ImportSummary {
        let set = try format.read(path: path, imagesDirectory: imagesDirectory)
        return try importAnnotations(set, dataset: dataset, format: format)
    }

    /// Reads dataset `dataset` back as an `AnnotationSet`: images ordered by file name,
    /// boxes in import order, classes in the dataset's order.
    public func loadAnnotations(dataset: String) throws -> AnnotationSet {
        try read { db in
            guard let datasetID = try Self.datasetID(db, name: dataset, create: false) else {
                throw StoreError.noSuchDataset(name: dataset, available: try Self.datasetNames(db))
            }
            var set = AnnotationSet()
            set.categories = try DatasetCategoryRow.fetchAll(db, sql: """
                SELECT c.name, dc.external_id, dc.supercategory FROM dataset_categories dc
                JOIN categories c ON c.id = dc.category_id WHERE dc.dataset_id = ? ORDER BY dc.position
                """, arguments: [datasetID]).map(\.category)
            var indexByImageID: [Int64: Int] = [:]
            for row in try DatasetImageRow.fetchAll(db, sql: """
                SELECT i.id, i.path, i.width, i.height, di.file_name, di.external_id FROM dataset_images di
                JOIN images i ON i.id = di.image_id WHERE di.dataset_id = ? ORDER BY di.file_name, i.path, i.id
                """, arguments: [datasetID]) {
                indexByImageID[row.id] = set.images.count
                set.images.append(row.image(dataset: dataset))
            }
            let rows = try AnnotationRow.fetchCursor(db, sql: """
                SELECT a.image_id, c.name, a.x1, a.y1, a.x2, a.y2, a.difficult, a.truncated, a.iscrowd, a.pose, a.area,
                       a.external_id
                FROM annotations a JOIN categories c ON c.id = a.category_id
                WHERE a.dataset_id = ? ORDER BY a.image_id, a.id
                """, arguments: [datasetID])
            while let row = try rows.next() {
                guard let index = indexByImageID[row.imageID] else { continue }
                set.images[index].objects.append(row.object)
            }
            for row in try SplitMemberRow.fetchAll(db, sql: "SELECT name, image_id FROM splits WHERE dataset_id = ? ORDER BY name",
                                                   arguments: [datasetID]) {
                if let index = indexByImageID[row.imageID] { set.splits[row.name, default: []].append(index) }
            }
            for name in set.splits.keys { set.splits[name]!.sort() }
            return set
        }
    }

    /// Exports dataset `dataset` to `path` in `format`; returns what was written.
    @discardableResult
    public func exportAnnotations(dataset: String, format: AnnotationFormat, to path: String) throws -> AnnotationSet {
        let set = try loadAnnotations(dataset: dataset)
        try format.write(set, to: path)
        return set
    }

    /// The COCO ids that a COCO export of `dataset` uses.
    public func cocoIdentifiers(dataset: String) throws -> COCOIdentifiers {
        var set = try loadAnnotations(dataset: dataset)
        set.addMissingCategories()
        COCOFormat.assignIDs(&set)
        var images: [Int64: Int64] = [:]
        for image in set.images { images[image.imageID!] = image.externalID! }
        return COCOIdentifiers(imageIDs: images,
                               categoryIDs: Dictionary(uniqueKeysWithValues: set.categories.map { ($0.name, $0.externalID!) }))
    }

    /// Names of all datasets, sorted.
    public func datasetNames() throws -> [String] {
        try read { db in try Self.datasetNames(db) }
    }

    /// The dataset a command should use: `name` when given (it must exist), else the
    /// only dataset in the store.
    public func resolveDataset(_ name: String?) throws -> String {
        let names = try datasetNames()
        if let name {
            guard names.contains(name) else { throw StoreError.noSuchDataset(name: name, available: names) }
            return name
        }
        guard names.count == 1 else {
            if names.isEmpty { throw StoreError.noDatasets(path: path) }
            throw StoreError.datasetNotChosen(available: names)
        }
        return names[0]
    }

    /// Counts per dataset for `detect annotations list`.
    public func datasetSummaries() throws -> [DatasetSummary] {
        try read { db in
            try DatasetRow.fetchAll(db, sql: "SELECT id, name FROM datasets ORDER BY name").map { dataset in
                let id = dataset.id
                let images = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dataset_images WHERE dataset_id = ?", arguments: [id]) ?? 0
                let negatives = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM dataset_images di WHERE di.dataset_id = ? AND NOT EXISTS
                    (SELECT 1 FROM annotations a WHERE a.dataset_id = di.dataset_id AND a.image_id = di.image_id)
                    """, arguments: [id]) ?? 0
                let perClass = try ClassBoxCountRow.fetchAll(db, sql: """
                    SELECT c.name, (SELECT COUNT(*) FROM annotations a WHERE a.dataset_id = dc.dataset_id
                                    AND a.category_id = dc.category_id) AS boxes
                    FROM dataset_categories dc JOIN categories c ON c.id = dc.category_id
                    WHERE dc.dataset_id = ? ORDER BY dc.position
                    """, arguments: [id]).map { DatasetSummary.ClassCount(name: $0.name, boxes: $0.boxes) }
                var splits: [String: Int] = [:]
                for s in try SplitSizeRow.fetchAll(db, sql: "SELECT name, COUNT(*) AS images FROM splits WHERE dataset_id = ? GROUP BY name",
                                                   arguments: [id]) { splits[s.name] = s.images }
                return DatasetSummary(name: dataset.name, images: images, negativeImages: negatives,
                                      boxes: perClass.reduce(0) { $0 + $1.boxes }, boxesPerClass: perClass, splits: splits)
            }
        }
    }

    /// Images that belong to at least one dataset (an image in two datasets counts once).
    public func datasetImageCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT image_id) FROM dataset_images") ?? 0 }
    }

    static func datasetNames(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM datasets ORDER BY name")
    }

    static func datasetID(_ db: Database, name: String, create: Bool) throws -> Int64? {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE name = ?", arguments: [name]) { return id }
        guard create else { return nil }
        try db.execute(sql: "INSERT INTO datasets (name) VALUES (?)", arguments: [name])
        return db.lastInsertedRowID
    }

    /// The `images` row for the file at `path`, added when its bytes are new. Public
    /// through `Store.imageID(path:)` for runs on folders outside any dataset.
    static func imageID(_ db: Database, path: String, width: Int, height: Int) throws -> Int64 {
        let data: Data
        do { data = try JPEG.readFile(path) } catch {
            if case let ImagingError.unreadable(_, reason) = error { throw StoreError.unreadable(path: path, reason: reason) }
            throw error
        }
        return try Store.imageRow(db, path: path, width: width, height: height, contentHash: ContentHash.sha256(data),
                                  fileSize: data.count)
    }

    /// The `images` row for the image file at `path` (made absolute), added with the
    /// given size when the store has not seen these bytes at this path before.
    public func imageID(path: String, width: Int, height: Int) throws -> Int64 {
        let absolute = FormatSupport.absolute(path)
        return try write { db in try Self.imageID(db, path: absolute, width: width, height: height) }
    }
}
