import Foundation
import XCTest
import GRDB
@testable import Store

/// Locations and helpers shared by the store tests.
enum Fixture {
    /// The package root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let bccd = ((packageRoot as NSString).appendingPathComponent("datasets/bccd") as NSString).standardizingPath
    static var bccdAnnotations: String { (bccd as NSString).appendingPathComponent("annotations") }
    static var bccdImages: String { (bccd as NSString).appendingPathComponent("images") }

    static func requireBCCD() throws {
        if !FileManager.default.fileExists(atPath: bccdAnnotations) {
            throw NSError(domain: "BCCD dataset not found at \(bccd) (datasets/bccd belongs to the repository)", code: 1)
        }
    }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

extension Store {
    /// Row count of every table the imports touch, to show that a failed import wrote nothing.
    func rowCounts() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for table in ["datasets", "images", "dataset_images", "splits", "categories", "dataset_categories", "annotations"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)")!
            }
            return counts
        }
    }
}

/// Objects of a set keyed by image file name, in a canonical order, for comparisons
/// between sets that went through different formats.
func objectsByImage(_ set: AnnotationSet) -> [String: [AnnotatedObject]] {
    var result: [String: [AnnotatedObject]] = [:]
    for image in set.images {
        result[image.fileName, default: []] += image.objects
    }
    for key in result.keys {
        result[key]!.sort { ($0.category, $0.box.x1, $0.box.y1, $0.box.x2, $0.box.y2) < ($1.category, $1.box.x1, $1.box.y1, $1.box.x2, $1.box.y2) }
    }
    return result
}
