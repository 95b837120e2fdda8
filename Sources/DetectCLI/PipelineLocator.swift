import ArgumentParser
import Foundation
import Pipelines

/// Finds pipeline files and the models they name. A pipeline name is looked
/// up as `<name>.yaml` in `--pipelines-dir` when given, otherwise in the
/// `pipelines/` folder that belongs to the executable: next to it or in one of
/// its parent folders (so `.build/release/detect` finds the project's own and
/// `/usr/local/bin/detect` finds `/usr/local/pipelines`). The working folder is
/// never searched, so a stray `pipelines/` there cannot win. A path to a YAML
/// file is used as it is.
enum PipelineLocator {
    /// Set by `--pipelines-dir`.
    nonisolated(unsafe) static var pipelinesDirectory: String?

    static func configPath(_ nameOrPath: String) throws -> String {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") { return nameOrPath }
        if let dir = pipelinesDirectory {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent("\(nameOrPath).yaml").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            throw PipelineError.unreadable(path: candidate, reason: "no such pipeline file in --pipelines-dir")
        }
        if let found = locate("pipelines/\(nameOrPath).yaml") { return found }
        throw PipelineError.unreadable(path: "pipelines/\(nameOrPath).yaml",
                                       reason: "no such pipeline file next to the detect executable (give --pipelines-dir or a YAML path)")
    }

    /// `relative` (a file, or a folder when `directory`) in the first search root
    /// that has it.
    static func locate(_ relative: String, directory: Bool = false) -> String? {
        for root in searchRoots() {
            let candidate = root.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue == directory {
                return candidate
            }
        }
        return nil
    }

    /// The pipelines folder names are looked up in (`--pipelines-dir`, else the
    /// toolkit's own): where a user's pipeline file finds its `base:` when the
    /// base is not next to it.
    static func toolkitPipelines() -> String? {
        pipelinesDirectory ?? locate("pipelines", directory: true)
    }

