import Foundation
import NeuralNet
import Pipelines

/// The checkpoint every trainer writes after each epoch: the model bundle
/// (weights, class list, pipeline) with the epochs done and the seed in its
/// metadata, and the optimizer's momentum under `optimizer.momentum.`. Resuming
/// restores both, so the continued run equals an uninterrupted one.
enum TrainingCheckpoint {
    static let momentumPrefix = "optimizer.momentum."

    static func save(_ bundle: ModelBundle, epoch: Int, seed: UInt64, images: Int, sgd: SGD, to path: String) throws {
        var bundle = bundle
        bundle.info["epoch"] = String(epoch)
        bundle.info["seed"] = String(seed)
        bundle.info["images"] = String(images)
        for (name, t) in sgd.momentumState() { bundle.tensors[momentumPrefix + name] = t }
        try bundle.save(to: path)
    }

    /// Loads `path` into `state` and `sgd`; returns the epochs it had done.
    static func restore(_ path: String, pipeline: PipelineConfig, classes: [String], seed: UInt64,
                        into state: [Parameter], sgd: SGD) throws -> Int {
        let bundle = try ModelBundle.load(path: path)
        guard bundle.pipeline == pipeline.name, bundle.architecture == pipeline.architecture, bundle.classes == classes else {
            throw TrainingError.checkpoint(path: path, reason: "it belongs to pipeline \(bundle.pipeline) (\(bundle.architecture.title)) with classes \(bundle.classes)")
        }
        guard bundle.info["seed"] == String(seed) else {
            throw TrainingError.checkpoint(path: path, reason: "it was trained with seed \(bundle.info["seed"] ?? "?"), not \(seed)")
        }
        let wanted = Set(state.map(\.name))
        let model = bundle.tensors.filter { !$0.key.hasPrefix(momentumPrefix) && wanted.contains($0.key) }
        let report = try StateDict.load(model, into: state, strict: false)
        guard report.missing.isEmpty, report.shapeMismatches.isEmpty else {
            throw TrainingError.checkpoint(path: path, reason: report.description)
        }
        var momentum: [String: Tensor] = [:]
        for (k, v) in bundle.tensors where k.hasPrefix(momentumPrefix) { momentum[String(k.dropFirst(momentumPrefix.count))] = v }
        try sgd.restoreMomentum(momentum)
        return Int(bundle.info["epoch"] ?? "0") ?? 0
    }
}
