import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Pipelines

/// `detect bench pipelines`: seconds per 640×480 image, stage by stage, for
/// each pipeline with its bundled model, without touching a store.
public struct BenchPipelines: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Measure each pipeline's seconds per 640x480 image, stage by stage (bundled models).",
        discussion: """
            Every image is decoded (the decode stage) and, when it is not already 640x480, resized to \
            640x480 (not timed), so the figures are per 640x480 image whatever the input. Each pipeline \
            first processes one warm-up image (not timed); the figures are means over --repeats passes \
            over the images. Without images, the bundled samples (samples/bccd, found next to the \
            pipelines/ folder) are used. Figures only mean something for a release build.
            """)

    @Argument(help: ArgumentHelp("JPEG files or folders (default: the bundled samples).", valueName: "images"))
    var images: [String] = []

    @Option(help: "Pipeline to measure: a pipeline file's name (rcnn, fast-rcnn, faster-rcnn, faster-rcnn-mobilenet, …), a YAML path, all (the three classic pipelines) or bundled (every pipeline file whose model is there). Default: all, or with --model the pipeline the model carries.")
    var pipeline: String?

    @Option(help: ArgumentHelp("A trained model to measure: alone, with the pipeline it carries; with a single --pipeline, in that pipeline.", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("Use at most this many images.", valueName: "n"))
    var limit: Int = 4

    @Option(help: ArgumentHelp("Passes over the images (means are over all of them).", valueName: "n"))
    var repeats: Int = 1

    @Flag(help: "End with one JSON line: build, images, width, height, and per pipeline seconds_per_image, stages (seconds), target_seconds, meets_target.")
    var json = false

    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    /// The issue's targets, seconds per 640×480 image on this 2-core machine.
    static let targets: [PipelineArchitecture: Double] = [.rcnn: 10, .fastRCNN: 0.5, .fasterRCNN: 0.1]
    static let width = PipelineBenchmark.width, height = PipelineBenchmark.height

    public func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if model != nil, pipeline == "all" || pipeline == "bundled" { throw ValidationError("--model needs a single --pipeline (or none)") }
    }

    public func run() throws {
        try reportingFailure {
            var files = try ImageFiles.find(images.isEmpty ? [try Self.bundledSamples()] : images)
            files = Array(files.prefix(limit))
            guard !files.isEmpty else { throw ValidationError("no JPEG images to measure") }
            let names: [String?] = model != nil ? [pipeline]
                : (pipeline ?? "all") == "all" ? PipelineArchitecture.allCases.map { $0.rawValue as String? }
                : pipeline == "bundled" ? Self.bundledPipelines().map { $0 as String? } : [pipeline]
            print("\(files.count) image(s) at \(Self.width)x\(Self.height), \(repeats) pass(es), after one warm-up image; "
                  + "\(BenchSupport.buildConfiguration) build")
            var results: [(name: String, kind: PipelineArchitecture, stages: [(stage: String, seconds: Double)], total: Double)] = []
            for name in names {
                let resolved = try PipelineLocator.resolve(pipeline: name, model: model)
                let detector = try DetectionPipeline(config: resolved.config, modelPath: resolved.modelPath)
                let stages = try PipelineBenchmark(repeats: repeats).measure(detector, files: files).stages
                results.append((resolved.config.name, resolved.config.architecture, stages, stages.reduce(0) { $0 + $1.seconds }))
            }
            print("")
            let width = max(13, results.map(\.name.count).max() ?? 0)
            let header = pad("pipeline", width) + " stage              seconds   share"
            print(header)
            print(String(repeating: "-", count: header.count))
            for r in results {
                for (i, s) in r.stages.enumerated() {
                    print(pad(i == 0 ? r.name : "", width) + " " + pad(s.stage, 16)
                          + String(format: " %9.4f %6.1f%%", s.seconds, r.total > 0 ? 100 * s.seconds / r.total : 0))
                }
                let target = Self.targets[r.kind]!
                print(pad("", width) + " " + pad("total", 16) + String(format: " %9.4f   target <= %g s: %@", r.total, target,
                                                                    r.total <= target ? "met" : "NOT met"))
                print("")
            }
            if json {
                var pipelines: [String: Any] = [:]
                for r in results {
                    var stages: [String: Any] = [:]
                    for s in r.stages { stages[s.stage] = s.seconds }
                    let target = Self.targets[r.kind]!
                    pipelines[r.name] = ["seconds_per_image": r.total, "stages": stages, "architecture": r.kind.rawValue,
                                                  "target_seconds": target, "meets_target": r.total <= target]
                }
                print(jsonLine(["build": BenchSupport.buildConfiguration, "images": files.count,
                                "width": Self.width, "height": Self.height, "pipelines": pipelines]))
            }
        }
    }

    /// The three classic pipelines, then every other pipeline file whose model is bundled.
    static func bundledPipelines() -> [String] {
        let classic = PipelineArchitecture.allCases.map(\.rawValue)
        guard let dir = PipelineLocator.pipelinesDirectory ?? PipelineLocator.locate("pipelines", directory: true),
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return classic }
        let others = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.filter { !classic.contains($0) }.sorted()
            .filter { name in
                // Only listing: read the file without announcing it as loaded (the measurement loads it).
                let path = (dir as NSString).appendingPathComponent(name + ".yaml")
                guard let config = try? PipelineConfig.load(path: path) else { return false }
                return FileManager.default.fileExists(atPath: PipelineLocator.modelPath(for: config, configPath: path))
            }
        return classic + others
    }

    /// `samples/bccd` of the project, looked up like the pipeline files.
    static func bundledSamples() throws -> String {
        if let found = PipelineLocator.locate("samples/bccd", directory: true) { return found }
        throw ValidationError("no images given and the bundled samples (samples/bccd) were not found here or next to the detect executable")
    }
}
