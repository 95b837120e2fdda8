import Foundation
import NeuralNet

/// A trained model as one safetensors file: the weights under torchvision's
/// state-dict names, and in `__metadata__` what is needed to use them — the
/// pipeline, the class names, and the configuration it was trained with.
public struct ModelBundle {
    public static let formatVersion = "1"

    public var pipeline: PipelineKind
    public var classes: [String]
    public var tensors: [String: Tensor]
    /// Free-form facts (training command, epochs, seconds, dataset).
    public var info: [String: String]

    public init(pipeline: PipelineKind, classes: [String], tensors: [String: Tensor], info: [String: String] = [:]) {
        self.pipeline = pipeline
        self.classes = classes
        self.tensors = tensors
        self.info = info
    }

    public func save(to path: String) throws {
        var metadata = info
        metadata["format"] = "detect-model"
        metadata["format_version"] = Self.formatVersion
        metadata["pipeline"] = pipeline.rawValue
        metadata["classes"] = String(data: try JSONSerialization.data(withJSONObject: classes), encoding: .utf8)!
        let tmp = path + ".partial"
        try SafeTensors.save(tensors, metadata: metadata, to: tmp)
        // Replace atomically so an interrupted save never leaves half a model.
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    public static func load(path: String) throws -> ModelBundle {
        let contents = try SafeTensors.read(path: path)
        let m = contents.metadata
        guard let kindName = m["pipeline"], let kind = PipelineKind(rawValue: kindName) else {
            throw PipelineError.modelMismatch(path: path, reason: "no pipeline name in the file's metadata (not a detect model?)")
        }
        guard let classText = m["classes"], let data = classText.data(using: .utf8),
              let classes = try? JSONSerialization.jsonObject(with: data) as? [String], !classes.isEmpty else {
            throw PipelineError.modelMismatch(path: path, reason: "no class list in the file's metadata")
        }
        var info = m
        for k in ["format", "format_version", "pipeline", "classes"] { info[k] = nil }
        return ModelBundle(pipeline: kind, classes: classes, tensors: contents.tensors, info: info)
    }
}
