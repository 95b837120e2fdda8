import Foundation
import SafeYAML
import Yams

/// The parts of a YOLO dataset around its label files: the class list (`classes.txt`,
/// `obj.names` or an Ultralytics `data.yaml`) and the split lists (`splits/NAME.txt`,
/// or `train.txt`/`val.txt`/`test.txt` beside the data YAML).
enum YOLODataset {
    static let classFileNames = ["classes.txt", "obj.names"]
    /// Data YAML names tried first, in order; any other `*.yaml`/`*.yml` with a top-level
    /// `names:` key follows.
    static let preferredYAMLNames = ["data.yaml", "dataset.yaml", "data.yml", "dataset.yml"]
    /// Split lists Ultralytics keeps beside its data YAML (`valid` is Roboflow's name).
    static let adjacentSplitNames = ["train", "val", "valid", "test"]

    /// Where the class names came from.
    struct ClassList {
        var names: [String]
        /// The classes file or data YAML the names were read from.
        var file: String
        /// For a data YAML: split name → list file named by its `train:`/`val:`/`test:`
        /// entries when they name an existing `.txt` file.
        var yamlSplitLists: [String: String] = [:]
        var isYAML: Bool { !YOLODataset.classFileNames.contains((file as NSString).lastPathComponent) }
    }

    // MARK: - Class list

    /// The class list for labels in `directories` (the label directory first, then the
    /// places above it): `classes.txt`/`obj.names` anywhere in them win over a data YAML,
    /// as they did before data YAMLs were read.
    static func classList(directories: [String]) throws -> ClassList? {
        for directory in directories {
            for name in classFileNames {
                let file = (directory as NSString).appendingPathComponent(name)
                if FormatSupport.isFile(file) { return try readClassesFile(file) }
            }
        }
        for directory in directories {
            for file in try yamlCandidates(in: directory) {
                if let list = try readDataYAML(file) { return list }
            }
        }
        return nil
    }

