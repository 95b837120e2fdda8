import Foundation
import Boxes

/// YOLO labels: one `<image stem>.txt` per image with lines `class cx cy w h`, the
/// centre and size normalized by the image's width and height, and a class list:
/// `classes.txt` or `obj.names` (one name per line, line k = class k), else an
/// Ultralytics data YAML (`data.yaml`, `dataset.yaml` or any `*.yaml` with `names`),
/// in the label directory or above it. Split lists come from a `splits/` folder
/// (`NAME.txt`, one image per line) or the `train.txt`/`val.txt`/`test.txt` beside the
/// data YAML. The sizes come from the images' JPEG headers. An empty label file is a
/// negative image.
enum YOLOFormat {
    static let classFileNames = YOLODataset.classFileNames
    static let imageExtensions = ["jpg", "jpeg", "JPG", "JPEG", "Jpg", "Jpeg"]

    /// Text files of a dataset root that are not labels: class lists, split lists and
    /// the README/LICENSE files exports such as Roboflow's put there.
    private static func isDatasetRootFile(_ file: String) -> Bool {
        let name = (file as NSString).lastPathComponent
        let lower = name.lowercased()
        return classFileNames.contains(name)
            || YOLODataset.adjacentSplitNames.contains((name as NSString).deletingPathExtension)
            || lower.hasPrefix("readme") || lower.hasPrefix("license")
    }

