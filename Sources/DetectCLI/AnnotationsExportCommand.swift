import ArgumentParser
import Foundation
import Store

/// `detect annotations export`: writes a dataset of the store in an annotation format.
public struct AnnotationsExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a dataset's annotations.",
        discussion: """
            voc and yolo write a directory (one file per image; voc adds ImageSets/Main split lists, \
            yolo a classes.txt); coco and csv write one file. COCO ids from the import are kept; \
            missing ones are numbered after the largest.
            """)

    @Option(help: ArgumentHelp("Annotation file format.", valueName: "format"))
    public var format: AnnotationFormat

    @Option(help: ArgumentHelp("Output directory (voc, yolo) or file (coco, csv).", valueName: "path"))
    public var out: String

    @Option(help: ArgumentHelp("Dataset to export (may be left out when the store holds only one).", valueName: "name"))
    public var dataset: String?

    @OptionGroup public var database: DatabaseOptions

    @Flag(help: "Print a JSON summary as the last line.")
    public var json = false

    public init() {}

    public func run() throws {
        try reportingFailure {
            guard let store = try database.openExisting() else {
                throw ValidationError("no store at \(database.path); import annotations first")
            }
            let name = try store.resolveDataset(dataset)
            let set = try store.exportAnnotations(dataset: name, format: format, to: out)
            print("Exported dataset '\(name)': \(set.images.count) images, \(set.objectCount) boxes, "
                  + "\(set.categories.count) classes as \(format.rawValue) to \(out)")
            if json {
                print(jsonLine(["dataset": name, "format": format.rawValue, "out": out, "images": set.images.count,
                                "annotations": set.objectCount, "categories": set.categories.count]))
            }
        }
    }
}
