import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Pipelines

/// `detect bench pipelines`: seconds per 640×480 image, stage by stage, for
/// any set of pipelines and trained models side by side (by default the
/// papers' three with their bundled models), without touching a store.
public struct BenchPipelines: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Measure each pipeline's seconds per 640x480 image, stage by stage (bundled or your own models).",
        discussion: """
            Every image is decoded (the decode stage) and, when it is not already 640x480, resized to \
            640x480 (not timed), so the figures are per 640x480 image whatever the input. Each pipeline \
            first processes one warm-up image (not timed); the figures are means over --repeats passes \
            over the images. Without images, the bundled samples (samples/bccd, found next to the \
            pipelines/ folder) are used. Name pipelines with --pipeline (a pipeline file, all, bundled, or \
            NAME=MODEL) and trained models with --model (each runs with the pipeline it carries); both \
            repeat, --pipeline entries first, then --model entries; with neither, the three classic \
            pipelines. With a single --pipeline NAME, the \
            --model files run in that pipeline instead. Two entries of one pipeline are told apart by \
            their model file (faster-rcnn:mine). Figures only mean something for a release build.
            """)

    @Argument(help: ArgumentHelp("JPEG files or folders (default: the bundled samples).", valueName: "images"))
    var images: [String] = []

    @OptionGroup var set: PipelineSetOptions

    @Option(help: ArgumentHelp("Use at most this many images.", valueName: "n"))
    var limit: Int = 4

    @Option(help: ArgumentHelp("Passes over the images (means are over all of them).", valueName: "n"))
    var repeats: Int = 1

    @Flag(help: "End with one JSON line: build, images, width, height, order, and per pipeline (keyed like the table) pipeline, model, seconds_per_image, stages (seconds), target_seconds, meets_target.")
    var json = false

    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    /// The issue's targets, seconds per 640×480 image on this 2-core machine.
    static let targets: [PipelineArchitecture: Double] = [.rcnn: 10, .fastRCNN: 0.5, .fasterRCNN: 0.1]
    static let width = PipelineBenchmark.width, height = PipelineBenchmark.height

    public func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    public func run() throws {
        try reportingFailure {
            var files = try ImageFiles.find(images.isEmpty ? [try Self.bundledSamples()] : images)
            files = Array(files.prefix(limit))
            guard !files.isEmpty else { throw ValidationError("no JPEG images to measure") }
            let entries = try self.entries()
            print("\(files.count) image(s) at \(Self.width)x\(Self.height), \(repeats) pass(es), after one warm-up image; "
                  + "\(BenchSupport.buildConfiguration) build")
            var results: [(name: String, model: String, kind: PipelineArchitecture, stages: [(stage: String, seconds: Double)], total: Double)] = []
            for resolved in entries {
                let detector = try DetectionPipeline(config: resolved.config, modelPath: resolved.modelPath)
                let measured = try PipelineBenchmark(repeats: repeats).measure(detector, files: files)
                results.append((resolved.config.name, resolved.modelPath, resolved.config.architecture, measured.stages, measured.total))
            }
            let labels = PipelineLabel.distinct(results.map { ($0.name, $0.model) })
            print("")
            let width = max(13, labels.map(\.count).max() ?? 0)
            let header = pad("pipeline", width) + " stage              seconds   share"
            print(header)
            print(String(repeating: "-", count: header.count))
            for (r, label) in zip(results, labels) {
                for (i, s) in r.stages.enumerated() {
                    print(pad(i == 0 ? label : "", width) + " " + pad(s.stage, 16)
                          + String(format: " %9.4f %6.1f%%", s.seconds, r.total > 0 ? 100 * s.seconds / r.total : 0))
                }
                let target = Self.targets[r.kind]!
                print(pad("", width) + " " + pad("total", 16) + String(format: " %9.4f   target <= %g s: %@", r.total, target,
                                                                    r.total <= target ? "met" : "NOT met"))
                print("")
            }
            if json {
                var pipelines: [String: Any] = [:]
                for (r, label) in zip(results, labels) {
                    var stages: [String: Any] = [:]
                    for s in r.stages { stages[s.stage] = s.seconds }
                    let target = Self.targets[r.kind]!
                    pipelines[label] = ["pipeline": r.name, "model": r.model, "seconds_per_image": r.total, "stages": stages,
                                        "architecture": r.kind.rawValue, "target_seconds": target, "meets_target": r.total <= target]
                }
                print(jsonLine(["build": BenchSupport.buildConfiguration, "images": files.count,
                                "width": Self.width, "height": Self.height, "order": labels, "pipelines": pipelines]))
            }
        }
    }

    /// What to measure: a single --pipeline NAME with --model files runs each
    /// model in that pipeline; otherwise the set `compare` would run, with
    /// `bundled` standing for every pipeline whose model is there.
    func entries() throws -> [PipelineLocator.Resolved] {
        try PipelineLocator.resolveSet(pipelines: set.pipelines, models: set.models, modelsInSinglePipeline: true) { spec in
            spec == "bundled" ? Self.bundledPipelines() : nil
        }
    }

    /// The three classic pipelines, then every other pipeline file whose model is bundled.
    static func bundledPipelines() -> [String] {
        let classic = PipelineArchitecture.allCases.map(\.rawValue)
        guard let dir = PipelineLocator.toolkitPipelines(),
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
