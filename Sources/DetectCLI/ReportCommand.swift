import ArgumentParser
import Foundation
import Report
import Store
import Workflows

/// `detect report`: one self-contained HTML file for stored runs.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of stored runs.",
        discussion: """
            The file has no external references (inline SVG and CSS, pictures embedded): stage times per \
            pipeline as stacked bars, the stage table next to the 2015 reference figures, precision-recall \
            curves per class and a gallery of sample images with each run's detections next to the ground \
            truth (when the images are annotated in the store), and the runs' configurations.
            """)

    @Option(name: .customLong("run"), parsing: .upToNextOption,
            help: ArgumentHelp("Runs to report on, in this order (--run 3 4 5, or repeat --run).", valueName: "id"))
    var runIDs: [Int64] = []

    @Option(name: .customLong("comparison"), help: ArgumentHelp("Report on every run of this comparison. Without --run or --comparison: the newest comparison, else the newest run.", valueName: "id"))
    var comparisonID: Int64?

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Dataset holding the ground truth (default: the store's only dataset).", valueName: "name"))
    var dataset: String?

    @Option(help: ArgumentHelp("Number of sample images in the gallery.", valueName: "n"))
    var gallery: Int = 4

    @Option(help: ArgumentHelp("Title of the report.", valueName: "text"))
    var title: String?

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    public init() {}

    public func validate() throws {
        if !runIDs.isEmpty && comparisonID != nil { throw ValidationError("give either --run ID… or --comparison ID, not both") }
        if gallery < 0 { throw ValidationError("--gallery must be 0 or more") }
    }

    public func run() throws {
        try reportingFailure {
            guard let store = try database.openExisting() else { throw ValidationError("no store at \(database.path)") }
            var runIDs = self.runIDs, comparisonID = self.comparisonID
            if runIDs.isEmpty && comparisonID == nil {
                // Neither: what was just done, the newest comparison, else the newest run.
                if let newest = try store.newestComparisonID() {
                    comparisonID = newest
                    printError("reporting on comparison \(newest), the newest (choose with --comparison ID or --run ID…)")
                } else if let newest = try store.newestRunID() {
                    runIDs = [newest]
                    printError("reporting on run \(newest), the newest (choose with --run ID…)")
                } else {
                    throw ValidationError("\(store.path) has no runs to report on yet (detect run or detect compare first)")
                }
            }
            let runs = try store.runs(ids: runIDs, comparison: comparisonID)
            let heading = title ?? (comparisonID.map { comparisonTitle(runs.map(\.pipeline), comparisonID: $0) }
                ?? "Runs " + runs.map { String($0.id) }.joined(separator: ", "))
            let input = try StoreReport(store: store, dataset: dataset, galleryImages: gallery)
                .input(runs: runs, title: heading)
            try HTMLReport.write(input, to: out)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            print("report: \(out) (\(runs.count) runs, \(input.prCurves.count) precision-recall curves, "
                  + "\(input.gallery.count) gallery images, \(bytes / 1024) KiB)")
            if json {
                var object: [String: Any] = ["out": out, "run_ids": runs.map(\.id), "bytes": bytes,
                                             "gallery_images": input.gallery.count,
                                             "ap50": Dictionary(input.pipelines.map { ($0.name, $0.ap50.map { $0 as Any } ?? NSNull()) },
                                                                uniquingKeysWith: { a, _ in a })]
                object["comparison_id"] = comparisonID.map { $0 as Any } ?? NSNull()
                print(jsonLine(object))
            }
        }
    }
}
