import Foundation
import JSONText
import Boxes

/// COCO instances JSON. COCO's bbox `[x, y, w, h]` is already 0-based and continuous,
/// so our box is (x, y, x + w, y + h) with no ±1. Ids are 64-bit and kept as given;
/// segmentations (polygons or RLE) are accepted and ignored. `difficult`, `truncated`
/// and `pose` are not COCO fields: export writes them as extra annotation keys (which
/// COCO tools ignore) so a VOC → COCO → VOC round trip keeps them.
enum COCOFormat {
    static func read(path: String, imagesDirectory: String?) throws -> AnnotationSet {
        let file = FormatSupport.absolute(path)
        let data = try FormatSupport.readBytes(file)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AnnotationError.malformed(path: file, location: jsonErrorLocation(error, data: data), reason: "invalid JSON")
        }
        guard let root = json as? [String: Any] else {
            throw AnnotationError.malformed(path: file, location: "top level", reason: "expected a JSON object")
        }
        func fail(_ location: String, _ reason: String) -> AnnotationError {
            .malformed(path: file, location: location, reason: reason)
        }
        func array(_ key: String, required: Bool) throws -> [[String: Any]] {
            guard let value = root[key] else {
                if required { throw fail("top level", "missing \"\(key)\"") }
                return []
            }
            guard let list = value as? [Any] else { throw fail(key, "expected an array") }
            return try list.enumerated().map { i, element in
                guard let object = element as? [String: Any] else { throw fail("\(key)[\(i)]", "expected an object") }
                return object
            }
        }
        func id(_ object: [String: Any], _ key: String, at location: String, required: Bool = true) throws -> Int64? {
            guard let value = object[key], !(value is NSNull) else {
                if required { throw fail(location, "missing \"\(key)\"") }
                return nil
            }
            guard !(value is String), let n = value as? Int64 else { throw fail("\(location).\(key)", "not an integer id: \(value)") }
            return n
        }
        func number(_ value: Any?, at location: String) throws -> Double? {
            guard let value, !(value is NSNull) else { return nil }
            guard !(value is String), let n = value as? NSNumber, n.doubleValue.isFinite else {
                throw fail(location, "not a number: \(value)")
            }
            return n.doubleValue
        }

        let directory = (file as NSString).deletingLastPathComponent
        let parent = (directory as NSString).deletingLastPathComponent
        var searched: [String] = []
        if let imagesDirectory { searched.append(FormatSupport.absolute(imagesDirectory)) }
        searched += [directory, (directory as NSString).appendingPathComponent("images"),
                     (parent as NSString).appendingPathComponent("images"),
                     (parent as NSString).appendingPathComponent("JPEGImages"), parent]

        var set = AnnotationSet()
        var categoryByID: [Int64: String] = [:]
        for (i, category) in try array("categories", required: false).enumerated() {
            let location = "categories[\(i)]"
            let categoryID = try id(category, "id", at: location)!
            guard let name = category["name"] as? String, !name.isEmpty else { throw fail("\(location).name", "missing or empty name") }
            if categoryByID[categoryID] != nil { throw fail("\(location).id", "duplicate category id \(categoryID)") }
            if set.categories.contains(where: { $0.name == name }) { throw fail("\(location).name", "duplicate category name '\(name)'") }
            categoryByID[categoryID] = name
            set.categories.append(AnnotationCategory(name: name, externalID: categoryID,
                                                     supercategory: category["supercategory"] as? String))
        }

        var imageIndexByID: [Int64: Int] = [:]
        for (i, image) in try array("images", required: true).enumerated() {
            let location = "images[\(i)]"
            let imageID = try id(image, "id", at: location)!
            if imageIndexByID[imageID] != nil { throw fail("\(location).id", "duplicate image id \(imageID)") }
            guard let fileName = image["file_name"] as? String, !fileName.isEmpty else {
                throw fail("\(location).file_name", "missing or empty file_name")
            }
            var imagePath = FormatSupport.find(fileName, in: searched)
            if imagePath == nil, let tag = image["path"] as? String, tag.hasPrefix("/") {
                imagePath = FormatSupport.find(tag, in: searched)
            }
            guard let imagePath else {
                throw AnnotationError.unknownImage(path: file, location: "\(location).file_name", image: fileName, searched: searched)
            }
            var width = try FormatSupport.side(try number(image["width"], at: "\(location).width") ?? 0,
                                               file: file, location: "\(location).width")
            var height = try FormatSupport.side(try number(image["height"], at: "\(location).height") ?? 0,
                                                file: file, location: "\(location).height")
            if width <= 0 || height <= 0 { (width, height) = try FormatSupport.jpegSize(imagePath) }
            imageIndexByID[imageID] = set.images.count
            set.images.append(AnnotatedImage(fileName: fileName, path: imagePath, width: width, height: height,
                                             externalID: imageID, source: file))
        }

