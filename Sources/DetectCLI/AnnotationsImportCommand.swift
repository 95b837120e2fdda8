import ArgumentParser
import Foundation
import Store

/// `detect annotations import`: reads annotation files and writes them into the store
/// in one transaction, so a malformed file leaves the store untouched.
public struct AnnotationsImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import annotations into a dataset of the store.",
        discussion: """
            voc: a directory of Pascal VOC XML files (or one file); images are found in --images, \
            ../JPEGImages, ../images, or the <path> tag; split lists are read from ImageSets/Main or ../splits.
            coco: a COCO instances JSON file; images are found in --images or next to the file.
            yolo: a directory of YOLO txt labels with classes.txt, obj.names or an Ultralytics data.yaml (names, nc); \
            split lists from splits/NAME.txt or train.txt/val.txt/test.txt beside data.yaml; image sizes come from the JPEGs.
            csv: a file of rows path,x1,y1,x2,y2,class in 0-based pixels with x2/y2 exclusive; \
            a row with empty box fields lists an image without objects.
            An import replaces the boxes the dataset held for the images it names, so importing the same annotations again (from any format) does not add copies. \
            Boxes with zero width or height are skipped with a warning.
            """)

    @Argument(help: ArgumentHelp("Annotation file or directory to import.", valueName: "path"))
    public var path: String

    @Option(help: ArgumentHelp("Annotation file format.", valueName: "format"))
    public var format: AnnotationFormat

    @Option(help: ArgumentHelp("Directory holding the images (searched before the format's usual places).", valueName: "dir"))
    public var images: String?

    @Option(help: ArgumentHelp("Dataset to import into (created when new).", valueName: "name"))
    public var dataset: String = "default"

    @Option(help: ArgumentHelp("Also put every imported image into this split (e.g. train, test).", valueName: "name"))
    public var split: String?

    @OptionGroup public var database: DatabaseOptions

    @Flag(help: "Print a JSON summary as the last line.")
    public var json = false

    public init() {}

    public func run() throws {
        try reportingFailure {
            let started = Date()
            var set = try format.read(path: path, imagesDirectory: images)
            if let split {
                set.splits[split, default: []] += Array(set.images.indices)
            }
            let store = try database.open()
            let summary = try store.importAnnotations(set, dataset: dataset, format: format)
            let seconds = Date().timeIntervalSince(started)
            for warning in summary.warnings { printError("warning: \(warning)") }
            var line = "Imported \(summary.images) images, \(summary.annotations) boxes, \(summary.categories) classes "
                + "into dataset '\(summary.dataset)' of \(database.path)"
            if summary.replaced > 0 { line += " (replacing \(summary.replaced) boxes from an earlier import)" }
            print(line + String(format: " in %.2f s", seconds))
            if !summary.splits.isEmpty {
                print("Splits: " + summary.splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if json {
                print(jsonLine([
                    "dataset": summary.dataset, "images": summary.images, "annotations": summary.annotations,
                    "replaced": summary.replaced, "categories": summary.categories, "splits": summary.splits,
                    "warnings": summary.warnings.count, "seconds": seconds,
                ]))
            }
        }
    }
}
