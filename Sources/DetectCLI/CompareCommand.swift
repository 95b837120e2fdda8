import ArgumentParser
import Foundation
import Evaluation
import Pipelines
import Store

/// `detect compare`: pipelines side by side on the same images, stage by
/// stage, with their accuracy when the images are annotated — by default the
/// three papers' pipelines with the bundled models, or any pipelines and
/// models the user names (their own trained detectors).
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run pipelines (default: R-CNN, Fast R-CNN and Faster R-CNN) on the same images and compare them stage by stage.",
        discussion: """
            Each pipeline first processes one warm-up image (not timed, not stored), then every image; the \
            runs are stored under one comparison id. The table gives mean and median milliseconds per image \
            for each stage, its share of the pipeline's time, each pipeline's total and speed-up over the \
            slowest R-CNN pipeline of the set (left out when there is none), and AP at IoU 0.5 when the \
            images are annotated in the store. Name pipelines with --pipeline (a pipeline file, optionally \
            =MODEL) or models with --model (each carries its pipeline); both repeat, --pipeline entries \
            first, then --model entries, each in the order given.
            """)

    @Argument(help: ArgumentHelp("Folder of JPEG images (or use --dataset).", valueName: "folder"))
    var folder: String?

    @Option(help: ArgumentHelp("Compare on a dataset of the store instead of a folder.", valueName: "name"))
    var dataset: String?

    @Option(help: ArgumentHelp("Split of --dataset to use.", valueName: "name"))
    var split: String = "test"

    @Option(help: ArgumentHelp("Use at most this many images.", valueName: "n"))
    var limit: Int?

    @OptionGroup var set: PipelineSetOptions

    @Option(help: ArgumentHelp("Also write a self-contained HTML report here.", valueName: "file"))
    var report: String?

    @Flag(help: "Print a JSON summary as the last line: comparison_id, order, and per pipeline (keyed by name) its architecture, model, run_id, total_ms, stages, ap50 and speedup_over_rcnn.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func validate() throws {
        if (folder == nil) == (dataset == nil) { throw ValidationError("give either a folder or --dataset") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// The entries to compare: --pipeline ones, then --model ones; neither
    /// gives the papers' three with their bundled models.
    func entries() throws -> [ComparisonWorkflow.Entry] {
        try PipelineLocator.resolveSet(pipelines: set.pipelines, models: set.models)
            .map { .init(config: $0.config, configText: $0.configText, modelPath: $0.modelPath) }
    }

    public func run() throws {
        try reportingFailure {
            let entries = try self.entries()
            let workflow = ComparisonWorkflow(store: try database.open(), dataset: dataset)
            var files = try folder.map { try ImageFiles.find([$0]) } ?? workflow.files(split: split)
            if let limit { files = Array(files.prefix(limit)) }
            let (comparisonID, results) = try workflow.run(entries, files: files)
            printTable(results, comparisonID: comparisonID, imageCount: files.count)
            if let report {
                try writeComparisonReport(store: workflow.store, comparisonID: comparisonID, to: report, dataset: dataset)
                print("report: \(report)")
            }
            if json {
                let baseline = ComparisonWorkflow.rcnnBaseline(results)
                var pipelines: [String: Any] = [:]
                for r in results {
                    var stages: [String: Any] = [:]
                    for s in r.stages { stages[s.stage] = PipelineResult.mean(s.ms) }
                    var entry: [String: Any] = [
                        "pipeline": r.name, "architecture": r.architecture.rawValue, "model": r.model,
                        "run_id": r.runID, "images": r.images, "total_ms": r.totalMs, "stages": stages,
                        "stage_order": r.stages.map(\.stage), "ap50": r.ap50.map { $0 as Any } ?? NSNull(),
                    ]
                    entry["speedup_over_rcnn"] = baseline.flatMap { b in r.totalMs > 0 ? b.totalMs / r.totalMs : nil } ?? NSNull()
                    pipelines[r.label] = entry
                }
                print(jsonLine(["comparison_id": comparisonID, "images": files.count, "order": results.map(\.label),
                                "rcnn_baseline": baseline.map { $0.label as Any } ?? NSNull(), "pipelines": pipelines]))
            }
        }
    }

    typealias PipelineResult = ComparisonWorkflow.PipelineResult

    func printTable(_ results: [PipelineResult], comparisonID: Int64, imageCount: Int) {
        print("comparison \(comparisonID): \(imageCount) images, after one warm-up image")
        print("")
        let width = max(13, results.map(\.label.count).max() ?? 0)
        let header = pad("pipeline", width) + " stage              mean ms   median ms   share"
        print(header)
        print(String(repeating: "-", count: header.count))
        let baseline = ComparisonWorkflow.rcnnBaseline(results)
        // Named after the baseline when it is not simply the paper's `rcnn`.
        let versus = baseline.map { $0.label == "rcnn" ? "R-CNN" : "R-CNN (\($0.label))" }
        for r in results {
            for (i, s) in r.stages.enumerated() {
                let m = PipelineResult.mean(s.ms)
                // The second line says which paper's detector a pipeline with its own name is.
                let column = i == 0 ? r.label : i == 1 && r.label != r.architecture.rawValue ? "(\(r.architecture.title))" : ""
                print(pad(column, width) + " " + pad(s.stage, 16) +
                      String(format: " %9.1f %11.1f %6.1f%%", m, PipelineResult.median(s.ms), r.totalMs > 0 ? 100 * m / r.totalMs : 0))
            }
            var line = pad("", width) + " " + pad("total", 16) + String(format: " %9.1f", r.totalMs)
            if let baseline, let versus, baseline.label != r.label, r.totalMs > 0 {
                line += String(format: "   %.1fx faster than ", baseline.totalMs / r.totalMs) + versus
            }
            if let ap = r.ap50 { line += String(format: "   AP50 %.3f", ap) }
            print(line)
            print("")
        }
        print("reference (2015, K40 GPU, VGG16): R-CNN 50 s, Fast R-CNN 2 s, Faster R-CNN 0.2 s per image")
        let measured = results.map { $0.label + String(format: " %.2f s", $0.totalMs / 1000) }
        print("measured here (CPU): " + measured.joined(separator: ", ") + " per image")
    }
}
