import Foundation
import Boxes
import Imaging
import InputFiles

/// The annotation file formats the store imports and exports.
public enum AnnotationFormat: String, CaseIterable, Sendable {
    /// Pascal VOC XML, one file per image; a directory of them (plus ImageSets/Main lists).
    case voc
    /// COCO instances JSON, one file for the whole dataset.
    case coco
    /// YOLO txt, one file per image with normalized `class cx cy w h`, plus `classes.txt`/`obj.names`
    /// or an Ultralytics `data.yaml`; split lists from `splits/NAME.txt` or `train.txt`/`val.txt`/`test.txt`.
    case yolo
    /// CSV `path,x1,y1,x2,y2,class` in the toolkit's pixel convention, one file.
    case csv

    /// Reads annotations at `path` (a file or directory as the format needs). Image
    /// files are looked up in `imagesDirectory` first, then where the format's usual
    /// layout puts them. Throws on the first malformed entry: nothing partial is returned.
    public func read(path: String, imagesDirectory: String? = nil) throws -> AnnotationSet {
        switch self {
        case .voc: return try VOCFormat.read(path: path, imagesDirectory: imagesDirectory)
        case .coco: return try COCOFormat.read(path: path, imagesDirectory: imagesDirectory)
        case .yolo: return try YOLOFormat.read(path: path, imagesDirectory: imagesDirectory)
        case .csv: return try CSVFormat.read(path: path, imagesDirectory: imagesDirectory)
        }
    }

    /// Writes `set` to `path`: a directory for VOC and YOLO, a file for COCO and CSV.
    public func write(_ set: AnnotationSet, to path: String) throws {
        switch self {
        case .voc: try VOCFormat.write(set, to: path)
        case .coco: try COCOFormat.write(set, to: path)
        case .yolo: try YOLOFormat.write(set, to: path)
        case .csv: try CSVFormat.write(set, to: path)
        }
    }
}

/// Helpers the format readers and writers share.
enum FormatSupport {
    static let fileManager = FileManager.default

