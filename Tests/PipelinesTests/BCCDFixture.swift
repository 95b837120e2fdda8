import Foundation
import XCTest
import Boxes
import Training

/// BCCD images and their VOC boxes for tests, read with a minimal parser (the
/// Store's full VOC reader is tested on its own).
enum BCCD {
    static let classes = ["Platelets", "RBC", "WBC"]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/bccd").standardized
    }

    static func available() throws {
        if !FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) {
            throw NSError(domain: "BCCD dataset not found at \(root.path) (datasets/bccd belongs to the repository)", code: 1)
        }
    }

    static func split(_ name: String) throws -> [String] {
        try String(contentsOf: root.appendingPathComponent("splits/\(name).txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
    }

    static func sample(_ stem: String) throws -> TrainingSample {
        let xml = try String(contentsOf: root.appendingPathComponent("annotations/\(stem).xml"), encoding: .utf8)
        var boxes: [Box] = [], labels: [Int] = []
        for object in xml.components(separatedBy: "<object>").dropFirst() {
            func tag(_ t: String) -> String {
                guard let a = object.range(of: "<\(t)>"), let b = object.range(of: "</\(t)>", range: a.upperBound..<object.endIndex)
                else { return "" }
                return object[a.upperBound..<b.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let label = classes.firstIndex(of: tag("name")) else { continue }
            let x1 = Float(tag("xmin"))!, y1 = Float(tag("ymin"))!, x2 = Float(tag("xmax"))!, y2 = Float(tag("ymax"))!
            boxes.append(Box(x1: x1 - 1, y1: y1 - 1, x2: x2, y2: y2))
            labels.append(label)
        }
        return TrainingSample(path: root.appendingPathComponent("images/\(stem).jpg").path, boxes: boxes, labels: labels)
    }
}
