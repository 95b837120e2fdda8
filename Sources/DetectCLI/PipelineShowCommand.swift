import ArgumentParser
import Foundation
import Pipelines

/// `detect pipeline`: what a pipeline is, from its file or from the model it trained.
public struct PipelineCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Show a pipeline: its name, architecture, stages and resolved configuration.",
        subcommands: [PipelineShowCommand.self])

    public init() {}
}

/// `detect pipeline show NAME` or `detect pipeline show --model FILE`: the
/// resolved configuration (after `base:`), as the store and a trained model see it.
public struct PipelineShowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a pipeline's name, architecture, stages and model, and its resolved configuration as JSON.",
        discussion: """
            A pipeline is a file's name (looked up like --pipeline elsewhere) or a YAML path; with --model \
            alone, the pipeline the trained model carries, with the model's classes and training facts.
            """)

    @Argument(help: ArgumentHelp("A pipeline file's name or YAML path.", valueName: "name"))
    var pipeline: String?

    @Option(help: ArgumentHelp("A trained model: show the pipeline it carries (or, with a name, check that it fits).", valueName: "file"))
    var model: String?

    @Flag(help: "Print one JSON line: name, architecture, stages, model, configuration (and with --model: classes, info).")
    var json = false

    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func validate() throws {
        if pipeline == nil && model == nil { throw ValidationError("name a pipeline or give --model FILE") }
    }

    public func run() throws {
        try reportingFailure {
            let resolved = try PipelineLocator.resolve(pipeline: pipeline, model: model, requireModel: false)
            let config = resolved.config
            var bundle: ModelBundle?
            if model != nil || FileManager.default.fileExists(atPath: resolved.modelPath) {
                bundle = try ModelBundle.load(path: resolved.modelPath)
                if let bundle { try DetectionPipeline.checkFits(config: config, bundle: bundle, modelPath: resolved.modelPath) }
            }
            let configuration = try JSONSerialization.jsonObject(with: Data(try config.jsonText().utf8))
            if json {
                var line: [String: Any] = ["name": config.name, "architecture": config.architecture.rawValue,
                                           "stages": config.stages, "model": resolved.modelPath, "configuration": configuration]
                if let bundle { line["classes"] = bundle.classes; line["info"] = bundle.info }
                print(jsonLine(line))
                return
            }
            print("pipeline      \(config.name)")
            print("architecture  \(config.architecture.title)")
            print("stages        \(config.stages.joined(separator: " -> "))")
            print("backbone      \(config.backbone.type.rawValue), stride \(config.backbone.stride), weights \(config.backbone.weights)")
            if config.neck.type != .none {
                let levels = config.neck.levelStrides(backboneStride: config.backbone.stride)
                print("neck          \(DetectionPipeline.describe(config.neck)); levels at strides "
                      + levels.map(String.init).joined(separator: ", "))
            }
            print("model         \(resolved.modelPath)" + (bundle == nil ? " (not there)" : ""))
            if let bundle {
                print("classes       \(bundle.classes.joined(separator: ", "))")
                for (key, value) in bundle.provenance { print(pad(key, 13) + " " + value) }
            }
        }
    }
}
