import ArgumentParser
import Foundation
import Evaluation
import Pipelines
import Store

/// `detect compare`: the three generations side by side on the same images,
/// stage by stage, with their accuracy when the images are annotated.
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run R-CNN, Fast R-CNN and Faster R-CNN on the same images and compare them stage by stage.",
        discussion: """
            Each pipeline first processes one warm-up image (not timed, not stored), then every image; the \
            three runs are stored under one comparison id. The table gives mean and median milliseconds per \
            image for each stage, its share of the pipeline's time, each pipeline's total and speed-up over \
            R-CNN, and AP at IoU 0.5 when the images are annotated in the store.
            """)

    @Argument(help: ArgumentHelp("Folder of JPEG images (or use --dataset).", valueName: "folder"))
    var folder: String?

    @Option(help: ArgumentHelp("Compare on a dataset of the store instead of a folder.", valueName: "name"))
    var dataset: String?

    @Option(help: ArgumentHelp("Split of --dataset to use.", valueName: "name"))
    var split: String = "test"

    @Option(help: ArgumentHelp("Use at most this many images.", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Also write a self-contained HTML report here.", valueName: "file"))
    var report: String?

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func validate() throws {
        if (folder == nil) == (dataset == nil) { throw ValidationError("give either a folder or --dataset") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    public func run() throws {
        try reportingFailure {
            let workflow = ComparisonWorkflow(store: try database.open(), dataset: dataset)
            var files = try folder.map { try ImageFiles.find([$0]) } ?? workflow.files(split: split)
            if let limit { files = Array(files.prefix(limit)) }
            let entries = try PipelineKind.allCases.map { kind -> ComparisonWorkflow.Entry in
                let (config, configPath) = try PipelineLocator.load(kind.rawValue)
                return .init(config: config, configText: try String(contentsOfFile: configPath, encoding: .utf8),
                             modelPath: PipelineLocator.modelPath(for: config, configPath: configPath))
            }
            let (comparisonID, results) = try workflow.run(entries, files: files)
            printTable(results, comparisonID: comparisonID, imageCount: files.count)
            if let report {
                try writeComparisonReport(store: workflow.store, comparisonID: comparisonID, to: report, dataset: dataset)
                print("report: \(report)")
            }
            if json {
                var pipelines: [String: Any] = [:]
                for r in results {
                    var stages: [String: Any] = [:]
                    for s in r.stages { stages[s.stage] = PipelineResult.mean(s.ms) }
                    pipelines[r.kind.rawValue] = ["run_id": r.runID, "total_ms": r.totalMs, "stages": stages,
                                                  "ap50": r.ap50.map { $0 as Any } ?? NSNull()]
                }
                print(jsonLine(["comparison_id": comparisonID, "pipelines": pipelines]))
            }
        }
    }

    typealias PipelineResult = ComparisonWorkflow.PipelineResult

    func printTable(_ results: [PipelineResult], comparisonID: Int64, imageCount: Int) {
        print("comparison \(comparisonID): \(imageCount) images, after one warm-up image")
        print("")
        let header = "pipeline      stage              mean ms   median ms   share"
        print(header)
        print(String(repeating: "-", count: header.count))
        let rcnnTotal = results.first { $0.kind == .rcnn }?.totalMs
        for r in results {
            for (i, s) in r.stages.enumerated() {
                let m = PipelineResult.mean(s.ms)
                print(pad(i == 0 ? r.kind.rawValue : "", 13) + " " + pad(s.stage, 16) +
                      String(format: " %9.1f %11.1f %6.1f%%", m, PipelineResult.median(s.ms), r.totalMs > 0 ? 100 * m / r.totalMs : 0))
            }
            var line = pad("", 13) + " " + pad("total", 16) + String(format: " %9.1f", r.totalMs)
            if let rcnnTotal, r.kind != .rcnn, r.totalMs > 0 { line += String(format: "   %.1fx faster than R-CNN", rcnnTotal / r.totalMs) }
            if let ap = r.ap50 { line += String(format: "   AP50 %.3f", ap) }
            print(line)
            print("")
        }
        print("reference (2015, K40 GPU, VGG16): R-CNN 50 s, Fast R-CNN 2 s, Faster R-CNN 0.2 s per image")
        let measured = results.map { $0.kind.rawValue + String(format: " %.2f s", $0.totalMs / 1000) }
        print("measured here (CPU): " + measured.joined(separator: ", ") + " per image")
    }
}
