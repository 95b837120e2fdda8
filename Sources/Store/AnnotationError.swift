import Foundation
import Imaging
import InputFiles

/// Errors from reading and writing annotation files. Each names the file and, where it
/// applies, the line or element, so the user can go straight to the problem.
public enum AnnotationError: Error, CustomStringConvertible, Equatable {
    /// The file or directory could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid for its format (bad XML/JSON, a non-numeric coordinate,
    /// a missing field). `location` is e.g. "line 12, <xmin>" or "annotations[3].bbox".
    case malformed(path: String, location: String, reason: String)
    /// An annotation names an image file that cannot be found.
    case unknownImage(path: String, location: String, image: String, searched: [String])
    /// A YOLO label uses a class index missing from the classes file, or a COCO
    /// annotation a category id missing from `categories`.
    case unknownClass(path: String, location: String, classID: String)
    /// A YOLO directory without `classes.txt`, `obj.names` or a data YAML with `names`.
    case noClassesFile(directory: String)
    /// The path holds no annotation file of the format.
    case noAnnotationFiles(path: String, format: String)
    /// An export could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .malformed(path, location, reason):
            return "\(path): \(location): \(reason)"
        case let .unknownImage(path, location, image, searched):
            let where_ = searched.isEmpty ? "" : " (looked in: \(searched.joined(separator: ", ")))"
            // A name that is there but is no regular file (a FIFO, a device) is
            // refused unopened; saying so beats "unknown".
            let candidates = image.hasPrefix("/") ? [image] : searched.map { FormatSupport.absolute(image, relativeTo: $0) }
            let kind = candidates.lazy.filter { FileManager.default.fileExists(atPath: $0) }
                .compactMap { c in InputFile.problem(c).map { "; \(c) is \($0)" } }.first ?? ""
            return "\(path): \(location): unknown image '\(image)'\(where_)\(kind)"
        case let .unknownClass(path, location, classID):
            return "\(path): \(location): unknown class \(classID)"
        case let .noClassesFile(directory):
            return "\(directory): no classes file (classes.txt, obj.names, or data.yaml with names) in the directory or its parent"
        case let .noAnnotationFiles(path, format):
            return "\(path): no \(format) annotation files found"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