        for (i, annotation) in try array("annotations", required: false).enumerated() {
            let location = "annotations[\(i)]"
            let imageID = try id(annotation, "image_id", at: location)!
            guard let imageIndex = imageIndexByID[imageID] else {
                throw AnnotationError.unknownImage(path: file, location: "\(location).image_id", image: "id \(imageID)", searched: [])
            }
            let categoryID = try id(annotation, "category_id", at: location)!
            guard let category = categoryByID[categoryID] else {
                throw AnnotationError.unknownClass(path: file, location: "\(location).category_id", classID: "id \(categoryID)")
            }
            guard let bbox = annotation["bbox"] as? [Any], bbox.count == 4 else {
                throw fail("\(location).bbox", "expected [x, y, width, height]")
            }
            var v = [Double](repeating: 0, count: 4)
            for k in 0..<4 { v[k] = try number(bbox[k], at: "\(location).bbox[\(k)]")! }
            let box = Box(x1: Float(v[0]), y1: Float(v[1]), x2: Float(v[0] + v[2]), y2: Float(v[1] + v[3]))
            func flag(_ key: String) throws -> Bool { (try number(annotation[key], at: "\(location).\(key)") ?? 0) != 0 }
            let object = AnnotatedObject(
                category: category, box: box,
                difficult: try flag("difficult"), truncated: try flag("truncated"), iscrowd: try flag("iscrowd"),
                pose: annotation["pose"] as? String,
                area: try number(annotation["area"], at: "\(location).area"),
                externalID: try id(annotation, "id", at: location, required: false))
            guard try FormatSupport.keep(box, file: file, location: location, warnings: &set.warnings) else { continue }
            set.images[imageIndex].objects.append(object)
        }
        set.addMissingCategories()
        return set
    }

    /// Turns JSONSerialization's "around character N" into a line and column.
    private static func jsonErrorLocation(_ error: Error, data: Data) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        guard let range = text.range(of: #"character (\d+)"#, options: .regularExpression),
              let offset = Int(text[range].dropFirst("character ".count)) else { return text }
        var line = 1, column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return "line \(line), column \(column)"
    }

    /// Gives every category, image and object without a COCO id one, deterministically
    /// (the next free id after the largest given one, in the set's order), and replaces
    /// duplicates. `detect export-results` relies on getting the same ids as export.
    static func assignIDs(_ set: inout AnnotationSet) {
        func assign(_ ids: [Int64?]) -> [Int64] {
            var used = Set<Int64>()
            var kept = ids.map { id -> Int64? in
                guard let id, used.insert(id).inserted else { return nil }
                return id
            }
            // After the largest id when there is room, else the smallest free ones.
            let largest = used.max() ?? 0
            var next: Int64 = largest < Int64.max ? largest + 1 : 1
            for i in kept.indices where kept[i] == nil {
                while used.contains(next) { next += 1 }
                kept[i] = next
                used.insert(next)
            }
            return kept.map { $0! }
        }
        let categoryIDs = assign(set.categories.map(\.externalID))
        for i in set.categories.indices { set.categories[i].externalID = categoryIDs[i] }
        let imageIDs = assign(set.images.map(\.externalID))
        for i in set.images.indices { set.images[i].externalID = imageIDs[i] }
        let objectIDs = assign(set.images.flatMap { $0.objects.map(\.externalID) })
        var k = 0
        for i in set.images.indices {
            for j in set.images[i].objects.indices { set.images[i].objects[j].externalID = objectIDs[k]; k += 1 }
        }
    }

    static func write(_ original: AnnotationSet, to path: String) throws {
        var set = original
        set.addMissingCategories()
        assignIDs(&set)
        let file = FormatSupport.absolute(path)
        let categoryID = Dictionary(uniqueKeysWithValues: set.categories.map { ($0.name, $0.externalID!) })
        let q = JSONText.string
        var s = "{\n\"info\": {\"description\": \"exported by detect\"},\n\"images\": [\n"
        s += set.images.map { image in
            "{\"id\": \(image.externalID!), \"file_name\": \(q(image.fileName)), \"width\": \(image.width), \"height\": \(image.height), \"path\": \(q(image.path))}"
        }.joined(separator: ",\n")
        s += "\n],\n\"annotations\": [\n"
        var lines: [String] = []
        for image in set.images {
            for object in image.objects {
                let b = object.box
                let w = b.x2 - b.x1, h = b.y2 - b.y1
                let area = object.area ?? Double(w) * Double(h)
                var line = "{\"id\": \(object.externalID!), \"image_id\": \(image.externalID!), \"category_id\": \(categoryID[object.category]!), "
                line += "\"bbox\": [\(FormatSupport.format(b.x1)), \(FormatSupport.format(b.y1)), \(FormatSupport.format(w)), \(FormatSupport.format(h))], "
                line += "\"area\": \(FormatSupport.format(area)), \"iscrowd\": \(object.iscrowd ? 1 : 0)"
                if object.difficult { line += ", \"difficult\": 1" }
                if object.truncated { line += ", \"truncated\": 1" }
                if let pose = object.pose { line += ", \"pose\": \(q(pose))" }
                lines.append(line + "}")
            }
        }
        s += lines.joined(separator: ",\n")
        s += "\n],\n\"categories\": [\n"
        s += set.categories.map { category in
            "{\"id\": \(category.externalID!), \"name\": \(q(category.name))"
                + (category.supercategory.map { ", \"supercategory\": \(q($0))" } ?? "") + "}"
        }.joined(separator: ",\n")
        s += "\n]\n}\n"
        try FormatSupport.writeText(s, to: file)
    }
}