    static func read(path: String, imagesDirectory: String?) throws -> AnnotationSet {
        var root = FormatSupport.absolute(path)
        // A dataset root stands for its labels directory.
        if FormatSupport.isDirectory(root),
           let labels = ["labels", "annotations"].map({ (root as NSString).appendingPathComponent($0) })
               .first(where: FormatSupport.isDirectory),
           try FormatSupport.files(in: root, extensions: ["txt"]).allSatisfy(isDatasetRootFile) {
            root = labels
        }
        let isDirectoryRead = FormatSupport.isDirectory(root)
        let directory: String
        if isDirectoryRead {
            directory = root
        } else if FormatSupport.isFile(root) {
            directory = (root as NSString).deletingLastPathComponent
        } else {
            throw AnnotationError.unreadable(path: root, reason: "no such file or directory")
        }
        let parent = (directory as NSString).deletingLastPathComponent
        // Ultralytics keeps labels in <root>/labels/<split> with data.yaml in <root>.
        var classDirectories = [directory, parent]
        if (parent as NSString).lastPathComponent == "labels" {
            classDirectories.append((parent as NSString).deletingLastPathComponent)
        }
        guard let classes = try YOLODataset.classList(directories: classDirectories) else {
            throw AnnotationError.noClassesFile(directory: directory)
        }
        let names = classes.names
        let classesFile = classes.file
        let splitLists = isDirectoryRead ? try YOLODataset.splitLists(labelDirectory: directory, classes: classes) : []

        let labelFiles: [String]
        if isDirectoryRead {
            let listFiles = Set(splitLists.map(\.file))
            labelFiles = try FormatSupport.files(in: root, extensions: ["txt"])
                .filter { !classFileNames.contains(($0 as NSString).lastPathComponent) && !listFiles.contains($0) }
            guard !labelFiles.isEmpty else { throw AnnotationError.noAnnotationFiles(path: root, format: "YOLO txt") }
        } else {
            labelFiles = [root]
        }

        // Ultralytics layout keeps labels in …/labels/<split> beside …/images/<split>.
        var searched: [String] = []
        if let imagesDirectory { searched.append(FormatSupport.absolute(imagesDirectory)) }
        searched.append(directory)
        let components = (directory as NSString).pathComponents
        if let k = components.lastIndex(of: "labels") {
            var swapped = components
            swapped[k] = "images"
            searched.append(NSString.path(withComponents: swapped))
        }
        searched += ["images", "JPEGImages"].map { (parent as NSString).appendingPathComponent($0) }

        var set = AnnotationSet(categories: names.map { AnnotationCategory(name: $0) })
        for file in labelFiles {
            let stem = FormatSupport.stem(file)
            guard let imagePath = imageExtensions.lazy.compactMap({ FormatSupport.find(stem + "." + $0, in: searched) }).first else {
                throw AnnotationError.unknownImage(path: file, location: "file name", image: stem + ".jpg", searched: searched)
            }
            let (width, height) = try FormatSupport.jpegSize(imagePath)
            var objects: [AnnotatedObject] = []
            for (n, line) in try FormatSupport.readText(file).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if tokens.isEmpty { continue }
                let location = "line \(n + 1)"
                guard tokens.count == 5 else {
                    throw AnnotationError.malformed(path: file, location: location,
                                                    reason: "expected 'class cx cy w h', found \(tokens.count) fields")
                }
                guard let classIndex = Int(tokens[0]) else {
                    throw AnnotationError.malformed(path: file, location: location, reason: "class is not an integer: '\(tokens[0])'")
                }
                guard names.indices.contains(classIndex) else {
                    throw AnnotationError.unknownClass(path: file, location: location,
                                                       classID: "\(classIndex) (\(classesFile) lists \(names.count) classes)")
                }
                var v = [Double](repeating: 0, count: 4)
                for k in 0..<4 {
                    guard let value = FormatSupport.number(String(tokens[k + 1])) else {
                        throw AnnotationError.malformed(path: file, location: location, reason: "not a number: '\(tokens[k + 1])'")
                    }
                    v[k] = value
                }
                let W = Double(width), H = Double(height)
                let box = Box(x1: Float((v[0] - v[2] / 2) * W), y1: Float((v[1] - v[3] / 2) * H),
                              x2: Float((v[0] + v[2] / 2) * W), y2: Float((v[1] + v[3] / 2) * H))
                guard try FormatSupport.keep(box, file: file, location: location, warnings: &set.warnings) else { continue }
                objects.append(AnnotatedObject(category: names[classIndex], box: box))
            }
            set.images.append(AnnotatedImage(fileName: (imagePath as NSString).lastPathComponent, path: imagePath,
                                             width: width, height: height, source: file, objects: objects))
        }
        if !splitLists.isEmpty {
            set.splits = try YOLODataset.readSplits(splitLists, images: set.images, labelFiles: labelFiles,
                                                    warnings: &set.warnings)
        }
        return set
    }

    static func write(_ original: AnnotationSet, to path: String) throws {
        var set = original
        set.addMissingCategories()
        let directory = FormatSupport.absolute(path)
        try FormatSupport.createDirectory(directory)
        let index = Dictionary(uniqueKeysWithValues: set.categories.enumerated().map { ($1.name, $0) })
        let classesFile = (directory as NSString).appendingPathComponent("classes.txt")
        let names = try set.categories.map { try FormatSupport.singleLine($0.name, what: "class name", file: classesFile) + "\n" }
        try FormatSupport.writeText(names.joined(), to: classesFile)
        var written: [String: String] = [:]
        for image in set.images {
            let stem = try FormatSupport.pathComponent(FormatSupport.stem(image.fileName), what: "image name", directory: directory)
            if let other = written[stem] {
                throw AnnotationError.writeFailed(path: directory, reason: "two images would share \(stem).txt: \(other) and \(image.path)")
            }
            written[stem] = image.path
            let W = Double(image.width), H = Double(image.height)
            let lines = image.objects.map { object -> String in
                let b = object.box
                let values = [(Double(b.x1) + Double(b.x2)) / 2 / W, (Double(b.y1) + Double(b.y2)) / 2 / H,
                              (Double(b.x2) - Double(b.x1)) / W, (Double(b.y2) - Double(b.y1)) / H]
                // %.8f keeps boxes within 1e-5 px on images up to 1000 px wide.
                return "\(index[object.category]!) " + values.map { String(format: "%.8f", $0) }.joined(separator: " ") + "\n"
            }
            try FormatSupport.writeText(lines.joined(), to: (directory as NSString).appendingPathComponent(stem + ".txt"))
        }
    }
}
