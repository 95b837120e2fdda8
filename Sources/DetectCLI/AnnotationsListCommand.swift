import ArgumentParser
import Foundation
import JSONText
import Store

/// `detect annotations list`: datasets with their image, box and per-class counts.
public struct AnnotationsListCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List datasets: images, boxes per class and splits.")

    @OptionGroup public var database: DatabaseOptions

    @Flag(help: "Print the listing as one JSON object on the last line.")
    public var json = false

    public init() {}

    public func run() throws {
        try reportingFailure {
            let store = try database.openExisting()
            let datasets = try store?.datasetSummaries() ?? []
            if datasets.isEmpty { print("No datasets in \(database.path).") }
            // Dataset, class and split names come from imported files: escaped for the terminal.
            let safe = { (name: String) in TerminalText.printable(name, limit: 1000) }
            for d in datasets {
                print("\(safe(d.name)): \(d.images) images (\(d.negativeImages) without boxes), \(d.boxes) boxes, \(d.boxesPerClass.count) classes")
                let width = d.boxesPerClass.map { safe($0.name).count }.max() ?? 0
                for c in d.boxesPerClass {
                    print("  " + safe(c.name).padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(c.boxes))
                }
                if !d.splits.isEmpty {
                    print("  splits: " + d.splits.sorted { $0.key < $1.key }.map { "\(safe($0.key)) \($0.value)" }.joined(separator: ", "))
                }
            }
            if json {
                // "annotations" repeats "boxes" and "classes" repeats "boxes_per_class" so scripts
                // may use either name; "class_names" keeps the dataset's class order.
                let list: [[String: Any]] = datasets.map { d in
                    let perClass = Dictionary(uniqueKeysWithValues: d.boxesPerClass.map { ($0.name, $0.boxes) })
                    return [
                        "name": d.name, "images": d.images, "negative_images": d.negativeImages,
                        "boxes": d.boxes, "annotations": d.boxes,
                        "classes": perClass, "boxes_per_class": perClass, "class_names": d.boxesPerClass.map(\.name),
                        "splits": d.splits,
                    ]
                }
                let boxes = datasets.reduce(0) { $0 + $1.boxes }
                print(jsonLine(["datasets": list, "images": try store?.datasetImageCount() ?? 0,
                                "boxes": boxes, "annotations": boxes]))
            }
        }
    }
}
