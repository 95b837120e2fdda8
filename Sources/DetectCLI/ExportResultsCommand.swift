import ArgumentParser
import Foundation
import Store

/// `detect export-results`: a run's detections as COCO results JSON or CSV.
public struct ExportResultsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export-results",
        abstract: "Write a run's detections as COCO results JSON or CSV.",
        discussion: """
            coco: [{image_id, category_id, bbox: [x, y, w, h], score}] with the image and category ids that \
            `detect annotations export --format coco` gives the dataset (a run's file is the dataset's image \
            with the same bytes, as in `detect eval`). csv: path,x1,y1,x2,y2,class,score \
            in the toolkit's pixel convention (0-based, x2/y2 exclusive).
            """)

    public enum Format: String, ExpressibleByArgument, CaseIterable { case coco, csv }

    @Option(name: .customLong("run"), help: ArgumentHelp("Run to export.", valueName: "id"))
    var runID: Int64

    @Option(help: "Output format: coco or csv.")
    var format: Format

    @Option(help: ArgumentHelp("Output file.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Dataset whose COCO ids to use (default: the only one).", valueName: "name"))
    var dataset: String?

    @OptionGroup var database: DatabaseOptions

    public init() {}

    public func run() throws {
        try reportingFailure {
            guard let store = try database.openExisting() else { throw ValidationError("no store at \(database.path)") }
            guard try store.run(runID) != nil else { throw ValidationError("no run \(runID) in \(database.path)") }
            let detections = try store.detections(run: runID)
            switch format {
            case .coco:
                let ids = try store.cocoIdentifiers(dataset: try store.resolveDataset(dataset))
                // The run's images meet the dataset's as `eval` has them meet: one image, or the same bytes.
                var cocoImage: [Int64: Int64] = [:]
                for (datasetImage, runImage) in try store.runImages(of: runID, showing: ids.imageIDs.keys.sorted()) {
                    cocoImage[runImage] = ids.imageIDs[datasetImage]
                }
                var rows: [[String: Any]] = []
                var missing = 0
                for d in detections {
                    guard let image = cocoImage[d.imageID], let cat = ids.categoryIDs[d.category] else { missing += 1; continue }
                    rows.append(["image_id": image, "category_id": cat, "score": Double(d.score),
                                 "bbox": [Double(d.box.x1), Double(d.box.y1), Double(d.box.width), Double(d.box.height)]])
                }
                if missing > 0 { printError("note: \(missing) detections are on images or classes outside the dataset and were left out") }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
                print("wrote \(rows.count) detections to \(out)")
            case .csv:
                var text = "path,x1,y1,x2,y2,class,score\n"
                var paths: [Int64: String] = [:]
                for d in detections {
                    if paths[d.imageID] == nil { paths[d.imageID] = try store.imagePath(d.imageID) ?? "" }
                    text += "\(csvField(paths[d.imageID]!)),\(d.box.x1),\(d.box.y1),\(d.box.x2),\(d.box.y2),\(csvField(d.category)),\(d.score)\n"
                }
                try text.write(toFile: out, atomically: true, encoding: .utf8)
                print("wrote \(detections.count) detections to \(out)")
            }
        }
    }

    func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