    /// `classes.txt` / `obj.names`: one name per line, line k = class k.
    static func readClassesFile(_ file: String) throws -> ClassList {
        let names = try FormatSupport.readText(file).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw AnnotationError.malformed(path: file, location: "file", reason: "no class names")
        }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw AnnotationError.malformed(path: file, location: "file", reason: "class '\(duplicate)' listed twice")
        }
        return ClassList(names: names, file: file)
    }

    /// Data YAML files of `directory` worth parsing, in order of preference.
    static func yamlCandidates(in directory: String) throws -> [String] {
        guard FormatSupport.isDirectory(directory) else { return [] }
        let preferred = preferredYAMLNames.map { (directory as NSString).appendingPathComponent($0) }
            .filter(FormatSupport.isFile)
        var others: [String] = []
        for file in try FormatSupport.files(in: directory, extensions: ["yaml", "yml"])
        where !preferredYAMLNames.contains((file as NSString).lastPathComponent) {
            // Only files that look like a data YAML (a top-level `names:` line) are parsed,
            // so an unrelated YAML beside the labels cannot fail the import.
            guard let size = try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int,
                  size <= SafeYAML.maximumBytes, let data = FileManager.default.contents(atPath: file),
                  let text = String(data: data, encoding: .utf8) else { continue }
            let hasNames = text.split(whereSeparator: \.isNewline).contains { line in
                let trimmed = line.drop { $0 == "\"" || $0 == "'" }
                guard trimmed.hasPrefix("names") else { return false }
                return trimmed.dropFirst(5).drop { $0 == "\"" || $0 == "'" || $0 == " " || $0 == "\t" }.hasPrefix(":")
            }
            if hasNames { others.append(file) }
        }
        return preferred + others
    }

    /// Reads an Ultralytics data YAML; nil when it has no top-level `names` key.
    /// `names` is a list (`[a, b]` or a block list) or a mapping from class id to name
    /// (`{0: a, 1: b}` or a block mapping) whose ids run 0..n-1 without gaps; an optional
    /// `nc` must equal the number of names. Anchors and aliases are refused, so a small
    /// file cannot expand into a large one.
    static func readDataYAML(_ file: String) throws -> ClassList? {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        guard size <= SafeYAML.maximumBytes else {
            throw AnnotationError.malformed(path: file, location: "file",
                                            reason: "\(size) bytes is more than a dataset YAML may hold (\(SafeYAML.maximumBytes) bytes)")
        }
        let text = try FormatSupport.readText(file)
        let document: (root: Node?, parser: Parser)
        do { document = try SafeYAML.compose(text) } catch let e as SafeYAML.Failure {
            throw AnnotationError.malformed(path: file, location: e.location, reason: e.reason)
        }
        guard let root = document.root else { return nil }
        guard let mapping = root.mapping else { return nil }
        func entries(_ key: String) -> [(key: Node, value: Node)] {
            mapping.filter { $0.key.scalar?.string == key }
        }
        let namesEntries = entries("names")
        guard let namesEntry = namesEntries.first else { return nil }

        var names: [String] = []
        var locations: [String] = []
        switch namesEntry.value {
        case let .sequence(sequence):
            for (i, node) in sequence.enumerated() {
                let location = "\(line(node, or: namesEntry.key))names[\(i)]"
                names.append(try className(node, file: file, location: location))
                locations.append(location)
            }
        case let .mapping(map):
            var byID: [Int: (name: String, location: String)] = [:]
            for (key, value) in map {
                let keyText = key.scalar?.string ?? "?"
                let location = "\(line(key, or: namesEntry.key))names: \(keyText)"
                guard let id = key.scalar.flatMap({ Int($0.string.trimmingCharacters(in: .whitespaces)) }) else {
                    throw AnnotationError.malformed(path: file, location: location,
                                                    reason: "class id '\(keyText)' is not an integer")
                }
                if byID[id] != nil {
                    throw AnnotationError.malformed(path: file, location: location, reason: "class id \(id) given twice")
                }
                byID[id] = (try className(value, file: file, location: location), location)
            }
            let ids = byID.keys.sorted()
            if let missing = (0..<ids.count).first(where: { byID[$0] == nil }) {
                let outside = ids.first { !(0..<ids.count).contains($0) }!
                throw AnnotationError.malformed(
                    path: file, location: byID[outside]!.location,
                    reason: "class ids must run 0..\(ids.count - 1) without gaps: id \(missing) is missing "
                        + "(ids given: \(ids.map(String.init).joined(separator: ", ")))")
            }
            for id in ids { names.append(byID[id]!.name); locations.append(byID[id]!.location) }
        default:
            throw AnnotationError.malformed(path: file, location: "\(line(namesEntry.value, or: namesEntry.key))names",
                                            reason: "names must be a list of class names or a mapping from class id to name")
        }
        if namesEntries.count > 1 {
            throw AnnotationError.malformed(path: file, location: "\(line(namesEntries[1].key, or: nil))names",
                                            reason: "names given twice")
        }
        guard !names.isEmpty else {
            throw AnnotationError.malformed(path: file, location: "\(line(namesEntry.key, or: nil))names", reason: "no class names")
        }
        var seen: [String: String] = [:]
        for (name, location) in zip(names, locations) {
            if let first = seen[name] {
                throw AnnotationError.malformed(path: file, location: location,
                                                reason: "class '\(name)' listed twice (first at \(first))")
            }
            seen[name] = location
        }
        if let nc = entries("nc").first {
            let location = "\(line(nc.value, or: nc.key))nc"
            guard let count = nc.value.scalar.flatMap({ Int($0.string.trimmingCharacters(in: .whitespaces)) }) else {
                throw AnnotationError.malformed(path: file, location: location,
                                                reason: "nc is not an integer: '\(nc.value.scalar?.string ?? "(not a scalar)")'")
            }
            guard count == names.count else {
                throw AnnotationError.malformed(path: file, location: location,
                                                reason: "nc is \(count) but names lists \(names.count) classes")
            }
        }

        // `train: train.txt` style entries: image lists, relative to `path:` (itself
        // relative to the YAML's directory) or to the YAML's directory.
        let yamlDirectory = (file as NSString).deletingLastPathComponent
        var base = yamlDirectory
        if let path = entries("path").first?.value.scalar?.string, !path.isEmpty {
            base = FormatSupport.absolute(path, relativeTo: yamlDirectory)
        }
        var lists: [String: String] = [:]
        for key in ["train", "val", "test"] {
            guard let value = entries(key).first?.value.scalar?.string, value.lowercased().hasSuffix(".txt") else { continue }
            let candidates = [FormatSupport.absolute(value, relativeTo: base), FormatSupport.absolute(value, relativeTo: yamlDirectory)]
            if let listFile = candidates.first(where: FormatSupport.isFile) { lists[key] = listFile }
        }
        return ClassList(names: names, file: file, yamlSplitLists: lists)
    }

    /// "line N, " for a node's position (or a fallback node's), "" when unknown.
    private static func line(_ node: Node, or fallback: Node?) -> String {
        guard let mark = node.mark ?? fallback?.mark else { return "" }
        return "line \(mark.line), "
    }

    /// A class name from a YAML scalar: non-empty, one line, no control characters.
    private static func className(_ node: Node, file: String, location: String) throws -> String {
        guard let scalar = node.scalar else {
            throw AnnotationError.malformed(path: file, location: location, reason: "a class name must be a plain string")
        }
        if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            throw AnnotationError.malformed(path: file, location: location, reason: "empty class name")
        }
        let name = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
            throw AnnotationError.malformed(path: file, location: location, reason: "empty class name")
        }
        if let bad = name.unicodeScalars.first(where: isControl) {
            throw AnnotationError.malformed(
                path: file, location: location,
                reason: "class name \(name.debugDescription) holds a newline or control character (U+\(String(format: "%04X", bad.value)))")
        }
        return name
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    // MARK: - Split lists

    /// A split list: the split's name and the file listing its images.
    struct SplitList: Equatable {
        var name: String
        var file: String
    }

    /// The split lists of a dataset: every `NAME.txt` of a `splits/` folder in the label
    /// directory or its parent; without one, the lists a data YAML names and the
    /// `train.txt`/`val.txt`/`test.txt` beside it.
    static func splitLists(labelDirectory: String, classes: ClassList) throws -> [SplitList] {
        let parent = (labelDirectory as NSString).deletingLastPathComponent
        let folders = [labelDirectory, parent].map { ($0 as NSString).appendingPathComponent("splits") }
        var lists: [SplitList] = []
        if let folder = folders.first(where: FormatSupport.isDirectory) {
            lists = try FormatSupport.files(in: folder, extensions: ["txt"]).map {
                SplitList(name: (($0 as NSString).lastPathComponent as NSString).deletingPathExtension, file: $0)
            }
        } else if classes.isYAML {
            lists = classes.yamlSplitLists.sorted { $0.key < $1.key }.map { SplitList(name: $0.key, file: $0.value) }
            let yamlDirectory = (classes.file as NSString).deletingLastPathComponent
            for name in adjacentSplitNames where !lists.contains(where: { $0.name == name }) {
                let file = (yamlDirectory as NSString).appendingPathComponent(name + ".txt")
                if FormatSupport.isFile(file), !lists.contains(where: { $0.file == file }) {
                    lists.append(SplitList(name: name, file: file))
                }
            }
        }
        for list in lists { try checkSplitName(list.name, file: list.file) }
        return lists
    }

    /// Split names end up in the store and, on export, in file names: no path
    /// separators, no `..`, no control characters.
    static func checkSplitName(_ name: String, file: String) throws {
        let problem: String?
        if name.isEmpty || name == "." {
            problem = "it is empty"
        } else if name.contains("/") || name.contains("\\") {
            problem = "it holds a path separator"
        } else if name.contains("..") {
            problem = "it holds '..'"
        } else if name.unicodeScalars.contains(where: isControl) {
            problem = "it holds a newline or control character"
        } else {
            problem = nil
        }
        if let problem {
            throw AnnotationError.malformed(path: file, location: "file name",
                                            reason: "unsafe split name \(name.debugDescription): \(problem)")
        }
    }

    /// Image indices of each split. A line names an image by stem, file name or path
    /// (matched by its last component); lines naming no imported image are counted
    /// in a warning per list, not an error.
    static func readSplits(_ lists: [SplitList], images: [AnnotatedImage], labelFiles: [String],
                           warnings: inout [String]) throws -> [String: [Int]] {
        var indexByName: [String: Int] = [:]
        var indexByStem: [String: Int] = [:]
        for (i, image) in images.enumerated() {
            indexByName[(image.fileName as NSString).lastPathComponent] = i
            indexByStem[FormatSupport.stem(image.fileName)] = i
            indexByStem[FormatSupport.stem(labelFiles[i])] = i
        }
        let extensions = Set(YOLOFormat.imageExtensions.map { $0.lowercased() } + ["txt", "png", "bmp", "webp", "tif", "tiff"])
        var splits: [String: [Int]] = [:]
        for list in lists {
            var members: [Int] = []
            var seen = Set<Int>()
            var unmatched = 0
            var firstUnmatched = ""
            for (n, raw) in try FormatSupport.readText(list.file)
                .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let entry = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if entry.isEmpty || entry.hasPrefix("#") { continue }
                let base = (entry.replacingOccurrences(of: "\\", with: "/") as NSString).lastPathComponent
                var index = indexByName[base] ?? indexByStem[base]
                if index == nil, extensions.contains((base as NSString).pathExtension.lowercased()) {
                    index = indexByStem[(base as NSString).deletingPathExtension]
                }
                guard let index else {
                    if unmatched == 0 { firstUnmatched = "'\(entry)' at line \(n + 1)" }
                    unmatched += 1
                    continue
                }
                if seen.insert(index).inserted { members.append(index) }
            }
            if unmatched > 0 {
                warnings.append("\(list.file): \(unmatched) \(unmatched == 1 ? "entry names" : "entries name") no imported image "
                                + "(first: \(firstUnmatched)); left out of split '\(list.name)'")
            }
            splits[list.name] = members
        }
        return splits
    }
}