    /// A path the user typed, made absolute as the shell resolves it (`..`
    /// after a symbolic link leads to the target's parent); a path read from a
    /// file, relative to `directory`, joined and normalised by its text, so that
    /// `find` can tell whether it stays inside the folders searched.
    static func absolute(_ path: String, relativeTo directory: String? = nil) -> String {
        guard let directory else { return InputFile.absolute(path) }
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// A regular file (links followed): a FIFO, device or folder is never opened as one.
    static func isFile(_ path: String) -> Bool { InputFile.isRegular(path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The first of `directories` that holds `name` (a file name or relative
    /// path) as a JPEG. A relative name may not climb out of the folders
    /// searched (`../../etc/passwd` finds nothing); an absolute path must be a
    /// JPEG file (exports write absolute paths so that they import from
    /// anywhere); a file that is not a JPEG is never taken for one.
    static func find(_ name: String, in directories: [String]) -> String? {
        guard !name.isEmpty, !name.contains("\0") else { return nil }
        if name.hasPrefix("/") {
            let path = InputFile.absolute(name)
            return isFile(path) && isJPEG(path) ? path : nil
        }
        for directory in directories {
            let root = absolute(directory)
            let candidate = absolute(name, relativeTo: root)
            guard candidate.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { continue }
            if isFile(candidate) && isJPEG(candidate) { return candidate }
        }
        return nil
    }

    /// Whether the file starts with a JPEG's SOI marker and a segment marker.
    static func isJPEG(_ path: String) -> Bool {
        guard let head = try? InputFile.read(path, maximumBytes: 3, prefix: true) else { return false }
        return head.count == 3 && head[head.startIndex] == 0xFF && head[head.startIndex + 1] == 0xD8 && head[head.startIndex + 2] == 0xFF
    }

    /// A name that becomes part of a file path on export (a split, an image stem):
    /// one path component, no `..`, no NUL or control characters.
    static func pathComponent(_ name: String, what: String, directory: String) throws -> String {
        let bad = name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\\")
            || name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        if bad {
            throw AnnotationError.writeFailed(path: directory,
                reason: "\(what) '\(name.debugDescription.dropFirst().dropLast())' cannot be a file name (it holds /, \\, .., or a control character)")
        }
        return name
    }

    /// A class name for a format that lists one name per line: no line breaks or control characters.
    static func singleLine(_ name: String, what: String, file: String) throws -> String {
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw AnnotationError.writeFailed(path: file,
                reason: "\(what) '\(name.debugDescription.dropFirst().dropLast())' holds a line break or control character, which this format cannot represent")
        }
        return name
    }

    /// Sorted files of `directory` whose extension (any case) is one of `extensions`.
    static func files(in directory: String, extensions: Set<String>) throws -> [String] {
        let names: [String]
        do { names = try fileManager.contentsOfDirectory(atPath: directory) } catch {
            throw AnnotationError.unreadable(path: directory, reason: "cannot list directory")
        }
        return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
            .filter(isFile)
    }

    /// The most bytes an annotation file may hold: COCO's largest instance
    /// files are under half of this.
    static let maximumAnnotationBytes = 1 << 30

    /// The bytes of an annotation file: a regular file (a FIFO is refused, not
    /// waited on) of at most `maximumAnnotationBytes`.
    static func readBytes(_ path: String) throws -> Data {
        do { return try InputFile.read(path, maximumBytes: maximumAnnotationBytes) } catch {
            if case let InputFileError.unreadable(_, reason) = error { throw AnnotationError.unreadable(path: path, reason: reason) }
            throw error
        }
    }

    static func readText(_ path: String) throws -> String {
        let data = try readBytes(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw AnnotationError.malformed(path: path, location: "file", reason: "not UTF-8 text")
        }
        return text
    }

    static func writeText(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw AnnotationError.writeFailed(path: path, reason: "\(error.localizedDescription)")
        }
    }

    static func createDirectory(_ path: String) throws {
        do { try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw AnnotationError.writeFailed(path: path, reason: "cannot create directory")
        }
    }

    /// Parses a coordinate or size; nil for text that is not a finite number.
    static func number(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// Size of a JPEG as its headers give it, after EXIF orientation.
    static func jpegSize(_ path: String) throws -> (width: Int, height: Int) {
        let header = try JPEGHeader.read(path: path)
        return (header.width, header.height)
    }

    /// Largest image side a file may state (larger is an error, not a trap).
    static let maximumSide = 1_000_000

    /// An image side stated by an annotation file: a whole number of pixels up
    /// to `maximumSide`; 0 means "not stated", read the JPEG.
    static func side(_ value: Double, file: String, location: String) throws -> Int {
        guard value.isFinite, value >= 0, value <= Double(maximumSide), let side = Int(exactly: value.rounded()) else {
            throw AnnotationError.malformed(path: file, location: location,
                                            reason: "image size \(value) is outside 0...\(maximumSide)")
        }
        return side
    }

    /// True when `box` has area; otherwise records a warning naming the file and place.
    /// Degenerate boxes are skipped on import because nothing can be learned from
    /// or matched against a box without area. A coordinate that is not a finite
    /// float32 (1e39, say) rejects the whole file.
    static func keep(_ box: Box, file: String, location: String, warnings: inout [String]) throws -> Bool {
        guard [box.x1, box.y1, box.x2, box.y2].allSatisfy({ $0.isFinite && abs($0) <= Float(maximumSide) * 16 }) else {
            throw AnnotationError.malformed(path: file, location: location,
                                            reason: "box \(box) has a coordinate that is not a finite number of pixels")
        }
        if box.isDegenerate {
            warnings.append("\(file): \(location): skipped degenerate box \(box) (zero width or height)")
            return false
        }
        return true
    }

    /// Shortest text that reads back as the same float32: exports stay lossless
    /// without printing float noise ("123.45", not "123.44999694824219").
    static func format(_ value: Float) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return "\(value)"
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The file name without directory and extension.
    static func stem(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }
}
