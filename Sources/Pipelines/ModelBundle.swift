import Foundation
import NeuralNet
import WeightFormats

/// A trained model as one safetensors file: the weights under torchvision's
/// state-dict names, and in `__metadata__` what is needed to use them — the
/// pipeline's name and architecture, the class names, and the whole resolved
/// pipeline configuration it was trained with, so the file alone can be run
/// (as a detectron2 config with its checkpoint).
public struct ModelBundle {
    public static let formatVersion = "1"

    /// The name of the pipeline that trained it.
    public var pipeline: String
    public var architecture: PipelineArchitecture
    /// The resolved pipeline configuration (nil for models trained before
    /// models carried it).
    public var config: PipelineConfig?
    public var classes: [String]
    public var tensors: [String: Tensor]
    /// Free-form facts (training command, epochs, seconds, dataset).
    public var info: [String: String]

    /// A model of `config`'s pipeline.
    public init(config: PipelineConfig, classes: [String], tensors: [String: Tensor], info: [String: String] = [:]) {
        self.init(pipeline: config.name, architecture: config.architecture, config: config,
                  classes: classes, tensors: tensors, info: info)
    }

    public init(pipeline: String, architecture: PipelineArchitecture, config: PipelineConfig?, classes: [String],
                tensors: [String: Tensor], info: [String: String] = [:]) {
        self.pipeline = pipeline
        self.architecture = architecture
        self.config = config
        self.classes = classes
        self.tensors = tensors
        self.info = info
    }

    /// How the model was trained, in reading order (the `info` facts a person
    /// asks for first): what `pipeline show --model` and reports print.
    public var provenance: [(key: String, value: String)] { Self.provenance(info) }

    /// The same facts from a model file's metadata alone (its tensors unread).
    public static func provenance(ofFile path: String) throws -> [(key: String, value: String)] {
        provenance(try SafeTensors.metadata(path: path))
    }

    static func provenance(_ facts: [String: String]) -> [(key: String, value: String)] {
        ["dataset", "split", "images", "epochs", "seconds", "command"].compactMap { key in facts[key].map { (key, $0) } }
    }

    /// Metadata keys the bundle owns (everything else is `info`).
    static let ownKeys = ["format", "format_version", "pipeline", "architecture", "pipeline_config", "classes"]

    public func metadata() throws -> [String: String] {
        var metadata = info
        metadata["format"] = "detect-model"
        metadata["format_version"] = Self.formatVersion
        metadata["pipeline"] = pipeline
        metadata["architecture"] = architecture.rawValue
        if let config { metadata["pipeline_config"] = try config.jsonText() }
        metadata["classes"] = String(decoding: try JSONSerialization.data(withJSONObject: classes), as: UTF8.self)
        return metadata
    }

    public func save(to path: String) throws {
        let tmp = path + ".partial"
        try SafeTensors.save(tensors, metadata: try metadata(), to: tmp)
        // Replace atomically so an interrupted save never leaves half a model.
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    public static func load(path: String) throws -> ModelBundle {
        let contents = try SafeTensors.read(path: path)
        let m = contents.metadata
        guard let name = m["pipeline"], !name.isEmpty else {
            throw PipelineError.modelMismatch(path: path, reason: "no pipeline name in the file's metadata (not a detect model?)")
        }
        guard let classText = m["classes"], let data = classText.data(using: .utf8),
              let classes = try? JSONSerialization.jsonObject(with: data) as? [String], !classes.isEmpty else {
            throw PipelineError.modelMismatch(path: path, reason: "no class list in the file's metadata")
        }
        var config: PipelineConfig?
        if let text = m["pipeline_config"] {
            do { config = try PipelineConfig.parseJSON(text, path: path) } catch {
                throw PipelineError.modelMismatch(path: path, reason: "the pipeline configuration it carries is not usable: \(error)")
            }
        }
        // Models from before the architecture was recorded were named after it.
        guard let architecture = m["architecture"].flatMap(PipelineArchitecture.init(rawValue:))
                ?? config?.architecture ?? PipelineArchitecture(rawValue: name) else {
            throw PipelineError.modelMismatch(path: path, reason: "its metadata names pipeline '\(PipelineConfig.printable(name))' without its architecture")
        }
        if let config, config.architecture != architecture || config.name != name {
            throw PipelineError.modelMismatch(path: path, reason: "its metadata says pipeline \(PipelineConfig.printable(name)) (\(architecture.rawValue)) but carries the configuration of \(config.name) (\(config.architecture.rawValue))")
        }
        var info = m
        for k in ownKeys { info[k] = nil }
        return ModelBundle(pipeline: name, architecture: architecture, config: config, classes: classes,
                           tensors: contents.tensors, info: info)
    }
}
