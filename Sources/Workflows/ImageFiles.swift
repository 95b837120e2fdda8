import Foundation

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

    public static func findFiles(_ paths: [String]) throws -> [File] {
        var out: [File] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw WorkflowError.invalid("\(p): no such file or folder")
            }
            if isDir.boolValue {
                guard let e = fm.enumerator(atPath: p) else { continue }
                var found: [File] = []
                for case let rel as String in e where isJPEG(rel) {
                    found.append(File(path: URL(fileURLWithPath: p).appendingPathComponent(rel).standardized.path, key: rel))
                }
                out += found.sorted { $0.path < $1.path }
            } else {
                out.append(File(path: URL(fileURLWithPath: p).standardized.path, key: p))
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.path).inserted }
    }

    /// The files listed in `list`, one path per line (relative paths against the
    /// current folder; blank lines and `#` comments skipped).
    public static func listed(in list: String) throws -> [String] {
        let text: String
        do { text = try String(contentsOfFile: list, encoding: .utf8) } catch {
            throw WorkflowError.invalid("\(list): cannot read the file list")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    public static func isJPEG(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }
}