    /// The executable's folder and its parents.
    static func searchRoots() -> [URL] {
        var roots: [URL] = []
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        if dir.path == "/proc/self" || !FileManager.default.fileExists(atPath: dir.path) {
            dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        }
        for _ in 0..<5 {
            roots.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        return roots
    }

    /// The pipeline file's configuration and the path it was read from.
    static func load(_ nameOrPath: String) throws -> (config: PipelineConfig, path: String) {
        let path = try configPath(nameOrPath)
        printError("pipeline \(nameOrPath): \(URL(fileURLWithPath: path).standardized.path)")
        return (try PipelineConfig.load(path: path, baseDirectories: toolkitPipelines().map { [$0] } ?? []), path)
    }

    /// Where a pipeline file's `backbone.weights` are looked up: its project
    /// roots (`projectRoots(of:)`), then the toolkit's own.
    static func weightsRoots(for configPath: String) -> [String] {
        var roots = projectRoots(of: configPath)
        for root in searchRoots().map(\.path) where !roots.contains(root) { roots.append(root) }
        return roots
    }

    /// A pipeline ready to load: its configuration, the text that identifies
    /// it in the store (the file's, or the configuration the model carries)
    /// and the model file.
    struct Resolved {
        var config: PipelineConfig
        var configText: String
        var modelPath: String
    }

    /// What `--pipeline P` and `--model FILE` name together: the pipeline
    /// file with its own model or the one given, or — with a model alone — the
    /// pipeline the model carries. Neither: `fallback`. A pipeline file's model
    /// that is not there yet is an error saying how to train it, in the words
    /// the user typed, unless `requireModel` is false.
    static func resolve(pipeline: String?, model: String?, fallback: String = "faster-rcnn",
                        requireModel: Bool = true) throws -> Resolved {
        if pipeline == nil, let model {
            guard FileManager.default.fileExists(atPath: model) else {
                throw PipelineError.unreadable(path: model, reason: "no such model file")
            }
            let bundle = try ModelBundle.load(path: model)
            guard let config = bundle.config else { throw DetectionPipeline.noPipeline(model, bundle) }
            printError("pipeline \(config.name): carried by \(model)")
            return Resolved(config: config, configText: try config.jsonText(), modelPath: model)
        }
        let spec = pipeline ?? fallback
        let (config, path) = try load(spec)
        let resolvedModel = model ?? modelPath(for: config, configPath: path)
        if requireModel, !FileManager.default.fileExists(atPath: resolvedModel) {
            throw PipelineError.unreadable(path: resolvedModel, reason: model != nil ? "no such model file"
                : "no such model file (train one with `detect train --pipeline \(spec) --dataset NAME --out \(resolvedModel)`)")
        }
        return Resolved(config: config, configText: try PipelineConfig.text(ofFile: path), modelPath: resolvedModel)
    }

    /// `NAME=MODEL` → (NAME, MODEL); a spec that is an existing file (a YAML
    /// path with '=' in it) is taken whole.
    static func split(_ spec: String) -> (pipeline: String, model: String?) {
        guard !FileManager.default.fileExists(atPath: spec), let eq = spec.firstIndex(of: "=") else { return (spec, nil) }
        let model = String(spec[spec.index(after: eq)...])
        return (String(spec[..<eq]), model.isEmpty ? nil : model)
    }

    /// The set of pipelines that `compare`, `bench pipelines` and `run` put
    /// side by side: each `--pipeline` spec (NAME or NAME=MODEL; `all` is the
    /// papers' three, and `expand` may turn other keywords into several names),
    /// then each `--model` with the pipeline it carries; neither gives
    /// `defaults` with their bundled models. With `modelsInSinglePipeline`, one
    /// plain `--pipeline NAME` and some `--model` files mean those models run in
    /// that pipeline (`run` and `bench`), not that pipeline beside them.
    static func resolveSet(pipelines: [String], models: [String],
                           defaults: [String] = PipelineArchitecture.allCases.map(\.rawValue),
                           modelsInSinglePipeline: Bool = false,
                           expand: (String) -> [String]? = { _ in nil }) throws -> [Resolved] {
        func expandAll(_ spec: String) -> [String]? { spec == "all" ? PipelineArchitecture.allCases.map(\.rawValue) : expand(spec) }
        if modelsInSinglePipeline, pipelines.count == 1, !models.isEmpty, let only = pipelines.first,
           expandAll(only) == nil, split(only).model == nil {
            return try models.map { try resolve(pipeline: only, model: $0) }
        }
        var resolved: [Resolved] = []
        for spec in pipelines {
            if let names = expandAll(spec) {
                for name in names { resolved.append(try resolve(pipeline: name, model: nil)) }
                continue
            }
            let (name, model) = split(spec)
            resolved.append(try resolve(pipeline: name, model: model))
        }
        for model in models { resolved.append(try resolve(pipeline: nil, model: model)) }
        if resolved.isEmpty { resolved = try defaults.map { try resolve(pipeline: $0, model: nil) } }
        return resolved
    }

    /// The folders a pipeline file's relative paths are looked up in: the
    /// project it belongs to, the folder above `pipelines/` for a file in one;
    /// else the file's own folder (a user's `my.yaml` with `model:
    /// my.safetensors` beside it), then the folder above it.
    static func projectRoots(of configPath: String) -> [String] {
        let folder = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        let above = folder.deletingLastPathComponent().path
        return folder.lastPathComponent == "pipelines" ? [above] : [folder.path, above]
    }

    /// A model path from a pipeline file: relative paths are relative to the
    /// project roots (`projectRoots(of:)`), then to the executable's.
    static func modelPath(for config: PipelineConfig, configPath: String) -> String {
        if config.model.hasPrefix("/") { return config.model }
        for root in projectRoots(of: configPath) {
            let candidate = URL(fileURLWithPath: root).appendingPathComponent(config.model).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        // A pipeline file from elsewhere (--pipelines-dir) may name a bundled model.
        return locate(config.model) ?? config.model
    }
}

/// `--pipelines-dir DIR`, for the commands that load pipeline files.
public struct PipelineDirectoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of pipeline files to look names up in (default: the pipelines/ folder that belongs to the detect executable).", valueName: "dir"))
    public var pipelinesDir: String?

    public init() {}

    public mutating func validate() throws {
        if let pipelinesDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: pipelinesDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--pipelines-dir \(pipelinesDir): no such folder")
            }
            PipelineLocator.pipelinesDirectory = pipelinesDir
        }
    }
}
