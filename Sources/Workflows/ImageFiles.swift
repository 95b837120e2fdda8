import Foundation
import Imaging
import InputFiles

/// Finds JPEG files under the given paths, sorted, without duplicates.
public enum ImageFiles {
    /// A file found, and its sharding key: its path relative to the folder
    /// named on the command line, or the path as given.
    public struct File: Equatable, Sendable {
        public var path: String
        public var key: String
        public init(path: String, key: String) { self.path = path; self.key = key }
    }

    public static func find(_ paths: [String]) throws -> [String] { try findFiles(paths).map(\.path) }

    /// Paths are taken as the shell takes them (relative to the current folder,
    /// `..` and symbolic links resolved by the system, not by text), and each
    /// file found is named by an absolute path that works from any folder.
    public static func findFiles(_ paths: [String]) throws -> [File] {
        var out: [File] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard !p.isEmpty, fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw WorkflowError.invalid("\(p.isEmpty ? "''" : p): no such file or folder")
            }
            if isDir.boolValue {
                let root = InputFile.realPath(p) ?? InputFile.absolute(p)
                guard let e = fm.enumerator(atPath: root) else { continue }
                var found: [File] = []
                for case let rel as String in e where isJPEG(rel) {
                    found.append(File(path: root == "/" ? "/" + rel : root + "/" + rel, key: rel))
                }
                out += found.sorted { $0.path < $1.path }
            } else {
                out.append(File(path: InputFile.absolute(p), key: p))
            }
        }
        // One file under two spellings (a link beside its target) is run once.
        var seen = Set<String>()
        return out.filter { seen.insert(InputFile.realPath($0.path) ?? $0.path).inserted }
    }

    /// The most bytes a `--files-from` list may hold (some million paths).
    public static let maximumListBytes = 256 << 20

    /// The files listed in `list`, one path per line (relative paths against the
    /// current folder; blank lines and `#` comments skipped).
    public static func listed(in list: String) throws -> [String] {
        let text: String
        do {
            text = String(decoding: try InputFile.read(list, maximumBytes: maximumListBytes), as: UTF8.self)
        } catch {
            throw WorkflowError.invalid("\(list): cannot read the file list: \(reason(error))")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private static func reason(_ error: Error) -> String {
        if case let InputFileError.unreadable(_, reason) = error { return reason }
        return "\(error)"
    }

    public static func isJPEG(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }
}
