import Foundation
import Pipelines

/// Finds pipeline files and the models they name. A pipeline is looked up as
/// `pipelines/<name>.yaml` in the current directory, then next to the
/// executable and in its parent directories (so `.build/release/detect` finds
/// the project's own files); a path to a YAML file is used as it is.
enum PipelineLocator {
    static func configPath(_ nameOrPath: String) throws -> String {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") { return nameOrPath }
        if let found = locate("pipelines/\(nameOrPath).yaml") { return found }
        throw PipelineError.unreadable(path: "pipelines/\(nameOrPath).yaml",
                                       reason: "no such pipeline file here or next to the detect executable")
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

    static func searchRoots() -> [URL] {
        var roots = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if !CommandLine.arguments[0].contains("/") {
            dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        }
        for _ in 0..<5 {
            roots.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        return roots
    }

    /// The pipeline file's configuration and the path it was read from, its
    /// backbone weights (`imagenet` or a relative path) resolved against the
    /// project root so they are found from any working directory.
    static func load(_ nameOrPath: String) throws -> (config: PipelineConfig, path: String) {
        let path = try configPath(nameOrPath)
        var config = try PipelineConfig.load(path: path)
        if let weights = config.backbone.pretrainedPath(projectRoot: projectRoot(of: path)) {
            config.backbone.weights = weights
        }
        return (config, path)
    }

    /// The directory above `pipelines/`.
    static func projectRoot(of configPath: String) -> String {
        URL(fileURLWithPath: configPath).deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// A model path from a pipeline file: relative paths are relative to the
    /// project root, the directory above `pipelines/`.
    static func modelPath(for config: PipelineConfig, configPath: String) -> String {
        if config.model.hasPrefix("/") { return config.model }
        let root = URL(fileURLWithPath: configPath).deletingLastPathComponent().deletingLastPathComponent()
        let candidate = root.appendingPathComponent(config.model).path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        return config.model
    }
}
