import ArgumentParser
import Foundation
import Imaging
import Pipelines
import Store
import Training

/// `detect run`: runs one or several pipelines (files or trained models) over
/// JPEG files and folders, storing one run per pipeline with its detections
/// and per-stage timings.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Detect objects in JPEG images with R-CNN, Fast R-CNN, Faster R-CNN or all three.",
        discussion: """
            Folders are searched recursively for .jpg/.jpeg files (any case). Each image's results are \
            stored in one transaction; re-running the same command resumes an interrupted run without \
            duplicating rows. Unreadable or corrupt files are reported and skipped. Every --pipeline and \
            --model makes a run of its own (--pipeline entries first); with neither, faster-rcnn with its \
            bundled model. With a single --pipeline NAME, the --model files run in that pipeline instead, \
            which must be of each model's architecture and backbone.
            """)

    @Argument(help: ArgumentHelp("JPEG files or folders.", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Also process the JPEG files listed in this file, one path per line.", valueName: "list"))
    var filesFrom: String?

    @Option(help: ArgumentHelp("Process only shard K of N (K/N, 0-based): files whose path hash modulo N is K. auto/N takes K from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID; auto also takes N from SLURM_ARRAY_TASK_COUNT.", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Name shared by the shards of one logical run (default: DETECT_RUN_GROUP or slurm-$SLURM_ARRAY_JOB_ID).", valueName: "name"))
    var runGroup: String?

    @OptionGroup var set: PipelineSetOptions

    @Option(help: ArgumentHelp("Write annotated copies of the images into this folder, one subfolder per pipeline (per model, faster-rcnn:mine, when two share a pipeline).", valueName: "dir"))
    var draw: String?

    @Option(help: ArgumentHelp("Keep detections scoring at least this (default: the pipeline file's threshold).", valueName: "x"))
    var scoreThreshold: Float?

    @Option(help: ArgumentHelp("Skip images whose JPEG header claims more megapixels than this, before decoding.", valueName: "n"))
    var maxMegapixels: Int = 200

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func validate() throws {
        if paths.isEmpty && filesFrom == nil { throw ValidationError("give JPEG files or folders, or --files-from LIST") }
        if !(1...100_000).contains(maxMegapixels) { throw ValidationError("--max-megapixels must be within 1...100000") }
        if let t = scoreThreshold, !(0...1).contains(t) { throw ValidationError("--score-threshold must be within 0...1") }
    }

    public func run() throws {
        try reportingFailure {
            JPEG.maximumPixels = maxMegapixels * 1_000_000
            let shard = try self.shard.map { try Sharding.parse($0) }
            let group = runGroup ?? (shard != nil ? Sharding.group() : nil)
            let found = try ImageFiles.findFiles(paths + (try filesFrom.map(ImageFiles.listed) ?? []))
            let files = Sharding.select(found, shard: shard).map(\.path)
            if let shard { printError("shard \(shard): \(files.count) of \(found.count) files") }
            let entries = try PipelineLocator.resolveSet(pipelines: set.pipelines, models: set.models, defaults: ["faster-rcnn"],
                                                         modelsInSinglePipeline: true)
            let labels = PipelineLabel.distinct(entries.map { ($0.config.name, $0.modelPath) })
            let store = try database.open()
            var runs: [[String: Any]] = []
            var skippedFiles = Set<String>()
            var imageCount = 0
            for (resolved, label) in zip(entries, labels) {
                var config = resolved.config
                // The detector filters by its own threshold first: a lower one asked
                // for here must reach it, or it could never go below the file's.
                if let scoreThreshold { config.postprocess.scoreThreshold = scoreThreshold }
                let detector = try DetectionPipeline(config: config, modelPath: resolved.modelPath)
                var runner = ImageRunner(store: store, pipeline: detector, configText: resolved.configText,
                                         scoreThreshold: scoreThreshold ?? config.postprocess.scoreThreshold, drawDirectory: draw)
                runner.drawSubfolder = label
                // Several pipelines in one sharded command are several logical runs:
                // each gets its own group, the same in every shard, so merge joins
                // each pipeline's shards and never one pipeline's with another's.
                let entryGroup = entries.count > 1 ? group.map { "\($0)/\(label)" } : group
                let result = try runner.run(files: files, comparisonID: nil, shard: shard, group: entryGroup)
                skippedFiles.formUnion(result.skipped)
                imageCount = max(imageCount, result.images)
                var entry: [String: Any] = ["pipeline": config.name, "label": label, "architecture": config.architecture.rawValue,
                                            "model": resolved.modelPath, "run_id": result.runID, "run_uuid": result.runUUID,
                                            "images": result.images, "detections": result.detections]
                if let shard { entry["shard"] = shard.description }
                runs.append(entry)
                print("\(label): run \(result.runID), \(result.images) images, \(result.detections) detections" +
                      (result.resumedImages > 0 ? " (\(result.resumedImages) already done)" : "") +
                      String(format: ", %.0f ms per image", result.meanMilliseconds))
            }
            if !skippedFiles.isEmpty { print("skipped \(skippedFiles.count) unreadable file(s)") }
            if json {
                var summary: [String: Any] = ["run_id": runs.first?["run_id"] ?? NSNull(), "runs": runs,
                                              "images": imageCount, "skipped": skippedFiles.count]
                if let shard { summary["shard"] = shard.description; summary["files_total"] = found.count; summary["files_in_shard"] = files.count }
                print(jsonLine(summary))
            }
        }
    }
}

