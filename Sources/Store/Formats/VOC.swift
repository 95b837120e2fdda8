import Foundation
import Boxes

/// Pascal VOC XML: one `<annotation>` file per image, integer-like coordinates that
/// are 1-based and inclusive. Ours are 0-based with x2/y2 exclusive, so a VOC box
/// (xmin, ymin, xmax, ymax) is (xmin − 1, ymin − 1, xmax, ymax) here and back.
/// A one-pixel VOC box (504, 337, 504, 337) is the valid 1×1 box (503, 336, 504, 337).
enum VOCFormat {
    static func read(path: String, imagesDirectory: String?) throws -> AnnotationSet {
        var root = FormatSupport.absolute(path)
        // A dataset root (bccd/, VOC2007/) stands for its annotations directory.
        if FormatSupport.isDirectory(root), try FormatSupport.files(in: root, extensions: ["xml"]).isEmpty,
           let sub = ["Annotations", "annotations"].map({ (root as NSString).appendingPathComponent($0) })
               .first(where: FormatSupport.isDirectory) {
            root = sub
        }
        let files: [String]
        let annotationsDirectory: String
        if FormatSupport.isDirectory(root) {
            files = try FormatSupport.files(in: root, extensions: ["xml"])
            guard !files.isEmpty else { throw AnnotationError.noAnnotationFiles(path: root, format: "VOC XML") }
            annotationsDirectory = root
        } else if FormatSupport.isFile(root) {
            files = [root]
            annotationsDirectory = (root as NSString).deletingLastPathComponent
        } else {
            throw AnnotationError.unreadable(path: root, reason: "no such file or directory")
        }
        let parent = (annotationsDirectory as NSString).deletingLastPathComponent
        var searched: [String] = []
        if let imagesDirectory { searched.append(FormatSupport.absolute(imagesDirectory)) }
        searched += ["JPEGImages", "images"].map { (parent as NSString).appendingPathComponent($0) }
        searched += [annotationsDirectory, parent]

        var set = AnnotationSet()
        for file in files {
            set.images.append(try readFile(file, imageDirectories: searched, warnings: &set.warnings))
        }
        if FormatSupport.isDirectory(root) {
            set.splits = try readSplits(annotationsDirectory: root, images: set.images, files: files)
        }
        set.addMissingCategories()
        return set
    }

    private static func readFile(_ file: String, imageDirectories: [String],
                                 warnings: inout [String]) throws -> AnnotatedImage {
        let data = try FormatSupport.readBytes(file)
        let root = try XMLElementNode.parse(data, path: file)
        guard root.name == "annotation" else {
            throw AnnotationError.malformed(path: file, location: "line \(root.line), <\(root.name)>",
                                            reason: "the root element must be <annotation>")
        }
        func location(_ node: XMLElementNode) -> String { "line \(node.line), <\(node.name)>" }
        func number(_ node: XMLElementNode) throws -> Double {
            guard let value = FormatSupport.number(node.text) else {
                throw AnnotationError.malformed(path: file, location: location(node),
                                                reason: "not a number: '\(node.trimmedText)'")
            }
            return value
        }
        func required(_ parent: XMLElementNode, _ name: String) throws -> XMLElementNode {
            guard let node = parent.child(name) else {
                throw AnnotationError.malformed(path: file, location: location(parent), reason: "missing <\(name)>")
            }
            return node
        }

        // The image: <filename> in the usual places, then the <path> tag, which many
        // tools fill with the annotator's own machine path and so is tried last.
        let filenameNode = root.child("filename")
        var fileName = filenameNode?.trimmedText ?? ""
        if fileName.isEmpty { fileName = FormatSupport.stem(file) + ".jpg" }
        var imagePath = FormatSupport.find(fileName, in: imageDirectories)
        if imagePath == nil, (fileName as NSString).pathExtension.isEmpty {
            imagePath = ["jpg", "jpeg", "JPG", "JPEG"].lazy.compactMap { FormatSupport.find(fileName + "." + $0, in: imageDirectories) }.first
        }
        if imagePath == nil {
            // Converted datasets often keep a stale extension in <filename> (a.png for a.jpg)
            // or a folder of the annotator's layout (JPEGImages/a.jpg). Only the same name
            // is tried: another image's boxes must never be matched to it.
            let base = (fileName as NSString).lastPathComponent
            let stem = (base as NSString).deletingPathExtension
            imagePath = ([base] + ["jpg", "jpeg", "JPG", "JPEG"].map { stem + "." + $0 }).lazy
                .compactMap { FormatSupport.find($0, in: imageDirectories) }.first
        }
        if imagePath == nil, let tag = root.child("path")?.trimmedText, tag.hasPrefix("/") {
            imagePath = FormatSupport.find(tag, in: imageDirectories)
        }
        guard let imagePath else {
            throw AnnotationError.unknownImage(path: file, location: filenameNode.map(location) ?? "<annotation>",
                                               image: fileName, searched: imageDirectories)
        }

        var width = 0, height = 0
        if let size = root.child("size") {
            if let w = size.child("width") { width = try FormatSupport.side(try number(w), file: file, location: location(w)) }
            if let h = size.child("height") { height = try FormatSupport.side(try number(h), file: file, location: location(h)) }
        }
        if width <= 0 || height <= 0 {
            (width, height) = try FormatSupport.jpegSize(imagePath)
        }

        var objects: [AnnotatedObject] = []
        for object in root.children("object") {
            let nameNode = try required(object, "name")
            let name = nameNode.trimmedText
            guard !name.isEmpty else {
                throw AnnotationError.malformed(path: file, location: location(nameNode), reason: "empty class name")
            }
            let bndbox = try required(object, "bndbox")
            let xmin = try number(try required(bndbox, "xmin"))
            let ymin = try number(try required(bndbox, "ymin"))
            let xmax = try number(try required(bndbox, "xmax"))
            let ymax = try number(try required(bndbox, "ymax"))
            let box = Box(x1: Float(xmin - 1), y1: Float(ymin - 1), x2: Float(xmax), y2: Float(ymax))
            func flag(_ name: String) throws -> Bool {
                guard let node = object.child(name), !node.trimmedText.isEmpty else { return false }
                return try number(node) != 0
            }
            let difficult = try flag("difficult")
            let truncated = try flag("truncated")
            let pose = object.child("pose")?.trimmedText
            guard try FormatSupport.keep(box, file: file, location: location(object), warnings: &warnings) else { continue }
            objects.append(AnnotatedObject(category: name, box: box, difficult: difficult, truncated: truncated,
                                           pose: pose))
        }
        return AnnotatedImage(fileName: fileName, path: imagePath, width: width, height: height,
                              source: file, objects: objects)
    }

    /// VOC split lists (ImageSets/Main/train.txt, …: one image stem per line). Per-class
    /// lists (`RBC_train.txt`, with a ±1 column) are not membership lists and are skipped.
    private static func readSplits(annotationsDirectory: String, images: [AnnotatedImage],
                                   files: [String]) throws -> [String: [Int]] {
        let parent = (annotationsDirectory as NSString).deletingLastPathComponent
        let candidates = [
            (annotationsDirectory as NSString).appendingPathComponent("ImageSets/Main"),
            (parent as NSString).appendingPathComponent("ImageSets/Main"),
            (parent as NSString).appendingPathComponent("splits"),
        ]
        guard let directory = candidates.first(where: FormatSupport.isDirectory) else { return [:] }
        var indexByStem: [String: Int] = [:]
        for (i, image) in images.enumerated() {
            indexByStem[FormatSupport.stem(image.fileName)] = i
            indexByStem[FormatSupport.stem(files[i])] = i
        }
        var splits: [String: [Int]] = [:]
        for listFile in try FormatSupport.files(in: directory, extensions: ["txt"]) {
            let name = FormatSupport.stem(listFile)
            if name.contains("_") { continue }
            var members: [Int] = []
            for (n, line) in try FormatSupport.readText(listFile).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                guard let first = tokens.first else { continue }
                let stem = String(first)
                guard let index = indexByStem[stem] else {
                    throw AnnotationError.unknownImage(path: listFile, location: "line \(n + 1)", image: stem, searched: [])
                }
                members.append(index)
            }
            splits[name] = members
        }
        return splits
    }

    static func write(_ set: AnnotationSet, to directory: String) throws {
        let directory = FormatSupport.absolute(directory)
        try FormatSupport.createDirectory(directory)
        var written: [String: String] = [:]
        for image in set.images {
            let stem = try FormatSupport.pathComponent(FormatSupport.stem(image.fileName), what: "image name", directory: directory)
            if let other = written[stem] {
                throw AnnotationError.writeFailed(path: directory,
                    reason: "two images would share \(stem).xml: \(other) and \(image.path)")
            }
            written[stem] = image.path
            try FormatSupport.writeText(xml(for: image), to: (directory as NSString).appendingPathComponent(stem + ".xml"))
        }
        if !set.splits.isEmpty {
            let main = (directory as NSString).appendingPathComponent("ImageSets/Main")
            try FormatSupport.createDirectory(main)
            for (name, members) in set.splits {
                _ = try FormatSupport.pathComponent(name, what: "split name", directory: directory)
                let lines = members.sorted().map { FormatSupport.stem(set.images[$0].fileName) + "\n" }.joined()
                try FormatSupport.writeText(lines, to: (main as NSString).appendingPathComponent(name + ".txt"))
            }
        }
    }

    private static func xml(for image: AnnotatedImage) -> String {
        let e = XMLText.escape
        var s = "<annotation>\n"
        s += "\t<folder>\(e(((image.path as NSString).deletingLastPathComponent as NSString).lastPathComponent))</folder>\n"
        s += "\t<filename>\(e(image.fileName))</filename>\n"
        s += "\t<path>\(e(image.path))</path>\n"
        s += "\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n"
        s += "\t<size>\n\t\t<width>\(image.width)</width>\n\t\t<height>\(image.height)</height>\n\t\t<depth>3</depth>\n\t</size>\n"
        s += "\t<segmented>0</segmented>\n"
        for object in image.objects {
            let b = object.box
            s += "\t<object>\n"
            s += "\t\t<name>\(e(object.category))</name>\n"
            s += "\t\t<pose>\(e(object.pose ?? "Unspecified"))</pose>\n"
            s += "\t\t<truncated>\(object.truncated ? 1 : 0)</truncated>\n"
            s += "\t\t<difficult>\(object.difficult ? 1 : 0)</difficult>\n"
            s += "\t\t<bndbox>\n"
            s += "\t\t\t<xmin>\(FormatSupport.format(b.x1 + 1))</xmin>\n"
            s += "\t\t\t<ymin>\(FormatSupport.format(b.y1 + 1))</ymin>\n"
            s += "\t\t\t<xmax>\(FormatSupport.format(b.x2))</xmax>\n"
            s += "\t\t\t<ymax>\(FormatSupport.format(b.y2))</ymax>\n"
            s += "\t\t</bndbox>\n"
            s += "\t</object>\n"
        }
        s += "</annotation>\n"
        return s
    }
}
